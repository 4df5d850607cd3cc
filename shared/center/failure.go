package center

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// failureContent is the content of the failure page; %[1]s is replaced by
// its status, %[2]s by the status's text and %[3]s by the reason, each
// escaped.
const failureContent = `
<h1>%[1]s %[2]s</h1>
<p class="notice error">%[3]s</p>
<p><a href="/">Back to the investigations</a></p>
`

// failureShell is the layout with the style sheet in place and the title
// and content left to fill: the layout's own source, its actions replaced
// by hand.
var failureShell = shell(string(mustRead("assets/layout.html")))

// textEscaper escapes text in an HTML element as html/template does.
var textEscaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;",
	"'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// Failure answers with the page that says a request failed: its status,
// the status's text as its title, and reason, which may hold what an
// alert or an analyst supplied. The page is the layout filled without
// executing a template, escaped as html/template escapes text, so that a
// function whose only page is this one does not link template execution:
// its lookup of methods by name keeps every exported method of every type
// the function links, and with them all of an AWS client's operations.
func Failure(status int, reason string) events.APIGatewayProxyResponse {
	title := textEscaper.Replace(http.StatusText(status))
	content := fmt.Sprintf(failureContent, textEscaper.Replace(fmt.Sprint(status)), title,
		textEscaper.Replace(reason))
	body := strings.NewReplacer(titleAction, title, contentAction, content).
		Replace(failureShell)
	return events.APIGatewayProxyResponse{StatusCode: status,
		Headers: Headers("text/html; charset=utf-8"), Body: body}
}

// The layout's actions that shell fills.
const (
	layoutStart   = `{{define "layout"}}`
	layoutEnd     = "{{end}}\n"
	styleAction   = "{{style}}"
	titleAction   = `{{template "title" .}}`
	contentAction = `{{template "content" .}}`
)

// shell returns the layout source src with its definition unwrapped and
// the style sheet in place. It panics if src holds any other action,
// since the layout is compiled into the binary.
func shell(src string) string {
	s, ok := strings.CutPrefix(src, layoutStart)
	if ok {
		s, ok = strings.CutSuffix(s, layoutEnd)
	}
	s = strings.Replace(s, styleAction, string(styleSheet), 1)
	rest := strings.NewReplacer(titleAction, "", contentAction, "").Replace(s)
	if !ok || strings.Contains(rest, "{{") {
		panic("center: the layout has actions the failure page does not fill")
	}
	return s
}
