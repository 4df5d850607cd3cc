// Package center renders the action center's pages: server-side HTML in
// one layout, with the style sheet embedded and no script at all. Every
// value a page shows goes through html/template, so a string an alert
// supplied renders as text whatever HTML or script it holds.
//
// Pages of other packages (the approval page, the action center's own)
// define the templates "title" and "content" and are parsed with Parse.
package center

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"
)

//go:embed assets/layout.html assets/style.css
var assets embed.FS

var (
	styleSheet = mustRead("assets/style.css")
	// policy allows the embedded style sheet and nothing else: no
	// script, no frame, no form posting anywhere but here.
	policy = "default-src 'none'; style-src 'sha256-" + digest(styleSheet) + "'; " +
		"img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	layout = template.Must(template.New("layout").Funcs(template.FuncMap{
		"style": func() template.CSS { return template.CSS(styleSheet) },
	}).Parse(string(mustRead("assets/layout.html"))))
)

// Parse returns the layout with a page's templates added: content must
// define "title" and "content". Every page may call when, which writes a
// time as UTC to the second ("" for the zero time); funcs, which may be
// nil, adds the page's own. It panics on a template that does not parse,
// since pages are compiled into the binary.
func Parse(content string, funcs template.FuncMap) *template.Template {
	t := template.Must(layout.Clone()).Funcs(template.FuncMap{"when": When})
	if funcs != nil {
		t.Funcs(funcs)
	}
	return template.Must(t.Parse(content))
}

// When writes t as pages show times: UTC to the second, "" for the zero
// time.
func When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// Render answers with page executed on data, as HTML with headers that
// keep it out of caches and frames and allow no script. A page that fails
// to execute is logged and answered 500 with a plain message: that is a
// bug in the page, never in the request.
func Render(log *slog.Logger, status int, page *template.Template,
	data any) events.APIGatewayProxyResponse {
	var buf bytes.Buffer
	if err := page.ExecuteTemplate(&buf, "layout", data); err != nil {
		log.Error("render page", "error", err)
		return events.APIGatewayProxyResponse{StatusCode: http.StatusInternalServerError,
			Headers: Headers("text/plain; charset=utf-8"), Body: "the page failed to render"}
	}
	return events.APIGatewayProxyResponse{StatusCode: status,
		Headers: Headers("text/html; charset=utf-8"), Body: Visible(buf.String())}
}

// Visible returns a rendered page with every character that would not
// show as itself replaced by a space: control characters other than the
// page's own line breaks and tabs, and invisible format characters such
// as the bidirectional overrides (U+202E) that make "evil‮gnp.exe"
// read as "evilexe.png", and zero-width spaces. html/template escapes
// markup but leaves those as they are; Render applies Visible to every
// page, so no page can forget a value an alert supplied. Inside
// attributes html/template has already percent-encoded them.
func Visible(page string) string {
	if strings.IndexFunc(page, hidden) < 0 {
		return page
	}
	return strings.Map(func(r rune) rune {
		if hidden(r) {
			return ' '
		}
		return r
	}, page)
}

// hidden reports whether r does not show as itself on a page.
func hidden(r rune) bool {
	switch r {
	case '\n', '\r', '\t':
		return false
	}
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		unicode.In(r, unicode.Zl, unicode.Zp)
}

// Headers are the headers of every page and download: its content type,
// the content security policy, and no caching or sniffing.
func Headers(contentType string) map[string]string {
	return map[string]string{
		"Content-Type":            contentType,
		"Content-Security-Policy": policy,
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
}

func mustRead(name string) []byte {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}
