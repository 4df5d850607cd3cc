package workflow

import (
	"context"
	"errors"
	"time"

	"github.com/firebreak/firebreak/shared/approval"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// ActionInput names one action of an investigation: what each iteration
// of the state machine's Map over proposed actions passes.
type ActionInput struct {
	InvestigationID string `json:"investigation_id"`
	ActionID        string `json:"action_id"`
}

// ApprovalInput is what the RequestApproval wait passes: the action and
// the task token that resumes the execution. The token is a secret: it
// goes to the table and nowhere else.
type ApprovalInput struct {
	InvestigationID string `json:"investigation_id"`
	ActionID        string `json:"action_id"`
	TaskToken       string `json:"task_token"`
}

// ApprovalSteps are the steps of an action's wait for a person. Its
// fields are set once at cold start; it is safe for concurrent use.
type ApprovalSteps struct {
	Approvals *approval.Service
	Log       Logger
	Now       func() time.Time
}

// Logger is the part of *slog.Logger the approval steps write with.
type Logger interface {
	InfoContext(ctx context.Context, msg string, args ...any)
	ErrorContext(ctx context.Context, msg string, args ...any)
}

// RequestApproval asks a person to decide the action: it keeps the task
// token with a single-use approval, sets the action pending_approval and
// notifies the approver group. The execution waits until the approval
// endpoint answers the token or the wait times out. Running it again, as a
// retried or repeated wait does, keeps the one approval and its token is
// replaced; an approval decided before fails with *DecidedBeforeError.
func (s *ApprovalSteps) RequestApproval(ctx context.Context, in ApprovalInput) (
	out struct{}, err error) {
	start := s.Now()
	var req approval.Requested
	defer func() {
		s.summarize(ctx, "request_approval", in.InvestigationID, in.ActionID, start, err,
			"approval_id", req.Approval.ID, "notified", req.Notified,
			"notify_failed", req.NotifyFailed, "decided_before", req.DecidedBefore)
	}()
	if err := (ActionInput{in.InvestigationID, in.ActionID}).check(); err != nil {
		return out, err
	}
	if in.TaskToken == "" {
		return out, &InvalidInputError{Reason: "task_token is missing"}
	}
	req, err = s.Approvals.Request(ctx, in.InvestigationID, in.ActionID, in.TaskToken)
	if err == nil && req.DecidedBefore {
		return out, &DecidedBeforeError{Status: req.Approval.Status}
	}
	return out, classifyApproval(err)
}

// DecidedBeforeError is a RequestApproval retried after a person decided
// the action: nobody will answer the new task token, so the state
// machine catches this error by name and goes on to Remediate, which runs
// the action only if it was approved.
type DecidedBeforeError struct {
	Status string
}

func (e *DecidedBeforeError) Error() string {
	return "the action's approval was decided before: " + e.Status
}

// ExpireOutput says how the action's approval stands after ExpireApproval.
type ExpireOutput struct {
	Status string `json:"status"`
}

// ExpireApproval runs when the wait for a decision timed out: the action
// and its approval expire, which counts as a rejection. An approval
// somebody decided first is left as it is.
func (s *ApprovalSteps) ExpireApproval(ctx context.Context, in ActionInput) (
	out ExpireOutput, err error) {
	start := s.Now()
	defer func() {
		s.summarize(ctx, "expire_approval", in.InvestigationID, in.ActionID, start, err,
			"status", out.Status)
	}()
	if err := in.check(); err != nil {
		return out, err
	}
	a, err := s.Approvals.Expire(ctx, in.InvestigationID, in.ActionID)
	return ExpireOutput{Status: a.Status}, classifyApproval(err)
}

// check refuses input without an investigation or action id.
func (in ActionInput) check() error {
	if err := (Input{in.InvestigationID}).check(); err != nil {
		return err
	}
	if in.ActionID == "" {
		return &InvalidInputError{Reason: "action_id is missing"}
	}
	return nil
}

// classifyApproval marks a failure retryable when retrying may help; an
// unknown action or one no longer waiting is not.
func classifyApproval(err error) error {
	var terr *investigation.TransitionError
	if errors.Is(err, store.ErrNotFound) || errors.As(err, &terr) {
		return &InvalidInputError{Reason: err.Error()}
	}
	return classify(err)
}

// summarize writes an approval step's one log line; never the token.
func (s *ApprovalSteps) summarize(ctx context.Context, step, invID, actID string,
	start time.Time, err error, attrs ...any) {
	attrs = append([]any{"investigation_id", invID, "action_id", actID,
		"duration", s.Now().Sub(start)}, attrs...)
	if err != nil {
		s.Log.ErrorContext(ctx, step, append(attrs, "error", err)...)
		return
	}
	s.Log.InfoContext(ctx, step, attrs...)
}
