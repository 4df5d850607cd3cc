package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Slack's limits on the Block Kit elements a message uses.
const (
	maxSlackHeaderRunes  = 150
	maxSlackSectionRunes = 3000
)

// Slack posts each message to a Slack incoming webhook as a Block Kit
// message: a header, what will happen to what and why, who may decide
// and until when, and Approve and Reject link buttons.
type Slack struct{ p *poster }

// NewSlack returns a Slack notifier posting to webhook with client; a nil
// client has a 5-second timeout.
func NewSlack(webhook WebhookURL, client *http.Client) *Slack {
	return &Slack{p: newPoster("slack", webhook, client)}
}

// Name is "slack".
func (n *Slack) Name() string { return "slack" }

// Send posts m; see poster.post for what is retried. An error is a
// *WebhookError.
func (n *Slack) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(SlackMessage(m))
	if err != nil {
		return fmt.Errorf("encode Slack message: %w", err)
	}
	return n.p.post(ctx, body)
}

// slackEscaper escapes the three characters Slack's mrkdwn gives meaning
// beyond formatting: <...> makes links and mentions (<!channel>), & starts
// an entity.
var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// SlackMrkdwn returns s as literal text inside mrkdwn.
func SlackMrkdwn(s string) string { return slackEscaper.Replace(s) }

// SlackMessage returns m as an incoming webhook's JSON body. Alert text
// goes into plain_text elements as it is, and into mrkdwn escaped and
// verbatim, so that Slack links none of its URLs, channels or mentions.
func SlackMessage(m Message) map[string]any {
	var details strings.Builder
	for _, l := range Lines(m) {
		fmt.Fprintf(&details, "*%s:* %s\n", l.Label, SlackMrkdwn(l.Value))
	}
	subject := Subject(m)
	return map[string]any{
		// what the notification itself shows
		"text": "Approval needed: " + SlackMrkdwn(subject),
		"blocks": []any{
			map[string]any{"type": "header", "text": slackPlain(cut(subject,
				maxSlackHeaderRunes))},
			// verbatim: an alert's URLs and channel names stay unlinked
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn",
				"text":     cut(strings.TrimSpace(details.String()), maxSlackSectionRunes),
				"verbatim": true}},
			map[string]any{"type": "actions", "elements": []any{
				slackButton("approve", "Approve", "primary", m.ApproveURL),
				slackButton("reject", "Reject", "danger", m.RejectURL),
			}},
			map[string]any{"type": "context", "elements": []any{
				map[string]any{"type": "mrkdwn", "text": confirmNote}}},
		},
	}
}

func slackPlain(s string) map[string]any {
	return map[string]any{"type": "plain_text", "text": s, "emoji": false}
}

func slackButton(id, label, style, link string) map[string]any {
	return map[string]any{"type": "button", "action_id": id, "text": slackPlain(label),
		"style": style, "url": link}
}
