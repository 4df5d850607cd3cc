package tenant

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// UnsupportedActionError is an action the simulated tenant cannot carry
// out. It is permanent: the action fails with it.
type UnsupportedActionError struct {
	Type investigation.ActionType
}

func (e *UnsupportedActionError) Error() string {
	return fmt.Sprintf("the simulated tenant does not carry out %s", e.Type)
}

// NotFoundError is an action whose target, or the scope it is narrowed
// to, the tenant does not know: a host, process, user, access key or
// mailbox it has no record of, a file that no host it names ever held, a
// message that is not in the mailbox named. It is permanent: the action
// fails with it, and retrying cannot help.
//
// A NotFoundError of a file matches ErrNoSuchFile (errors.Is).
type NotFoundError struct {
	Kind alert.EntityType // what was looked for, such as "user"
	Key  string           // its canonical key
	// In is the ref of the entity looked in, such as "mailbox:…" for a
	// message; "" when the tenant was searched as a whole.
	In string
}

// Error says what the tenant lacks.
func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("the tenant has no %s %s", e.Kind, e.Key)
	if e.In != "" {
		s += " in " + e.In
	}
	return s
}

// Is reports whether target is ErrNoSuchFile and e is about a file.
func (e *NotFoundError) Is(target error) bool {
	return target == ErrNoSuchFile && e.Kind == alert.EntityFile
}

// IrreversibleActionError is the answer of Undo for an action that cannot
// be undone, such as reset_password; Why says what makes it so. It is
// permanent.
type IrreversibleActionError struct {
	Type investigation.ActionType
	Why  string
}

// Error names the action and says why it cannot be undone.
func (e *IrreversibleActionError) Error() string {
	return fmt.Sprintf("%s cannot be undone: %s", e.Type, e.Why)
}

// order is an action with the keys of its target and scope made
// canonical, as the tenant keeps them, and the time it runs at.
type order struct {
	investigation.Action
	key   string    // the target's key
	scope string    // the scope's key, "" for an action that takes none
	now   time.Time // when it runs
}

// remedy is how the tenant carries out one type of action and undoes it.
type remedy struct {
	scope alert.EntityType // the scope's type; "" for a tenant-wide action
	do    func(*Tenant, context.Context, order) (string, error)
	undo  func(*Tenant, context.Context, order) (string, error)
	// final, when undo is nil, says why the action cannot be undone.
	final string
}

// remedies are the actions the tenant carries out, by type. Each do and
// undo is safe to repeat, and says "nothing changed" when it found its
// work done.
var remedies = map[investigation.ActionType]remedy{
	investigation.ActionQuarantineFile: {scope: alert.EntityHost,
		do: (*Tenant).quarantine, undo: (*Tenant).restoreFile},
	investigation.ActionDeleteFile: {scope: alert.EntityHost, do: (*Tenant).deleteFile,
		final: "deleted copies are gone; quarantine_file is the reversible remedy"},
	investigation.ActionIsolateHost: {do: (*Tenant).isolateHost,
		undo: (*Tenant).releaseHost},
	investigation.ActionKillProcess: {do: (*Tenant).killProcess,
		final: "a killed process cannot be brought back"},
	investigation.ActionResetPassword: {do: (*Tenant).resetPassword,
		final: "the old password is not kept, and the revoked sessions are over"},
	investigation.ActionRevokeSessions: {do: (*Tenant).revokeSessions,
		final: "revoked sessions are over; the user signs in again"},
	investigation.ActionRequireMFA: {do: (*Tenant).requireMFA,
		undo: (*Tenant).restoreMFA},
	investigation.ActionDisableUser: {do: (*Tenant).disableUser,
		undo: (*Tenant).enableUser},
	investigation.ActionDisableAccessKey: {do: (*Tenant).disableKey,
		undo: (*Tenant).enableKey},
	investigation.ActionBlockURL:    {do: (*Tenant).block, undo: (*Tenant).unblock},
	investigation.ActionBlockDomain: {do: (*Tenant).block, undo: (*Tenant).unblock},
	investigation.ActionBlockIP:     {do: (*Tenant).block, undo: (*Tenant).unblock},
	investigation.ActionDeleteEmail: {scope: alert.EntityMailbox,
		do: (*Tenant).deleteEmail, undo: (*Tenant).restoreEmail},
}

// Remediate carries out a on the simulated tenant and returns one
// sentence saying what changed. It is safe to repeat: an action that took
// effect before changes nothing the second time, and says "already …;
// nothing changed".
//
// a.Target is the ref ("type:key") of an entity of the type
// investigation.Actions gives for a.Type. quarantine_file and delete_file
// want a "host:" scope, delete_email a "mailbox:" one; other actions
// ignore the scope. reset_password and revoke_sessions are events rather
// than states: a second run of the same action (by a.ID) is a no-op, while
// another action resets or revokes again. Blocking works on any URL,
// domain or IP, known to the tenant or not.
//
// A target the tenant does not know fails with a *NotFoundError, a
// malformed target or scope with a plain error, and an action type the
// tenant does not know with an *UnsupportedActionError, all permanent.
// DynamoDB's errors are returned wrapped, so store.Transient tells those
// worth retrying.
func (t *Tenant) Remediate(ctx context.Context, a investigation.Action) (string, error) {
	r, ok := remedies[a.Type]
	if !ok {
		return "", &UnsupportedActionError{Type: a.Type}
	}
	o, err := t.order(a, r)
	if err != nil {
		return "", err
	}
	return r.do(t, ctx, o)
}

// Undo undoes what Remediate did for a, which must be reversible (see
// investigation.Actions), and returns one sentence saying what changed.
// It reverts only what remediation changed: a user disabled before
// disable_user ran stays disabled, a message deleted by its owner stays
// deleted. It is safe to repeat: when nothing is left to undo it changes
// nothing and says so.
//
// An irreversible action fails with an *IrreversibleActionError saying
// why; other errors are as for Remediate.
func (t *Tenant) Undo(ctx context.Context, a investigation.Action) (string, error) {
	r, ok := remedies[a.Type]
	switch {
	case !ok:
		return "", &UnsupportedActionError{Type: a.Type}
	case r.undo == nil:
		return "", &IrreversibleActionError{Type: a.Type, Why: r.final}
	}
	o, err := t.order(a, r)
	if err != nil {
		return "", err
	}
	return r.undo(t, ctx, o)
}

// order reads a's target and, if r takes one, its scope.
func (t *Tenant) order(a investigation.Action, r remedy) (order, error) {
	o := order{Action: a, now: t.now().UTC()}
	var ok bool
	if o.key, ok = refKey(a.Target, investigation.Actions[a.Type].Target); !ok {
		return order{}, fmt.Errorf("%s wants a %s target, got %q", a.Type,
			investigation.Actions[a.Type].Target, a.Target)
	}
	if r.scope == "" {
		return o, nil
	}
	if o.scope, ok = refKey(a.Scope, r.scope); !ok {
		return order{}, fmt.Errorf("%s wants a %s scope, got %q", a.Type, r.scope, a.Scope)
	}
	return o, nil
}

// refKey returns the canonical key of ref "type:key" if it names an
// entity of type typ by a key the tenant could hold.
func refKey(ref string, typ alert.EntityType) (string, bool) {
	v, ok := strings.CutPrefix(ref, string(typ)+":")
	if !ok {
		return "", false
	}
	k := alert.Key(typ, v)
	return k, validKey(typ, k)
}

// said returns what a change did: did when it was made now, already when
// an earlier run had made it, nothing when it failed.
func said(changed bool, err error, did, already string) (string, error) {
	switch {
	case err != nil:
		return "", err
	case !changed:
		return already, nil
	}
	return did, nil
}

// entityRef returns the ref of the entity of type typ with key.
func entityRef(typ alert.EntityType, key string) string {
	return alert.Entity{Type: typ, Key: key}.Ref()
}

// named returns an entity's display name with its key, or the key alone.
func named(name, key string) string {
	if name == "" || name == key {
		return key
	}
	return name + " (" + key + ")"
}

// timeOf returns *p, or the zero time for nil.
func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}
