package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/workflow"
)

// undoRequest is the body of POST
// /api/investigations/{id}/actions/{action}/undo. Reason is optional and
// goes nowhere yet but the log line.
type undoRequest struct {
	Reason string `json:"reason,omitempty"`
}

// undoAction serves POST /api/investigations/{id}/actions/{action}/undo:
// the signed-in analyst undoes an action that took effect. It answers 200
// with what the provider did, 404 for an unknown action, 409 with the
// reason for one that cannot be undone (irreversible, not succeeded,
// undone already), 502 with the provider's reason when it refuses, and
// 503 when retrying may help. The body may be empty or a JSON object.
func (a *API) undoAction(ctx context.Context, req events.APIGatewayProxyRequest) (
	events.APIGatewayProxyResponse, error) {
	invID, actID := req.PathParameters["id"], req.PathParameters["action"]
	who := Analyst(req, a.Dev)
	if who == "" {
		return Reply(http.StatusUnauthorized, errorBody("sign in to undo an action")), nil
	}
	var body undoRequest
	if b, _ := Body(req); len(b) > 0 {
		if status, err := DecodeJSON(req, &body); err != nil {
			return Reply(status, errorBody(err.Error())), nil
		}
	}
	if err := CheckReason(body.Reason); err != nil {
		return Reply(http.StatusBadRequest, errorBody(err.Error())), nil
	}
	if a.Undo == nil {
		return Reply(http.StatusNotFound, errorBody("undo is not configured")), nil
	}

	done, err := a.Undo.Undo(ctx, invID, actID, who, body.Reason)
	var not *workflow.NotUndoableError
	var refused *remediation.PermanentError
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Reply(http.StatusNotFound, errorBody("investigation "+Quote(invID)+
			" has no action "+Quote(actID))), nil
	case errors.As(err, &not):
		return Reply(http.StatusConflict, errorBody(not.Error())), nil
	case errors.As(err, &refused):
		a.Log.WarnContext(ctx, "undo action", "investigation_id", invID, "action_id", actID,
			"undone_by", who, "error", err)
		return Reply(http.StatusBadGateway, errorBody("the provider refused: "+
			refused.Error())), nil
	case err != nil:
		a.Log.ErrorContext(ctx, "undo action", "investigation_id", invID, "action_id", actID,
			"error", err)
		return Reply(http.StatusServiceUnavailable, errorBody(
			"the provider or storage is unavailable; retry later")), nil
	}
	a.Log.InfoContext(ctx, "undo action", "investigation_id", invID, "action_id", actID,
		"provider", done.Provider, "undone_by", who, "reason", Quote(body.Reason))
	return Reply(http.StatusOK, done), nil
}
