package signin

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/gateway"
)

const (
	testClient = "client-1"
	testKeyID  = "key-1"
)

// now is the time every test runs at.
var now = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// testKey is the pool's signing key in these tests, and otherKey one the
// pool never published.
var (
	testKey  = mustKey()
	otherKey = mustKey()
)

func mustKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// pool plays Cognito's JWKS endpoint and counts the fetches.
type pool struct {
	*httptest.Server
	mu      sync.Mutex
	fetches int
}

func newPool(t *testing.T) *pool {
	p := &pool{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		p.mu.Lock()
		p.fetches++
		p.mu.Unlock()
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &testKey.PublicKey, KeyID: testKeyID, Algorithm: "RS256", Use: "sig"}}})
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *pool) verifier() *Verifier {
	return &Verifier{Issuer: p.URL, ClientID: testClient, HTTP: p.Client(),
		Now: func() time.Time { return now }}
}

// claims are the claims of a token the tests sign.
type claims struct {
	Issuer   string   `json:"iss,omitempty"`
	Subject  string   `json:"sub,omitempty"`
	Audience string   `json:"aud,omitempty"`
	ClientID string   `json:"client_id,omitempty"`
	Expiry   int64    `json:"exp,omitempty"`
	IssuedAt int64    `json:"iat,omitempty"`
	TokenUse string   `json:"token_use,omitempty"`
	Email    string   `json:"email,omitempty"`
	Groups   []string `json:"cognito:groups,omitempty"`
}

// idClaims are a valid ID token's claims for the pool at issuer.
func idClaims(issuer string) claims {
	return claims{Issuer: issuer, Subject: "sub-1", Audience: testClient,
		Expiry: now.Add(time.Hour).Unix(), IssuedAt: now.Add(-time.Minute).Unix(),
		TokenUse: "id", Email: "ana@example.com", Groups: []string{"soc", "cloud"}}
}

// sign signs c with key under kid.
func sign(t *testing.T, key *rsa.PrivateKey, kid string, c claims) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithHeader("kid", kid).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestVerifierAcceptsOnlyAValidIDTokenOfThePoolAndClient(t *testing.T) {
	p := newPool(t)
	valid := idClaims(p.URL)
	with := func(change func(*claims)) claims { c := valid; change(&c); return c }
	tampered := sign(t, testKey, testKeyID, valid)
	parts := strings.Split(tampered, ".")
	body, _ := json.Marshal(with(func(c *claims) { c.Groups = []string{"admins"} }))
	tampered = parts[0] + "." + base64.RawURLEncoding.EncodeToString(body) + "." + parts[2]

	for _, tt := range []struct {
		name, token, reason string
	}{
		{"valid", sign(t, testKey, testKeyID, valid), ""},
		{"expired", sign(t, testKey, testKeyID, with(func(c *claims) {
			c.Expiry = now.Add(-time.Second).Unix()
		})), "expired"},
		{"without expiry", sign(t, testKey, testKeyID, with(func(c *claims) {
			c.Expiry = 0
		})), "no expiry"},
		{"wrong issuer", sign(t, testKey, testKeyID, with(func(c *claims) {
			c.Issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"
		})), "wrong issuer"},
		{"wrong client", sign(t, testKey, testKeyID, with(func(c *claims) {
			c.Audience = "client-2"
		})), "wrong client"},
		{"access token", sign(t, testKey, testKeyID, with(func(c *claims) {
			c.TokenUse, c.Audience, c.ClientID = "access", "", testClient
		})), "wrong client"},
		{"access token naming the client as audience", sign(t, testKey, testKeyID,
			with(func(c *claims) { c.TokenUse = "access" })), "not an ID token"},
		{"tampered", tampered, "bad signature"},
		{"signed by another key under the pool's kid", sign(t, otherKey, testKeyID, valid),
			"bad signature"},
		{"unknown kid", sign(t, otherKey, "key-2", valid), "unknown signing key"},
		{"not a JWT", "not-a-token", "not a signed JWT"},
		{"empty", "", "not a signed JWT"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id, err := p.verifier().Verify(context.Background(), tt.token)
			if got := reason(err); got != tt.reason {
				t.Fatalf("Verify: got reason %q (%v), want %q", got, err, tt.reason)
			}
			if tt.reason != "" {
				return
			}
			want := Identity{Subject: "sub-1", Email: "ana@example.com",
				Groups: []string{"soc", "cloud"}, Expiry: now.Add(time.Hour)}
			if diff := cmp.Diff(want, id); diff != "" {
				t.Errorf("Verify identity (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifierFetchesKeysOnceAndNotForEachUnknownKid(t *testing.T) {
	p := newPool(t)
	v := p.verifier()
	ctx := context.Background()
	for range 3 {
		if _, err := v.Verify(ctx, sign(t, testKey, testKeyID, idClaims(p.URL))); err != nil {
			t.Fatal(err)
		}
		v.Verify(ctx, sign(t, otherKey, "made-up", idClaims(p.URL)))
	}
	if p.fetches != 1 {
		t.Errorf("got %d fetches of the pool's keys, want 1", p.fetches)
	}
}

// authorizerRequest is a REQUEST authorizer event for method on path,
// under the stage v1, with headers.
func authorizerRequest(method, path string, headers map[string]string,
	query map[string][]string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{Type: "REQUEST",
		MethodArn: "arn:aws:execute-api:us-east-1:111122223333:api1/v1/" + method + path,
		Resource:  path, Path: path, HTTPMethod: method, Headers: headers,
		MultiValueQueryStringParameters: query,
		RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
			Path: "/v1" + path, Stage: "v1", HTTPMethod: method}}
}

func TestAuthorizerAllowsAnAnalystByHeaderOrCookie(t *testing.T) {
	p := newPool(t)
	tok := sign(t, testKey, testKeyID, idClaims(p.URL))
	for _, tt := range []struct {
		name    string
		headers map[string]string
	}{
		{"bare header", map[string]string{"Authorization": tok}},
		{"bearer header", map[string]string{"authorization": "Bearer " + tok}},
		{"session cookie", map[string]string{"Cookie": "other=1; " + SessionCookie + "=" + tok}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := authorizerRequest("GET", "/investigations/x", tt.headers, nil)
			resp, err := Authorizer(p.verifier(), slog.New(slog.DiscardHandler))(
				context.Background(), req)
			if err != nil {
				t.Fatalf("got error %v, want an Allow policy", err)
			}
			want := events.APIGatewayCustomAuthorizerResponse{PrincipalID: "sub-1",
				PolicyDocument: policy("Allow", req.MethodArn),
				Context: map[string]any{gateway.ContextAnalyst: "ana@example.com",
					gateway.ContextGroups: "soc,cloud"}}
			if diff := cmp.Diff(want, resp); diff != "" {
				t.Errorf("authorizer response (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAuthorizerSendsABrowserToSignInAndRefusesAnAPICall(t *testing.T) {
	p := newPool(t)
	expired := idClaims(p.URL)
	expired.Expiry = now.Add(-time.Minute).Unix()
	stale := map[string]string{"Cookie": SessionCookie + "=" + sign(t, testKey, testKeyID,
		expired)}
	for _, tt := range []struct {
		name, method, path string
		headers            map[string]string
		query              map[string][]string
		signIn             string // "" wants 401
	}{
		{"a page, no token", "GET", "/approvals/A1", nil,
			map[string][]string{"sig": {"abc"}, "exp": {"123"}},
			"/v1/auth/signin?return=%2Fv1%2Fapprovals%2FA1%3Fexp%3D123%26sig%3Dabc"},
		{"a page, expired cookie", "GET", "/", stale, nil,
			"/v1/auth/signin?return=%2Fv1%2F"},
		{"the API, no token", "GET", "/api/investigations", nil, nil, ""},
		{"the API, expired cookie", "GET", "/api/actions", stale, nil, ""},
		{"a form's post", "POST", "/approvals/A1", nil, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := authorizerRequest(tt.method, tt.path, tt.headers, tt.query)
			resp, err := Authorizer(p.verifier(), slog.New(slog.DiscardHandler))(
				context.Background(), req)
			if tt.signIn == "" {
				if err == nil || err.Error() != "Unauthorized" {
					t.Fatalf("got %+v, %v; want the error Unauthorized (401)", resp, err)
				}
				return
			}
			want := events.APIGatewayCustomAuthorizerResponse{PrincipalID: "anonymous",
				PolicyDocument: policy("Deny", req.MethodArn),
				Context:        map[string]any{ContextSignIn: tt.signIn}}
			if diff := cmp.Diff(want, resp); err != nil || diff != "" {
				t.Errorf("authorizer response, error %v (-want +got):\n%s", err, diff)
			}
		})
	}
}

// tokenEndpoint plays Cognito's token endpoint: it keeps the request's
// form and answers with idToken.
type tokenEndpoint struct {
	*httptest.Server
	form    url.Values
	headers http.Header
	calls   int
}

func newTokenEndpoint(t *testing.T, idToken string) *tokenEndpoint {
	te := &tokenEndpoint{}
	te.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		te.calls++
		body, _ := io.ReadAll(r.Body)
		te.form, _ = url.ParseQuery(string(body))
		te.headers = r.Header.Clone()
		if r.Method != http.MethodPost || r.URL.Path != "/oauth2/token" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id_token": idToken,
			"access_token": "access", "refresh_token": "refresh",
			"token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(te.Close)
	return te
}

// proxyRequest is a GET of path under the stage v1.
func proxyRequest(path string, query map[string]string,
	cookie string) events.APIGatewayProxyRequest {
	req := events.APIGatewayProxyRequest{Resource: path, Path: path, HTTPMethod: "GET",
		QueryStringParameters: query,
		RequestContext: events.APIGatewayProxyRequestContext{Path: "/v1" + path,
			Stage: "v1"}}
	if cookie != "" {
		req.Headers = map[string]string{"Cookie": cookie}
	}
	return req
}

const callbackURL = "https://api1.execute-api.us-east-1.amazonaws.com/v1/auth/callback"

func TestSignInRunsTheCodeFlowWithPKCEAndReturnsToThePage(t *testing.T) {
	p := newPool(t)
	idToken := sign(t, testKey, testKeyID, idClaims(p.URL))
	te := newTokenEndpoint(t, idToken)
	h := Handler(Options{DomainURL: te.URL, ClientID: testClient, CallbackURL: callbackURL,
		Verifier: p.verifier(), Log: slog.New(slog.DiscardHandler)})
	ctx := context.Background()

	// the start: a redirect to the hosted UI, the flow in a cookie
	resp, _ := h(ctx, proxyRequest(SignInPath,
		map[string]string{returnParam: "/v1/approvals/A1?sig=abc"}, ""))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("sign-in start: got status %d, want 302", resp.StatusCode)
	}
	to, _ := url.Parse(resp.Headers["Location"])
	q := to.Query()
	if to.Scheme+"://"+to.Host+to.Path != te.URL+"/oauth2/authorize" {
		t.Errorf("sign-in start: got Location %s, want the hosted UI's authorize", to)
	}
	for k, want := range map[string]string{"response_type": "code", "client_id": testClient,
		"redirect_uri": callbackURL, "scope": "openid email", "code_challenge_method": "S256"} {
		if got := q.Get(k); got != want {
			t.Errorf("sign-in start: got %s=%q, want %q", k, got, want)
		}
	}
	flowSet := resp.MultiValueHeaders["Set-Cookie"]
	if len(flowSet) != 1 || !strings.HasPrefix(flowSet[0], flowCookie+"=") ||
		!strings.Contains(flowSet[0],
			"Path=/v1/auth/; Max-Age=600; HttpOnly; Secure; SameSite=Lax") {
		t.Fatalf("sign-in start: got Set-Cookie %q, want the flow cookie, "+
			"HttpOnly, Secure, SameSite=Lax, under /v1/auth/", flowSet)
	}
	flowValue := strings.SplitN(strings.TrimPrefix(flowSet[0], flowCookie+"="), ";", 2)[0]

	// the callback: the code and the verifier exchanged, the session kept
	resp, _ = h(ctx, proxyRequest(CallbackPath, map[string]string{"code": "code-1",
		"state": q.Get("state")}, flowCookie+"="+flowValue))
	if resp.StatusCode != http.StatusFound ||
		resp.Headers["Location"] != "/v1/approvals/A1?sig=abc" {
		t.Fatalf("callback: got %d to %q, want 302 to the page asked for",
			resp.StatusCode, resp.Headers["Location"])
	}
	verifier := te.form.Get("code_verifier")
	sum := sha256.Sum256([]byte(verifier))
	if got := base64.RawURLEncoding.EncodeToString(sum[:]); got != q.Get("code_challenge") {
		t.Errorf("token request: code_verifier's S256 %s, want the challenge %s",
			got, q.Get("code_challenge"))
	}
	wantForm := url.Values{"grant_type": {"authorization_code"}, "code": {"code-1"},
		"redirect_uri": {callbackURL}, "client_id": {testClient}, "code_verifier": {verifier}}
	if diff := cmp.Diff(wantForm, te.form); diff != "" {
		t.Errorf("token request form (-want +got):\n%s", diff)
	}
	if ct := te.headers.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("token request: got Content-Type %q, want a form", ct)
	}
	if te.headers.Get("Authorization") != "" {
		t.Errorf("token request: got an Authorization header; a public client sends none")
	}
	want := []string{
		SessionCookie + "=" + idToken + "; Path=/v1/; Max-Age=3600; HttpOnly; Secure; " +
			"SameSite=Lax",
		flowCookie + "=; Path=/v1/auth/; Max-Age=0; HttpOnly; Secure; SameSite=Lax",
	}
	if diff := cmp.Diff(want, resp.MultiValueHeaders["Set-Cookie"]); diff != "" {
		t.Errorf("callback Set-Cookie (-want +got):\n%s", diff)
	}
}

func TestCallbackRefusesAFlowItDidNotStart(t *testing.T) {
	p := newPool(t)
	te := newTokenEndpoint(t, sign(t, testKey, testKeyID, idClaims(p.URL)))
	h := Handler(Options{DomainURL: te.URL, ClientID: testClient, CallbackURL: callbackURL,
		Verifier: p.verifier(), Log: slog.New(slog.DiscardHandler)})
	raw, _ := json.Marshal(flow{State: "s1", Verifier: "v1", Return: "/v1/"})
	started := flowCookie + "=" + base64.RawURLEncoding.EncodeToString(raw)
	for _, tt := range []struct {
		name   string
		query  map[string]string
		cookie string
		status int
	}{
		{"another state", map[string]string{"code": "c", "state": "s2"}, started, 400},
		{"no flow cookie", map[string]string{"code": "c", "state": "s1"}, "", 400},
		{"no code", map[string]string{"state": "s1"}, started, 400},
		{"a garbled flow cookie", map[string]string{"code": "c", "state": "s1"},
			flowCookie + "=%%%", 400},
		{"Cognito's error", map[string]string{"error": "access_denied", "state": "s1"},
			started, 401},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := h(context.Background(), proxyRequest(CallbackPath, tt.query, tt.cookie))
			if err != nil || resp.StatusCode != tt.status {
				t.Errorf("got %d, %v; want %d", resp.StatusCode, err, tt.status)
			}
			if resp.MultiValueHeaders["Set-Cookie"] != nil || te.calls != 0 {
				t.Errorf("got cookies %q and %d token requests, want none",
					resp.MultiValueHeaders["Set-Cookie"], te.calls)
			}
		})
	}
}

func TestCallbackRefusesAnIDTokenOfAnotherClient(t *testing.T) {
	p := newPool(t)
	c := idClaims(p.URL)
	c.Audience = "client-2"
	te := newTokenEndpoint(t, sign(t, testKey, testKeyID, c))
	h := Handler(Options{DomainURL: te.URL, ClientID: testClient, CallbackURL: callbackURL,
		Verifier: p.verifier(), Log: slog.New(slog.DiscardHandler)})
	raw, _ := json.Marshal(flow{State: "s1", Verifier: "v1", Return: "/v1/"})
	resp, _ := h(context.Background(), proxyRequest(CallbackPath,
		map[string]string{"code": "c", "state": "s1"},
		flowCookie+"="+base64.RawURLEncoding.EncodeToString(raw)))
	if resp.StatusCode != http.StatusBadGateway || resp.MultiValueHeaders != nil {
		t.Errorf("got %d with cookies %v, want 502 and no session",
			resp.StatusCode, resp.MultiValueHeaders)
	}
}

func TestSignInReturnsOnlyToAPathOfThisSite(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/v1/investigations/01J?tab=actions", "/v1/investigations/01J?tab=actions"},
		{"https://evil.example/", "/v1/"},
		{"//evil.example/x", "/v1/"},
		{"/\\evil.example", "/v1/"},
		{"javascript:alert(1)", "/v1/"},
		{"/v1/x\r\nSet-Cookie: a=b", "/v1/"},
		{"", "/v1/"},
	} {
		if got := safeReturn(tt.in, "/v1"); got != tt.want {
			t.Errorf("safeReturn(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTheLocalHostSignsNobodyIn(t *testing.T) {
	resp, _ := Local()(context.Background(), events.APIGatewayProxyRequest{
		Resource: SignInPath, Path: SignInPath,
		QueryStringParameters: map[string]string{returnParam: "/approvals/A1?sig=a"}})
	if resp.StatusCode != http.StatusFound || resp.Headers["Location"] != "/approvals/A1?sig=a" {
		t.Errorf("got %d to %q, want 302 straight back to the page", resp.StatusCode,
			resp.Headers["Location"])
	}
}

func TestATokenErrorNamesItsReasonAndNotTheToken(t *testing.T) {
	p := newPool(t)
	expired := idClaims(p.URL)
	expired.Expiry = now.Add(-time.Second).Unix()
	for _, token := range []string{sign(t, testKey, testKeyID, expired),
		sign(t, otherKey, "key-2", idClaims(p.URL)), "not-a-token-but-secret"} {
		_, err := p.verifier().Verify(context.Background(), token)
		var te *TokenError
		if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), "token refused: ") {
			t.Fatalf("Verify = %v, want a TokenError", err)
		}
		if strings.Contains(err.Error(), token) ||
			strings.Contains(err.Error(), strings.Split(token, ".")[0]) {
			t.Errorf("error %q holds the token", err)
		}
	}
}
