package workflow

import (
	"context"
	"errors"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// Remediator carries out one remediation action and returns what it did,
// in words for the timeline. Running an action that already took effect
// must change nothing. An error that retrying may cure is reported as a
// transient one (see store.Transient); any other fails the action.
type Remediator interface {
	Remediate(ctx context.Context, a investigation.Action) (string, error)
}

// RemediateOutput counts the actions that succeeded and failed.
type RemediateOutput struct {
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// RemediateInput names the investigation and, optionally, the one action
// to run; without ActionID every approved action of the investigation
// runs.
type RemediateInput struct {
	InvestigationID string `json:"investigation_id"`
	ActionID        string `json:"action_id,omitempty"`
}

// Remediate runs the approved actions of the investigation (only
// in.ActionID's, when it is set), and any left running by an earlier
// attempt that died, through the remediator. Each action is marked running
// before its provider is called and succeeded or failed after, with the
// provider's answer in the timeline. An action in any other status is
// left alone, so a retried or repeated call runs nothing twice.
func (s *Steps) Remediate(ctx context.Context, in RemediateInput) (out RemediateOutput,
	err error) {
	start := s.Now()
	defer func() {
		s.summarize(ctx, "remediate", in.InvestigationID, start, err, "action_id", in.ActionID,
			"succeeded", out.Succeeded, "failed", out.Failed)
	}()
	if err := (Input{in.InvestigationID}).check(); err != nil {
		return RemediateOutput{}, err
	}

	acts, err := s.Store.Actions(ctx, in.InvestigationID)
	if err != nil {
		return RemediateOutput{}, classify(err)
	}
	for _, a := range acts {
		if in.ActionID != "" && a.ID != in.ActionID {
			continue
		}
		if a.Status != investigation.ActionApproved && a.Status != investigation.ActionRunning {
			continue
		}
		ok, err := s.runAction(ctx, in.InvestigationID, a)
		if err != nil {
			return out, classify(err)
		}
		out.Succeeded += btoi(ok)
		out.Failed += btoi(!ok)
	}
	return out, nil
}

// runAction runs one action; ok reports whether it took effect. A
// transient failure is returned as an error so the step is retried.
func (s *Steps) runAction(ctx context.Context, invID string, a investigation.Action) (
	ok bool, err error) {
	// mark it running, unless an earlier attempt did
	if a.Status == investigation.ActionApproved {
		err := s.Store.TransitionAction(ctx, invID, a.ID, investigation.ActionRunning,
			store.ActionChange{})
		var terr *investigation.TransitionError
		if err != nil && !(errors.As(err, &terr) && terr.From == string(investigation.ActionRunning)) {
			return false, err
		}
	}

	// act, then record the answer
	result, err := s.Remediator.Remediate(ctx, a)
	if err != nil && store.Transient(err) {
		return false, err
	}
	status, msg := investigation.ActionSucceeded, result
	if err != nil {
		status, msg = investigation.ActionFailed, err.Error()
	}
	if err := s.Store.TransitionAction(ctx, invID, a.ID, status,
		store.ActionChange{Result: msg}); err != nil {
		return false, err
	}
	return status == investigation.ActionSucceeded, s.record(ctx, invID, "action_"+string(status),
		"remediate", "%s %s%s: %s", a.Type, a.Target, onScope(a.Scope), msg)
}
