package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

func TestIngestUninvestigatedAlertJoinsTheInvestigationClaimingItsIndicator(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	first, err := s.Ingest(ctx, intake(malwareAlert("gd-1", "i-1")))
	if err != nil {
		t.Fatal(err)
	}
	in := intake(malwareAlert("fim-1", "i-9"))
	in.Investigate = false
	got, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.InvestigationID != first.InvestigationID || got.Opened {
		t.Errorf("uninvestigated alert = %+v, want it joined %s", got, first.InvestigationID)
	}
}

func TestStoredAlertIsFoundByIDWhereverItLives(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	investigated := malwareAlert("gd-1", "i-1")
	out, err := s.Ingest(ctx, intake(investigated))
	if err != nil {
		t.Fatal(err)
	}
	stored := malwareAlert("gd-off", "i-2")
	stored.Entities = stored.Entities[:1]
	if _, err := s.Ingest(ctx, store.Intake{Alert: stored}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		id, wantInv string
	}{{investigated.ID, out.InvestigationID}, {stored.ID, ""}}
	for _, tt := range tests {
		a, inv, err := s.StoredAlert(ctx, tt.id)
		if err != nil || a.ID != tt.id || inv != tt.wantInv {
			t.Errorf("StoredAlert(%s) = %s in %q, %v; want it in %q", tt.id, a.ID, inv, err,
				tt.wantInv)
		}
	}
	if _, _, err := s.StoredAlert(ctx, "01NOSUCHALERT"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("StoredAlert(unknown) error = %v, want ErrNotFound", err)
	}
}

func TestSightingsListTheAlertsThatNamedAnIndicatorNewestFirst(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	older, newer := malwareAlert("gd-1", "i-1"), malwareAlert("gd-2", "i-2")
	newer.Time = older.Time.Add(time.Hour)
	newer.ThreatNames = []string{"EICAR"}
	for _, a := range []alert.Alert{older, newer} {
		if _, err := s.Ingest(ctx, store.Intake{Alert: a}); err != nil {
			t.Fatal(err)
		}
	}
	seen, err := s.Sightings(ctx, older.Entities[1].Ref(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0].AlertID != newer.ID || seen[1].AlertID != older.ID ||
		len(seen[0].ThreatNames) != 1 || seen[0].Entity.Ref() != older.Entities[1].Ref() {
		t.Errorf("sightings = %+v, want the newer alert then the older", seen)
	}
}

// openInvestigation ingests a malware alert and returns its investigation.
func openInvestigation(t *testing.T, s *store.Store) string {
	t.Helper()
	out, err := s.Ingest(context.Background(), intake(malwareAlert(store.NewID(), "i-1")))
	if err != nil {
		t.Fatal(err)
	}
	return out.InvestigationID
}

func TestMergeEntitiesFoldsEvidenceOnceAndJudgesAnew(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	id := openInvestigation(t, s)
	file := alert.Entity{Type: alert.EntityFile, Key: "abc"}
	susp := investigation.Evidence{Verdict: investigation.VerdictSuspicious, Step: "hunt",
		Source: "tenant", Text: "on two hosts"}
	mal := investigation.Evidence{Verdict: investigation.VerdictMalicious, Step: "gather",
		Source: "list", Text: "known bad"}

	// added, then made worse, then the same again changes nothing
	steps := []struct {
		ents        []investigation.Entity
		wantChanged int
		wantVerdict investigation.Verdict
		wantRound   int
	}{
		{[]investigation.Entity{{Entity: file, Round: 2, Evidence: []investigation.Evidence{
			susp}}}, 1, investigation.VerdictSuspicious, 2},
		{[]investigation.Entity{{Entity: file, Round: 1, Evidence: []investigation.Evidence{
			susp, mal}}}, 1, investigation.VerdictMalicious, 1},
		{[]investigation.Entity{{Entity: file, Round: 3, Evidence: []investigation.Evidence{
			mal}}}, 0, investigation.VerdictMalicious, 1},
	}
	for i, st := range steps {
		changes, err := s.MergeEntities(ctx, id, st.ents)
		if err != nil {
			t.Fatal(err)
		}
		ents, _ := s.Entities(ctx, id)
		if len(changes) != st.wantChanged || len(ents) != 1 ||
			ents[0].Verdict != st.wantVerdict || ents[0].Round != st.wantRound {
			t.Errorf("merge %d: %d changes, entities %+v; want %d changes, %s", i,
				len(changes), ents, st.wantChanged, st.wantVerdict)
		}
	}
}

func TestDecideScopeDecidesOnceAndSaysWho(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	id := openInvestigation(t, s)
	req := store.ScopeRequest{InvestigationID: id, Round: 2, Hosts: 12}
	if err := s.RequestScope(ctx, req, "token-1"); err != nil {
		t.Fatal(err)
	}
	pending, ok, err := s.PendingScope(ctx, id)
	if err != nil || !ok || pending.Round != 2 || pending.Hosts != 12 {
		t.Fatalf("PendingScope = %+v, %v, %v; want round 2 of 12 hosts", pending, ok, err)
	}

	// two analysts race: one decides, the other is told who did
	var wg sync.WaitGroup
	tokens, errs := make([]string, 2), make([]error, 2)
	for i, who := range []string{"ana", "bo"} {
		wg.Go(func() { _, tokens[i], errs[i] = s.DecideScope(ctx, id, 2, i == 0, who) })
	}
	wg.Wait()
	won, lost := 0, 0
	for i := range errs {
		var decided *store.ScopeDecidedError
		switch {
		case errs[i] == nil && tokens[i] == "token-1":
			won++
		case errors.As(errs[i], &decided) && decided.Request.DecidedBy != "":
			lost++
		}
	}
	if won != 1 || lost != 1 {
		t.Errorf("racing decisions: tokens %q, errors %v; want one token and one "+
			"ScopeDecidedError", tokens, errs)
	}
	if err := s.RequestScope(ctx, req, "token-2"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Scope(ctx, id, 2); got.Status == store.ScopePending {
		t.Errorf("a repeated request reopened the decided scope: %+v", got)
	}
}

func TestStartManualRefusesWhatAnOpenInvestigationCovers(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	id := openInvestigation(t, s)
	file := malwareAlert("x", "i-1").Entities[1]
	_, err := s.StartManual(ctx, store.ManualStart{Entity: &file, Playbook: "general",
		Automation: investigation.LevelSemi, Indicators: []string{file.Ref()},
		Window: time.Hour, StartedBy: "ana"})
	var claimed *store.ClaimedError
	if !errors.As(err, &claimed) || claimed.InvestigationID != id {
		t.Fatalf("StartManual on a claimed file: %v, want a ClaimedError naming %s", err, id)
	}

	// a host nobody claims opens its own, with the entity in round 1
	host := alert.Entity{Type: alert.EntityHost, Key: "i-77"}
	inv, err := s.StartManual(ctx, store.ManualStart{Entity: &host, Playbook: "general",
		Automation: investigation.LevelSemi, Indicators: []string{host.Ref()},
		Window: time.Hour, StartedBy: "ana"})
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := s.Entities(ctx, inv.ID)
	if len(ents) != 1 || ents[0].Ref() != host.Ref() || ents[0].Round != 1 {
		t.Errorf("manual investigation entities = %+v, want the host in round 1", ents)
	}
}
