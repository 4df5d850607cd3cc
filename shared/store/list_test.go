package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// listStore returns a store over a fresh table whose clock moves a second
// on each reading, so investigations are created in a known order.
func listStore(t *testing.T, opts ...store.Option) *store.Store {
	t.Helper()
	db := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	name := "firebreak-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(context.Background(), db, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	return store.New(db, name, append([]store.Option{store.WithClock(clock)}, opts...)...)
}

// openOn ingests an alert of format and source naming host alone, and
// returns the investigation it opened or joined.
func openOn(t *testing.T, s *store.Store, host, format, source string,
	sev alert.SeverityID) string {
	t.Helper()
	a := alert.Alert{ID: store.NewID(), Source: source, Format: format,
		SourceAlertID: store.NewID(), Title: "alert on " + host, SeverityID: sev,
		Time:     time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Entities: []alert.Entity{{Type: alert.EntityHost, Key: host}}}
	out, err := s.Ingest(context.Background(), store.Intake{Alert: a, Investigate: true,
		Playbook: "general", Automation: investigation.LevelFull,
		Indicators: []string{a.Entities[0].Ref()}, Window: time.Hour})
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	return out.InvestigationID
}

// walk reads every page f selects and returns the ids in order.
func walk(t *testing.T, s *store.Store, f store.Filter) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("more than 100 pages: the cursor does not advance")
		}
		p, err := s.ListInvestigations(context.Background(), f)
		if err != nil {
			t.Fatalf("ListInvestigations(%+v): %v", f, err)
		}
		if len(p.Investigations) > f.Limit {
			t.Errorf("a page of limit %d holds %d", f.Limit, len(p.Investigations))
		}
		for _, inv := range p.Investigations {
			ids = append(ids, inv.ID)
		}
		if p.Next == "" {
			return ids
		}
		f.After = p.Next
	}
}

func TestListPagesThroughEveryStatusNewestFirstWhateverTheReadingBound(t *testing.T) {
	// 30 investigations, every third high, spread over three statuses
	s := listStore(t, store.WithExamineBound(4))
	ctx := context.Background()
	var all, high []string
	for i := range 30 {
		sev := alert.SeverityMedium
		if i%3 == 0 {
			sev = alert.SeverityHigh
		}
		id := openOn(t, s, fmt.Sprintf("i-%02d", i), "generic", "demo", sev)
		switch i % 4 {
		case 1:
			mustTransition(t, s, id, investigation.StatusNoThreatsFound)
		case 2:
			mustTransition(t, s, id, investigation.StatusTerminated)
		}
		all, high = append([]string{id}, all...), prepend(high, id, sev == alert.SeverityHigh)
	}

	// every page of every filter, in order, each once
	highSev := alert.SeverityHigh
	tests := []struct {
		name string
		f    store.Filter
		want []string
	}{
		{"all", store.Filter{Limit: 7}, all},
		{"high", store.Filter{Limit: 3, Severity: &highSev}, high},
		{"high, one a page", store.Filter{Limit: 1, Severity: &highSev}, high},
		{"format", store.Filter{Limit: 5, Format: "generic"}, all},
		{"other format", store.Filter{Limit: 5, Format: "okta"}, nil},
	}
	for _, tt := range tests {
		if got := walk(t, s, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: pages gave %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := s.ListInvestigations(ctx, store.Filter{After: "bm90IGEga2V5"}); !errors.Is(err,
		store.ErrBadCursor) {
		t.Errorf("a forged cursor: got %v, want ErrBadCursor", err)
	}
}

func prepend(ids []string, id string, ok bool) []string {
	if !ok {
		return ids
	}
	return append([]string{id}, ids...)
}

func mustTransition(t *testing.T, s *store.Store, id string, to investigation.Status) {
	t.Helper()
	if err := s.TransitionInvestigation(context.Background(), id, to); err != nil {
		t.Fatalf("TransitionInvestigation(%s, %s): %v", id, to, err)
	}
}

func TestListFindsAnInvestigationByTheFormatAndSourceOfAJoiningAlert(t *testing.T) {
	s := listStore(t)
	id := openOn(t, s, "i-shared", "guardduty", "aws-eventbridge", alert.SeverityHigh)
	if joined := openOn(t, s, "i-shared", "crowdstrike", "edr", alert.SeverityLow); joined != id {
		t.Fatalf("the second alert went to %s, want it to join %s", joined, id)
	}
	for _, f := range []store.Filter{{Format: "crowdstrike"}, {Format: "guardduty"},
		{Source: "edr"}, {Source: "aws-eventbridge"}} {
		p, err := s.ListInvestigations(context.Background(), f)
		if err != nil || len(p.Investigations) != 1 || p.Investigations[0].ID != id {
			t.Errorf("ListInvestigations(%+v) = %+v, %v; want %s", f, p, err, id)
		}
	}
	p, _ := s.ListInvestigations(context.Background(), store.Filter{})
	got := p.Investigations[0]
	if !slices.Equal(got.Formats, []string{"crowdstrike", "guardduty"}) &&
		!slices.Equal(got.Formats, []string{"guardduty", "crowdstrike"}) ||
		len(got.Sources) != 2 {
		t.Errorf("formats %v and sources %v, want both alerts'", got.Formats, got.Sources)
	}
}

func TestListBetweenTimesExcludesTheEnd(t *testing.T) {
	s := listStore(t)
	var ids []string
	for i := range 3 {
		ids = append(ids, openOn(t, s, fmt.Sprintf("i-t%d", i), "generic", "demo",
			alert.SeverityHigh))
	}
	first, _ := s.Investigation(context.Background(), ids[0])
	last, _ := s.Investigation(context.Background(), ids[2])
	f := store.Filter{From: first.CreatedAt, To: last.CreatedAt, Limit: 10}
	if got, want := walk(t, s, f), []string{ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("from the first to the last = %v, want %v", got, want)
	}
}
