package tenant

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// sourceName names the tenant in evidence.
const sourceName = "tenant"

var _ datasource.DataSource = (*Tenant)(nil)

// question answers one question about the entity with canonical key key.
type question func(t *Tenant, ctx context.Context, key string) (datasource.Finding, error)

// The questions the tenant answers, by entity type. A file's Affected is
// left to Hunt: the hosts holding it are what it touched, and their users
// come from asking about the hosts.
var (
	describe = map[alert.EntityType]question{
		alert.EntityHost:      (*Tenant).describeHost,
		alert.EntityProcess:   (*Tenant).describeProcess,
		alert.EntityUser:      (*Tenant).describeUser,
		alert.EntityMailbox:   (*Tenant).describeMailbox,
		alert.EntityAccessKey: (*Tenant).describeKey,
		alert.EntityURL:       describeBlocked(alert.EntityURL),
		alert.EntityDomain:    describeBlocked(alert.EntityDomain),
		alert.EntityIP:        describeBlocked(alert.EntityIP),
	}
	origin = map[alert.EntityType]question{
		alert.EntityFile:         (*Tenant).fileOrigin,
		alert.EntityProcess:      (*Tenant).processOrigin,
		alert.EntityUser:         (*Tenant).userOrigin,
		alert.EntityURL:          (*Tenant).urlOrigin,
		alert.EntityEmailMessage: (*Tenant).messageOrigin,
		alert.EntityAccessKey:    (*Tenant).keyOrigin,
	}
	affected = map[alert.EntityType]question{
		alert.EntityHost:         (*Tenant).hostAffected,
		alert.EntityProcess:      (*Tenant).processAffected,
		alert.EntityUser:         (*Tenant).userAffected,
		alert.EntityURL:          (*Tenant).urlAffected,
		alert.EntityEmailMessage: (*Tenant).messageAffected,
		alert.EntityMailbox:      (*Tenant).mailboxAffected,
		alert.EntityAccessKey:    (*Tenant).keyAffected,
	}
	hunt = map[alert.EntityType]question{
		alert.EntityFile:         (*Tenant).fileHunt,
		alert.EntityIP:           (*Tenant).ipHunt,
		alert.EntityURL:          (*Tenant).urlHunt,
		alert.EntityDomain:       (*Tenant).domainHunt,
		alert.EntityEmailMessage: (*Tenant).messageHunt,
		alert.EntityAccessKey:    (*Tenant).keyHunt,
	}
)

// Name returns "tenant", the name of the simulated tenant in evidence.
func (t *Tenant) Name() string { return sourceName }

// Describe says what the tenant knows of the entity itself: a critical
// host, a process running from a temporary directory or masquerading, a
// user without MFA or signing in from two countries at once, a mailbox
// forwarding mail out, an access key refused many calls. It also says
// what remediation did to it: a host isolated, a process killed, a user's
// password reset or sessions revoked, a key already inactive, a URL,
// domain or IP blocked by remediation (a URL also when its domain is).
//
// The finding's Attributes are, for a host, "os" and "isolated"; for a
// process, "host", "path" and "killed"; for a user, "mfa" and "enabled"
// ("true" or "false"); for a mailbox, "forwarding_to"; for an access key,
// "status" (Active or Inactive) and "created", RFC 3339 in UTC; for a URL,
// domain or IP, "blocked". "isolated", "killed" and "blocked" are "true"
// or left out. See datasource.DataSource.
func (t *Tenant) Describe(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	return t.ask(ctx, describe, e)
}

// Origin says where the entity came from: a file's download URL, the
// process that wrote it and the messages attaching it; a process's
// parents and image; the IPs a user signed in from; a URL's domain; a
// message's sender; an access key's owner and source IPs. See
// datasource.DataSource.
func (t *Tenant) Origin(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	return t.ask(ctx, origin, e)
}

// Affected says who and what the entity touched: a host's users and
// processes, a process's user, a user's hosts, mailboxes and access keys,
// a URL's clickers, a message's recipients, clickers, URLs and
// attachments, a mailbox's owner, the resources an access key used. See
// datasource.DataSource.
func (t *Tenant) Affected(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	return t.ask(ctx, affected, e)
}

// Hunt finds the entity elsewhere: the hosts holding a file now, the
// users, keys and hosts behind an IP, the messages holding a URL or a
// domain, other messages like a message, other keys like an access key.
// See datasource.DataSource.
func (t *Tenant) Hunt(ctx context.Context, e alert.Entity) (datasource.Finding, error) {
	return t.ask(ctx, hunt, e)
}

// ask answers the question qs holds for the entity's type, with its key
// made canonical. An entity of a type qs lacks gets an empty Finding.
func (t *Tenant) ask(ctx context.Context, qs map[alert.EntityType]question, e alert.Entity) (
	datasource.Finding, error) {
	q, ok := qs[e.Type]
	k := alert.Key(e.Type, e.Key)
	if !ok || k == "" {
		return datasource.Finding{}, nil
	}
	f, err := q(t, ctx, k)
	if err != nil {
		return datasource.Finding{}, fmt.Errorf("ask the tenant about %s: %w", e.Ref(), err)
	}
	return f, nil
}

// finding collects a Finding. Entries for one entity and kind are merged:
// their evidence is appended and new attribute values are joined to the
// old with "\n", as alert entities join them. Entries naming different
// mailboxes stay apart, each being one copy of a message; an entry with
// an empty key is left out.
type finding struct {
	datasource.Finding
	at map[string]int
}

// add adds r to the finding, or merges it into the entry there.
func (f *finding) add(r datasource.Related) {
	if r.Entity.Key == "" {
		return
	}
	id := r.Kind + "\x00" + r.Entity.Ref() + "\x00" + r.Entity.Attributes["mailbox"]
	i, ok := f.at[id]
	if !ok {
		if f.at == nil {
			f.at = make(map[string]int)
		}
		f.at[id] = len(f.Related)
		f.Related = append(f.Related, r)
		return
	}
	old := &f.Related[i]
	old.Evidence = append(old.Evidence, r.Evidence...)
	if old.Entity.Attributes == nil && r.Entity.Attributes != nil {
		old.Entity.Attributes = make(map[string]string)
	}
	for k, v := range r.Entity.Attributes {
		old.Entity.Attributes[k] = joinNew(old.Entity.Attributes[k], v)
	}
}

// evidence adds evidence about the entity asked about.
func (f *finding) evidence(v investigation.Verdict, format string, a ...any) {
	f.Evidence = append(f.Evidence, fact(v, format, a...))
}

// result returns the finding, or an empty one with err.
func (f *finding) result(err error) (datasource.Finding, error) {
	if err != nil {
		return datasource.Finding{}, err
	}
	return f.Finding, nil
}

// joinNew appends v to the "\n"-joined list unless the list holds it.
func joinNew(list, v string) string {
	switch {
	case list == "":
		return v
	case slices.Contains(strings.Split(list, "\n"), v):
		return list
	}
	return list + "\n" + v
}

// rel returns a related entity of type typ with key, display name, how it
// relates, and attributes from key, value pairs whose value is not empty.
func rel(typ alert.EntityType, key, name, kind string, kv ...string) datasource.Related {
	return datasource.Related{Entity: alert.Entity{Type: typ, Key: key, Name: name,
		Attributes: alert.Attrs(kv...)}, Kind: kind}
}

// fact returns evidence from the tenant.
func fact(v investigation.Verdict, format string, a ...any) investigation.Evidence {
	return investigation.Evidence{Verdict: v, Source: sourceName, Text: fmt.Sprintf(format, a...)}
}

// stamp formats a time for attributes and evidence, "" when it is zero.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
