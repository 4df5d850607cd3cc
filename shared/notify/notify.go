// Package notify tells analysts that an action waits for their decision:
// by the approvals SNS topic (email subscribers) in the cloud, by Slack and
// Microsoft Teams incoming webhooks, and, on a laptop, into the local
// outbox that the action center shows.
package notify

import "context"

// Message is one request for a decision. Every field but the links may
// hold text an alert supplied: a notifier renders it as text, never as
// markup. The links are the only way to decide from a message; they never
// carry the task token.
type Message struct {
	// ApprovalID names the approval the links decide.
	ApprovalID      string
	InvestigationID string
	// Subject is one line: what will happen to what.
	Subject string
	// Action, Target and Scope say what will happen to what ("isolate_host",
	// "host:i-0abc (web-01)", ""), and Reason why.
	Action string
	Target string
	Scope  string
	Reason string
	// Group is the approver group that may decide.
	Group string
	// ApproveURL and RejectURL open the confirmation page with the
	// decision chosen; ExpiresAt (RFC 3339) is when the links stop working.
	ApproveURL string
	RejectURL  string
	ExpiresAt  string
}

// Notifier sends a message to one channel. Send must be safe to repeat:
// a retried step may send the same approval twice, and says so in no log
// line with a link in it.
type Notifier interface {
	Name() string
	Send(ctx context.Context, m Message) error
}
