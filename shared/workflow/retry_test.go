package workflow

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// withTenant gives s the repository's simulated tenant, in s's table, as
// its data source.
func withTenant(t *testing.T, s *Steps) {
	t.Helper()
	s.Sources = []datasource.DataSource{seededTenant(t, s)}
}

// TestEveryStepRunTwiceChangesNothingMore runs each step of a round twice,
// as Step Functions does when it retries one whose answer was lost, and
// checks the second run leaves the investigation as the first did.
func TestEveryStepRunTwiceChangesNothingMore(t *testing.T) {
	s, ctx := newSteps(t, &starts{}), context.Background()
	withTenant(t, s)
	file := alert.Entity{Type: alert.EntityFile,
		Key: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"}
	in := hostAlert("gd-1", "i-0a1b2c3d4e5f60718")
	in.Alert.Entities = append(in.Alert.Entities, file)
	in.Alert.ThreatNames, in.Playbook = []string{"EICAR-Test-File"}, "malware"
	opened, err := s.Store.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	id, round := opened.InvestigationID, RoundInput{InvestigationID: opened.InvestigationID,
		Round: 1}

	steps := []struct {
		name string
		run  func() error
	}{
		{"triage", func() error { _, err := s.Triage(ctx, Input{id}); return err }},
		{"gather", func() error { _, err := s.GatherThreatInfo(ctx, round); return err }},
		{"origin", func() error { _, err := s.DetermineOrigin(ctx, round); return err }},
		{"affected", func() error { _, err := s.IdentifyAffected(ctx, round); return err }},
		{"hunt", func() error { _, err := s.HuntOtherInstances(ctx, round); return err }},
		{"expand", func() error {
			_, err := s.ExpandScope(ctx, ExpandInput{RoundInput: round})
			return err
		}},
		{"decide", func() error { _, err := s.Decide(ctx, Input{id}); return err }},
	}
	for _, st := range steps {
		if err := st.run(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		first, err := s.Store.Record(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.run(); err != nil {
			t.Fatalf("%s again: %v", st.name, err)
		}
		again, _ := s.Store.Record(ctx, id)
		ignoreTimes := cmp.FilterPath(func(p cmp.Path) bool {
			return p.Last().String() == ".UpdatedAt" || p.Last().String() == ".Version"
		}, cmp.Ignore())
		if diff := cmp.Diff(first, again, ignoreTimes); diff != "" {
			t.Errorf("%s run twice changed the investigation (-once +twice):\n%s", st.name, diff)
		}
	}

	// and the round did find what the file touched
	ents, _ := s.Store.Entities(ctx, id)
	held := 0
	for _, e := range ents {
		held += btoi(e.Type == alert.EntityHost && e.Verdict == investigation.VerdictSuspicious)
	}
	if held < 3 {
		t.Errorf("%d suspicious hosts after the round, want the hosts holding the file", held)
	}
}
