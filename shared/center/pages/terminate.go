package pages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// TerminateError is a termination refused: Status is 404 for an unknown
// investigation, 409 for one that has finished.
type TerminateError struct {
	Status int
	Reason string
}

func (e *TerminateError) Error() string { return e.Reason }

// Terminate stops investigation id on behalf of who: it stops its
// execution, changes its status to terminated on condition that it is
// still open, lets later alerts on its indicators open a new
// investigation, and records who did it and why in the timeline. A
// finished investigation is left as it is, with a *TerminateError.
func (c *Center) Terminate(ctx context.Context, id, who, reason string) error {
	// an open investigation only
	if !investigationID.MatchString(id) {
		return &TerminateError{http.StatusNotFound, "no investigation " + gateway.Quote(id)}
	}
	inv, err := c.Store.Investigation(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return &TerminateError{http.StatusNotFound, "no investigation " + gateway.Quote(id)}
	}
	if err != nil {
		return err
	}
	if !inv.Status.Open() {
		return finished(id, string(inv.Status))
	}

	// stop its execution, then mark it, on condition it is still open
	if err := c.stopExecution(ctx, id); err != nil {
		return err
	}
	err = c.Store.TransitionInvestigation(ctx, id, investigation.StatusTerminated)
	var te *investigation.TransitionError
	if errors.As(err, &te) {
		return finished(id, te.From)
	}
	if err != nil {
		return err
	}

	// release it, withdraw what waits for a decision, and say who did it
	if err := c.Store.EndExecution(ctx, id); err != nil {
		return err
	}
	if err := c.withdrawApprovals(ctx, id, who); err != nil {
		return err
	}
	if err := c.Store.ReleaseIndicators(ctx, id, inv.Indicators); err != nil {
		return err
	}
	msg := who + " terminated the investigation and stopped its execution"
	if reason != "" {
		msg += ": " + reason
	}
	return c.Store.AppendEvent(ctx, id, investigation.Event{Time: c.Now(), Kind: "terminated",
		Actor: who, Message: msg})
}

// withdrawApprovals rejects, in who's name, every action of investigation
// id still waiting for a decision, so that its approval link says the
// action was withdrawn instead of offering to run it. An approval somebody
// decided meanwhile keeps that decision.
func (c *Center) withdrawApprovals(ctx context.Context, id, who string) error {
	acts, err := c.Store.Actions(ctx, id)
	if err != nil {
		return err
	}
	for _, a := range acts {
		if a.Status != investigation.ActionPendingApproval {
			continue
		}
		_, _, err := c.Store.DecideApproval(ctx, store.ApprovalID(id, a.ID), store.Decision{
			Status: store.ApprovalRejected, By: who, At: c.Now(),
			Event: investigation.Event{Kind: "action_rejected", Actor: who,
				Message: fmt.Sprintf("%s withdrew %s %s: the investigation was terminated",
					who, a.Type, a.ID)}})
		var decided *store.ApprovalDecidedError
		switch {
		case errors.Is(err, store.ErrNotFound):
			// no approval was requested yet: reject the action itself
			err = c.Store.TransitionAction(ctx, id, a.ID, investigation.ActionRejected,
				store.ActionChange{ApprovedBy: who, DecidedAt: c.Now()})
		case errors.As(err, &decided):
			err = nil
		}
		if err != nil {
			return fmt.Errorf("withdraw action %s: %w", a.ID, err)
		}
	}
	return nil
}

func finished(id, status string) error {
	return &TerminateError{http.StatusConflict, fmt.Sprintf("investigation %s has finished "+
		"(%s); only a running one can be terminated", id, status)}
}

// stopExecution stops investigation id's execution; one that never
// started or has stopped is no failure.
func (c *Center) stopExecution(ctx context.Context, id string) error {
	arn := strings.Replace(c.StateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + id
	_, err := c.Executions.StopExecution(ctx, &sfn.StopExecutionInput{
		ExecutionArn: aws.String(arn),
		Error:        aws.String("Terminated"),
		Cause:        aws.String("an analyst terminated the investigation"),
	})
	var missing *sfntypes.ExecutionDoesNotExist
	if err != nil && !errors.As(err, &missing) {
		return fmt.Errorf("stop execution of %s: %w", id, err)
	}
	return nil
}

// terminateRequest is the body of POST /api/investigations/{id}/terminate.
type terminateRequest struct {
	Reason string `json:"reason,omitempty"`
}

// terminateReply answers a termination.
type terminateReply struct {
	InvestigationID string               `json:"investigation_id"`
	Status          investigation.Status `json:"status"`
	TerminatedBy    string               `json:"terminated_by"`
}

// terminateJSON serves POST /api/investigations/{id}/terminate with a JSON
// object, {} or {"reason": …}.
func (c *Center) terminateJSON(ctx context.Context, req events.APIGatewayProxyRequest,
	id string) events.APIGatewayProxyResponse {
	who := gateway.Analyst(req, c.Dev)
	if who == "" {
		return gateway.Reply(http.StatusUnauthorized,
			gateway.ErrorBody("sign in to terminate an investigation"))
	}
	var tr terminateRequest
	if status, err := gateway.DecodeJSON(req, &tr); err != nil {
		return gateway.Reply(status, gateway.ErrorBody(err.Error()))
	}
	if err := gateway.CheckReason(tr.Reason); err != nil {
		return gateway.Reply(http.StatusBadRequest, gateway.ErrorBody(err.Error()))
	}
	status, err := c.terminate(ctx, id, who, tr.Reason)
	if err != nil {
		return gateway.Reply(status, gateway.ErrorBody(err.Error()))
	}
	return gateway.Reply(http.StatusOK, terminateReply{InvestigationID: id,
		Status: investigation.StatusTerminated, TerminatedBy: who})
}

// terminateForm serves POST /investigations/{id}/terminate, the form of
// the investigation's page, and sends the analyst back to the page.
func (c *Center) terminateForm(ctx context.Context, req events.APIGatewayProxyRequest,
	id string) events.APIGatewayProxyResponse {
	who := gateway.Analyst(req, c.Dev)
	if who == "" {
		return c.fail(http.StatusUnauthorized, "Sign in to terminate an investigation.")
	}
	form, status, err := gateway.ParseForm(req)
	if err != nil {
		return c.fail(status, err.Error())
	}
	if !center.CheckCSRF(c.Secret, who, terminateForm(id), form.Get("csrf")) {
		return c.fail(http.StatusForbidden, "The form's token is missing or not yours: "+
			"reload the investigation's page and terminate it from there.")
	}
	reason := strings.TrimSpace(form.Get("reason"))
	if err := gateway.CheckReason(reason); err != nil {
		return c.fail(http.StatusBadRequest, err.Error()+".")
	}
	if status, err := c.terminate(ctx, id, who, reason); err != nil {
		return c.fail(status, err.Error()+".")
	}
	return redirect("/investigations/" + url.PathEscape(id))
}

// terminate runs Terminate and logs it; on failure it returns the status
// to answer and the reason to give.
func (c *Center) terminate(ctx context.Context, id, who, reason string) (int, error) {
	start := c.Now()
	err := c.Terminate(ctx, id, who, reason)
	var te *TerminateError
	switch {
	case errors.As(err, &te):
		c.Log.InfoContext(ctx, "terminate investigation", "investigation_id", id,
			"outcome", "refused", "status", te.Status)
		return te.Status, te
	case err != nil:
		c.Log.ErrorContext(ctx, "terminate investigation", "investigation_id", id,
			"error", err)
		return http.StatusServiceUnavailable,
			errors.New("the investigation could not be terminated just now; retry later")
	}
	c.Log.InfoContext(ctx, "terminate investigation", "investigation_id", id,
		"outcome", "terminated", "duration_ms", c.Now().Sub(start).Milliseconds())
	return http.StatusOK, nil
}
