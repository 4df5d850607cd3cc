// Package approval asks people to decide remediation actions that wait,
// and records their decisions once. A request keeps the state machine's
// task token in the table only, creates a single-use approval with an
// expiry and an approver group, and notifies through the notifiers with
// signed links (see URL) that never carry the token. A decision is a
// conditional write that exactly one caller wins; only the winner resumes
// the execution.
package approval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/notify"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/store"
)

// Tasks answers the state machine's waits for a decision; *sfn.Client
// satisfies it.
type Tasks interface {
	SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (
		*sfn.SendTaskSuccessOutput, error)
}

// Service requests and decides approvals. Its fields are set once at cold
// start; it is safe for concurrent use.
type Service struct {
	Store     *store.Store
	Tasks     Tasks
	Notifiers []notify.Notifier
	// Secret is the link-signing secret.
	Secret   []byte
	Settings settings.Approvals
	Log      *slog.Logger
	Now      func() time.Time
}

// Answer is what the RequestApproval task's output says: the decision.
type Answer struct {
	Decision string `json:"decision"` // approved or rejected
}

// Requested is what Request did.
type Requested struct {
	Approval store.Approval
	// Notified and NotifyFailed count the notifiers that took and refused
	// the message.
	Notified, NotifyFailed int
	// DecidedBefore is true when the approval was decided before the wait
	// asked again (a retried wait): its new token is not kept, and the
	// caller carries on with the decision on the action.
	DecidedBefore bool
}

// Request asks for a decision on action actID of investigation invID,
// whose execution waits on token. It creates the approval (or, asked
// again, replaces its token), sets the action pending_approval, and
// notifies. An approval decided before is left as it is and reported, so
// that a retried wait goes on with the decision instead of hanging.
func (s *Service) Request(ctx context.Context, invID, actID, token string) (Requested,
	error) {
	act, err := s.Action(ctx, invID, actID)
	if err != nil {
		return Requested{}, err
	}
	domain := string(investigation.Actions[act.Type].Domain)
	a, err := s.Store.RequestApproval(ctx, store.Approval{ID: store.ApprovalID(invID, actID),
		InvestigationID: invID, ActionID: actID, ActionType: act.Type,
		Group: s.Settings.Group(domain), Expires: s.Now().Add(s.Settings.ExpiresAfter)}, token)
	var decided *store.ApprovalDecidedError
	if errors.As(err, &decided) {
		return Requested{Approval: a, DecidedBefore: true}, nil
	}
	if err != nil {
		return Requested{}, err
	}
	if err := s.Store.AwaitApproval(ctx, invID, actID, a.ID); err != nil {
		return Requested{}, err
	}
	if err := s.awaitInvestigation(ctx, invID); err != nil {
		return Requested{}, err
	}
	out := Requested{Approval: a}
	out.Notified, out.NotifyFailed = s.notify(ctx, a, act)
	return out, nil
}

// awaitInvestigation sets investigation id pending_approval, unless it is.
func (s *Service) awaitInvestigation(ctx context.Context, id string) error {
	err := s.Store.TransitionInvestigation(ctx, id, investigation.StatusPendingApproval)
	var terr *investigation.TransitionError
	if errors.As(err, &terr) && terr.From == string(investigation.StatusPendingApproval) {
		return nil
	}
	return err
}

// Action returns action actID of investigation invID.
func (s *Service) Action(ctx context.Context, invID, actID string) (investigation.Action,
	error) {
	acts, err := s.Store.Actions(ctx, invID)
	if err != nil {
		return investigation.Action{}, err
	}
	for _, a := range acts {
		if a.ID == actID {
			return a, nil
		}
	}
	return investigation.Action{}, fmt.Errorf("action %s of %s: %w", actID, invID,
		store.ErrNotFound)
}

// notify sends the request to every notifier; a notifier that fails is
// logged, by name and never with the links, and counted. The action
// center's queue lists the approval whatever the notifiers did.
func (s *Service) notify(ctx context.Context, a store.Approval,
	act investigation.Action) (ok, failed int) {
	m := Message(s.Secret, s.Settings.BaseURL, a, act)
	for _, n := range s.Notifiers {
		if err := n.Send(ctx, m); err != nil {
			failed++
			s.Log.WarnContext(ctx, "notify", "notifier", n.Name(), "approval_id", a.ID,
				"error", err)
			continue
		}
		ok++
	}
	return ok, failed
}

// Message is the notification of approval a of action act: what will
// happen to what and why, with its approve and reject links.
func Message(secret []byte, base string, a store.Approval,
	act investigation.Action) notify.Message {
	return notify.Message{
		ApprovalID: a.ID, InvestigationID: a.InvestigationID,
		Subject: fmt.Sprintf("Approve %s on %s?", act.Type, act.Target),
		Action:  string(act.Type), Target: act.Target, Scope: act.Scope, Reason: act.Reason,
		Group:      a.Group,
		ApproveURL: URL(secret, base, a, Approve), RejectURL: URL(secret, base, a, Reject),
		ExpiresAt: a.Expires.UTC().Format(time.RFC3339),
	}
}

// Outcome is what became of a decision.
type Outcome int

// Outcomes of Decide.
const (
	// Decided: this call decided and the execution took the decision.
	Decided Outcome = iota
	// DecidedBefore: somebody decided first; the approval says who.
	DecidedBefore
	// Expired: the wait ended before the decision; nothing runs.
	Expired
	// InvalidToken: the stored task token was refused; nothing runs.
	InvalidToken
)

// Decide decides approval id for who, once: approve or reject. The
// returned approval says who decided and when, whoever it was. A
// decision that loses a race, or comes after another, returns
// DecidedBefore and sends nothing; only the winner calls SendTaskSuccess.
// A wait that has ended (TaskTimedOut, TaskDoesNotExist) marks the
// approval and its action expired.
func (s *Service) Decide(ctx context.Context, id string, approve bool, who string) (
	store.Approval, Outcome, error) {
	status, kind := store.ApprovalRejected, "action_rejected"
	if approve {
		status, kind = store.ApprovalApproved, "action_approved"
	}
	a, err := s.Store.Approval(ctx, id)
	if err != nil {
		return store.Approval{}, 0, err
	}
	if a.Status == store.ApprovalPending && !s.Now().Before(a.Expires) {
		return s.expire(ctx, a)
	}
	a, token, err := s.Store.DecideApproval(ctx, id, store.Decision{Status: status, By: who,
		At: s.Now(), Event: investigation.Event{Kind: kind, Actor: who,
			Message: fmt.Sprintf("%s %s %s %s", who, status, a.ActionType, a.ActionID)}})
	var decided *store.ApprovalDecidedError
	if errors.As(err, &decided) {
		return decided.Approval, DecidedBefore, nil
	}
	if err != nil {
		return store.Approval{}, 0, err
	}
	return s.resume(ctx, a, token)
}

// resume answers the execution's wait with the decision the winner made.
func (s *Service) resume(ctx context.Context, a store.Approval, token string) (
	store.Approval, Outcome, error) {
	err := s.answer(ctx, token, a.Status)
	var timedOut *sfntypes.TaskTimedOut
	var missing *sfntypes.TaskDoesNotExist
	var invalid *sfntypes.InvalidToken
	switch {
	case errors.As(err, &timedOut), errors.As(err, &missing):
		a, err := s.Store.ExpireDecided(ctx, a)
		return a, Expired, err
	case errors.As(err, &invalid):
		return a, InvalidToken, nil
	case err != nil:
		return a, 0, err
	}
	return a, Decided, nil
}

// answer sends decision status to the wait of token.
func (s *Service) answer(ctx context.Context, token, status string) error {
	out := `{"decision":` + strconv.Quote(status) + `}`
	_, err := s.Tasks.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{
		TaskToken: aws.String(token), Output: aws.String(out)})
	if err != nil {
		return fmt.Errorf("send the decision to the execution: %w", err)
	}
	return nil
}

// expire marks pending approval a expired, once, and returns it as
// decided, whoever wrote the expiry.
func (s *Service) expire(ctx context.Context, a store.Approval) (store.Approval, Outcome,
	error) {
	a, err := s.Expire(ctx, a.InvestigationID, a.ActionID)
	return a, Expired, err
}

// Expire marks the approval of action actID of investigation invID, and
// the action, expired: the wait ended without a decision, which counts as
// a rejection. An approval decided before is left as it is and returned.
func (s *Service) Expire(ctx context.Context, invID, actID string) (store.Approval, error) {
	id := store.ApprovalID(invID, actID)
	a, _, err := s.Store.DecideApproval(ctx, id, store.Decision{Status: store.ApprovalExpired,
		By: store.ApprovalExpiredBy, At: s.Now(), Event: investigation.Event{
			Kind: "action_expired", Actor: "request_approval",
			Message: fmt.Sprintf("nobody decided %s in time: it expired, which counts as "+
				"a rejection", actID)}})
	var decided *store.ApprovalDecidedError
	if errors.As(err, &decided) {
		return decided.Approval, nil
	}
	return a, err
}
