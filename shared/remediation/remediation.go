// Package remediation runs remediation actions through providers: the
// simulated tenant, AWS, Microsoft Graph and Defender, a signed webhook.
// A provider carries out one action, says what it did in words and in
// data, and undoes it where the action is reversible.
package remediation

import (
	"context"
	"errors"
	"fmt"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Request is one action to carry out, with its target and scope already
// resolved to entities. Target is what the action acts on (the file, the
// user, the access key); Scope narrows it (the host a file is quarantined
// on, the mailbox a message is deleted from) and may be zero.
type Request struct {
	ActionID string
	Type     investigation.ActionType
	Target   alert.Entity
	Scope    alert.Entity
	// Account and Region locate a cloud resource, when known.
	Account string
	Region  string
	// ApprovedBy is who allowed the action: a person, or "automation".
	ApprovedBy string
	DryRun     bool
}

// Result is what a provider did: a sentence for the timeline, and the
// provider's answer and what undoing needs (saved security groups, the
// quarantine object's key) as strings.
type Result struct {
	Summary string            `json:"summary"`
	Detail  map[string]string `json:"detail,omitempty"`
}

// Provider carries out actions in one environment. Do must be safe to
// repeat: an action that already took effect changes nothing the second
// time and says so. Undo reverses a Do whose Result it is given.
type Provider interface {
	Name() string
	Supports(t investigation.ActionType) bool
	Do(ctx context.Context, r Request) (Result, error)
	Undo(ctx context.Context, r Request, done Result) (Result, error)
}

// PermanentError is a failure that retrying cannot cure: the provider
// refused the action (not found, access denied, invalid). The action
// fails with its reason.
type PermanentError struct {
	Provider string
	Reason   string
	Err      error
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("%s: %s", e.Provider, e.Reason)
}

// Unwrap returns the cause.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent reports whether err is a PermanentError; any other error is
// treated as transient and retried.
func Permanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
