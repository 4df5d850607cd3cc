package tenant

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// minDeniedCalls is how many calls refused to one access key make
// reconnaissance: someone trying what the key may do.
const minDeniedCalls = 5

// deniedCodes are the error codes of calls refused for want of permission.
var deniedCodes = []string{"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
	"Client.UnauthorizedOperation"}

// accessKeyItem is an access key with the principal owning it.
// DisabledAt is set when remediation made it inactive.
type accessKeyItem struct {
	itemKey
	Principal string `dynamodbav:"principal"`
	Account   string `dynamodbav:"account"`
	AccessKey
	DisabledAt *time.Time `dynamodbav:"disabled_at,omitempty"`
}

// activityItem is a call, kept on the partition of the key making it.
type activityItem struct {
	itemKey
	Principal string `dynamodbav:"principal"`
	Activity
}

// ipKeyItem sums up the calls made with one access key from one IP, kept
// on the IP's partition.
type ipKeyItem struct {
	itemKey
	Key       string    `dynamodbav:"key"`
	Principal string    `dynamodbav:"principal"`
	IP        string    `dynamodbav:"ip"`
	Calls     int       `dynamodbav:"calls"`
	Denied    int       `dynamodbav:"denied"`
	First     time.Time `dynamodbav:"first"`
	Last      time.Time `dynamodbav:"last"`
}

// evidence says what calls came from the IP with the key.
func (c ipKeyItem) evidence() investigation.Evidence {
	return fact(investigation.VerdictUnknown,
		"%d calls with %s from %s between %s and %s, %d denied",
		c.Calls, c.Key, c.IP, stamp(c.First), stamp(c.Last), c.Denied)
}

// principalItems returns a principal's access keys, their calls and the
// index of the calls by IP.
func principalItems(p Principal) []item {
	var items []item
	for _, k := range p.AccessKeys {
		items = append(items,
			accessKeyItem{itemKey: itemKey{pkAccessKey + k.ID, skMeta}, Principal: p.ARN,
				Account: p.Account, AccessKey: k},
			ref{itemKey: itemKey{pkPrincipal + p.ARN, skKey + k.ID}, ID: k.ID})
	}
	for n, a := range p.Activity {
		k := itemKey{pkAccessKey + a.AccessKey, skActivity + seq(a.Time, n)}
		items = append(items, activityItem{k, p.ARN, a})
	}
	for _, c := range callers(p.ARN, p.Activity) {
		c.itemKey = itemKey{pkIP + c.IP, skKey + c.Key}
		items = append(items, c)
	}
	return items
}

// callers sums up calls by source IP and access key, in the order each
// pair is first seen.
func callers(principal string, calls []Activity) []ipKeyItem {
	var sums []ipKeyItem
	for _, a := range calls {
		i := slices.IndexFunc(sums, func(c ipKeyItem) bool {
			return c.IP == a.SourceIP && c.Key == a.AccessKey
		})
		if i < 0 {
			i = len(sums)
			sums = append(sums, ipKeyItem{Key: a.AccessKey, Principal: principal, IP: a.SourceIP,
				First: a.Time, Last: a.Time})
		}
		c := &sums[i]
		c.Calls++
		if denied(a) {
			c.Denied++
		}
		c.First, c.Last = minTime(c.First, a.Time), maxTime(c.Last, a.Time)
	}
	return sums
}

func denied(a Activity) bool { return slices.Contains(deniedCodes, a.ErrorCode) }

// OwnedKey is an access key with the principal owning it.
type OwnedKey struct {
	AccessKey
	Principal string // the principal's ARN, also its user key
	Account   string
}

// AccessKey returns access key id with its owner; ok is false when the
// tenant has no such key.
func (t *Tenant) AccessKey(ctx context.Context, id string) (k OwnedKey, ok bool, err error) {
	it, ok, err := get[accessKeyItem](ctx, t, pkAccessKey+id, skMeta)
	return OwnedKey{AccessKey: it.AccessKey, Principal: it.Principal, Account: it.Account},
		ok, err
}

// principalKeys returns the access keys of the principal with ARN arn.
func (t *Tenant) principalKeys(ctx context.Context, arn string) ([]AccessKey, error) {
	refs, err := query[ref](ctx, t, pkPrincipal+arn, skKey)
	if err != nil {
		return nil, err
	}
	var keys []AccessKey
	for _, r := range refs {
		k, ok, err := t.AccessKey(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			keys = append(keys, k.AccessKey)
		}
	}
	return keys, nil
}

// activity returns the calls made with access key id, oldest first.
func (t *Tenant) activity(ctx context.Context, id string) ([]Activity, error) {
	items, err := query[activityItem](ctx, t, pkAccessKey+id, skActivity)
	var calls []Activity
	for _, it := range items {
		calls = append(calls, it.Activity)
	}
	return calls, err
}

// describeKey states the key's status, age and owner, and judges its
// calls: minDeniedCalls or more refused ones are reconnaissance.
func (t *Tenant) describeKey(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	k, ok, err := t.AccessKey(ctx, id)
	if err != nil || !ok {
		return f.result(err)
	}

	// the key itself
	f.Attributes = alert.Attrs("status", k.Status, "created", stamp(k.Created))
	if k.Status == KeyInactive {
		f.evidence(investigation.VerdictUnknown, "already inactive")
	} else {
		f.evidence(investigation.VerdictUnknown, "status %s", k.Status)
	}
	if !k.Created.IsZero() {
		f.evidence(investigation.VerdictUnknown, "created %s", stamp(k.Created))
	}
	f.evidence(investigation.VerdictUnknown, "owned by %s", k.Principal)

	// what it was refused
	calls, err := t.activity(ctx, id)
	var codes []string
	n := 0
	for _, a := range calls {
		if denied(a) {
			n++
			codes = appendNew(codes, a.ErrorCode)
		}
	}
	if n >= minDeniedCalls {
		f.evidence(investigation.VerdictSuspicious, "%d calls denied (%s): reconnaissance",
			n, strings.Join(codes, ", "))
	}
	return f.result(err)
}

// keyOrigin gives the principal owning the key and the IPs it was used
// from.
func (t *Tenant) keyOrigin(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	k, ok, err := t.AccessKey(ctx, id)
	if err != nil || !ok {
		return f.result(err)
	}
	name, err := t.userName(ctx, k.Principal)
	if err != nil {
		return f.result(err)
	}
	f.add(rel(alert.EntityUser, k.Principal, name, "owned_by", "account", k.Account))
	calls, err := t.activity(ctx, id)
	for _, c := range callers(k.Principal, calls) {
		r := rel(alert.EntityIP, c.IP, "", "called_from", "time", stamp(c.First))
		r.Evidence = append(r.Evidence, c.evidence())
		f.add(r)
	}
	return f.result(err)
}

// keyAffected gives the resources the key's successful calls named, with
// the calls' event names.
func (t *Tenant) keyAffected(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	calls, err := t.activity(ctx, id)
	for _, a := range calls {
		if a.ErrorCode != "" {
			continue
		}
		for _, r := range a.Resources {
			f.add(rel(alert.EntityCloudResource, r, resourceName(r), "accessed",
				"event_name", a.EventName, "time", stamp(a.Time)))
		}
	}
	return f.result(err)
}

// keyHunt finds the other access keys used from the key's IPs, and the
// other keys of its principal.
func (t *Tenant) keyHunt(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	k, ok, err := t.AccessKey(ctx, id)
	if err != nil || !ok {
		return f.result(err)
	}

	// keys calling from the same IPs
	calls, err := t.activity(ctx, id)
	if err != nil {
		return f.result(err)
	}
	for _, c := range callers(k.Principal, calls) {
		others, err := query[ipKeyItem](ctx, t, pkIP+c.IP, skKey)
		if err != nil {
			return f.result(err)
		}
		for _, o := range others {
			if o.Key != id {
				f.add(rel(alert.EntityAccessKey, o.Key, "", "same_caller", "ip", o.IP,
					"principal", o.Principal))
			}
		}
	}

	// the principal's other keys
	keys, err := t.principalKeys(ctx, k.Principal)
	for _, o := range keys {
		if o.ID != id {
			f.add(rel(alert.EntityAccessKey, o.ID, "", "same_principal", "status", o.Status))
		}
	}
	return f.result(err)
}

// resourceName returns the last part of a resource's ARN, such as a
// bucket's name.
func resourceName(arn string) string {
	name := arn[strings.LastIndexByte(arn, ':')+1:]
	return name[strings.LastIndexByte(name, '/')+1:]
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
