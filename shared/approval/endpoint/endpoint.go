// Package endpoint serves approvals over API Gateway: the page an
// approval link opens (GET /approvals/{id}, which changes nothing), the
// decision its form posts (POST /approvals/{id}), the pending-actions
// queue with bulk decisions (GET /actions, POST /actions/decisions) and
// the same as JSON under /api/actions.
//
// A link is checked for its signature and expiry before anything is read
// aloud; a decision also needs the analyst's CSRF token and membership of
// the approver group. Whatever Step Functions answers, the analyst gets a
// page, never a 500.
package endpoint

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/approval"
	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/store"
)

// Endpoint serves the approval pages and API. Its fields are set once at
// cold start; it is safe for concurrent use.
type Endpoint struct {
	Approvals *approval.Service
	// Dev is the development identity of requests that carry no verified
	// claims: set by the local host only. It belongs to every group.
	Dev string
	Log *slog.Logger
}

//go:embed templates/*.html
var templates embed.FS

func page(name string) *template.Template {
	b, err := templates.ReadFile("templates/" + name)
	if err != nil {
		panic(err)
	}
	return center.Parse(string(b), nil)
}

var (
	confirmPage   = page("confirm.html")
	outcomePage   = page("outcome.html")
	queuePage     = page("queue.html")
	decisionsPage = page("decisions.html")
)

// approvalID is the shape of an approval's id (store.ApprovalID): anything
// else names no approval and is not looked up.
var approvalID = regexp.MustCompile(`^apr-[0-9a-f]{24}$`)

// Handler routes the requests by API Gateway's resource path.
func (e *Endpoint) Handler() gateway.Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		switch req.HTTPMethod + " " + req.Resource {
		case "GET /approvals/{id}":
			return e.confirm(ctx, req), nil
		case "POST /approvals/{id}":
			return e.decideLink(ctx, req), nil
		case "GET /actions":
			return e.queue(ctx, req), nil
		case "POST /actions/decisions":
			return e.decideForm(ctx, req), nil
		case "GET /api/actions":
			return e.listJSON(ctx, req), nil
		case "POST /api/actions/decisions":
			return e.decideJSON(ctx, req), nil
		}
		return e.outcome(http.StatusNotFound, view{Title: "Not found", Error: true,
			Message: "There is no page " + gateway.Quote(req.Path) + "."}), nil
	}
}

// view is what the outcome page shows.
type view struct {
	Title    string
	Message  string
	Error    bool
	Approval store.Approval
}

func (e *Endpoint) outcome(status int, v view) events.APIGatewayProxyResponse {
	return center.Render(e.Log, status, outcomePage, v)
}

// unavailable logs a storage or Step Functions failure and answers 503.
func (e *Endpoint) unavailable(ctx context.Context, what, id string,
	err error) events.APIGatewayProxyResponse {
	e.Log.ErrorContext(ctx, what, "approval_id", id, "error", err)
	return e.outcome(http.StatusServiceUnavailable, view{Title: "Try again", Error: true,
		Message: "Firebreak cannot reach its storage just now; nothing was decided. " +
			"Retry in a moment."})
}

// mayDecide reports whether who, the analyst of req, may decide for
// group: a member of it, or the local development identity.
func (e *Endpoint) mayDecide(req events.APIGatewayProxyRequest, who, group string) bool {
	if !gateway.Verified(req) {
		return e.Dev != "" && who == e.Dev
	}
	for _, g := range gateway.Groups(req) {
		if g == group {
			return true
		}
	}
	return false
}

// csrfForm is what an approval's CSRF token is bound to.
func csrfForm(id string) string { return "approval:" + id }

// queueForm is what the queue's CSRF token is bound to.
const queueForm = "actions:decisions"

// decided says who decided a, and when, as a page.
func (e *Endpoint) decided(a store.Approval) events.APIGatewayProxyResponse {
	if a.Status == store.ApprovalExpired {
		return e.expired(a)
	}
	return e.outcome(http.StatusOK, view{Title: "Already decided", Approval: a,
		Message: "This action was " + a.Status + " by " + a.DecidedBy + " at " +
			a.DecidedAt.UTC().Format("2006-01-02 15:04:05Z") + "; nothing more to do."})
}

// expired says the approval's link or wait has expired.
func (e *Endpoint) expired(a store.Approval) events.APIGatewayProxyResponse {
	return e.outcome(http.StatusGone, view{Title: "Expired", Error: true, Approval: a,
		Message: "This approval has expired: nobody decided in time, which counts as a " +
			"rejection. Nothing was run."})
}

// lookup returns approval id or the page that refuses: 404 for an id
// that names none.
func (e *Endpoint) lookup(ctx context.Context, id string) (store.Approval,
	*events.APIGatewayProxyResponse) {
	missing := e.outcome(http.StatusNotFound, view{Title: "No such approval", Error: true,
		Message: "There is no approval " + gateway.Quote(id) + "."})
	if !approvalID.MatchString(id) {
		return store.Approval{}, &missing
	}
	a, err := e.Approvals.Store.Approval(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Approval{}, &missing
	}
	if err != nil {
		r := e.unavailable(ctx, "read approval", id, err)
		return store.Approval{}, &r
	}
	return a, nil
}
