package pages

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/store"
)

// outboxPage shows the outbox. Every message's subject and body came
// partly from an alert: html/template renders them as text, and a link
// that is not http or https becomes a harmless "#ZgotmplZ".
var outboxPage = center.Parse(`{{define "title"}}Outbox{{end}}
{{define "content"}}
<h1>Outbox</h1>
<p class="muted">The messages this machine would have sent to the approvals topic's
subscribers, newest first, kept for a week. A deployed stack sends them, by email, Slack
and Teams, and keeps none here.</p>
{{- range .Messages}}
<section class="panel">
<h2>{{.Subject}}</h2>
<p class="muted">{{when .Time}} · to {{.TopicARN}}</p>
<pre>{{.Body}}</pre>
{{- if .Links}}
<p>{{range $i, $l := .Links}}{{if $i}} · {{end}}<a href="{{$l.URL}}">{{$l.Label}}</a>{{end}}</p>
{{- end}}
</section>
{{- else}}
<p class="notice">The outbox is empty: no message asked for a decision yet.</p>
{{- end}}
{{end}}`, nil)

// outboxView is the outbox as the page and GET /api/outbox show it.
type outboxView struct {
	Messages []store.OutboxMessage `json:"messages"`
}

// outbox serves GET /outbox and, asJSON, GET /api/outbox.
func (c *Center) outbox(ctx context.Context, asJSON bool) events.APIGatewayProxyResponse {
	msgs, err := c.Store.OutboxMessages(ctx, store.MaxOutboxMessages)
	if err != nil {
		c.Log.ErrorContext(ctx, "read outbox", "error", err)
		if asJSON {
			return gateway.Reply(http.StatusServiceUnavailable,
				gateway.ErrorBody("storage unavailable; retry later"))
		}
		return center.Render(c.Log, http.StatusServiceUnavailable, outboxUnavailable, nil)
	}
	v := outboxView{Messages: msgs}
	if asJSON {
		return gateway.Reply(http.StatusOK, v)
	}
	return center.Render(c.Log, http.StatusOK, outboxPage, v)
}

var outboxUnavailable = center.Parse(`{{define "title"}}Outbox{{end}}
{{define "content"}}<h1>Outbox</h1>
<p class="error">The outbox cannot be read just now; retry in a moment.</p>{{end}}`, nil)
