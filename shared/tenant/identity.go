package tenant

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// minTravelTime is the least time in which the tenant believes a user can
// get from one country to another: two successful sign-ins from different
// countries closer than this are impossible travel.
const minTravelTime = 2 * time.Hour

// userItem is a user, without its sign-ins. The pointers are set by
// remediation only: MFABefore holds what MFA was before remediation
// required it, DisabledAt when remediation disabled the user.
type userItem struct {
	itemKey
	DisplayName       string     `dynamodbav:"display_name"`
	MFA               bool       `dynamodbav:"mfa"`
	Enabled           bool       `dynamodbav:"enabled"`
	Critical          bool       `dynamodbav:"critical"`
	MFABefore         *bool      `dynamodbav:"mfa_before,omitempty"`
	DisabledAt        *time.Time `dynamodbav:"disabled_at,omitempty"`
	PasswordResetAt   *time.Time `dynamodbav:"password_reset_at,omitempty"`
	SessionsRevokedAt *time.Time `dynamodbav:"sessions_revoked_at,omitempty"`
}

// signInItem is a sign-in, kept on its user's partition and its IP's.
type signInItem struct {
	itemKey
	User     string `dynamodbav:"user"`
	UserName string `dynamodbav:"user_name"`
	SignIn
}

// userItems returns a user and its sign-ins.
func userItems(u User) []item {
	items := []item{userItem{itemKey: itemKey{pkUser + u.ID, skMeta},
		DisplayName: u.DisplayName, MFA: u.MFA, Enabled: u.Enabled, Critical: u.Critical}}
	for n, s := range u.SignIns {
		at := seq(s.Time, n)
		items = append(items,
			signInItem{itemKey{pkUser + u.ID, skSignIn + at}, u.ID, u.DisplayName, s},
			signInItem{itemKey{pkIP + s.IP, skSignIn + u.ID + "#" + at}, u.ID, u.DisplayName, s})
	}
	return items
}

// displayNames maps the keys of users to their display names.
func displayNames(users []User) map[string]string {
	names := make(map[string]string, len(users))
	for _, u := range users {
		names[u.ID] = u.DisplayName
	}
	return names
}

// User returns user id (a UPN, email address or ARN in any case) with its
// sign-ins, oldest first; ok is false when the directory has no such user.
func (t *Tenant) User(ctx context.Context, id string) (u User, ok bool, err error) {
	id = alert.Key(alert.EntityUser, id)
	it, ok, err := get[userItem](ctx, t, pkUser+id, skMeta)
	if err != nil || !ok {
		return User{}, false, err
	}
	ins, err := query[signInItem](ctx, t, pkUser+id, skSignIn)
	if err != nil {
		return User{}, false, err
	}
	u = User{ID: id, DisplayName: it.DisplayName, MFA: it.MFA, Enabled: it.Enabled,
		Critical: it.Critical, PasswordResetAt: timeOf(it.PasswordResetAt),
		SessionsRevokedAt: timeOf(it.SessionsRevokedAt)}
	for _, s := range ins {
		u.SignIns = append(u.SignIns, s.SignIn)
	}
	return u, true, nil
}

// userName returns the display name of user id, "" when the directory has
// none or does not know the user.
func (t *Tenant) userName(ctx context.Context, id string) (string, error) {
	it, _, err := get[userItem](ctx, t, pkUser+id, skMeta)
	return it.DisplayName, err
}

// describeUser says how the account is protected and what remediation
// did to it, whether its sign-ins are impossible travel and whether its
// mail is forwarded out.
func (t *Tenant) describeUser(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	u, ok, err := t.User(ctx, id)
	if err != nil || !ok {
		return f.result(err)
	}

	// how the account is protected
	f.Critical = u.Critical
	f.Attributes = alert.Attrs("mfa", strconv.FormatBool(u.MFA),
		"enabled", strconv.FormatBool(u.Enabled))
	if u.Critical {
		f.evidence(investigation.VerdictUnknown, "critical account")
	}
	if !u.MFA {
		f.evidence(investigation.VerdictUnknown, "has no MFA")
	}
	if !u.Enabled {
		f.evidence(investigation.VerdictUnknown, "is disabled")
	}
	if !u.PasswordResetAt.IsZero() {
		f.evidence(investigation.VerdictUnknown, "password reset by remediation at %s",
			stamp(u.PasswordResetAt))
	}
	if !u.SessionsRevokedAt.IsZero() {
		f.evidence(investigation.VerdictUnknown, "sessions revoked by remediation at %s",
			stamp(u.SessionsRevokedAt))
	}

	// where it signed in from
	f.Evidence = append(f.Evidence, impossibleTravel(u.SignIns)...)

	// where its mail goes
	boxes, err := query[ref](ctx, t, pkUser+id, skMailbox)
	for _, b := range boxes {
		m, _, err := t.mailboxMeta(ctx, b.ID)
		if err != nil {
			return datasource.Finding{}, err
		}
		f.Evidence = append(f.Evidence, forwarding(m)...)
	}
	return f.result(err)
}

// impossibleTravel finds successful sign-ins from a country other than
// the previous successful one's, sooner than minTravelTime after it.
// Looking at consecutive sign-ins is enough: if any two are too close,
// two consecutive ones between them are.
func impossibleTravel(ins []SignIn) []investigation.Evidence {
	var ok []SignIn
	for _, s := range ins {
		if s.Success {
			ok = append(ok, s)
		}
	}
	slices.SortStableFunc(ok, func(a, b SignIn) int { return a.Time.Compare(b.Time) })

	var ev []investigation.Evidence
	for i := 1; i < len(ok); i++ {
		prev, cur := ok[i-1], ok[i]
		gap := cur.Time.Sub(prev.Time)
		if prev.Country == "" || cur.Country == "" ||
			strings.EqualFold(prev.Country, cur.Country) || gap >= minTravelTime {
			continue
		}
		ev = append(ev, fact(investigation.VerdictSuspicious,
			"signed in from %s (%s) %d minutes after signing in from %s (%s): impossible travel",
			cur.IP, cur.Country, int(gap.Minutes()), prev.IP, prev.Country))
	}
	return ev
}

// userOrigin gives the addresses the user signed in from successfully.
func (t *Tenant) userOrigin(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding
	ins, err := query[signInItem](ctx, t, pkUser+id, skSignIn)
	for _, s := range ins {
		if s.Success {
			f.add(rel(alert.EntityIP, s.IP, "", "signed_in_from", "country", s.Country,
				"city", s.City, "time", stamp(s.Time)))
		}
	}
	return f.result(err)
}

// userAffected gives the hosts the user logs on to, its mailboxes, and
// the access keys of the cloud principal it is.
func (t *Tenant) userAffected(ctx context.Context, id string) (datasource.Finding, error) {
	var f finding

	// its hosts and mailboxes
	hosts, err := query[ref](ctx, t, pkUser+id, skHost)
	if err != nil {
		return datasource.Finding{}, err
	}
	for _, h := range hosts {
		f.add(rel(alert.EntityHost, h.ID, h.Name, "logged_on_to"))
	}
	boxes, err := query[ref](ctx, t, pkUser+id, skMailbox)
	if err != nil {
		return datasource.Finding{}, err
	}
	for _, b := range boxes {
		f.add(rel(alert.EntityMailbox, b.ID, "", "owns"))
	}

	// its access keys
	keys, err := t.principalKeys(ctx, id)
	for _, k := range keys {
		f.add(rel(alert.EntityAccessKey, k.ID, "", "owns", "status", k.Status))
	}
	return f.result(err)
}
