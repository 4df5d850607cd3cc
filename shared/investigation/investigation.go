package investigation

import (
	"time"

	"github.com/firebreak/firebreak/shared/alert"
)

// Level is an automation level: how much remediation may run without a
// person approving it.
type Level string

// Automation levels.
const (
	LevelFull         Level = "full"          // remediation runs without approval
	LevelSemi         Level = "semi"          // every action waits for approval
	LevelSemiCritical Level = "semi-critical" // actions on critical assets wait
	LevelOff          Level = "off"           // stored, not investigated
)

// Investigation is the summary record of one investigation.
type Investigation struct {
	ID         string           `json:"id"`
	Status     Status           `json:"status"`
	Playbook   string           `json:"playbook"`
	Automation Level            `json:"automation"`
	Title      string           `json:"title"`
	SeverityID alert.SeverityID `json:"severity_id"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
	AlertCount int              `json:"alert_count"`
	// ExecutionStarted is set once StartExecution has answered, so a
	// re-sent alert can start an execution that failed to start.
	ExecutionStarted bool `json:"execution_started"`
	// Indicators are the entity refs ("type:key") this investigation claims:
	// an alert naming one of them joins it while it is open.
	Indicators []string `json:"indicators,omitempty"`
}

// Entity is an entity under investigation with its verdict and the
// evidence that decided it.
type Entity struct {
	alert.Entity
	Verdict  Verdict  `json:"verdict"`
	Evidence []string `json:"evidence,omitempty"`
	// FoundBy names the step or alert that added the entity.
	FoundBy string `json:"found_by,omitempty"`
}

// ActionType names a remediation.
type ActionType string

// Remediation action types.
const (
	ActionQuarantineFile ActionType = "quarantine_file"
)

// Action is one proposed remediation and what became of it.
type Action struct {
	ID     string       `json:"id"`
	Type   ActionType   `json:"type"`
	Status ActionStatus `json:"status"`
	// Target is the entity ref the action acts on, such as "file:<sha256>".
	Target string `json:"target"`
	// Scope narrows the target, such as the host a file is quarantined on.
	Scope string `json:"scope,omitempty"`
	// Reason says why the action was proposed.
	Reason     string    `json:"reason"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
	Result     string    `json:"result,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Event is one entry of an investigation's append-only timeline.
type Event struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	Actor   string    `json:"actor"`
	Message string    `json:"message"`
}

// Record is everything stored about one investigation.
type Record struct {
	Investigation
	Alerts   []alert.Alert `json:"alerts"`
	Entities []Entity      `json:"entities"`
	Actions  []Action      `json:"actions"`
	Timeline []Event       `json:"timeline"`
}
