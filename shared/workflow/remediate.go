package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/store"
)

// Remediator says which provider runs an action: remediation.Registry,
// built from firebreak.yaml's remediation section.
type Remediator interface {
	// For returns the provider that runs req, or an error when none
	// does, which fails the action.
	For(req remediation.Request) (remediation.Provider, error)
	// Named returns the provider called name, as an action's run
	// recorded it.
	Named(name string) (remediation.Provider, bool)
}

// RemediateOutput counts the actions that succeeded and failed.
type RemediateOutput struct {
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
}

// RemediateInput names the investigation and, optionally, the one action
// to run; without ActionID every approved action of the investigation
// runs. GaveUp, set by the state machine once Remediate failed past its
// retries, is the last error it caught: the action is then not run but
// failed with that error as its reason.
type RemediateInput struct {
	InvestigationID string     `json:"investigation_id"`
	ActionID        string     `json:"action_id,omitempty"`
	GaveUp          *StepError `json:"gave_up,omitempty"`
}

// Remediate runs the approved actions of the investigation (only
// in.ActionID's, when it is set), and any left running by an earlier
// attempt that died, each through the provider the Remediator routes it
// to. An action in any other status is left alone.
//
// Each action's run record (store.Run, keyed by the action id) is written
// before its provider is called and completed after. A retried or
// re-invoked step that finds the run done records its outcome and calls
// nothing; one that finds it begun but not done (the Lambda died between
// the provider's answer and the record) calls the provider again, whose
// Do answers "already" for an action that took effect.
//
// A provider's transient failure is returned as a *RetryableError, so the
// state machine retries the step with backoff; a permanent one fails the
// action with the provider's reason.
func (s *Steps) Remediate(ctx context.Context, in RemediateInput) (out RemediateOutput,
	err error) {
	start := s.Now()
	var retrying []string // the actions that failed transiently, to run again
	defer func() {
		s.summarize(ctx, "remediate", in.InvestigationID, start, err, "action_id", in.ActionID,
			"succeeded", out.Succeeded, "failed", out.Failed, "retrying", retrying)
	}()
	if err := (Input{in.InvestigationID}).check(); err != nil {
		return RemediateOutput{}, err
	}
	if in.GaveUp != nil {
		return s.giveUp(ctx, in)
	}

	// read the actions and the entities they name
	acts, err := s.Store.Actions(ctx, in.InvestigationID)
	if err != nil {
		return RemediateOutput{}, classify(err)
	}
	known, err := knownEntities(ctx, s.Store, in.InvestigationID)
	if err != nil {
		return RemediateOutput{}, classify(err)
	}

	// run each approved action; one that fails transiently holds up none
	// of the others, and the step is retried for it once they have run
	var again error
	for _, a := range toRun(acts, in.ActionID) {
		ok, err := s.runAction(ctx, in.InvestigationID, a, known)
		var retry *RetryableError
		if err = classify(err); errors.As(err, &retry) {
			again, retrying = cmp.Or(again, err), append(retrying, a.ID)
			continue
		}
		if err != nil {
			return out, err
		}
		out.Succeeded += btoi(ok)
		out.Failed += btoi(!ok)
	}
	return out, again
}

// toRun returns the actions a Remediate step runs: those approved, and
// those an earlier attempt left running; only actID's when it is set.
func toRun(acts []investigation.Action, actID string) []investigation.Action {
	var out []investigation.Action
	for _, a := range acts {
		if actID != "" && a.ID != actID {
			continue
		}
		if a.Status == investigation.ActionApproved || a.Status == investigation.ActionRunning {
			out = append(out, a)
		}
	}
	return out
}

// giveUp ends the actions a Remediate step left when it failed past its
// retries (in.ActionID's, or without it every one still approved or
// running), so that none stays running: each with the outcome its run
// recorded, if an attempt recorded one before it died, or else failed with
// the last error the state machine caught and the number of attempts.
func (s *Steps) giveUp(ctx context.Context, in RemediateInput) (RemediateOutput, error) {
	// find the actions; one that has an outcome already keeps it
	acts, err := s.Store.Actions(ctx, in.InvestigationID)
	if err != nil {
		return RemediateOutput{}, classify(err)
	}
	if in.ActionID != "" && !slices.ContainsFunc(acts, func(a investigation.Action) bool {
		return a.ID == in.ActionID
	}) {
		return RemediateOutput{}, &InvalidInputError{Reason: "no action " + in.ActionID}
	}

	// close each one's run with the last error, unless an attempt finished it
	var out RemediateOutput
	for _, a := range toRun(acts, in.ActionID) {
		ok, err := s.giveUpOn(ctx, in.InvestigationID, a, in.GaveUp)
		if err != nil {
			return out, classify(err)
		}
		out.Succeeded += btoi(ok)
		out.Failed += btoi(!ok)
	}
	return out, nil
}

// giveUpOn ends action a with its run's outcome, or failed with why; ok
// reports whether it succeeded.
func (s *Steps) giveUpOn(ctx context.Context, invID string, a investigation.Action,
	why *StepError) (ok bool, err error) {
	if err := s.markRunning(ctx, invID, a); err != nil {
		return false, err
	}
	run, err := s.closeRun(ctx, invID, a.ID, why)
	if err != nil {
		return false, err
	}
	if err := s.recordRun(ctx, invID, a, run); err != nil {
		return false, err
	}
	return run.Outcome == investigation.ActionSucceeded, nil
}

// closeRun finishes action actID's run as failed with why, unless an
// attempt finished it first, and returns the run as recorded. An action
// that failed before its run began gets a run that says so.
func (s *Steps) closeRun(ctx context.Context, invID, actID string, why *StepError) (store.Run,
	error) {
	run, err := s.Store.Run(ctx, invID, actID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Run{Done: true, Outcome: investigation.ActionFailed,
			Summary: "gave up before any attempt: " + why.reason()}, nil
	}
	if err != nil || run.Done {
		return run, err
	}
	return s.Store.FinishRun(ctx, invID, actID, store.Run{Outcome: investigation.ActionFailed,
		Summary: fmt.Sprintf("gave up after %s: %s", count(run.Attempts, "attempt"),
			why.reason())})
}

// knownEntities returns the investigation's entities by ref.
func knownEntities(ctx context.Context, st *store.Store, invID string) (
	map[string]alert.Entity, error) {
	ents, err := st.Entities(ctx, invID)
	if err != nil {
		return nil, err
	}
	known := make(map[string]alert.Entity, len(ents))
	for _, e := range ents {
		known[e.Ref()] = e.Entity
	}
	return known, nil
}

// runAction runs one action; ok reports whether it took effect. A
// transient failure is returned as a *RetryableError.
func (s *Steps) runAction(ctx context.Context, invID string, a investigation.Action,
	known map[string]alert.Entity) (ok bool, err error) {
	// mark it running, unless an earlier attempt did
	if err := s.markRunning(ctx, invID, a); err != nil {
		return false, err
	}

	// route it to its provider; an action no provider can take fails
	req, err := remediation.RequestFor(a, known)
	var p remediation.Provider
	if err == nil {
		p, err = s.Remediator.For(req)
	}
	if err != nil {
		return false, s.recordRun(ctx, invID, a, store.Run{Done: true,
			Outcome: investigation.ActionFailed, Summary: err.Error(), Attempts: 1})
	}

	// record the attempt, then act unless an earlier attempt finished
	run, err := s.Store.StartRun(ctx, invID, a.ID, p.Name(), describe(req))
	if err != nil {
		return false, err
	}
	if !run.Done {
		if run, err = s.callProvider(ctx, invID, req, p, run); err != nil {
			return false, err
		}
	}
	return run.Outcome == investigation.ActionSucceeded, s.recordRun(ctx, invID, a, run)
}

// markRunning moves an approved action to running; one already running
// was left so by an attempt that died.
func (s *Steps) markRunning(ctx context.Context, invID string, a investigation.Action) error {
	if a.Status != investigation.ActionApproved {
		return nil
	}
	err := s.Store.TransitionAction(ctx, invID, a.ID, investigation.ActionRunning,
		store.ActionChange{})
	var terr *investigation.TransitionError
	if errors.As(err, &terr) && terr.From == string(investigation.ActionRunning) {
		return nil
	}
	return err
}

// callProvider carries out req through p (the provider an earlier attempt
// chose, if it differs) and records the answer on the run. A transient
// failure leaves the run begun and is returned as a *RetryableError.
func (s *Steps) callProvider(ctx context.Context, invID string, req remediation.Request,
	p remediation.Provider, run store.Run) (store.Run, error) {
	if run.Provider != p.Name() {
		earlier, ok := s.Remediator.Named(run.Provider)
		if !ok {
			return store.Run{}, fmt.Errorf("action %s began through provider %q, which is "+
				"no longer configured", req.ActionID, run.Provider)
		}
		p = earlier
	}
	start := s.Now()
	res, err := p.Do(ctx, req)
	if err != nil && !remediation.Permanent(err) {
		return store.Run{}, &RetryableError{Err: fmt.Errorf("%s %s through %s: %w",
			req.Type, req.Target.Ref(), p.Name(), err)}
	}
	done := store.Run{Outcome: investigation.ActionSucceeded, Summary: res.Summary,
		Detail: res.Detail, Duration: s.Now().Sub(start)}
	if err != nil {
		done.Outcome, done.Summary, done.Detail = investigation.ActionFailed, err.Error(), nil
	}
	return s.Store.FinishRun(ctx, invID, req.ActionID, done)
}

// recordRun moves the action to the run's outcome with the provider's
// answer, and writes the timeline event once. An earlier attempt that
// recorded the outcome already is no error.
func (s *Steps) recordRun(ctx context.Context, invID string, a investigation.Action,
	run store.Run) error {
	err := s.Store.TransitionAction(ctx, invID, a.ID, run.Outcome,
		store.ActionChange{Result: run.Summary})
	var terr *investigation.TransitionError
	if err != nil && !(errors.As(err, &terr) && terr.From == string(run.Outcome)) {
		return err
	}
	return s.recordOnce(ctx, invID, "remediate:"+a.ID, "action_"+string(run.Outcome),
		"remediate", "%s %s%s %s%s (approved by %s, %s): %s", a.Type, a.Target,
		onScope(a.Scope), run.Outcome, through(run), approver(a), timing(run), run.Summary)
}

// describe says in words what is asked of a provider, for the run record.
func describe(r remediation.Request) string {
	s := fmt.Sprintf("%s %s", r.Type, r.Target.Ref())
	if r.Scope.Key != "" {
		s += " on " + r.Scope.Ref()
	}
	if r.Account != "" {
		s += " in account " + r.Account
	}
	return s
}

// through names the run's provider, when one was chosen.
func through(run store.Run) string {
	if run.Provider == "" {
		return ""
	}
	return " through " + run.Provider
}

// approver names who allowed the action.
func approver(a investigation.Action) string {
	if a.ApprovedBy == "" {
		return "automation"
	}
	return a.ApprovedBy
}

// timing says how long the provider took and, after a retry, how many
// attempts it took.
func timing(run store.Run) string {
	s := "took " + run.Duration.Round(time.Millisecond).String()
	if run.Attempts > 1 {
		s += fmt.Sprintf(", %d attempts", run.Attempts)
	}
	return s
}
