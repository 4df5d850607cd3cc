package pages

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/store"
)

// Entry is one line of the audit log: who did what to an investigation,
// when, and whether a person did it or Firebreak did on its own.
type Entry struct {
	Time            time.Time `json:"time"`
	InvestigationID string    `json:"investigation_id"`
	Actor           string    `json:"actor"`
	// Manual is true when a person did it: an analyst who started,
	// terminated or widened an investigation, or decided an action.
	Manual  bool   `json:"manual"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Bounds of the audit log. It is paged by investigation, newest first,
// since each investigation's history is one partition of the table.
const (
	auditPageInvestigations   = 20
	maxExportInvestigations   = 500
	maxAuditRequestsPerExport = maxExportInvestigations / store.MaxPageSize
)

const (
	// personIdentityMark is in every analyst's identity, an email.
	personIdentityMark = "@"
	auditCSVName       = "firebreak-audit.csv"
	// formulaInjectionPrefixes start a cell a spreadsheet would evaluate.
	formulaInjectionPrefixes = "=+-@\t\r"
)

// manualActor reports whether actor is a person: analysts are known by
// their email (the user pool signs them in by email; locally, the
// development identity), Firebreak's own steps by their names.
func manualActor(actor string) bool {
	return strings.Contains(actor, personIdentityMark)
}

// history returns the audit entries of one investigation, newest first:
// its timeline, which records every step, every person's decision on an
// action (in the same write as the decision), every undo and termination.
func (c *Center) history(ctx context.Context, id string) ([]Entry, error) {
	events, err := c.Store.Timeline(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(events))
	for _, e := range events {
		out = append(out, Entry{Time: e.Time, InvestigationID: id, Actor: e.Actor,
			Manual: manualActor(e.Actor), Kind: e.Kind, Message: e.Message})
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return b.Time.Compare(a.Time) })
	return out, nil
}

// auditLog is one page of the audit log: the history of a page of
// investigations.
type auditLog struct {
	Entries []Entry `json:"entries"`
	// Next is the cursor of the next page; absent on the last.
	Next string `json:"next,omitempty"`
}

// auditOf reads the history of the investigations f selects.
func (c *Center) auditOf(ctx context.Context, f store.Filter) (auditLog, error) {
	p, err := c.Store.ListInvestigations(ctx, f)
	if err != nil {
		return auditLog{}, err
	}
	log := auditLog{Entries: []Entry{}, Next: p.Next}
	for _, inv := range p.Investigations {
		h, err := c.history(ctx, inv.ID)
		if err != nil {
			return auditLog{}, err
		}
		log.Entries = append(log.Entries, h...)
	}
	slices.SortStableFunc(log.Entries, func(a, b Entry) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.InvestigationID, b.InvestigationID)
	})
	return log, nil
}

// readAudit parses the filters and reads a page; status is 400 for a bad
// filter.
func (c *Center) readAudit(ctx context.Context, req events.APIGatewayProxyRequest,
	limit int) (store.Filter, auditLog, int, error) {
	f, err := parseFilter(query(req), limit)
	if err != nil {
		return f, auditLog{}, http.StatusBadRequest, err
	}
	log, err := c.auditOf(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return f, auditLog{}, http.StatusBadRequest, err
	}
	if err != nil {
		return f, auditLog{}, http.StatusServiceUnavailable, err
	}
	return f, log, 0, nil
}

var auditTemplate = page("audit.html")

// auditView is what the audit page shows.
type auditView struct {
	Log       auditLog
	Query     string
	NextQuery string
}

// auditPage serves GET /audit.
func (c *Center) auditPage(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	start := c.Now()
	f, log, status, err := c.readAudit(ctx, req, auditPageInvestigations)
	switch {
	case status == http.StatusBadRequest:
		return c.fail(status, "Bad filter: "+err.Error()+".")
	case err != nil:
		return c.unavailable(ctx, "read audit log", err, false)
	}
	c.summarize(ctx, "show audit log", start, len(log.Entries))
	v := auditView{Log: log, Query: filterQuery(f, "").Encode()}
	if log.Next != "" {
		v.NextQuery = filterQuery(f, log.Next).Encode()
	}
	return center.Render(c.Log, http.StatusOK, auditTemplate, v)
}

// auditJSON serves GET /api/audit.
func (c *Center) auditJSON(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	start := c.Now()
	_, log, status, err := c.readAudit(ctx, req, auditPageInvestigations)
	switch {
	case status == http.StatusBadRequest:
		return gateway.Reply(status, gateway.ErrorBody(err.Error()))
	case err != nil:
		return c.unavailable(ctx, "read audit log", err, true)
	}
	c.summarize(ctx, "read audit log", start, len(log.Entries))
	return gateway.Reply(http.StatusOK, log)
}

// auditCSV serves GET /audit.csv: the history of up to 500 investigations
// the filters select, as a CSV download. When more match, the Link header
// names the rest (rel="next").
func (c *Center) auditCSV(ctx context.Context,
	req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	start := c.Now()
	f, err := parseFilter(query(req), store.MaxPageSize)
	if err != nil {
		return c.fail(http.StatusBadRequest, "Bad filter: "+err.Error()+".")
	}
	var entries []Entry
	for range maxAuditRequestsPerExport {
		log, err := c.auditOf(ctx, f)
		if errors.Is(err, store.ErrBadCursor) {
			return c.fail(http.StatusBadRequest, "Bad filter: "+err.Error()+".")
		}
		if err != nil {
			return c.unavailable(ctx, "export audit log", err, false)
		}
		entries, f.After = append(entries, log.Entries...), log.Next
		if f.After == "" {
			break
		}
	}
	c.summarize(ctx, "export audit log", start, len(entries))
	h := center.Headers("text/csv; charset=utf-8")
	h["Content-Disposition"] = `attachment; filename="` + auditCSVName + `"`
	if f.After != "" {
		h["Link"] = `</audit.csv?` + filterQuery(f, f.After).Encode() + `>; rel="next"`
	}
	return events.APIGatewayProxyResponse{StatusCode: http.StatusOK, Headers: h,
		Body: auditCSVBody(entries)}
}

// auditCSVBody writes entries as CSV with a header row.
func auditCSVBody(entries []Entry) string {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write([]string{"time", "investigation_id", "actor", "mode", "kind", "message"})
	for _, e := range entries {
		mode := "automated"
		if e.Manual {
			mode = "manual"
		}
		w.Write([]string{e.Time.UTC().Format(time.RFC3339Nano), cell(e.InvestigationID),
			cell(e.Actor), mode, cell(e.Kind), cell(e.Message)})
	}
	w.Flush()
	return buf.String()
}

// cell defuses a value a spreadsheet would run as a formula: one starting
// with = + - @, a tab or a carriage return gets a leading single quote.
func cell(v string) string {
	if v != "" && strings.ContainsRune(formulaInjectionPrefixes, rune(v[0])) {
		return "'" + v
	}
	return v
}
