// Package notify tells analysts that an action waits for their decision:
// by the approvals SNS topic (email subscribers) in the cloud, by Slack and
// Microsoft Teams incoming webhooks, and, on a laptop, into the local
// outbox that the action center shows (the local host answers the SNS
// client's Publish and keeps each message there).
//
// Every notifier renders the same content, Text's, in its channel's form:
// what will happen to what and why, the approver group, when the links
// expire, and the Approve and Reject links. Text an alert supplied is
// rendered as text in each form, never as markup, and links and webhook
// URLs appear in no error and no log line.
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
// line with a link in it. An error Send returns names no link and no
// webhook URL; one that implements RetryableError() bool says whether
// sending again later may succeed.
type Notifier interface {
	Name() string
	Send(ctx context.Context, m Message) error
}
