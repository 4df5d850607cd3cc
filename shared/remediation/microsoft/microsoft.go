// Package microsoft is the remediation provider that acts through
// Microsoft Graph (Entra ID users, Exchange Online mail) and Microsoft
// Defender for Endpoint (devices, files, indicators).
//
// It authenticates as an app registration with OAuth client credentials,
// read from a Secrets Manager secret on first use. Graph needs the
// application permissions User.ReadWrite.All (disable, reset a password,
// revoke sessions) and Mail.ReadWrite (delete a message); Defender needs
// Machine.Read.All, Machine.Isolate, Machine.StopAndQuarantine and
// Ti.ReadWrite.All.
//
// Errors: 429, 408, 5xx and timeouts are transient (a *ThrottledError or
// a transport error) and retried by the state machine; any other refusal
// (400, 403, 404) is a *remediation.PermanentError carrying the service's
// message.
package microsoft

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
)

// ProviderName is the provider's name in routing and in its errors.
const ProviderName = "microsoft"

// Microsoft's public cloud endpoints, the defaults of Options.
const (
	DefaultLoginURL    = "https://login.microsoftonline.com"
	DefaultGraphURL    = "https://graph.microsoft.com/v1.0"
	DefaultDefenderURL = "https://api.securitycenter.microsoft.com/api"
)

// defaultTimeout bounds one HTTP call when Options sets no client; a call
// that takes longer is a transient failure.
const defaultTimeout = 10 * time.Second

// Options configure a Provider.
type Options struct {
	// Credentials reads the app's client credentials, as from the secret
	// firebreak.yaml's remediation.microsoft.secret names.
	Credentials func(context.Context) (Credentials, error)
	// LoginURL, GraphURL and DefenderURL are where tokens and API calls
	// go; empty takes Microsoft's public cloud. Tests point them at
	// httptest servers.
	LoginURL, GraphURL, DefenderURL string
	// HTTPClient makes every call; nil is a client with a 10s timeout.
	HTTPClient *http.Client
}

// Provider is the Microsoft remediation provider. It is safe for
// concurrent use.
type Provider struct {
	opts Options
	http *http.Client
	tok  tokens
}

var _ remediation.Provider = (*Provider)(nil)

// New returns a Provider with o's endpoints, defaulting those unset.
func New(o Options) *Provider {
	o.LoginURL = strings.TrimSuffix(orDefault(o.LoginURL, DefaultLoginURL), "/")
	o.GraphURL = strings.TrimSuffix(orDefault(o.GraphURL, DefaultGraphURL), "/")
	o.DefenderURL = strings.TrimSuffix(orDefault(o.DefenderURL, DefaultDefenderURL), "/")
	return &Provider{opts: o, http: httpClient(o)}
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// Name returns "microsoft".
func (p *Provider) Name() string { return ProviderName }

// remedy is how the provider carries out one action type and undoes it;
// undo nil means the action cannot be undone through Microsoft's APIs.
type remedy struct {
	do   func(*Provider, context.Context, remediation.Request) (remediation.Result, error)
	undo func(*Provider, context.Context, remediation.Request,
		remediation.Result) (remediation.Result, error)
	final string // why undo is nil
}

var remedies = map[investigation.ActionType]remedy{
	investigation.ActionResetPassword: {do: (*Provider).resetPassword,
		final: "the old password is not kept"},
	investigation.ActionRevokeSessions: {do: (*Provider).revokeSessions,
		final: "revoked sessions are over"},
	investigation.ActionDisableUser: {do: (*Provider).disableUser,
		undo: (*Provider).enableUser},
	investigation.ActionIsolateHost: {do: (*Provider).isolate, undo: (*Provider).release},
	investigation.ActionQuarantineFile: {do: (*Provider).stopAndQuarantine,
		final: "Defender for Endpoint has no API to restore a quarantined file; " +
			"restore it from the Defender portal"},
	investigation.ActionBlockURL:    {do: (*Provider).block, undo: (*Provider).unblock},
	investigation.ActionBlockDomain: {do: (*Provider).block, undo: (*Provider).unblock},
	investigation.ActionBlockIP:     {do: (*Provider).block, undo: (*Provider).unblock},
	investigation.ActionDeleteEmail: {do: (*Provider).deleteMessage,
		undo: (*Provider).restoreMessage},
}

// Supports reports whether the provider carries out actions of type t.
func (p *Provider) Supports(t investigation.ActionType) bool {
	_, ok := remedies[t]
	return ok
}

// Do carries out r. It is safe to repeat: a user disabled, a device
// isolated, an indicator submitted or a message moved before is found so
// (or the service treats the repeat as the same request). A repeated
// reset_password sets another random password, which leaves the account
// as the first did: reset, with no password anyone knows.
func (p *Provider) Do(ctx context.Context, r remediation.Request) (remediation.Result, error) {
	rm, ok := remedies[r.Type]
	if !ok {
		return remediation.Result{}, p.permanent("does not carry out %s", r.Type)
	}
	return rm.do(p, ctx, r)
}

// Undo reverses the Do whose Result is done, with the ids it saved.
func (p *Provider) Undo(ctx context.Context, r remediation.Request,
	done remediation.Result) (remediation.Result, error) {
	rm, ok := remedies[r.Type]
	switch {
	case !ok:
		return remediation.Result{}, p.permanent("does not carry out %s", r.Type)
	case rm.undo == nil:
		return remediation.Result{}, p.permanent("%s cannot be undone: %s", r.Type, rm.final)
	}
	return rm.undo(p, ctx, r, done)
}

// permanent is a refusal made before calling Microsoft.
func (p *Provider) permanent(format string, args ...any) error {
	return &remediation.PermanentError{Provider: ProviderName,
		Reason: fmt.Sprintf(format, args...)}
}

// graph calls Graph at path (already escaped) with a Graph token.
func (p *Provider) graph(ctx context.Context, method, path string, body, out any) (int, error) {
	ts, _, err := p.sources(ctx)
	if err != nil {
		return 0, err
	}
	return p.call(ctx, ts, method, p.opts.GraphURL+path, body, out)
}

// defender calls Defender for Endpoint at path with a Defender token.
func (p *Provider) defender(ctx context.Context, method, path string, body, out any) (int,
	error) {
	_, ts, err := p.sources(ctx)
	if err != nil {
		return 0, err
	}
	return p.call(ctx, ts, method, p.opts.DefenderURL+path, body, out)
}

// comment is the note Defender keeps with a machine action or indicator.
func comment(r remediation.Request) string {
	by := r.ApprovedBy
	if by == "" {
		by = "automation"
	}
	return fmt.Sprintf("Firebreak action %s, approved by %s", r.ActionID, by)
}

// randomPassword returns a password nobody knows that meets Entra ID's
// complexity rules: 32 characters of all four classes.
func randomPassword() string {
	return "Fb-" + rand.Text() + "a1!"
}

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }
