package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// TaskAnswerer answers a state machine's wait for a person;
// *sfn.Client satisfies it.
type TaskAnswerer interface {
	SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (
		*sfn.SendTaskSuccessOutput, error)
}

// scopeDecision is the body of POST /api/investigations/{id}/scope.
type scopeDecision struct {
	Decision string `json:"decision"` // approve or reject
}

// scopeReply says what became of a scope decision.
type scopeReply struct {
	InvestigationID string    `json:"investigation_id"`
	Round           int       `json:"round"`
	Status          string    `json:"status"`
	DecidedBy       string    `json:"decided_by"`
	DecidedAt       time.Time `json:"decided_at"`
}

// decideScope serves POST /api/investigations/{id}/scope: the analyst
// approves or rejects widening the investigation, once. The decision is
// recorded with who made it before the execution is resumed; a second
// decision answers 409 with the first.
func (a *API) decideScope(ctx context.Context, req events.APIGatewayProxyRequest) (
	events.APIGatewayProxyResponse, error) {
	id, who := req.PathParameters["id"], Analyst(req, a.Dev)
	if who == "" {
		return Reply(http.StatusUnauthorized, errorBody("sign in to decide")), nil
	}
	var d scopeDecision
	if status, err := DecodeJSON(req, &d); err != nil {
		return Reply(status, errorBody(err.Error())), nil
	}
	if d.Decision != "approve" && d.Decision != "reject" {
		return Reply(http.StatusBadRequest,
			errorBody(`decision must be "approve" or "reject"`)), nil
	}

	// the pending request, decided once
	pending, refusal := a.pendingScope(ctx, id)
	if refusal != nil {
		return *refusal, nil
	}
	decided, token, err := a.Store.DecideScope(ctx, id, pending.Round,
		d.Decision == "approve", who)
	var before *store.ScopeDecidedError
	if errors.As(err, &before) {
		return Reply(http.StatusConflict, errorBody(before.Error())), nil
	}
	if err != nil {
		return a.unavailable(ctx, "decide scope", id, err), nil
	}
	err = a.Store.AppendEvent(ctx, id, investigation.Event{Kind: "scope_" + decided.Status,
		Actor: who, Message: fmt.Sprintf("%s %s widening the investigation to %d hosts",
			who, decided.Status, decided.Hosts)})
	if err != nil {
		return a.unavailable(ctx, "record scope decision", id, err), nil
	}

	// resume the execution; it reads the decision from the table
	_, err = a.Tasks.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &token,
		Output: aws.String(fmt.Sprintf(`{"approved":%t}`, d.Decision == "approve"))})
	if gone := expiredTask(err); gone != "" {
		return Reply(http.StatusGone, errorBody(gone)), nil
	}
	if err != nil {
		return a.unavailable(ctx, "resume execution", id, err), nil
	}
	a.Log.InfoContext(ctx, "scope decision", "investigation_id", id, "round", pending.Round,
		"decision", d.Decision, "decided_by", who)
	return Reply(http.StatusOK, scopeReply{InvestigationID: id, Round: decided.Round,
		Status: decided.Status, DecidedBy: decided.DecidedBy, DecidedAt: decided.DecidedAt}), nil
}

// pendingScope returns the scope request of investigation id that waits,
// or the answer that refuses the decision: 404 for an unknown
// investigation or one that never waited, 409 naming who decided the last
// request.
func (a *API) pendingScope(ctx context.Context, id string) (store.ScopeRequest,
	*events.APIGatewayProxyResponse) {
	refuse := func(r events.APIGatewayProxyResponse) (store.ScopeRequest,
		*events.APIGatewayProxyResponse) {
		return store.ScopeRequest{}, &r
	}
	if _, err := a.Store.Investigation(ctx, id); errors.Is(err, store.ErrNotFound) {
		return refuse(Reply(http.StatusNotFound, errorBody("no investigation "+Quote(id))))
	} else if err != nil {
		return refuse(a.unavailable(ctx, "read investigation", id, err))
	}
	reqs, err := a.Store.Scopes(ctx, id)
	if err != nil {
		return refuse(a.unavailable(ctx, "read scope requests", id, err))
	}
	if len(reqs) == 0 {
		return refuse(Reply(http.StatusNotFound, errorBody(
			"investigation "+Quote(id)+" never waited for a scope decision")))
	}
	last := reqs[len(reqs)-1]
	if last.Status != store.ScopePending {
		err := &store.ScopeDecidedError{Request: last}
		return refuse(Reply(http.StatusConflict, errorBody(err.Error())))
	}
	return last, nil
}

// expiredTask says why a task can no longer be answered, or "".
func expiredTask(err error) string {
	var timedOut *sfntypes.TaskTimedOut
	var missing *sfntypes.TaskDoesNotExist
	var invalid *sfntypes.InvalidToken
	switch {
	case errors.As(err, &timedOut), errors.As(err, &missing):
		return "the wait for this decision has expired; the investigation went on without it"
	case errors.As(err, &invalid):
		return "the stored task token is invalid"
	}
	return ""
}
