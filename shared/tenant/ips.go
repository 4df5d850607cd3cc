package tenant

import (
	"context"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// ipHunt finds the address elsewhere: the users who signed in from it,
// the access keys whose calls came from it, and the hosts it is assigned
// to.
func (t *Tenant) ipHunt(ctx context.Context, ip string) (datasource.Finding, error) {
	var f finding

	// sign-ins
	ins, err := query[signInItem](ctx, t, pkIP+ip, skSignIn)
	if err != nil {
		return datasource.Finding{}, err
	}
	for _, s := range ins {
		r := rel(alert.EntityUser, s.User, s.UserName, "signed_in_as", "time", stamp(s.Time))
		r.Evidence = append(r.Evidence, fact(investigation.VerdictUnknown,
			"signed in from %s at %s%s: %s", ip, stamp(s.Time), to(s.App), outcome(s.Success)))
		f.add(r)
	}

	// calls made with access keys
	calls, err := query[ipKeyItem](ctx, t, pkIP+ip, skKey)
	if err != nil {
		return datasource.Finding{}, err
	}
	for _, c := range calls {
		r := rel(alert.EntityAccessKey, c.Key, "", "used_key", "principal", c.Principal,
			"time", stamp(c.First))
		r.Evidence = append(r.Evidence, c.evidence())
		f.add(r)
	}

	// hosts
	hosts, err := query[ref](ctx, t, pkIP+ip, skHost)
	for _, h := range hosts {
		f.add(rel(alert.EntityHost, h.ID, h.Name, "assigned_to"))
	}
	return f.result(err)
}

// to names the app signed in to, if any, as " to app".
func to(app string) string {
	if app == "" {
		return ""
	}
	return " to " + app
}

// outcome says how a sign-in ended.
func outcome(success bool) string {
	if success {
		return "succeeded"
	}
	return "failed"
}
