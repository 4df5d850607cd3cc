package endpoint

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/approval"
	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// confirmation is what the confirmation page shows.
type confirmation struct {
	Verb, Decision string
	Approval       store.Approval
	Action         investigation.Action
	Analyst        string
	Expires, Sig   string
	CSRF           string
}

// confirm serves GET /approvals/{id}, the page an approval link opens. It
// checks the link and shows what the decision would do, with a form that
// posts it; it changes nothing, so a mail scanner that follows the link
// decides nothing.
func (e *Endpoint) confirm(ctx context.Context, req events.APIGatewayProxyRequest) (
	resp events.APIGatewayProxyResponse) {
	id, outcome := req.PathParameters["id"], "shown"
	defer func() { e.logPage(ctx, "approval page", id, outcome, resp.StatusCode) }()

	// a link Firebreak signed, still pending and not expired
	a, refusal := e.lookup(ctx, id)
	if refusal != nil {
		outcome = "unknown"
		return *refusal
	}
	q := req.QueryStringParameters
	link := approval.Link{Decision: q["d"], Expires: q["exp"], Sig: q["sig"]}
	if r, refused := e.checkLink(a, link); refused {
		outcome = "refused"
		return r
	}
	who := gateway.Analyst(req, e.Dev)
	if who == "" {
		outcome = "signed_out"
		return e.outcome(http.StatusUnauthorized, view{Title: "Sign in", Error: true,
			Message: "Sign in to the action center, then open the link again."})
	}

	// what the decision would do, and the form that makes it
	act, err := e.Approvals.Action(ctx, a.InvestigationID, a.ActionID)
	if err != nil {
		outcome = "unavailable"
		return e.unavailable(ctx, "read action", id, err)
	}
	verb := "Approve"
	if link.Decision == approval.Reject {
		verb = "Reject"
	}
	return center.Render(e.Log, http.StatusOK, confirmPage, confirmation{Verb: verb,
		Decision: link.Decision, Approval: a, Action: act, Analyst: who,
		Expires: link.Expires, Sig: link.Sig,
		CSRF: center.CSRFToken(e.Approvals.Secret, who, csrfForm(a.ID))})
}

// checkLink answers a link that may not decide a: 403 for a bad
// signature; for a good one, who decided a already, or that it expired.
func (e *Endpoint) checkLink(a store.Approval, l approval.Link) (
	events.APIGatewayProxyResponse, bool) {
	err := approval.Verify(e.Approvals.Secret, a, l, e.Approvals.Now())
	switch {
	case errors.Is(err, approval.ErrBadSignature):
		return e.outcome(http.StatusForbidden, view{Title: "Forbidden", Error: true,
			Message: "This link's signature does not match: it was changed, or Firebreak " +
				"did not send it. Nothing was decided."}), true
	case a.Status != store.ApprovalPending:
		return e.decided(a), true
	case errors.Is(err, approval.ErrExpired):
		return e.expired(a), true
	}
	return events.APIGatewayProxyResponse{}, false
}

// decideLink serves POST /approvals/{id}, the confirmation page's form:
// with a good link, the analyst's CSRF token and membership of the
// approver group, it decides the approval once.
func (e *Endpoint) decideLink(ctx context.Context, req events.APIGatewayProxyRequest) (
	resp events.APIGatewayProxyResponse) {
	id, outcome := req.PathParameters["id"], "refused"
	defer func() { e.logPage(ctx, "approval decision", id, outcome, resp.StatusCode) }()

	// the link, the form's token and the analyst's group
	a, refusal := e.lookup(ctx, id)
	if refusal != nil {
		return *refusal
	}
	form, status, err := gateway.ParseForm(req)
	if err != nil {
		return e.outcome(status, view{Title: "Bad request", Error: true,
			Message: err.Error() + "."})
	}
	link := approval.Link{Decision: form.Get("d"), Expires: form.Get("exp"),
		Sig: form.Get("sig")}
	if r, refused := e.checkLink(a, link); refused {
		return r
	}
	who := gateway.Analyst(req, e.Dev)
	if who == "" || !center.CheckCSRF(e.Approvals.Secret, who, csrfForm(id),
		form.Get("csrf")) {
		return e.outcome(http.StatusForbidden, view{Title: "Forbidden", Error: true,
			Message: "The form's token is missing or not yours: open the approval link " +
				"again and decide from its page."})
	}
	if !e.mayDecide(req, who, a.Group) {
		return e.notInGroup(a)
	}

	// decide, once
	a, out, err := e.Approvals.Decide(ctx, id, link.Decision == approval.Approve, who)
	if err != nil {
		outcome = "unavailable"
		return e.unavailable(ctx, "decide approval", id, err)
	}
	outcome = outcomeName(out)
	return e.decisionPage(a, out)
}

// notInGroup refuses an analyst outside a's approver group.
func (e *Endpoint) notInGroup(a store.Approval) events.APIGatewayProxyResponse {
	return e.outcome(http.StatusForbidden, view{Title: "Forbidden", Error: true,
		Message: "Only members of the approver group " + gateway.Quote(a.Group) +
			" may decide this action."})
}

// decisionPage says what became of a decision.
func (e *Endpoint) decisionPage(a store.Approval,
	out approval.Outcome) events.APIGatewayProxyResponse {
	switch out {
	case approval.DecidedBefore:
		return e.decided(a)
	case approval.Expired:
		return e.expired(a)
	case approval.InvalidToken:
		return e.outcome(http.StatusConflict, view{Title: "Invalid", Error: true,
			Approval: a, Message: "The decision is recorded, but the investigation's wait " +
				"refused it as invalid: nothing was run. Tell the cloud team."})
	}
	return e.outcome(http.StatusOK, view{Title: strings.ToUpper(a.Status[:1]) +
		a.Status[1:], Approval: a, Message: "You " + a.Status + " " +
		string(a.ActionType) + ". The investigation goes on."})
}

func outcomeName(o approval.Outcome) string {
	return [...]string{"decided", "decided_before", "expired", "invalid_token"}[o]
}

// logPage writes a request's one log line: never the link, its signature
// or the task token.
func (e *Endpoint) logPage(ctx context.Context, what, id, outcome string, status int) {
	e.Log.InfoContext(ctx, what, "approval_id", id, "outcome", outcome, "status", status)
}
