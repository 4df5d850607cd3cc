package pages

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/store"
)

var detailTemplate = page("detail.html")

// detailView is what an investigation's page shows.
type detailView struct {
	gateway.InvestigationView
	Open  bool
	Graph graph
	// CSRF is the token of the terminate form.
	CSRF string
	// NodeWidth and NodeHeight size the graph's boxes.
	NodeWidth, NodeHeight int
}

// detailPage serves GET /investigations/{id}: the summary, alerts,
// entities with their verdicts and evidence, actions, the timeline and
// the entity graph.
func (c *Center) detailPage(ctx context.Context, req events.APIGatewayProxyRequest,
	id string) events.APIGatewayProxyResponse {
	start := c.Now()
	if !investigationID.MatchString(id) {
		return c.fail(http.StatusNotFound, "There is no investigation "+gateway.Quote(id)+".")
	}
	rec, err := c.Store.Record(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c.fail(http.StatusNotFound, "There is no investigation "+gateway.Quote(id)+".")
	}
	if err != nil {
		return c.unavailable(ctx, "read investigation", err, false)
	}
	c.summarize(ctx, "show investigation", start, len(rec.Entities))
	v := gateway.NewInvestigationView(rec)
	return center.Render(c.Log, http.StatusOK, detailTemplate, detailView{
		InvestigationView: v,
		Open:              rec.Status.Open(),
		Graph:             layoutGraph(v.Entities),
		CSRF:              center.CSRFToken(c.Secret, gateway.Analyst(req, c.Dev), terminateForm(id)),
		NodeWidth:         graphNodeWidth,
		NodeHeight:        graphNodeHeight,
	})
}

// terminateForm names investigation id's terminate form in its CSRF
// token.
func terminateForm(id string) string { return "investigation:" + id + ":terminate" }
