package tenant

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/firebreak/firebreak/shared/alert"
)

// Attributes remediation sets on users. The *_by ones hold the ID of the
// action that last reset the password or revoked the sessions.
var (
	attrMFA               = expression.Name("mfa")
	attrMFABefore         = expression.Name("mfa_before")
	attrEnabled           = expression.Name("enabled")
	attrDisabledAt        = expression.Name("disabled_at")
	attrPasswordResetAt   = expression.Name("password_reset_at")
	attrPasswordResetBy   = expression.Name("password_reset_by")
	attrSessionsRevokedAt = expression.Name("sessions_revoked_at")
	attrSessionsRevokedBy = expression.Name("sessions_revoked_by")
)

// resetPassword carries out reset_password: the user's password is reset,
// which ends their sessions too. The same action run again changes
// nothing; another action resets it again.
func (t *Tenant) resetPassword(ctx context.Context, o order) (string, error) {
	u, err := t.targetUser(ctx, o)
	if err != nil {
		return "", err
	}
	now, id := expression.Value(o.now), expression.Value(o.ID)
	changed, err := t.change(ctx, u.itemKey, expression.Not(attrPasswordResetBy.Equal(id)),
		expression.Set(attrPasswordResetAt, now).Set(attrPasswordResetBy, id).
			Set(attrSessionsRevokedAt, now).Set(attrSessionsRevokedBy, id), o.now)
	return said(changed, err,
		fmt.Sprintf("reset the password of %s and revoked their sessions", u.name()),
		fmt.Sprintf("password of %s already reset by this action; nothing changed", u.key()))
}

// revokeSessions carries out revoke_sessions: every session of the user
// ends and they must sign in again. The same action run again changes
// nothing; another action revokes them again.
func (t *Tenant) revokeSessions(ctx context.Context, o order) (string, error) {
	u, err := t.targetUser(ctx, o)
	if err != nil {
		return "", err
	}
	id := expression.Value(o.ID)
	changed, err := t.change(ctx, u.itemKey, expression.Not(attrSessionsRevokedBy.Equal(id)),
		expression.Set(attrSessionsRevokedAt, expression.Value(o.now)).
			Set(attrSessionsRevokedBy, id), o.now)
	return said(changed, err, fmt.Sprintf("revoked the sessions of %s", u.name()),
		fmt.Sprintf("sessions of %s already revoked by this action; nothing changed", u.key()))
}

// requireMFA carries out require_mfa, remembering that the user had no
// MFA so that restoreMFA can say so again.
func (t *Tenant) requireMFA(ctx context.Context, o order) (string, error) {
	u, err := t.targetUser(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("%s already requires MFA; nothing changed", u.key())
	if u.MFA {
		return already, nil
	}
	changed, err := t.change(ctx, u.itemKey, attrMFA.Equal(expression.Value(false)),
		expression.Set(attrMFA, expression.Value(true)).
			Set(attrMFABefore, expression.Value(false)), o.now)
	return said(changed, err, fmt.Sprintf("required MFA for %s, who had none", u.name()),
		already)
}

// restoreMFA undoes require_mfa: MFA goes back to what it was before.
func (t *Tenant) restoreMFA(ctx context.Context, o order) (string, error) {
	u, err := t.targetUser(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("MFA of %s already as before remediation (%s); nothing changed",
		u.key(), word(u.MFA, "on", "off"))
	if u.MFABefore == nil {
		return already, nil
	}
	before := expression.Value(*u.MFABefore)
	changed, err := t.change(ctx, u.itemKey, attrMFABefore.Equal(before),
		expression.Set(attrMFA, before).Remove(attrMFABefore), o.now)
	return said(changed, err, fmt.Sprintf("MFA of %s back to %s, as before remediation",
		u.name(), word(*u.MFABefore, "on", "off")), already)
}

// disableUser carries out disable_user: the account can no longer sign in.
func (t *Tenant) disableUser(ctx context.Context, o order) (string, error) {
	u, err := t.targetUser(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("%s already disabled; nothing changed", u.key())
	if !u.Enabled {
		return already, nil
	}
	changed, err := t.change(ctx, u.itemKey, attrEnabled.Equal(expression.Value(true)),
		expression.Set(attrEnabled, expression.Value(false)).
			Set(attrDisabledAt, expression.Value(o.now)), o.now)
	return said(changed, err, fmt.Sprintf("disabled %s", u.name()), already)
}

// enableUser undoes disable_user, unless the user was disabled before it.
func (t *Tenant) enableUser(ctx context.Context, o order) (string, error) {
	u, err := t.targetUser(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("%s already as before remediation (%s); nothing changed",
		u.key(), word(u.Enabled, "enabled", "disabled"))
	if u.DisabledAt == nil {
		return already, nil
	}
	changed, err := t.change(ctx, u.itemKey, expression.AttributeExists(attrDisabledAt),
		expression.Set(attrEnabled, expression.Value(true)).Remove(attrDisabledAt), o.now)
	return said(changed, err, fmt.Sprintf("enabled %s again", u.name()), already)
}

// targetUser returns the user an order acts on, or a *NotFoundError.
func (t *Tenant) targetUser(ctx context.Context, o order) (userItem, error) {
	u, ok, err := get[userItem](ctx, t, pkUser+o.key, skMeta)
	if err != nil {
		return userItem{}, err
	}
	if !ok {
		return userItem{}, &NotFoundError{Kind: alert.EntityUser, Key: o.key}
	}
	return u, nil
}

// key returns the user's key.
func (u userItem) key() string { return u.PK[len(pkUser):] }

// name returns the user's display name and key.
func (u userItem) name() string { return named(u.DisplayName, u.key()) }

// word returns ifTrue if b, else ifFalse.
func word(b bool, ifTrue, ifFalse string) string {
	if b {
		return ifTrue
	}
	return ifFalse
}
