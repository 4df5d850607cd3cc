// Package investigation holds the vocabulary of an investigation: its
// statuses, entity verdicts, remediation actions and their legal
// transitions, as DESIGN.md names them.
package investigation

import "fmt"

// Status is an investigation's lifecycle state.
type Status string

// Investigation statuses.
const (
	StatusRunning             Status = "running"
	StatusPendingApproval     Status = "pending_approval"
	StatusRemediating         Status = "remediating"
	StatusRemediated          Status = "remediated"
	StatusPartiallyRemediated Status = "partially_remediated"
	StatusNoThreatsFound      Status = "no_threats_found"
	StatusFailed              Status = "failed"
	StatusTerminated          Status = "terminated"
)

// statusNext lists, for each status, the statuses it may change to.
var statusNext = map[Status][]Status{
	StatusRunning: {StatusPendingApproval, StatusRemediating, StatusRemediated,
		StatusPartiallyRemediated, StatusNoThreatsFound, StatusFailed, StatusTerminated},
	StatusPendingApproval: {StatusRunning, StatusRemediating, StatusRemediated,
		StatusPartiallyRemediated, StatusNoThreatsFound, StatusFailed, StatusTerminated},
	StatusRemediating: {StatusRemediated, StatusPartiallyRemediated, StatusFailed,
		StatusTerminated},
}

// Open reports whether an investigation in status s is still under way, so
// new alerts on its indicators join it.
func (s Status) Open() bool {
	return s == StatusRunning || s == StatusPendingApproval || s == StatusRemediating
}

// CanBecome reports whether s may change to next.
func (s Status) CanBecome(next Status) bool {
	for _, n := range statusNext[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Sources returns the statuses that may change to s: the condition a
// conditional write of s checks.
func (s Status) Sources() []Status {
	var from []Status
	for src, nexts := range statusNext {
		for _, n := range nexts {
			if n == s {
				from = append(from, src)
			}
		}
	}
	return from
}

// Verdict is what the investigation concluded about one entity.
type Verdict string

// Entity verdicts.
const (
	VerdictMalicious  Verdict = "malicious"
	VerdictSuspicious Verdict = "suspicious"
	VerdictClean      Verdict = "clean"
	VerdictUnknown    Verdict = "unknown"
)

// ActionStatus is a remediation action's lifecycle state.
type ActionStatus string

// Action statuses.
const (
	ActionProposed        ActionStatus = "proposed"
	ActionPendingApproval ActionStatus = "pending_approval"
	ActionApproved        ActionStatus = "approved"
	ActionRejected        ActionStatus = "rejected"
	ActionExpired         ActionStatus = "expired"
	ActionRunning         ActionStatus = "running"
	ActionSucceeded       ActionStatus = "succeeded"
	ActionFailed          ActionStatus = "failed"
	ActionUndone          ActionStatus = "undone"
)

var actionNext = map[ActionStatus][]ActionStatus{
	ActionProposed:        {ActionPendingApproval, ActionApproved, ActionRejected},
	ActionPendingApproval: {ActionApproved, ActionRejected, ActionExpired},
	ActionApproved:        {ActionRunning},
	ActionRunning:         {ActionSucceeded, ActionFailed},
	ActionSucceeded:       {ActionUndone},
}

// CanBecome reports whether s may change to next.
func (s ActionStatus) CanBecome(next ActionStatus) bool {
	for _, n := range actionNext[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Final reports whether no further change is possible but undo.
func (s ActionStatus) Final() bool {
	return len(actionNext[s]) == 0 || s == ActionSucceeded
}

// TransitionError reports a status change that the lifecycle does not
// allow, or that lost a race to another writer.
type TransitionError struct {
	Kind string // "investigation" or "action"
	ID   string
	From string // the status found, "" when unknown
	To   string
}

func (e *TransitionError) Error() string {
	if e.From == "" {
		return fmt.Sprintf("%s %s cannot become %s from its current status", e.Kind, e.ID, e.To)
	}
	return fmt.Sprintf("%s %s cannot become %s from %s", e.Kind, e.ID, e.To, e.From)
}
