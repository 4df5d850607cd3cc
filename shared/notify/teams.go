package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Teams posts each message to a Microsoft Teams incoming webhook (a
// Workflows "when a Teams webhook request is received" flow, or a legacy
// connector) as an Adaptive Card with Approve and Reject buttons.
type Teams struct{ p *poster }

// NewTeams returns a Teams notifier posting to webhook with client; a nil
// client has a 5-second timeout.
func NewTeams(webhook WebhookURL, client *http.Client) *Teams {
	return &Teams{p: newPoster("teams", webhook, client)}
}

// Name is "teams".
func (n *Teams) Name() string { return "teams" }

// Send posts m; see poster.post for what is retried. An error is a
// *WebhookError.
func (n *Teams) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(TeamsMessage(m))
	if err != nil {
		return fmt.Errorf("encode Teams message: %w", err)
	}
	return n.p.post(ctx, body)
}

// TeamsMessage returns m as a webhook's JSON body: Teams' message
// envelope around one Adaptive Card. Alert text goes only into TextRuns
// of RichTextBlocks, which Adaptive Cards render as plain text: a
// TextBlock would read its Markdown (links, emphasis, lists).
func TeamsMessage(m Message) map[string]any {
	body := []any{
		map[string]any{"type": "RichTextBlock", "inlines": []any{
			map[string]any{"type": "TextRun", "text": Subject(m), "weight": "Bolder",
				"size": "Medium"}}},
	}
	for _, l := range Lines(m) {
		body = append(body, map[string]any{"type": "RichTextBlock", "inlines": []any{
			map[string]any{"type": "TextRun", "text": l.Label + ": ", "weight": "Bolder"},
			map[string]any{"type": "TextRun", "text": l.Value},
		}})
	}
	body = append(body, map[string]any{"type": "TextBlock", "text": confirmNote,
		"wrap": true, "isSubtle": true, "size": "Small"})
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
		"actions": []any{
			map[string]any{"type": "Action.OpenUrl", "title": "Approve", "url": m.ApproveURL},
			map[string]any{"type": "Action.OpenUrl", "title": "Reject", "url": m.RejectURL},
		},
	}
	return map[string]any{"type": "message", "attachments": []any{map[string]any{
		"contentType": "application/vnd.microsoft.card.adaptive",
		"contentUrl":  nil,
		"content":     card,
	}}}
}
