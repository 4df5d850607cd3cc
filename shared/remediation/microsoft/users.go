package microsoft

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/firebreak/firebreak/shared/remediation"
)

// user is the part of a Graph user the provider reads.
type user struct {
	ID             string `json:"id"`
	AccountEnabled bool   `json:"accountEnabled"`
}

// userPath is the Graph path of the user a request targets, by id or user
// principal name (the entity's key).
func userPath(r remediation.Request) string {
	if id := r.Target.Attributes["entra_object_id"]; id != "" {
		return "/users/" + esc(id)
	}
	return "/users/" + esc(r.Target.Key)
}

// resetPassword sets a random password the user must change at next
// sign-in: PATCH /users/{id} with passwordProfile. The password is sent
// once and kept nowhere.
func (p *Provider) resetPassword(ctx context.Context, r remediation.Request) (
	remediation.Result, error) {
	body := map[string]any{"passwordProfile": map[string]any{
		"forceChangePasswordNextSignIn": true, "password": randomPassword()}}
	if _, err := p.graph(ctx, http.MethodPatch, userPath(r), body, nil); err != nil {
		return remediation.Result{}, err
	}
	return remediation.Result{Summary: fmt.Sprintf("reset the Entra ID password of %s; "+
		"a new one must be set at next sign-in", r.Target.Key)}, nil
}

// revokeSessions invalidates the user's refresh tokens and session
// cookies: POST /users/{id}/revokeSignInSessions.
func (p *Provider) revokeSessions(ctx context.Context, r remediation.Request) (
	remediation.Result, error) {
	_, err := p.graph(ctx, http.MethodPost, userPath(r)+"/revokeSignInSessions", nil, nil)
	if err != nil {
		return remediation.Result{}, err
	}
	return remediation.Result{Summary: fmt.Sprintf("revoked the Entra ID sign-in sessions "+
		"of %s", r.Target.Key)}, nil
}

// disableUser blocks sign-in: PATCH /users/{id} {"accountEnabled": false},
// after reading whether it was enabled, which undo needs.
func (p *Provider) disableUser(ctx context.Context, r remediation.Request) (
	remediation.Result, error) {
	var u user
	_, err := p.graph(ctx, http.MethodGet, userPath(r)+"?$select=id,accountEnabled", nil, &u)
	if err != nil {
		return remediation.Result{}, err
	}
	if !u.AccountEnabled {
		return remediation.Result{Summary: fmt.Sprintf("Entra ID account %s already "+
			"disabled; nothing changed", r.Target.Key),
			Detail: map[string]string{"was_enabled": "false"}}, nil
	}
	err = p.setEnabled(ctx, r, false)
	return remediation.Result{Summary: fmt.Sprintf("disabled Entra ID account %s",
		r.Target.Key), Detail: map[string]string{"was_enabled": "true"}}, err
}

// enableUser undoes disableUser, unless the account was disabled before.
func (p *Provider) enableUser(ctx context.Context, r remediation.Request,
	done remediation.Result) (remediation.Result, error) {
	if was, _ := strconv.ParseBool(done.Detail["was_enabled"]); !was {
		return remediation.Result{Summary: fmt.Sprintf("Entra ID account %s was disabled "+
			"before remediation; left disabled", r.Target.Key)}, nil
	}
	err := p.setEnabled(ctx, r, true)
	return remediation.Result{Summary: fmt.Sprintf("enabled Entra ID account %s",
		r.Target.Key)}, err
}

// setEnabled sets accountEnabled.
func (p *Provider) setEnabled(ctx context.Context, r remediation.Request, on bool) error {
	_, err := p.graph(ctx, http.MethodPatch, userPath(r), map[string]any{"accountEnabled": on},
		nil)
	return err
}
