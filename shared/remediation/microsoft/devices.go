package microsoft

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/remediation"
)

// codeAlreadyActive is Defender's error code for a machine action asked
// again while the same one is pending or in effect.
const codeAlreadyActive = "ActiveRequestAlreadyExists"

// machineAction is the part of a Defender machine action the provider
// keeps.
type machineAction struct {
	ID string `json:"id"`
}

// machineID returns Defender's id of the device host names: its
// "defender_machine_id" attribute, or the machine whose DNS name is the
// host's key (GET /machines?$filter=computerDnsName eq '…').
func (p *Provider) machineID(ctx context.Context, host alert.Entity) (string, error) {
	if id := host.Attributes["defender_machine_id"]; id != "" {
		return id, nil
	}
	if host.Key == "" {
		return "", p.permanent("no device named")
	}
	q := url.Values{"$filter": {"computerDnsName eq '" + odataString(host.Key) + "'"}}
	var found struct {
		Value []struct {
			ID string `json:"id"`
		} `json:"value"`
	}
	if _, err := p.defender(ctx, http.MethodGet, "/machines?"+q.Encode(), nil,
		&found); err != nil {
		return "", err
	}
	if len(found.Value) == 0 {
		return "", p.permanent("Defender for Endpoint knows no device named %s", host.Key)
	}
	return found.Value[0].ID, nil
}

// isolate cuts the device off the network but for Defender:
// POST /machines/{id}/isolate {"Comment", "IsolationType": "Full"}.
func (p *Provider) isolate(ctx context.Context, r remediation.Request) (remediation.Result,
	error) {
	return p.machineAction(ctx, r, r.Target, "isolate",
		map[string]any{"Comment": comment(r), "IsolationType": "Full"},
		"isolated device %s (Defender machine %s)")
}

// release undoes isolate: POST /machines/{id}/unisolate {"Comment"}.
func (p *Provider) release(ctx context.Context, r remediation.Request,
	_ remediation.Result) (remediation.Result, error) {
	return p.machineAction(ctx, r, r.Target, "unisolate",
		map[string]any{"Comment": comment(r)}, "released device %s (Defender machine %s)")
}

// stopAndQuarantine stops the file's processes on the device and
// quarantines it: POST /machines/{id}/StopAndQuarantineFile {"Comment",
// "Sha1"}. Defender names the file by SHA-1 only.
func (p *Provider) stopAndQuarantine(ctx context.Context, r remediation.Request) (
	remediation.Result, error) {
	sha1 := fileSHA1(r.Target)
	if sha1 == "" {
		return remediation.Result{}, p.permanent("Defender quarantines a file by SHA-1, "+
			"and %s has none", r.Target.Ref())
	}
	return p.machineAction(ctx, r, r.Scope, "StopAndQuarantineFile",
		map[string]any{"Comment": comment(r), "Sha1": sha1},
		"stopped and quarantined file "+sha1+" on device %s (Defender machine %s)")
}

// machineAction posts a machine action to the device host names. Asking
// again while the same action is active is taken as done.
func (p *Provider) machineAction(ctx context.Context, r remediation.Request,
	host alert.Entity, verb string, body map[string]any, did string) (remediation.Result,
	error) {
	id, err := p.machineID(ctx, host)
	if err != nil {
		return remediation.Result{}, err
	}
	var ma machineAction
	_, err = p.defender(ctx, http.MethodPost, "/machines/"+esc(id)+"/"+verb, body, &ma)
	res := remediation.Result{Summary: fmt.Sprintf(did, host.Key, id),
		Detail: map[string]string{"machine_id": id, "machine_action_id": ma.ID}}
	switch {
	case refused(err, http.StatusBadRequest, codeAlreadyActive):
		res.Summary += "; already requested, nothing changed"
		delete(res.Detail, "machine_action_id")
		return res, nil
	case err != nil:
		return remediation.Result{}, err
	}
	return res, nil
}

var sha1Hex = regexp.MustCompile(`^[0-9a-f]{40}$`)

// fileSHA1 returns a file's SHA-1: its "sha1" attribute, or its key when
// that is one.
func fileSHA1(f alert.Entity) string {
	if s := strings.ToLower(f.Attributes["sha1"]); sha1Hex.MatchString(s) {
		return s
	}
	if s := strings.ToLower(f.Key); sha1Hex.MatchString(s) {
		return s
	}
	return ""
}

// odataString escapes s for a single-quoted OData string literal.
func odataString(s string) string { return strings.ReplaceAll(s, "'", "''") }
