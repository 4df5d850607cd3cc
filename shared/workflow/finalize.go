package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/firebreak/firebreak/shared/investigation"
)

// FinalizeInput is the state machine's state when it reaches Finalize:
// the investigation id and, when a step failed, the error Catch stored.
type FinalizeInput struct {
	InvestigationID string     `json:"investigation_id"`
	Error           *StepError `json:"error,omitempty"`
}

// StepError is the error output Step Functions' Catch records.
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// FinalizeOutput is the execution's output.
type FinalizeOutput struct {
	InvestigationID string               `json:"investigation_id"`
	Status          investigation.Status `json:"status"`
}

// Finalize sets the investigation's final status from its verdicts and
// actions, or failed when a step failed, and releases its indicators so
// later alerts open a new investigation. An investigation with actions
// waiting for approval stays open as pending_approval and keeps them.
func (s *Steps) Finalize(ctx context.Context, in FinalizeInput) (out FinalizeOutput, err error) {
	start := s.Now()
	defer func() {
		s.summarize(ctx, "finalize", in.InvestigationID, start, err, "status", out.Status)
	}()
	if err := (Input{in.InvestigationID}).check(); err != nil {
		return FinalizeOutput{}, err
	}

	// the status follows from what the steps concluded
	rec, err := s.Store.Record(ctx, in.InvestigationID)
	if err != nil {
		return FinalizeOutput{}, classify(err)
	}
	status, why := finalStatus(rec, in.Error)

	// set it once; a retry finds it set already
	err = s.Store.TransitionInvestigation(ctx, rec.ID, status)
	var terr *investigation.TransitionError
	if errors.As(err, &terr) && terr.From == string(status) {
		err = nil
	}
	if err != nil {
		return FinalizeOutput{}, classify(err)
	}
	if !status.Open() {
		if err := s.Store.ReleaseIndicators(ctx, rec.ID, rec.Indicators); err != nil {
			return FinalizeOutput{}, classify(err)
		}
	}
	if err := s.record(ctx, rec.ID, "finalized", "finalize", "%s: %s", status, why); err != nil {
		return FinalizeOutput{}, classify(err)
	}
	return FinalizeOutput{InvestigationID: rec.ID, Status: status}, nil
}

// finalStatus decides an investigation's status and says why.
func finalStatus(rec investigation.Record, stepErr *StepError) (investigation.Status, string) {
	if stepErr != nil {
		return investigation.StatusFailed, fmt.Sprintf("a step failed with %s: %s",
			stepErr.Error, stepErr.Cause)
	}
	counts := map[investigation.ActionStatus]int{}
	for _, a := range rec.Actions {
		counts[a.Status]++
	}
	threats := 0
	for _, e := range rec.Entities {
		threats += btoi(e.Verdict == investigation.VerdictMalicious ||
			e.Verdict == investigation.VerdictSuspicious)
	}
	ok, failed := counts[investigation.ActionSucceeded], counts[investigation.ActionFailed]
	switch {
	case counts[investigation.ActionPendingApproval] > 0:
		return investigation.StatusPendingApproval, fmt.Sprintf("%d actions wait for approval",
			counts[investigation.ActionPendingApproval])
	case ok > 0 && failed == 0:
		return investigation.StatusRemediated, fmt.Sprintf("%d actions succeeded", ok)
	case ok > 0:
		return investigation.StatusPartiallyRemediated,
			fmt.Sprintf("%d actions succeeded, %d failed", ok, failed)
	case failed > 0:
		return investigation.StatusFailed, fmt.Sprintf("all %d actions failed", failed)
	case threats > 0:
		return investigation.StatusPartiallyRemediated, fmt.Sprintf(
			"%d entities are malicious or suspicious but no remediation applies to them", threats)
	}
	return investigation.StatusNoThreatsFound, "no entity is malicious or suspicious"
}
