package center

import (
	"log/slog"
	"strings"
	"testing"
)

func TestAnAlertSuppliedStringRendersAsText(t *testing.T) {
	page := Parse(`{{define "title"}}{{.}}{{end}}{{define "content"}}<p>{{.}}</p>{{end}}`, nil)
	hostile := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	resp := Render(slog.Default(), 200, page, hostile)
	if strings.Contains(resp.Body, "<script>alert") || strings.Contains(resp.Body, "<img src=x") {
		t.Fatalf("the page holds the alert's markup as markup:\n%s", resp.Body)
	}
	if !strings.Contains(resp.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the page does not show the alert's text escaped:\n%s", resp.Body)
	}
	csp := resp.Headers["Content-Security-Policy"]
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy = %q, want no script allowed", csp)
	}
}

func TestThePolicyAllowsTheEmbeddedStyleSheetByItsDigest(t *testing.T) {
	if !strings.Contains(policy, "'sha256-"+digest(styleSheet)+"'") {
		t.Errorf("policy %q does not allow the style sheet's digest", policy)
	}
}

func TestACSRFTokenHoldsOnlyForTheSameAnalystAndForm(t *testing.T) {
	secret := []byte("s3cret")
	tok := CSRFToken(secret, "ana@example.com", "approval:A1")
	if !CheckCSRF(secret, "ana@example.com", "approval:A1", tok) {
		t.Fatal("the token does not hold for the form it was made for")
	}
	for _, tt := range []struct{ who, form, token string }{
		{"eve@example.com", "approval:A1", tok},
		{"ana@example.com", "approval:A2", tok},
		{"ana@example.com", "approval:A1", ""},
		{"ana@example.com", "approval:A1", tok[:len(tok)-1]},
	} {
		if CheckCSRF(secret, tt.who, tt.form, tt.token) {
			t.Errorf("CheckCSRF(%q, %q, %q) holds", tt.who, tt.form, tt.token)
		}
	}
}

func TestEveryPageShowsHiddenCharactersAsSpaces(t *testing.T) {
	page := Parse(`{{define "title"}}{{.}}{{end}}{{define "content"}}<p>{{.}}</p>`+
		`<a href="/x/{{.}}">link</a>{{end}}`, nil)
	resp := Render(slog.Default(), 200, page, "invoice\u202Efdp.exe\u200B\x1b[2J\u2066x")
	for _, r := range []string{"\u202E", "\u200B", "\x1b", "\u2066"} {
		if strings.Contains(resp.Body, r) {
			t.Errorf("the page holds %q as it is:\n%s", r, resp.Body)
		}
	}
	if !strings.Contains(resp.Body, "<p>invoice fdp.exe  [2J x</p>") {
		t.Errorf("the page does not show the text with spaces for what hides:\n%s", resp.Body)
	}
}

// templatedFailure is the failure page as a template, the way every other
// page is made: Failure must write exactly what it renders.
var templatedFailure = Parse(`{{define "title"}}{{.Title}}{{end}}
{{define "content"}}
<h1>{{.Status}} {{.Title}}</h1>
<p class="notice error">{{.Reason}}</p>
<p><a href="/">Back to the investigations</a></p>
{{end}}`, nil)

func TestTheFailurePageIsWhatItsTemplateRenders(t *testing.T) {
	for _, reason := range []string{
		"The investigation was not started.",
		`<script>alert('x')</script> & "quoted" + more` + "\x00",
	} {
		want := Render(slog.Default(), 403, templatedFailure, struct {
			Status        int
			Title, Reason string
		}{403, "Forbidden", reason})
		got := Failure(403, reason)
		if got.Body != want.Body {
			t.Errorf("Failure(403, %q) body:\n%s\nwant:\n%s", reason, got.Body, want.Body)
		}
		if got.StatusCode != 403 || got.Headers["Content-Security-Policy"] != policy {
			t.Errorf("Failure(403, %q) = status %d, headers %v; want 403 and the pages' headers",
				reason, got.StatusCode, got.Headers)
		}
	}
}
