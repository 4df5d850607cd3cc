package microsoft

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/firebreak/firebreak/shared/remediation"
)

// Credentials are an app registration's client credentials, as the
// Secrets Manager secret named in firebreak.yaml holds them in JSON.
type Credentials struct {
	TenantID     string `json:"tenant_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// LogValue leaves the client secret out of logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant_id", c.TenantID),
		slog.String("client_id", c.ClientID), slog.String("client_secret", "REDACTED"))
}

// ParseCredentials reads a secret's JSON value and checks every field is
// set.
func ParseCredentials(secret string) (Credentials, error) {
	var c Credentials
	if err := json.Unmarshal([]byte(secret), &c); err != nil {
		return Credentials{}, fmt.Errorf("microsoft credentials: not JSON {tenant_id, "+
			"client_id, client_secret}: %w", err)
	}
	if c.TenantID == "" || c.ClientID == "" || c.ClientSecret == "" {
		return Credentials{}, fmt.Errorf("microsoft credentials: tenant_id, client_id and " +
			"client_secret are all required")
	}
	return c, nil
}

// The scopes of app-only tokens for Graph and for Defender for Endpoint.
const (
	graphScope    = "https://graph.microsoft.com/.default"
	defenderScope = "https://api.securitycenter.microsoft.com/.default"
)

// tokens holds the two token sources, made once the credentials are read.
type tokens struct {
	mu              sync.Mutex
	graph, defender oauth2.TokenSource
}

// sources returns the Graph and Defender token sources, reading the
// credentials on first use; a failed read is tried again next time.
func (p *Provider) sources(ctx context.Context) (graph, defender oauth2.TokenSource,
	err error) {
	p.tok.mu.Lock()
	defer p.tok.mu.Unlock()
	if p.tok.graph != nil {
		return p.tok.graph, p.tok.defender, nil
	}
	c, err := p.opts.Credentials(ctx)
	if err != nil {
		return nil, nil, &remediation.PermanentError{Provider: ProviderName,
			Reason: "read the app's credentials: " + err.Error(), Err: err}
	}
	p.tok.graph = p.tokenSource(c, graphScope)
	p.tok.defender = p.tokenSource(c, defenderScope)
	return p.tok.graph, p.tok.defender, nil
}

// tokenSource returns a cached source of tokens for scope. Its context
// carries only the HTTP client, so that a cancelled request does not
// spoil the cache.
func (p *Provider) tokenSource(c Credentials, scope string) oauth2.TokenSource {
	cc := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		TokenURL: strings.TrimSuffix(p.opts.LoginURL, "/") + "/" + url.PathEscape(c.TenantID) +
			"/oauth2/v2.0/token",
		Scopes: []string{scope}, AuthStyle: oauth2.AuthStyleInParams}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, p.http)
	return oauth2.ReuseTokenSource(nil, cc.TokenSource(ctx))
}

// httpClient is the client a Provider calls with when Options has none.
func httpClient(o Options) *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: defaultTimeout}
}
