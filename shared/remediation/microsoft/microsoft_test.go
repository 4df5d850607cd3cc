package microsoft

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
)

// sent is one API request as the fake services saw it.
type sent struct {
	Method, Path string
	Query        string
	Body         string
}

// tenant is a fake of Microsoft's login, Graph and Defender endpoints
// holding just the state remediation changes: users' accountEnabled,
// isolated machines, indicators by value, and each message's folder.
type tenant struct {
	t  *testing.T
	mu sync.Mutex
	// reqs are the API requests (not token requests) in order.
	reqs    []sent
	tokens  []url.Values
	enabled map[string]bool
	// isolated machines, by id
	isolated map[string]bool
	// indicators by value, with their ids
	indicators map[string]string
	// folders of messages by Graph id
	folders map[string]string
	// fail, when set, answers the next API request instead
	fail func(w http.ResponseWriter, r *http.Request) bool
}

func newTenant(t *testing.T) (*tenant, *Provider) {
	f := &tenant{t: t, enabled: map[string]bool{"jamie@contoso.com": true},
		isolated: map[string]bool{}, indicators: map[string]string{},
		folders: map[string]string{"AAMk1": "inbox"}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	p := New(Options{LoginURL: srv.URL + "/login", GraphURL: srv.URL + "/graph",
		DefenderURL: srv.URL + "/defender",
		HTTPClient:  &http.Client{Timeout: 2 * time.Second},
		Credentials: func(context.Context) (Credentials, error) {
			return Credentials{TenantID: "tid-1", ClientID: "cid", ClientSecret: "s3cret"}, nil
		}})
	return f, p
}

func (f *tenant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if strings.HasPrefix(r.URL.Path, "/login/") {
		f.token(w, r, body)
		return
	}
	if r.Header.Get("Authorization") != "Bearer tok-"+scopeOf(r.URL.Path) {
		f.t.Errorf("%s %s: Authorization %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
	}
	f.reqs = append(f.reqs, sent{r.Method, r.URL.Path, r.URL.RawQuery, string(body)})
	if f.fail != nil && f.fail(w, r) {
		f.fail = nil
		return
	}
	f.answer(w, r, body)
}

// scopeOf names the token an API path wants.
func scopeOf(path string) string {
	if strings.HasPrefix(path, "/graph/") {
		return "graph"
	}
	return "defender"
}

// token answers the client credentials grant, checking its form.
func (f *tenant) token(w http.ResponseWriter, r *http.Request, body []byte) {
	form, _ := url.ParseQuery(string(body))
	f.tokens = append(f.tokens, form)
	if r.URL.Path != "/login/tid-1/oauth2/v2.0/token" {
		f.t.Errorf("token path %s", r.URL.Path)
	}
	name := "defender"
	if form.Get("scope") == graphScope {
		name = "graph"
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"tok-%s","token_type":"Bearer","expires_in":3600}`, name)
}

// answer plays the services' part for the paths the provider calls.
func (f *tenant) answer(w http.ResponseWriter, r *http.Request, body []byte) {
	var in map[string]any
	_ = json.Unmarshal(body, &in)
	p := r.Method + " " + strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/graph"),
		"/defender")
	switch {
	case p == "GET /users/jamie@contoso.com":
		reply(w, 200, map[string]any{"id": "u-1", "accountEnabled": f.enabled["jamie@contoso.com"]})
	case p == "PATCH /users/jamie@contoso.com":
		if on, ok := in["accountEnabled"].(bool); ok {
			f.enabled["jamie@contoso.com"] = on
		}
		w.WriteHeader(204)
	case p == "POST /users/jamie@contoso.com/revokeSignInSessions":
		reply(w, 200, map[string]any{"value": true})
	case p == "GET /machines":
		reply(w, 200, map[string]any{"value": []map[string]string{{"id": "m-1"}}})
	case p == "POST /machines/m-1/isolate", p == "POST /machines/m-1/unisolate":
		f.isolate(w, strings.HasSuffix(p, "/isolate"))
	case p == "POST /machines/m-1/StopAndQuarantineFile":
		reply(w, 201, map[string]any{"id": "ma-q"})
	case p == "POST /indicators":
		v := in["indicatorValue"].(string)
		if f.indicators[v] == "" {
			f.indicators[v] = fmt.Sprintf("ind-%d", len(f.indicators)+1)
		}
		reply(w, 200, map[string]any{"id": f.indicators[v]})
	case strings.HasPrefix(p, "DELETE /indicators/"):
		f.deleteIndicator(w, strings.TrimPrefix(p, "DELETE /indicators/"))
	case p == "GET /users/alex@contoso.com/messages":
		reply(w, 200, map[string]any{"value": []map[string]string{{"id": "AAMk1"}}})
	case strings.HasPrefix(p, "POST /users/alex@contoso.com/messages/AAMk1/move"):
		f.folders["AAMk1"] = in["destinationId"].(string)
		reply(w, 201, map[string]any{"id": "AAMk1"})
	default:
		reply(w, 404, map[string]any{"error": map[string]string{"code": "NotFound",
			"message": "no route " + p}})
	}
}

func (f *tenant) isolate(w http.ResponseWriter, on bool) {
	if f.isolated["m-1"] == on {
		reply(w, 400, map[string]any{"error": map[string]string{
			"code": codeAlreadyActive, "message": "Action is already in progress"}})
		return
	}
	if on {
		f.isolated["m-1"] = true
	} else {
		delete(f.isolated, "m-1")
	}
	reply(w, 201, map[string]any{"id": "ma-1"})
}

func (f *tenant) deleteIndicator(w http.ResponseWriter, id string) {
	for v, have := range f.indicators {
		if have == id {
			delete(f.indicators, v)
			w.WriteHeader(204)
			return
		}
	}
	reply(w, 404, map[string]any{"error": map[string]string{"code": "NotFound",
		"message": "Indicator not found"}})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// state reads the fake's state that remediation changes.
func (f *tenant) state() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("enabled=%v isolated=%v indicators=%v folders=%v", f.enabled,
		f.isolated, f.indicators, f.folders)
}

func (f *tenant) take() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.reqs
	f.reqs = nil
	return r
}

func req(typ investigation.ActionType, target, scope alert.Entity) remediation.Request {
	return remediation.Request{ActionID: "act-1", Type: typ, Target: target, Scope: scope,
		ApprovedBy: "ana@example.com"}
}

func ent(typ alert.EntityType, key string) alert.Entity {
	return alert.Entity{Type: typ, Key: key}
}

const sha1 = "3395856ce81f2b7382dee72602f798b642f14140"

var (
	jamie  = ent(alert.EntityUser, "jamie@contoso.com")
	ws1    = ent(alert.EntityHost, "ws-1.contoso.com")
	alexMB = ent(alert.EntityMailbox, "alex@contoso.com")
	cmt    = `"Comment":"Firebreak action act-1, approved by ana@example.com"`
)

// TestEachActionSendsTheDocumentedRequests runs each action, runs it
// again as a retry after a crash would, and undoes a reversible one,
// checking every request sent and that the retry had no second effect.
func TestEachActionSendsTheDocumentedRequests(t *testing.T) {
	machines := sent{"GET", "/defender/machines",
		"%24filter=computerDnsName+eq+%27ws-1.contoso.com%27", ""}
	indicator := func(typ, v string) string {
		return `{"action":"Block","description":"Firebreak action act-1, approved by ` +
			`ana@example.com","generateAlert":true,"indicatorType":"` + typ +
			`","indicatorValue":"` + v + `","severity":"High","title":"Firebreak: ` +
			`block_` + map[string]string{"Url": "url", "DomainName": "domain",
			"IpAddress": "ip"}[typ] + ` ` + v + `"}`
	}
	tests := []struct {
		name      string
		r         remediation.Request
		do, again []sent
		undo      []sent
	}{
		{name: "revoke_sessions", r: req(investigation.ActionRevokeSessions, jamie, alert.Entity{}),
			do:    []sent{{"POST", "/graph/users/jamie@contoso.com/revokeSignInSessions", "", ""}},
			again: []sent{{"POST", "/graph/users/jamie@contoso.com/revokeSignInSessions", "", ""}}},
		{name: "disable_user", r: req(investigation.ActionDisableUser, jamie, alert.Entity{}),
			do: []sent{
				{"GET", "/graph/users/jamie@contoso.com", "$select=id,accountEnabled", ""},
				{"PATCH", "/graph/users/jamie@contoso.com", "", `{"accountEnabled":false}`}},
			again: []sent{
				{"GET", "/graph/users/jamie@contoso.com", "$select=id,accountEnabled", ""}},
			undo: []sent{{"PATCH", "/graph/users/jamie@contoso.com", "",
				`{"accountEnabled":true}`}}},
		{name: "isolate_host", r: req(investigation.ActionIsolateHost, ws1, alert.Entity{}),
			do: []sent{machines, {"POST", "/defender/machines/m-1/isolate", "",
				`{` + cmt + `,"IsolationType":"Full"}`}},
			again: []sent{machines, {"POST", "/defender/machines/m-1/isolate", "",
				`{` + cmt + `,"IsolationType":"Full"}`}},
			undo: []sent{machines, {"POST", "/defender/machines/m-1/unisolate", "",
				`{` + cmt + `}`}}},
		{name: "quarantine_file", r: req(investigation.ActionQuarantineFile,
			ent(alert.EntityFile, sha1), ws1),
			do: []sent{machines, {"POST", "/defender/machines/m-1/StopAndQuarantineFile", "",
				`{` + cmt + `,"Sha1":"` + sha1 + `"}`}},
			again: []sent{machines, {"POST", "/defender/machines/m-1/StopAndQuarantineFile",
				"", `{` + cmt + `,"Sha1":"` + sha1 + `"}`}}},
		{name: "block_url", r: req(investigation.ActionBlockURL,
			ent(alert.EntityURL, "https://evil.example/x"), alert.Entity{}),
			do: []sent{{"POST", "/defender/indicators", "",
				indicator("Url", "https://evil.example/x")}},
			again: []sent{{"POST", "/defender/indicators", "",
				indicator("Url", "https://evil.example/x")}},
			undo: []sent{{"DELETE", "/defender/indicators/ind-1", "", ""}}},
		{name: "block_domain", r: req(investigation.ActionBlockDomain,
			ent(alert.EntityDomain, "evil.example"), alert.Entity{}),
			do: []sent{{"POST", "/defender/indicators", "",
				indicator("DomainName", "evil.example")}},
			again: []sent{{"POST", "/defender/indicators", "",
				indicator("DomainName", "evil.example")}},
			undo: []sent{{"DELETE", "/defender/indicators/ind-1", "", ""}}},
		{name: "block_ip", r: req(investigation.ActionBlockIP,
			ent(alert.EntityIP, "203.0.113.9"), alert.Entity{}),
			do: []sent{{"POST", "/defender/indicators", "",
				indicator("IpAddress", "203.0.113.9")}},
			again: []sent{{"POST", "/defender/indicators", "",
				indicator("IpAddress", "203.0.113.9")}},
			undo: []sent{{"DELETE", "/defender/indicators/ind-1", "", ""}}},
		{name: "delete_email", r: req(investigation.ActionDeleteEmail,
			ent(alert.EntityEmailMessage, "m1@sender.example"), alexMB),
			do: []sent{{"GET", "/graph/users/alex@contoso.com/messages",
				"%24filter=internetMessageId+eq+%27%3Cm1%40sender.example%3E%27&%24select=id", ""},
				{"POST", "/graph/users/alex@contoso.com/messages/AAMk1/move", "",
					`{"destinationId":"deleteditems"}`}},
			again: []sent{{"GET", "/graph/users/alex@contoso.com/messages",
				"%24filter=internetMessageId+eq+%27%3Cm1%40sender.example%3E%27&%24select=id", ""},
				{"POST", "/graph/users/alex@contoso.com/messages/AAMk1/move", "",
					`{"destinationId":"deleteditems"}`}},
			undo: []sent{{"POST", "/graph/users/alex@contoso.com/messages/AAMk1/move", "",
				`{"destinationId":"inbox"}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, p := newTenant(t)
			ctx := context.Background()
			before := f.state()

			// once
			done, err := p.Do(ctx, tt.r)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if diff := cmp.Diff(tt.do, f.take()); diff != "" {
				t.Errorf("Do sent (-want +got):\n%s", diff)
			}
			after := f.state()

			// again, as after a crash: no second effect
			if _, err := p.Do(ctx, tt.r); err != nil {
				t.Fatalf("Do again: %v", err)
			}
			if diff := cmp.Diff(tt.again, f.take()); diff != "" {
				t.Errorf("Do again sent (-want +got):\n%s", diff)
			}
			if got := f.state(); got != after {
				t.Errorf("Do again changed %s to %s", after, got)
			}

			// undone, where reversible through Microsoft
			_, err = p.Undo(ctx, tt.r, done)
			if tt.undo == nil {
				if !remediation.Permanent(err) {
					t.Errorf("Undo: got %v, want a permanent error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Undo: %v", err)
			}
			if diff := cmp.Diff(tt.undo, f.take()); diff != "" {
				t.Errorf("Undo sent (-want +got):\n%s", diff)
			}
			if got := f.state(); got != before {
				t.Errorf("after Undo: got %s, want %s as before", got, before)
			}
		})
	}
}

// TestResetPasswordSetsARandomPasswordToChange checks the PATCH body of
// reset_password without its password, which differs each time.
func TestResetPasswordSetsARandomPasswordToChange(t *testing.T) {
	f, p := newTenant(t)
	r := req(investigation.ActionResetPassword, jamie, alert.Entity{})
	if _, err := p.Do(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got := f.take()
	if len(got) != 1 || got[0].Method != "PATCH" ||
		got[0].Path != "/graph/users/jamie@contoso.com" {
		t.Fatalf("sent %+v, want one PATCH /users/jamie@contoso.com", got)
	}
	var body struct {
		PasswordProfile struct {
			Force    bool   `json:"forceChangePasswordNextSignIn"`
			Password string `json:"password"`
		} `json:"passwordProfile"`
	}
	if err := json.Unmarshal([]byte(got[0].Body), &body); err != nil {
		t.Fatal(err)
	}
	if !body.PasswordProfile.Force || len(body.PasswordProfile.Password) < 16 {
		t.Errorf("passwordProfile %+v: want a forced change and a long password",
			body.PasswordProfile)
	}
	_, err := p.Undo(context.Background(), r, remediation.Result{})
	if !remediation.Permanent(err) {
		t.Errorf("Undo: got %v, want a permanent error", err)
	}
}

// TestTokensAreClientCredentialsPerAPI checks the token requests: one
// per API, each a client credentials grant for that API's scope, reused.
func TestTokensAreClientCredentialsPerAPI(t *testing.T) {
	f, p := newTenant(t)
	ctx := context.Background()
	for range 2 {
		if _, err := p.Do(ctx, req(investigation.ActionRevokeSessions, jamie,
			alert.Entity{})); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Do(ctx, req(investigation.ActionBlockIP, ent(alert.EntityIP, "203.0.113.9"),
			alert.Entity{})); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, form := range f.tokens {
		got = append(got, fmt.Sprintf("%s %s %s %s", form.Get("grant_type"),
			form.Get("client_id"), form.Get("client_secret"), form.Get("scope")))
	}
	want := []string{"client_credentials cid s3cret " + graphScope,
		"client_credentials cid s3cret " + defenderScope}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("token requests (-want +got):\n%s", diff)
	}
}

// TestErrorAnswersAreClassified checks which answers are retried and
// which fail the action with the service's message.
func TestErrorAnswersAreClassified(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    string
		body      string
		permanent bool
		want      string
	}{
		{"not found", 404, "", `{"error":{"code":"Request_ResourceNotFound",` +
			`"message":"Resource 'jamie@contoso.com' does not exist"}}`, true,
			"microsoft: HTTP 404 Request_ResourceNotFound: Resource " +
				"'jamie@contoso.com' does not exist"},
		{"forbidden", 403, "", `{"error":{"code":"Authorization_RequestDenied",` +
			`"message":"Insufficient privileges to complete the operation."}}`, true,
			"microsoft: HTTP 403 Authorization_RequestDenied: Insufficient privileges to " +
				"complete the operation."},
		{"bad request", 400, "", `{"error":{"code":"BadRequest","message":"Invalid id"}}`,
			true, "microsoft: HTTP 400 BadRequest: Invalid id"},
		{"throttled", 429, "7", `{"error":{"code":"TooManyRequests","message":"slow down"}}`,
			false, "microsoft: HTTP 429, retry after 7s: slow down"},
		{"unavailable", 503, "", ``, false, "microsoft: HTTP 503: Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, p := newTenant(t)
			f.fail = func(w http.ResponseWriter, _ *http.Request) bool {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
				return true
			}
			_, err := p.Do(context.Background(), req(investigation.ActionRevokeSessions, jamie,
				alert.Entity{}))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if got := remediation.Permanent(err); got != tt.permanent {
				t.Errorf("permanent: got %v, want %v", got, tt.permanent)
			}
			var te *ThrottledError
			if tt.header != "" && (!errors.As(err, &te) || te.RetryAfter != 7*time.Second) {
				t.Errorf("got %#v, want a *ThrottledError asking 7s", err)
			}
		})
	}
}

// TestATimeoutIsTransient answers nothing until the client gives up.
func TestATimeoutIsTransient(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/token") {
			fmt.Fprint(w, `{"access_token":"tok","token_type":"Bearer","expires_in":3600}`)
			return
		}
		<-release
	}))
	defer srv.Close()
	defer close(release)
	p := New(Options{LoginURL: srv.URL, GraphURL: srv.URL, DefenderURL: srv.URL,
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond},
		Credentials: func(context.Context) (Credentials, error) {
			return Credentials{TenantID: "t", ClientID: "c", ClientSecret: "s"}, nil
		}})
	_, err := p.Do(context.Background(), req(investigation.ActionRevokeSessions, jamie,
		alert.Entity{}))
	if err == nil || remediation.Permanent(err) {
		t.Errorf("got %v, want a transient error", err)
	}
}

// TestRefusedCredentialsArePermanent answers the token request 401.
func TestRefusedCredentialsArePermanent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"bad secret"}`)
	}))
	defer srv.Close()
	p := New(Options{LoginURL: srv.URL, GraphURL: srv.URL, DefenderURL: srv.URL,
		Credentials: func(context.Context) (Credentials, error) {
			return Credentials{TenantID: "t", ClientID: "c", ClientSecret: "s3cret-value"}, nil
		}})
	_, err := p.Do(context.Background(), req(investigation.ActionRevokeSessions, jamie,
		alert.Entity{}))
	if !remediation.Permanent(err) || strings.Contains(err.Error(), "s3cret-value") {
		t.Errorf("got %v, want a permanent error that does not name the secret", err)
	}
}
