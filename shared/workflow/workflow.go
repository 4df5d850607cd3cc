// Package workflow holds the task handlers of the investigation state
// machine (infra/statemachine/investigation.asl.json): Triage; the rounds
// of GatherThreatInfo, DetermineOrigin, IdentifyAffected and
// HuntOtherInstances that ExpandScope repeats while they find something
// new (RequestScopeApproval when widening needs an analyst); Decide,
// Remediate and Finalize. Playbooks (shared/playbook) say what each step
// does to each entity.
//
// States pass the investigation id, never alerts: every handler reads what
// it needs from the store and writes what it concludes back, so each is
// idempotent under Step Functions' retries. A failure worth retrying is
// returned as a *RetryableError, the name the state machine's Retry
// matches; any other error fails the step and the state machine's Catch
// sends the investigation to Finalize.
package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/execution"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/store"
)

// Steps carries what the handlers share. Its fields are set once at cold
// start; it is safe for concurrent use.
type Steps struct {
	Store      *store.Store
	Remediator Remediator
	// Sources are the data sources the investigation asks, the simulated
	// tenant first; the stored alerts are always asked too.
	Sources []datasource.DataSource
	// Intel gives indicators' reputation; nil asks no intelligence.
	Intel    datasource.Intelligence
	Settings settings.Investigation
	// ApprovalExpiry is how long an action waits for a person's decision
	// (firebreak.yaml's approvals.expires_after); zero means the default.
	ApprovalExpiry time.Duration
	// Executions starts the investigation that takes alerts which joined
	// too late to be investigated (Finalize).
	Executions execution.Starter
	Log        *slog.Logger
	Now        func() time.Time
}

// Input is what every step but Finalize receives.
type Input struct {
	InvestigationID string `json:"investigation_id"`
}

// RetryableError is a failure that may pass if the step runs again, such
// as DynamoDB throttling or being out of reach. The state machine retries
// errors of this name with backoff.
type RetryableError struct {
	Err error
}

func (e *RetryableError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *RetryableError) Unwrap() error { return e.Err }

// InvalidInputError is a step invoked with input it cannot act on. It is
// never retried.
type InvalidInputError struct {
	Reason string
}

func (e *InvalidInputError) Error() string { return e.Reason }

// classify marks err retryable when retrying may help.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var re *RetryableError
	if errors.As(err, &re) || !store.Transient(err) {
		return err
	}
	return &RetryableError{Err: err}
}

// check refuses input without an investigation id.
func (in Input) check() error {
	if in.InvestigationID == "" {
		return &InvalidInputError{Reason: "investigation_id is missing"}
	}
	return nil
}

// record appends a timeline event written by step.
func (s *Steps) record(ctx context.Context, id, kind, step, format string, args ...any) error {
	return s.Store.AppendEvent(ctx, id, investigation.Event{
		Time: s.Now(), Kind: kind, Actor: step, Message: fmt.Sprintf(format, args...),
	})
}

// recordOnce appends a timeline event written by step unless the event
// key was recorded before: a step's conclusion, which a retry of the step
// would otherwise record twice.
func (s *Steps) recordOnce(ctx context.Context, id, key, kind, step, format string,
	args ...any) error {
	return s.Store.AppendEventOnce(ctx, id, key, investigation.Event{
		Time: s.Now(), Kind: kind, Actor: step, Message: fmt.Sprintf(format, args...),
	})
}

// summarize writes a step's one log line.
func (s *Steps) summarize(ctx context.Context, step, id string, start time.Time, err error,
	attrs ...any) {
	attrs = append([]any{slog.String("investigation_id", id),
		slog.Duration("duration", s.Now().Sub(start))}, attrs...)
	if err != nil {
		s.Log.ErrorContext(ctx, step, append(attrs, slog.Any("error", err))...)
		return
	}
	s.Log.InfoContext(ctx, step, attrs...)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// evidenceText joins the texts of a body of evidence.
func evidenceText(ev []investigation.Evidence) string {
	parts := make([]string, 0, len(ev))
	for _, e := range ev {
		parts = append(parts, e.Text)
	}
	return strings.Join(parts, "; ")
}

// count says n things: "1 alert", "3 alerts", "2 entities".
func count(n int, thing string) string {
	switch {
	case n == 1:
		return "1 " + thing
	case strings.HasSuffix(thing, "y"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(thing, "y"))
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
