package endpoint

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/approval"
	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// maxBulk bounds the actions one bulk decision takes.
const maxBulk = 100

// PendingView is an action waiting for a decision, as the queue and
// GET /api/actions show it, with the links that open its confirmation
// page.
type PendingView struct {
	InvestigationID string `json:"investigation_id"`
	ApprovalID      string `json:"approval_id"`
	gateway.ActionView
	Group      string    `json:"approver_group"`
	WaitingAt  time.Time `json:"waiting_since"`
	ApproveURL string    `json:"approve_url"`
	RejectURL  string    `json:"reject_url"`
}

// typeGroup is the queue's actions of one type.
type typeGroup struct {
	Type    investigation.ActionType
	Actions []pendingRow
}

type pendingRow struct {
	store.PendingAction
	Group string
}

// pending returns the actions waiting for a decision, oldest first, as
// views.
func (e *Endpoint) pending(ctx context.Context) ([]PendingView, error) {
	acts, err := e.Approvals.Store.PendingActions(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := make([]PendingView, 0, len(acts))
	for _, p := range acts {
		a, err := e.Approvals.Store.Approval(ctx, p.ApprovalID)
		if err != nil {
			return nil, err
		}
		if a.Status != store.ApprovalPending {
			continue // decided a moment ago; the index has not caught up
		}
		msg := approval.Message(e.Approvals.Secret, e.Approvals.Settings.BaseURL, a, p.Action)
		out = append(out, PendingView{InvestigationID: p.InvestigationID,
			ApprovalID: p.ApprovalID, ActionView: actionView(p.Action),
			Group: a.Group, WaitingAt: a.RequestedAt,
			ApproveURL: msg.ApproveURL, RejectURL: msg.RejectURL})
	}
	return out, nil
}

// queue serves GET /actions: the actions waiting for a decision, oldest
// first, grouped by type for bulk decisions.
func (e *Endpoint) queue(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	who := gateway.Analyst(req, e.Dev)
	if who == "" {
		return e.outcome(http.StatusUnauthorized, view{Title: "Sign in", Error: true,
			Message: "Sign in to see the pending actions."})
	}
	views, err := e.pending(ctx)
	if err != nil {
		return e.unavailable(ctx, "list pending actions", "", err)
	}
	var groups []typeGroup
	for _, v := range views {
		i := slices.IndexFunc(groups, func(g typeGroup) bool { return g.Type == v.Type })
		if i < 0 {
			groups, i = append(groups, typeGroup{Type: v.Type}), len(groups)
		}
		row := pendingRow{Group: v.Group, PendingAction: store.PendingAction{
			InvestigationID: v.InvestigationID, ApprovalID: v.ApprovalID,
			Action: investigation.Action{ID: v.ID, Type: v.Type, Target: v.Target,
				Scope: v.Scope, Reason: v.Reason, UpdatedAt: v.WaitingAt}}}
		groups[i].Actions = append(groups[i].Actions, row)
	}
	e.Log.InfoContext(ctx, "pending actions", "count", len(views))
	return center.Render(e.Log, http.StatusOK, queuePage, struct {
		Groups []typeGroup
		CSRF   string
	}{groups, center.CSRFToken(e.Approvals.Secret, who, queueForm)})
}

// listJSON serves GET /api/actions?status=pending_approval.
func (e *Endpoint) listJSON(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	if gateway.Analyst(req, e.Dev) == "" {
		return gateway.Reply(http.StatusUnauthorized, gateway.ErrorBody("sign in"))
	}
	st := req.QueryStringParameters["status"]
	if st != "" && st != string(investigation.ActionPendingApproval) {
		return gateway.Reply(http.StatusBadRequest, gateway.ErrorBody(
			"status must be pending_approval: only waiting actions are listed here"))
	}
	views, err := e.pending(ctx)
	if err != nil {
		e.Log.ErrorContext(ctx, "list pending actions", "error", err)
		return gateway.Reply(http.StatusServiceUnavailable,
			gateway.ErrorBody("storage unavailable; retry later"))
	}
	return gateway.Reply(http.StatusOK, struct {
		Actions []PendingView `json:"actions"`
	}{views})
}

// Result is what became of one approval of a bulk decision.
type Result struct {
	ApprovalID string `json:"approval_id"`
	// Outcome is decided, decided_before, expired, invalid_token,
	// forbidden, not_found or unavailable.
	Outcome   string    `json:"outcome"`
	Status    string    `json:"status,omitempty"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	Message   string    `json:"-"`
}

// bulk decides each approval of ids for the analyst of req, refusing all
// of them unless they are of one action type.
func (e *Endpoint) bulk(ctx context.Context, req events.APIGatewayProxyRequest, who string,
	ids []string, approve bool) ([]Result, int, error) {
	if len(ids) == 0 || len(ids) > maxBulk {
		return nil, http.StatusBadRequest, fmt.Errorf("select between 1 and %d actions",
			maxBulk)
	}
	var found []store.Approval
	for _, id := range ids {
		if !approvalID.MatchString(id) {
			return nil, http.StatusBadRequest, fmt.Errorf("%s names no approval",
				gateway.Quote(id))
		}
		a, err := e.Approvals.Store.Approval(ctx, id)
		if err != nil {
			return nil, http.StatusNotFound, fmt.Errorf("approval %s: %w", id, err)
		}
		if len(found) > 0 && a.ActionType != found[0].ActionType {
			return nil, http.StatusBadRequest, fmt.Errorf("the selected actions are of "+
				"different types (%s, %s): decide one type at a time", found[0].ActionType,
				a.ActionType)
		}
		found = append(found, a)
	}
	out := make([]Result, 0, len(found))
	for _, a := range found {
		out = append(out, e.decideOne(ctx, req, who, a, approve))
	}
	return out, http.StatusOK, nil
}

// decideOne decides a for who, if who may.
func (e *Endpoint) decideOne(ctx context.Context, req events.APIGatewayProxyRequest,
	who string, a store.Approval, approve bool) Result {
	if !e.mayDecide(req, who, a.Group) {
		return Result{ApprovalID: a.ID, Outcome: "forbidden",
			Message: "only members of " + a.Group + " may decide it"}
	}
	d, out, err := e.Approvals.Decide(ctx, a.ID, approve, who)
	if err != nil {
		e.Log.ErrorContext(ctx, "decide approval", "approval_id", a.ID, "error", err)
		return Result{ApprovalID: a.ID, Outcome: "unavailable",
			Message: "not decided: storage unavailable; retry later"}
	}
	e.logPage(ctx, "approval decision", a.ID, outcomeName(out), http.StatusOK)
	msg := fmt.Sprintf("%s by %s at %s", d.Status, d.DecidedBy,
		d.DecidedAt.UTC().Format("2006-01-02 15:04:05Z"))
	if out == approval.DecidedBefore {
		msg = "already " + msg
	}
	return Result{ApprovalID: a.ID, Outcome: outcomeName(out), Status: d.Status,
		DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt, Message: msg}
}

// decideForm serves POST /actions/decisions, the queue's bulk form.
func (e *Endpoint) decideForm(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	who := gateway.Analyst(req, e.Dev)
	form, status, err := gateway.ParseForm(req)
	if err != nil {
		return e.outcome(status, view{Title: "Bad request", Error: true,
			Message: err.Error() + "."})
	}
	if who == "" || !center.CheckCSRF(e.Approvals.Secret, who, queueForm,
		form.Get("csrf")) {
		return e.outcome(http.StatusForbidden, view{Title: "Forbidden", Error: true,
			Message: "The form's token is missing or not yours: reload the pending " +
				"actions and decide from there."})
	}
	d := form.Get("decision")
	if d != approval.Approve && d != approval.Reject {
		return e.outcome(http.StatusBadRequest, view{Title: "Bad request", Error: true,
			Message: `The decision must be "approve" or "reject".`})
	}
	results, status, err := e.bulk(ctx, req, who, form["approval"], d == approval.Approve)
	if err != nil {
		return e.outcome(status, view{Title: "Bad request", Error: true,
			Message: err.Error() + "."})
	}
	return center.Render(e.Log, http.StatusOK, decisionsPage, results)
}

// decisionsRequest is the body of POST /api/actions/decisions.
type decisionsRequest struct {
	Decision    string   `json:"decision"` // approve or reject
	ApprovalIDs []string `json:"approval_ids"`
}

// decideJSON serves POST /api/actions/decisions.
func (e *Endpoint) decideJSON(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	who := gateway.Analyst(req, e.Dev)
	if who == "" {
		return gateway.Reply(http.StatusUnauthorized, gateway.ErrorBody("sign in to decide"))
	}
	var dr decisionsRequest
	if status, err := gateway.DecodeJSON(req, &dr); err != nil {
		return gateway.Reply(status, gateway.ErrorBody(err.Error()))
	}
	if dr.Decision != approval.Approve && dr.Decision != approval.Reject {
		return gateway.Reply(http.StatusBadRequest,
			gateway.ErrorBody(`decision must be "approve" or "reject"`))
	}
	results, status, err := e.bulk(ctx, req, who, dr.ApprovalIDs,
		dr.Decision == approval.Approve)
	if err != nil {
		return gateway.Reply(status, gateway.ErrorBody(err.Error()))
	}
	return gateway.Reply(http.StatusOK, struct {
		Results []Result `json:"results"`
	}{results})
}

// actionView is gateway's view of a, as the investigation API shows it.
func actionView(a investigation.Action) gateway.ActionView {
	v := gateway.ActionView{ID: a.ID, Type: a.Type, Target: a.Target, Scope: a.Scope,
		Status: a.Status, Reason: a.Reason, Result: a.Result, ApprovedBy: a.ApprovedBy}
	if !a.DecidedAt.IsZero() {
		v.DecidedAt = &a.DecidedAt
	}
	return v
}
