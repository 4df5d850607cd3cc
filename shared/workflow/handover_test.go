package workflow

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/store"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

// starts records the executions a step starts.
type starts struct{ names []string }

func (s *starts) StartExecution(_ context.Context, in *sfn.StartExecutionInput,
	_ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	s.names = append(s.names, aws.ToString(in.Name))
	return &sfn.StartExecutionOutput{}, nil
}

// newSteps returns steps over a fresh table, starting executions into sf.
func newSteps(t *testing.T, sf *starts) *Steps {
	t.Helper()
	db := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	name := "workflow-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(context.Background(), db, name); err != nil {
		t.Fatal(err)
	}
	return &Steps{Store: store.New(db, name), Executions: sf,
		Settings: settings.Investigation{CorrelationWindow: time.Hour, MaxActions: 25,
			MaxRounds: 3, ApprovalAtHosts: 10},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
}

// hostAlert is an investigated alert naming one host.
func hostAlert(id, host string) store.Intake {
	e := alert.Entity{Type: alert.EntityHost, Key: host}
	return store.Intake{Alert: alert.Alert{ID: store.NewID(), Source: "demo",
		Format: "generic", SourceAlertID: id, Title: "beacon", Time: time.Now().UTC(),
		Entities: []alert.Entity{e}}, Investigate: true, Playbook: "general",
		Automation: investigation.LevelFull, Indicators: []string{e.Ref()},
		Window: time.Hour}
}

// TestFinalizeHandsAlertsThatJoinedTooLateToANewInvestigation plays the
// race between a last round and Finalize: an alert joins after every
// round ran; Finalize closes the investigation and opens a new one for
// that alert, once.
func TestFinalizeHandsAlertsThatJoinedTooLateToANewInvestigation(t *testing.T) {
	sf := &starts{}
	s, ctx := newSteps(t, sf), context.Background()

	// the first alert is triaged and judged; then a second joins, by the host
	first, err := s.Store.Ingest(ctx, hostAlert("a-1", "i-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Triage(ctx, Input{first.InvestigationID}); err != nil {
		t.Fatal(err)
	}
	var late []store.Intake
	for i, ip := range []string{"203.0.113.9", "203.0.113.10"} {
		in := hostAlert(fmt.Sprintf("a-late-%d", i), "i-1")
		in.Alert.Entities = append(in.Alert.Entities,
			alert.Entity{Type: alert.EntityIP, Key: ip})
		if out, err := s.Store.Ingest(ctx, in); err != nil || out.InvestigationID !=
			first.InvestigationID {
			t.Fatalf("late alert = %+v, %v; want it joined %s", out, err,
				first.InvestigationID)
		}
		late = append(late, in)
	}

	// Finalize closes it and hands the late alert over; a retry hands nothing more
	for range 2 {
		out, err := s.Finalize(ctx, FinalizeInput{StateMachineARN: "arn:sm",
			State: FinalizeState{InvestigationID: first.InvestigationID}})
		if err != nil || out.Status != investigation.StatusNoThreatsFound {
			t.Fatalf("Finalize = %+v, %v; want no_threats_found", out, err)
		}
	}
	if len(sf.names) != 1 || sf.names[0] == first.InvestigationID {
		t.Fatalf("executions started: %v, want one new investigation", sf.names)
	}
	next, err := s.Store.Record(ctx, sf.names[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Alerts) != 2 || next.Alerts[0].ID != late[0].Alert.ID || !next.ExecutionStarted {
		t.Errorf("the new investigation holds %+v, want both late alerts, started",
			next.Alerts)
	}
}

// TestFinalizeHandsOverAlertsThatJoinedDuringTheLastRound checks that an
// alert whose entities came after the round limit is not lost: no round
// looked at them, so a new investigation does.
func TestFinalizeHandsOverAlertsThatJoinedDuringTheLastRound(t *testing.T) {
	sf := &starts{}
	s, ctx := newSteps(t, sf), context.Background()
	s.Settings.MaxRounds = 1
	first, err := s.Store.Ingest(ctx, hostAlert("b-1", "i-2"))
	if err != nil {
		t.Fatal(err)
	}
	id := first.InvestigationID
	if _, err := s.Triage(ctx, Input{id}); err != nil {
		t.Fatal(err)
	}

	// an alert joins during round 1, the last the limit allows
	joined := hostAlert("b-2", "i-2")
	joined.Alert.Entities = append(joined.Alert.Entities,
		alert.Entity{Type: alert.EntityDomain, Key: "late.example"})
	if _, err := s.Store.Ingest(ctx, joined); err != nil {
		t.Fatal(err)
	}
	out, err := s.ExpandScope(ctx, ExpandInput{RoundInput: RoundInput{id, 1}})
	if err != nil || out.Continue {
		t.Fatalf("ExpandScope = %+v, %v; want the round limit to stop it", out, err)
	}
	if _, err := s.Finalize(ctx, FinalizeInput{StateMachineARN: "arn:sm",
		State: FinalizeState{InvestigationID: id}}); err != nil {
		t.Fatal(err)
	}
	if len(sf.names) != 1 {
		t.Fatalf("executions started: %v, want one for the alert the limit left out", sf.names)
	}
	next, _ := s.Store.Alerts(ctx, sf.names[0])
	if len(next) != 1 || next[0].ID != joined.Alert.ID {
		t.Errorf("the new investigation holds %+v, want the alert that joined late", next)
	}
}
