// Package pages serves the action center's own pages and their JSON under
// /api: the list of investigations, an investigation's page with its
// graph, the audit log and its CSV export, terminating an investigation,
// and the outbox of the messages the local host kept in place of sending.
// Approvals and the pending-actions queue are served by their own package; the manual start form posts to the start
// function (see shared/gateway/manual).
//
// Every string an alert supplied reaches a page through html/template, so
// it renders as text, in the SVG graph too.
package pages

import (
	"context"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/store"
)

// Executions stops Step Functions executions; *sfn.Client satisfies it.
type Executions interface {
	StopExecution(context.Context, *sfn.StopExecutionInput, ...func(*sfn.Options)) (
		*sfn.StopExecutionOutput, error)
}

// Center serves the action center's pages. Its fields are set once at
// cold start; it is safe for concurrent use.
type Center struct {
	Store      *store.Store
	Executions Executions
	// StateMachineARN is the investigation state machine's; an
	// investigation's execution is named by its id.
	StateMachineARN string
	// Secret is the link-signing secret, which keys the CSRF tokens.
	Secret []byte
	// Dev is the development identity of requests that carry no verified
	// claims: set by the local host only.
	Dev string
	Log *slog.Logger
	Now func() time.Time
}

//go:embed templates/*.html
var templates embed.FS

// funcs are the helpers the pages' templates call.
var funcs = template.FuncMap{
	"severity":     func(id alert.SeverityID) string { return id.String() },
	"severityName": severityName,
	"join":         strings.Join,
}

// page parses one page's template file with the layout.
func page(name string) *template.Template {
	b, err := templates.ReadFile("templates/" + name)
	if err != nil {
		panic(err)
	}
	return center.Parse(string(b), funcs)
}

// Handler routes the action center's requests by API Gateway's resource
// path.
func (c *Center) Handler() gateway.Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		id := req.PathParameters["id"]
		switch req.HTTPMethod + " " + req.Resource {
		case "GET /":
			return c.listPage(ctx, req), nil
		case "GET /api/investigations":
			return c.listJSON(ctx, req), nil
		case "GET /investigations/{id}":
			return c.detailPage(ctx, req, id), nil
		case "GET /audit":
			return c.auditPage(ctx, req), nil
		case "GET /audit.csv":
			return c.auditCSV(ctx, req), nil
		case "GET /api/audit":
			return c.auditJSON(ctx, req), nil
		case "POST /investigations/{id}/terminate":
			return c.terminateForm(ctx, req, id), nil
		case "POST /api/investigations/{id}/terminate":
			return c.terminateJSON(ctx, req, id), nil
		case "GET /outbox", "GET /api/outbox":
			return c.outbox(ctx, req.Resource == "/api/outbox"), nil
		}
		return c.fail(http.StatusNotFound, "There is no page "+gateway.Quote(req.Path)+"."), nil
	}
}

// fail answers with the error page.
func (c *Center) fail(status int, reason string) events.APIGatewayProxyResponse {
	return Fail(status, reason)
}

// Fail answers with the action center's error page: status and a reason
// that says what to do (see center.Failure).
func Fail(status int, reason string) events.APIGatewayProxyResponse {
	return center.Failure(status, reason)
}

// unavailable logs a storage or Step Functions failure and answers 503
// with a page, or with JSON for the API.
func (c *Center) unavailable(ctx context.Context, what string, err error,
	asJSON bool) events.APIGatewayProxyResponse {
	c.Log.ErrorContext(ctx, what, "error", err)
	const reason = "storage unavailable; retry later"
	if asJSON {
		return gateway.Reply(http.StatusServiceUnavailable, gateway.ErrorBody(reason))
	}
	return c.fail(http.StatusServiceUnavailable, "The action center cannot reach its "+
		"storage just now; retry in a moment.")
}

// investigationID is the shape of an investigation's id (a ULID), with
// room to spare: anything else names no investigation and is not looked
// up.
var investigationID = regexp.MustCompile(`^[0-9A-Za-z]{1,64}$`)

// query returns the request's query string parameters as url.Values.
func query(req events.APIGatewayProxyRequest) url.Values {
	q := url.Values{}
	for k, vs := range req.MultiValueQueryStringParameters {
		q[k] = vs
	}
	for k, v := range req.QueryStringParameters {
		if _, ok := q[k]; !ok {
			q.Set(k, v)
		}
	}
	return q
}

// redirect answers 303 See Other to location: a form's POST is followed
// by a GET of the page it changed.
func redirect(location string) events.APIGatewayProxyResponse {
	h := center.Headers("text/plain; charset=utf-8")
	h["Location"] = location
	return events.APIGatewayProxyResponse{StatusCode: http.StatusSeeOther, Headers: h,
		Body: "see " + location}
}
