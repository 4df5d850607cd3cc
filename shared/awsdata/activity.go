package awsdata

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Thresholds and limits of what activity says.
const (
	// minDeniedRecon is how many denied calls make reconnaissance: a
	// principal probing what it may do, rather than one mistaken call.
	minDeniedRecon = 5
	// maxNamedCalls is how many event names evidence lists.
	maxNamedCalls = 3
	// maxUserAgent is how much of a user agent evidence quotes.
	maxUserAgent = 120
)

// deniedErrors are the errorCodes CloudTrail records a refused call with.
var deniedErrors = map[string]bool{
	"AccessDenied":                 true,
	"AccessDeniedException":        true,
	"UnauthorizedOperation":        true,
	"Client.UnauthorizedOperation": true,
}

// callEvidence says how many calls tr holds, from how many IPs, of what,
// and, when enough were denied, that the caller was probing. No calls
// give no evidence: CloudTrail does not know the caller.
func callEvidence(tr trail, window time.Duration) []investigation.Evidence {
	if len(tr.events) == 0 {
		return nil
	}

	// the calls, from where, of what
	ips := map[string]bool{}
	names := map[string]int{}
	denied := 0
	for _, e := range tr.events {
		if e.ip != "" {
			ips[e.ip] = true
		}
		names[e.name]++
		if deniedErrors[e.errorCode] {
			denied++
		}
	}
	text := fmt.Sprintf("%s from %s in the last %s", count(tr), plural(len(ips), "IP"),
		formatWindow(window))
	if top := mostCommon(names, maxNamedCalls); len(top) > 0 {
		text += ", including " + strings.Join(top, ", ")
	}
	ev := []investigation.Evidence{cloudtrailEvidence(investigation.VerdictUnknown, text)}

	// denied calls in volume
	if denied >= minDeniedRecon {
		ev = append(ev, cloudtrailEvidence(investigation.VerdictSuspicious,
			fmt.Sprintf("%d calls denied: reconnaissance", denied)))
	}
	return ev
}

// callerIPs returns the IPs tr's calls came from; kind names the relation
// of a call, such as "called_from". An IP gets one relation per kind.
func callerIPs(tr trail, window time.Duration, kind func(event) string) []datasource.Related {
	// the calls of each IP and kind
	type use struct{ ip, kind string }
	calls := map[use][]event{}
	var order []use
	for _, e := range tr.events {
		if e.ip == "" {
			continue
		}
		u := use{e.ip, kind(e)}
		if calls[u] == nil {
			order = append(order, u)
		}
		calls[u] = append(calls[u], e)
	}

	// what each IP did
	var rel []datasource.Related
	for _, u := range order {
		text := fmt.Sprintf("%s in the last %s", plural(len(calls[u]), "API call"),
			formatWindow(window))
		if ua := userAgent(calls[u]); ua != "" {
			text += ", user agent " + ua
		}
		rel = append(rel, datasource.Related{
			Entity: alert.Entity{Type: alert.EntityIP, Key: u.ip},
			Kind:   u.kind,
			Evidence: []investigation.Evidence{
				cloudtrailEvidence(investigation.VerdictUnknown, text)},
		})
	}
	return rel
}

// calledFrom relates every call's IP as "called_from".
func calledFrom(event) string { return "called_from" }

// signedInFrom relates a console sign-in's IP as "signed_in_from", and
// any other call's as "called_from".
func signedInFrom(e event) string {
	if e.name == "ConsoleLogin" {
		return "signed_in_from"
	}
	return "called_from"
}

// owners returns the principals that made tr's calls, as "owned_by".
func owners(tr trail) []datasource.Related {
	var rel []datasource.Related
	seen := map[string]bool{}
	for _, e := range tr.events {
		u := userEntity(e.principal)
		if e.principal.kind == "" || seen[u.Key] {
			continue
		}
		seen[u.Key] = true
		rel = append(rel, datasource.Related{Entity: u, Kind: "owned_by"})
	}
	return rel
}

// accessed returns the resources tr's calls named, as "accessed": those
// named by ARN, S3 buckets, and EC2 instances as hosts.
func accessed(tr trail) []datasource.Related {
	var rel []datasource.Related
	seen := map[string]bool{}
	for _, e := range tr.events {
		for _, r := range e.resources {
			ent, ok := resourceEntity(r, cmp.Or(e.principal.partition, "aws"))
			if !ok || seen[ent.Ref()] {
				continue
			}
			seen[ent.Ref()] = true
			rel = append(rel, datasource.Related{Entity: ent, Kind: "accessed"})
		}
	}
	return rel
}

// resourceEntity returns the entity of a resource an event names, in
// partition; ok is false for a resource named in a way no alert keys.
func resourceEntity(r types.Resource, partition string) (alert.Entity, bool) {
	name, typ := aws.ToString(r.ResourceName), aws.ToString(r.ResourceType)
	switch {
	case strings.HasPrefix(name, "arn:"):
		return arnEntity(name)
	case typ == "AWS::S3::Bucket" && name != "":
		return arnEntity("arn:" + partition + ":s3:::" + name)
	case typ == "AWS::EC2::Instance" && isInstance(name):
		return alert.Entity{Type: alert.EntityHost, Key: name}, true
	}
	return alert.Entity{}, false
}

// arnEntity returns the entity an ARN names: a principal's is its user,
// an instance's its host, any other's a cloud resource.
func arnEntity(s string) (alert.Entity, bool) {
	a, err := arn.Parse(s)
	if err != nil {
		return alert.Entity{}, false
	}
	if p := parsePrincipal(s); p.kind != "" {
		return userEntity(p), true
	}
	where := alert.Attrs("account_id", a.AccountID, "region", a.Region)
	if id, ok := strings.CutPrefix(a.Resource, "instance/"); ok && a.Service == "ec2" {
		return alert.Entity{Type: alert.EntityHost, Key: id, Attributes: where}, true
	}
	name := a.Resource[strings.LastIndexAny(a.Resource, "/:")+1:]
	return alert.Entity{Type: alert.EntityCloudResource, Key: s, Name: name,
		Attributes: where}, true
}

// otherKeys returns the access keys other than key that tr's calls were
// made with, as "same_principal".
func otherKeys(tr trail, key string, window time.Duration) []datasource.Related {
	// the calls made with each other key
	type use struct {
		owner principal
		calls int
	}
	uses := map[string]*use{}
	var order []string
	for _, e := range tr.events {
		if e.accessKeyID == "" || e.accessKeyID == key {
			continue
		}
		if uses[e.accessKeyID] == nil {
			uses[e.accessKeyID] = &use{owner: e.principal}
			order = append(order, e.accessKeyID)
		}
		uses[e.accessKeyID].calls++
	}

	// each key, owned by the principal
	var rel []datasource.Related
	for _, id := range order {
		u := uses[id]
		text := fmt.Sprintf("%s by %s in the last %s", plural(u.calls, "API call"),
			u.owner.displayName(), formatWindow(window))
		rel = append(rel, datasource.Related{
			Entity: accessKeyEntity(id, u.owner),
			Kind:   "same_principal",
			Evidence: []investigation.Evidence{
				cloudtrailEvidence(investigation.VerdictUnknown, text)},
		})
	}
	return rel
}

// count says how many calls tr holds: "at least" as many when there were
// more than were read.
func count(tr trail) string {
	if tr.truncated {
		return "at least " + plural(len(tr.events), "API call")
	}
	return plural(len(tr.events), "API call")
}

// plural writes n and the noun, "1 IP" or "2 IPs".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// mostCommon returns up to n keys of counts, the most counted first.
func mostCommon(counts map[string]int, n int) []string {
	var keys []string
	for k := range counts {
		if k != "" {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	return keys[:min(n, len(keys))]
}

// userAgent returns the user agent most of events were made with,
// quoted and cut short.
func userAgent(events []event) string {
	counts := map[string]int{}
	for _, e := range events {
		counts[e.userAgent]++
	}
	top := mostCommon(counts, 1)
	if len(top) == 0 {
		return ""
	}
	ua := top[0]
	if r := []rune(ua); len(r) > maxUserAgent {
		ua = string(r[:maxUserAgent]) + "…"
	}
	return fmt.Sprintf("%q", ua)
}

// formatWindow writes a window as "24h", or as Duration.String writes it
// when it is no whole number of hours.
func formatWindow(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", d/time.Hour)
	}
	return d.String()
}

func cloudtrailEvidence(v investigation.Verdict, text string) investigation.Evidence {
	return investigation.Evidence{Verdict: v, Source: "cloudtrail", Text: text}
}
