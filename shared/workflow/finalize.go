package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/execution"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// FinalizeInput is what Finalize receives: the state machine's state when
// it reaches Finalize, and the state machine's own ARN, from the context
// object, to start the investigation that takes late alerts.
type FinalizeInput struct {
	State           FinalizeState `json:"state"`
	StateMachineARN string        `json:"state_machine_arn,omitempty"`
}

// FinalizeState is the part of the state Finalize reads: the
// investigation id and, when a step failed, the error Catch stored.
type FinalizeState struct {
	InvestigationID string     `json:"investigation_id"`
	Error           *StepError `json:"error,omitempty"`
}

// StepError is the error output Step Functions' Catch records.
type StepError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// reason says what failed in words: the message of a Lambda function's
// error, whose Cause is its JSON error response, or else the Cause as
// it is, or the error's name when there is no cause.
func (e *StepError) reason() string {
	var resp struct {
		Message string `json:"errorMessage"`
	}
	switch {
	case json.Unmarshal([]byte(e.Cause), &resp) == nil && resp.Message != "":
		return resp.Message
	case e.Cause != "":
		return e.Cause
	}
	return e.Error
}

// FinalizeOutput is the execution's output.
type FinalizeOutput struct {
	InvestigationID string               `json:"investigation_id"`
	Status          investigation.Status `json:"status"`
}

// Finalize sets the investigation's final status from its verdicts and
// actions, or failed when a step failed, ends its execution and releases
// its indicators so later alerts open a new investigation. An
// investigation with actions waiting for approval stays pending_approval
// and keeps them. Alerts that joined after the last round, whose entities
// no round investigated, are handed to a new investigation, so that none
// is lost between the two.
func (s *Steps) Finalize(ctx context.Context, in FinalizeInput) (out FinalizeOutput, err error) {
	start, id := s.Now(), in.State.InvestigationID
	defer func() {
		s.summarize(ctx, "finalize", id, start, err, "status", out.Status)
	}()
	if err := (Input{id}).check(); err != nil {
		return FinalizeOutput{}, err
	}

	// the status follows from what the steps concluded
	rec, err := s.Store.Record(ctx, id)
	if err != nil {
		return FinalizeOutput{}, classify(err)
	}
	status, why := finalStatus(rec, in.State.Error)

	// set it once; a retry finds it set already
	err = s.Store.TransitionInvestigation(ctx, rec.ID, status)
	var terr *investigation.TransitionError
	if errors.As(err, &terr) && terr.From == string(status) {
		err = nil
	}
	if err != nil {
		return FinalizeOutput{}, classify(err)
	}
	if err := s.close(ctx, rec, in.StateMachineARN); err != nil {
		return FinalizeOutput{}, classify(err)
	}
	err = s.recordOnce(ctx, rec.ID, "finalized#"+string(status), "finalized", "finalize",
		"%s: %s", status, why)
	if err != nil {
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
		threats += btoi(e.Excluded == "" && (e.Verdict == investigation.VerdictMalicious ||
			e.Verdict == investigation.VerdictSuspicious))
	}
	ok, failed := counts[investigation.ActionSucceeded], counts[investigation.ActionFailed]
	switch {
	case counts[investigation.ActionPendingApproval] > 0:
		return investigation.StatusPendingApproval, fmt.Sprintf("%s waiting for approval",
			count(counts[investigation.ActionPendingApproval], "action"))
	case ok > 0 && failed == 0:
		return investigation.StatusRemediated, count(ok, "action") + " succeeded"
	case ok > 0:
		return investigation.StatusPartiallyRemediated,
			fmt.Sprintf("%s succeeded, %d failed", count(ok, "action"), failed)
	case failed > 0:
		return investigation.StatusFailed, fmt.Sprintf("every action failed (%d)", failed)
	case threats > 0:
		return investigation.StatusPartiallyRemediated, fmt.Sprintf(
			"%s malicious or suspicious, but no remediation applies", count(threats, "entity"))
	}
	return investigation.StatusNoThreatsFound, "no entity is malicious or suspicious"
}

// close ends the investigation's execution, releases its indicators and
// hands over the alerts that joined it too late. Once the execution is
// marked ended no alert joins, so the alerts read after are all it will
// ever have; an investigation still waiting for approvals keeps its
// actions, and a later alert on its indicators opens a new one.
func (s *Steps) close(ctx context.Context, rec investigation.Record, machineARN string) error {
	if err := s.Store.EndExecution(ctx, rec.ID); err != nil {
		return err
	}
	inv, err := s.Store.Investigation(ctx, rec.ID)
	if err != nil {
		return err
	}
	if err := s.Store.ReleaseIndicators(ctx, rec.ID, inv.Indicators); err != nil {
		return err
	}
	alerts, err := s.Store.Alerts(ctx, rec.ID)
	if err != nil {
		return err
	}
	late := uninvestigated(alerts, rec.Entities, s.Settings.MaxRounds)
	if len(late) == 0 || s.Executions == nil || machineARN == "" {
		return nil
	}
	return s.handOver(ctx, inv, late, machineARN)
}

// uninvestigated returns the alerts naming an entity no round of the
// investigation looked at: one it does not hold, or one that joined too
// late for the last round the limit allowed. An entity an analyst left
// out of scope counts as looked at: handing it over would undo the
// decision.
func uninvestigated(alerts []alert.Alert, ents []investigation.Entity,
	maxRounds int) []alert.Alert {
	looked := map[string]bool{}
	for _, e := range ents {
		looked[e.Ref()] = e.Round <= maxRounds || e.Excluded != ""
	}
	var out []alert.Alert
	for _, a := range alerts {
		for _, e := range a.Entities {
			if !looked[e.Ref()] {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// handOver opens a new investigation for alerts that joined inv too late,
// with its playbook and automation level, and starts it. The new
// investigation claims the alerts' indicators, so a retried Finalize finds
// the one it started through its claims.
func (s *Steps) handOver(ctx context.Context, inv investigation.Investigation,
	late []alert.Alert, machineARN string) error {
	var refs []string
	for _, a := range late {
		refs = append(refs, investigation.Indicators(a)...)
	}
	next, err := s.Store.StartManual(ctx, store.ManualStart{Alerts: late,
		Playbook: inv.Playbook, Automation: inv.Automation, Indicators: refs,
		Window: s.Settings.CorrelationWindow, StartedBy: "finalize of " + inv.ID})
	var claimed *store.ClaimedError
	if errors.As(err, &claimed) {
		// another open investigation covers them now; they join it
		return s.recordOnce(ctx, inv.ID, "handed_over", "handed_over", "finalize",
			"%d alerts joined after the last round; investigation %s covers them", len(late),
			claimed.InvestigationID)
	}
	if err != nil {
		return err
	}
	if err := execution.Start(ctx, s.Store, s.Executions, machineARN, next.ID); err != nil {
		return err
	}
	return s.recordOnce(ctx, inv.ID, "handed_over", "handed_over", "finalize",
		"%d alerts joined after the last round: investigation %s takes them", len(late), next.ID)
}
