package settings

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/firebreak/firebreak/shared/investigation"
)

// Remediation provider names, as firebreak.yaml's remediation.providers
// and remediation.dry_run list them.
const (
	ProviderTenant    = "tenant"
	ProviderAWS       = "aws"
	ProviderMicrosoft = "microsoft"
	ProviderWebhook   = "webhook"
)

// RemediationProviders lists the provider names a route may name.
var RemediationProviders = []string{ProviderTenant, ProviderAWS, ProviderMicrosoft,
	ProviderWebhook}

// AllActions is the value of a route's actions that sends it every action
// type its provider supports.
const AllActions = "all"

// Remediation is firebreak.yaml's remediation section: which provider runs
// which action, which providers only pretend (dry run), and how to reach
// Microsoft and the webhook. The aws key is ParseAWSRemediation's.
type Remediation struct {
	// Providers are the routes, tried in order: the first whose provider
	// supports an action's type and lists it runs it. Without any, the
	// simulated tenant runs every action.
	Providers []ProviderRoute `yaml:"providers"`
	// DryRun names providers that record what they would do and call
	// nothing.
	DryRun    []string  `yaml:"dry_run"`
	Microsoft Microsoft `yaml:"microsoft"`
	Webhook   Webhook   `yaml:"webhook"`
}

// ProviderRoute sends actions to the provider Name: every type it
// supports (Actions nil, written "all"), or the types listed.
type ProviderRoute struct {
	Name    string
	Actions []investigation.ActionType
}

// Microsoft is how to reach Microsoft Graph and Defender for Endpoint.
// Secret names a Secrets Manager secret holding JSON {"tenant_id",
// "client_id", "client_secret"} of an app registration. The URLs default
// to Microsoft's public cloud; tests and sovereign clouds set them.
type Microsoft struct {
	Secret      string `yaml:"secret"`
	LoginURL    string `yaml:"login_url"`
	GraphURL    string `yaml:"graph_url"`
	DefenderURL string `yaml:"defender_url"`
}

// Webhook is where the webhook provider posts actions. Secret names a
// Secrets Manager secret whose value is the HMAC signing key. Timeout
// bounds one call (zero means the provider's default, 10s); a call that
// times out is retried by the state machine like a 5xx.
type Webhook struct {
	URL     string        `yaml:"url"`
	Secret  string        `yaml:"secret"`
	Timeout time.Duration `yaml:"timeout"`
}

// MaxWebhookTimeout is the longest remediation.webhook.timeout: one call
// must end well within the remediate function's 30 s, so that a receiver
// that hangs fails the attempt rather than the Lambda.
const MaxWebhookTimeout = 25 * time.Second

// RemediationError is a problem in the remediation section, with the line
// of firebreak.yaml it is on (0 when the section is missing).
type RemediationError struct {
	Line   int
	Reason string
}

func (e *RemediationError) Error() string { return e.Reason }

// remediationKeys are the keys the remediation section may hold.
var remediationKeys = []string{"providers", "dry_run", "microsoft", "webhook", "aws"}

// ParseRemediation reads the remediation section of a firebreak.yaml
// document and checks it; errors are *RemediationError. Other sections
// are ignored. Without providers it routes every action to the tenant.
func ParseRemediation(data []byte) (Remediation, error) {
	var doc struct {
		Remediation yaml.Node `yaml:"remediation"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return Remediation{}, &RemediationError{Reason: "remediation: " + err.Error()}
	}
	n := &doc.Remediation
	r := Remediation{Providers: []ProviderRoute{{Name: ProviderTenant}}}
	if n.Kind == 0 {
		return r, nil
	}
	if err := checkKeys(n, "remediation", remediationKeys); err != nil {
		return Remediation{}, err
	}
	return parseRemediation(n, r)
}

// parseRemediation decodes section n and checks each part.
func parseRemediation(n *yaml.Node, r Remediation) (Remediation, error) {
	var raw struct {
		Providers []yaml.Node `yaml:"providers"`
		DryRun    []string    `yaml:"dry_run"`
		Microsoft Microsoft   `yaml:"microsoft"`
		Webhook   Webhook     `yaml:"webhook"`
	}
	if err := n.Decode(&raw); err != nil {
		return Remediation{}, &RemediationError{n.Line, "remediation: " + err.Error()}
	}
	if len(raw.Providers) > 0 {
		r.Providers = nil
	}
	for i := range raw.Providers {
		route, err := parseRoute(&raw.Providers[i], i, r.Providers)
		if err != nil {
			return Remediation{}, err
		}
		r.Providers = append(r.Providers, route)
	}
	r.DryRun, r.Microsoft, r.Webhook = raw.DryRun, raw.Microsoft, raw.Webhook
	return r, r.check(n)
}

// parseRoute reads and checks providers[i]; before are the routes above it.
func parseRoute(n *yaml.Node, i int, before []ProviderRoute) (ProviderRoute, error) {
	at := func(format string, args ...any) error {
		return &RemediationError{n.Line, fmt.Sprintf("remediation.providers[%d]: ", i) +
			fmt.Sprintf(format, args...)}
	}
	var raw struct {
		Name    string    `yaml:"name"`
		Actions yaml.Node `yaml:"actions"`
	}
	if err := n.Decode(&raw); err != nil {
		return ProviderRoute{}, at("%v", err)
	}
	switch {
	case !slices.Contains(RemediationProviders, raw.Name):
		return ProviderRoute{}, at("provider %q is not one of %v", raw.Name,
			RemediationProviders)
	case slices.ContainsFunc(before, func(r ProviderRoute) bool { return r.Name == raw.Name }):
		return ProviderRoute{}, at("provider %q is listed twice", raw.Name)
	}
	route := ProviderRoute{Name: raw.Name}
	if raw.Actions.Kind == 0 || raw.Actions.Value == AllActions {
		return route, nil
	}
	var names []string
	if err := raw.Actions.Decode(&names); err != nil || len(names) == 0 {
		return ProviderRoute{}, at("actions must be %q or a list of action types", AllActions)
	}
	for _, a := range names {
		if _, ok := investigation.Actions[investigation.ActionType(a)]; !ok {
			return ProviderRoute{}, at("action %q is not an action type", a)
		}
		route.Actions = append(route.Actions, investigation.ActionType(a))
	}
	return route, nil
}

// check says what is wrong across the section's parts.
func (r Remediation) check(n *yaml.Node) error {
	for i, name := range r.DryRun {
		if !r.Routes(name) {
			return &RemediationError{lineOf(n, "dry_run"), fmt.Sprintf(
				"remediation.dry_run[%d]: provider %q is not in remediation.providers", i, name)}
		}
	}
	if r.Routes(ProviderMicrosoft) && r.Microsoft.Secret == "" {
		return &RemediationError{lineOf(n, "providers"),
			"remediation.microsoft.secret is required when the microsoft provider is listed"}
	}
	for key, u := range map[string]string{"login_url": r.Microsoft.LoginURL,
		"graph_url": r.Microsoft.GraphURL, "defender_url": r.Microsoft.DefenderURL} {
		if err := checkURL(u, false); err != nil {
			return &RemediationError{lineOf(n, "microsoft"), "remediation.microsoft." + key +
				": " + err.Error()}
		}
	}
	return r.checkWebhook(n)
}

// checkWebhook checks the webhook's URL and secret when it is routed to.
func (r Remediation) checkWebhook(n *yaml.Node) error {
	if !r.Routes(ProviderWebhook) {
		return nil
	}
	if r.Webhook.Secret == "" {
		return &RemediationError{lineOf(n, "providers"),
			"remediation.webhook.secret is required when the webhook provider is listed"}
	}
	if err := checkURL(r.Webhook.URL, true); err != nil {
		return &RemediationError{lineOf(n, "webhook"), "remediation.webhook.url: " +
			err.Error()}
	}
	if r.Webhook.Timeout < 0 || r.Webhook.Timeout > MaxWebhookTimeout {
		return &RemediationError{lineOf(n, "webhook"), fmt.Sprintf(
			"remediation.webhook.timeout: %s is not between 0s and %s", r.Webhook.Timeout,
			MaxWebhookTimeout)}
	}
	return nil
}

// Routes reports whether a route names provider name.
func (r Remediation) Routes(name string) bool {
	return slices.ContainsFunc(r.Providers, func(p ProviderRoute) bool { return p.Name == name })
}

// DryRuns reports whether provider name only pretends.
func (r Remediation) DryRuns(name string) bool { return slices.Contains(r.DryRun, name) }

// checkURL refuses a URL that is not absolute http(s); required refuses
// an empty one too. Plain http is allowed for a loopback test server.
func checkURL(s string, required bool) error {
	if s == "" {
		if required {
			return fmt.Errorf("required")
		}
		return nil
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return err
	case u.Scheme == "https" && u.Host != "":
		return nil
	case u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1"):
		return nil
	}
	return fmt.Errorf("%q is not an https URL", s)
}

// checkKeys refuses a key of mapping n that is not in allowed.
func checkKeys(n *yaml.Node, path string, allowed []string) error {
	if n.Kind != yaml.MappingNode {
		return &RemediationError{n.Line, path + " must be a mapping"}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(allowed, k.Value) {
			return &RemediationError{k.Line, fmt.Sprintf("%s: unknown key %q (want one of %v)",
				path, k.Value, allowed)}
		}
	}
	return nil
}

// lineOf returns the line of key in mapping n, or n's own line.
func lineOf(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line
		}
	}
	return n.Line
}
