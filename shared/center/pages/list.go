package pages

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// listPageSize is how many investigations a page of the list shows.
const listPageSize = 25

var listTemplate = page("list.html")

// listView is what the list page shows: the filters as sent, the page,
// the link to the next one, and what the manual start form needs.
type listView struct {
	Query      map[string]string
	Statuses   []investigation.Status
	Severities []alert.SeverityID
	Formats    []string
	Page       store.Page
	NextQuery  string
	CSRF       string
	// EntityTypes and Levels fill the manual start form.
	EntityTypes []alert.EntityType
	Levels      []investigation.Level
}

// listPage serves GET /: the investigations the filters select, newest
// first, with a form to start one by hand.
func (c *Center) listPage(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	start := c.Now()
	q := query(req)
	f, err := parseFilter(q, listPageSize)
	if err != nil {
		return c.fail(http.StatusBadRequest, "Bad filter: "+err.Error()+".")
	}
	p, err := c.Store.ListInvestigations(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return c.fail(http.StatusBadRequest, "Bad filter: "+err.Error()+
			"; start again from the first page.")
	}
	if err != nil {
		return c.unavailable(ctx, "list investigations", err, false)
	}
	c.summarize(ctx, "list investigations", start, len(p.Investigations))
	v := listView{Query: map[string]string{}, Statuses: store.Statuses,
		Severities: severities, Formats: alert.Formats(), Page: p,
		CSRF:        center.CSRFToken(c.Secret, gateway.Analyst(req, c.Dev), StartForm),
		EntityTypes: entityTypes, Levels: levels}
	for k := range q {
		v.Query[k] = q.Get(k)
	}
	if p.Next != "" {
		v.NextQuery = filterQuery(f, p.Next).Encode()
	}
	return center.Render(c.Log, http.StatusOK, listTemplate, v)
}

// StartForm names the manual start form in its CSRF token: the start
// function checks the token the list page put in it.
const StartForm = "investigations:start"

var entityTypes = []alert.EntityType{alert.EntityUser, alert.EntityHost, alert.EntityFile,
	alert.EntityURL, alert.EntityDomain, alert.EntityIP, alert.EntityProcess,
	alert.EntityMailbox, alert.EntityEmailMessage, alert.EntityCloudResource,
	alert.EntityAccessKey}

var levels = []investigation.Level{investigation.LevelFull, investigation.LevelSemi,
	investigation.LevelSemiCritical}

// listReply is the JSON of GET /api/investigations.
type listReply struct {
	Investigations []store.Summary `json:"investigations"`
	// Next is the cursor of the next page: pass it as after; absent on
	// the last page.
	Next string `json:"next,omitempty"`
}

// listJSON serves GET /api/investigations with the filters of GET /.
func (c *Center) listJSON(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	start := c.Now()
	f, err := parseFilter(query(req), store.MaxPageSize)
	if err != nil {
		return gateway.Reply(http.StatusBadRequest, gateway.ErrorBody(err.Error()))
	}
	p, err := c.Store.ListInvestigations(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return gateway.Reply(http.StatusBadRequest, gateway.ErrorBody(err.Error()))
	}
	if err != nil {
		return c.unavailable(ctx, "list investigations", err, true)
	}
	c.summarize(ctx, "list investigations", start, len(p.Investigations))
	out := listReply{Investigations: p.Investigations, Next: p.Next}
	if out.Investigations == nil {
		out.Investigations = []store.Summary{}
	}
	return gateway.Reply(http.StatusOK, out)
}

// summarize writes a request's one log line.
func (c *Center) summarize(ctx context.Context, what string, start time.Time, count int) {
	c.Log.InfoContext(ctx, what, "count", count, "duration_ms",
		c.Now().Sub(start).Milliseconds())
}
