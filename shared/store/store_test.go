package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

// newStore returns a store over a fresh table in DynamoDB Local.
func newStore(t *testing.T) *store.Store {
	t.Helper()
	db := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	name := "firebreak-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(context.Background(), db, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	return store.New(db, name)
}

// malwareAlert is an alert from source "demo" naming a host and a file.
func malwareAlert(sourceID, host string) alert.Alert {
	return alert.Alert{
		ID: store.NewID(), Source: "demo", Format: "guardduty",
		SourceAlertID: sourceID, Title: "Malicious file", SeverityID: alert.SeverityHigh,
		Time: time.Date(2024, 6, 4, 10, 56, 40, 0, time.UTC),
		Entities: []alert.Entity{
			{Type: alert.EntityHost, Key: host},
			{Type: alert.EntityFile, Key: "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
		},
		Raw: []byte(`{"detail":{}}`),
	}
}

func intake(a alert.Alert) store.Intake {
	refs := []string{a.Entities[1].Ref(), a.Entities[0].Ref()}
	return store.Intake{Alert: a, Investigate: true, Playbook: "malware",
		Automation: investigation.LevelFull, Indicators: refs, Window: 24 * time.Hour}
}

func TestIngestSameAlertTwiceStoresOnce(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	first, err := s.Ingest(ctx, intake(malwareAlert("gd-1", "i-1")))
	if err != nil {
		t.Fatalf("first Ingest: %v", err)
	}
	again := malwareAlert("gd-1", "i-1") // a new Firebreak id, the same source id
	second, err := s.Ingest(ctx, intake(again))
	if err != nil {
		t.Fatalf("second Ingest: %v", err)
	}

	if !first.Opened || first.Duplicate {
		t.Errorf("first Ingest = %+v, want Opened and not Duplicate", first)
	}
	want := store.Outcome{AlertID: first.AlertID, InvestigationID: first.InvestigationID,
		Duplicate: true, NeedsStart: true}
	if second != want {
		t.Errorf("second Ingest = %+v, want %+v", second, want)
	}
	rec, err := s.Record(ctx, first.InvestigationID)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if len(rec.Alerts) != 1 || rec.AlertCount != 1 {
		t.Errorf("got %d alerts (count %d), want 1", len(rec.Alerts), rec.AlertCount)
	}
}

func TestIngestRacingSameAlertStoresOnce(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	outs := race(t, 50, func(int) (store.Outcome, error) {
		return s.Ingest(ctx, intake(malwareAlert("gd-race", "i-1")))
	})

	opened, alertIDs, invIDs := 0, map[string]bool{}, map[string]bool{}
	for _, o := range outs {
		if o.Opened {
			opened++
		}
		alertIDs[o.AlertID], invIDs[o.InvestigationID] = true, true
	}
	if opened != 1 || len(alertIDs) != 1 || len(invIDs) != 1 {
		t.Fatalf("50 racing Ingests: %d opened, %d alert ids, %d investigations; want 1 each",
			opened, len(alertIDs), len(invIDs))
	}
	rec, err := s.Record(ctx, outs[0].InvestigationID)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if len(rec.Alerts) != 1 {
		t.Errorf("got %d stored alerts, want 1", len(rec.Alerts))
	}
}

func TestIngestRacingSameIndicatorOpensOne(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	outs := race(t, 50, func(i int) (store.Outcome, error) {
		// different alerts, different hosts, the same file hash
		return s.Ingest(ctx, intake(malwareAlert(fmt.Sprintf("gd-%d", i), fmt.Sprintf("i-%d", i))))
	})

	invIDs, opened := map[string]bool{}, 0
	for _, o := range outs {
		invIDs[o.InvestigationID] = true
		if o.Opened {
			opened++
		}
	}
	if len(invIDs) != 1 || opened != 1 {
		t.Fatalf("got %d investigations (%d opened) for one indicator, want 1", len(invIDs), opened)
	}
	rec, err := s.Record(ctx, outs[0].InvestigationID)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if len(rec.Alerts) != 50 || rec.AlertCount != 50 {
		t.Errorf("got %d alerts (count %d) in the investigation, want 50",
			len(rec.Alerts), rec.AlertCount)
	}
}

// race runs n calls of f at once and returns their outcomes, failing the
// test on any error.
func race(t *testing.T, n int, f func(i int) (store.Outcome, error)) []store.Outcome {
	t.Helper()
	outs, errs := make([]store.Outcome, n), make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			outs[i], errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("racing calls: %v", err)
	}
	return outs
}

func TestIngestAfterCloseOpensNewInvestigation(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	first, err := s.Ingest(ctx, intake(malwareAlert("gd-1", "i-1")))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if err := s.TransitionInvestigation(ctx, first.InvestigationID,
		investigation.StatusRemediated); err != nil {
		t.Fatalf("close: %v", err)
	}
	// the claims are not released: a stale claim must not swallow the alert

	second, err := s.Ingest(ctx, intake(malwareAlert("gd-2", "i-2")))
	if err != nil {
		t.Fatalf("Ingest after close: %v", err)
	}
	if !second.Opened || second.InvestigationID == first.InvestigationID {
		t.Errorf("alert after close = %+v, want a new investigation, not %s",
			second, first.InvestigationID)
	}
}

func TestIngestOpenInvestigationTakesAlertOnSharedIndicator(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	first, err := s.Ingest(ctx, intake(malwareAlert("gd-1", "i-1")))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	second, err := s.Ingest(ctx, intake(malwareAlert("gd-2", "i-2")))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if second.Opened || second.InvestigationID != first.InvestigationID {
		t.Errorf("second alert = %+v, want it joined %s", second, first.InvestigationID)
	}
	rec, err := s.Record(ctx, first.InvestigationID)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	kinds := []string{}
	for _, e := range rec.Timeline {
		kinds = append(kinds, e.Kind)
	}
	if got := strings.Join(kinds, ","); got != "opened,alert_joined" {
		t.Errorf("timeline kinds = %s, want opened,alert_joined", got)
	}
}

func TestIngestUninvestigatedAlertIsStoredOnce(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	in := store.Intake{Alert: malwareAlert("gd-off", "i-1")}
	first, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	in.Alert.ID = store.NewID()
	second, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatalf("Ingest again: %v", err)
	}
	if first.InvestigationID != "" || !second.Duplicate || second.AlertID != first.AlertID {
		t.Errorf("got %+v then %+v, want no investigation, then a duplicate of %s",
			first, second, first.AlertID)
	}
}

func TestRecordReadsEveryPage(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	// five alerts of ~250 KB each exceed a Query page's 1 MB
	var invID string
	for i := range 5 {
		a := malwareAlert(fmt.Sprintf("gd-big-%d", i), "i-1")
		a.Raw = []byte(`{"pad":"` + strings.Repeat("x", 250*1024) + `"}`)
		out, err := s.Ingest(ctx, intake(a))
		if err != nil {
			t.Fatalf("Ingest %d: %v", i, err)
		}
		invID = out.InvestigationID
	}
	rec, err := s.Record(ctx, invID)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if len(rec.Alerts) != 5 {
		t.Errorf("Record read %d alerts, want 5 (paged through LastEvaluatedKey)", len(rec.Alerts))
	}
}

func TestRecordOfUnknownInvestigationIsNotFound(t *testing.T) {
	s := newStore(t)
	_, err := s.Record(context.Background(), "nope")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Record(nope) error = %v, want ErrNotFound", err)
	}
}

func TestTransitionInvestigationRacingWritersOneWins(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	out, err := s.Ingest(ctx, intake(malwareAlert("gd-1", "i-1")))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	targets := []investigation.Status{investigation.StatusRemediated,
		investigation.StatusFailed, investigation.StatusNoThreatsFound}
	var wg sync.WaitGroup
	errs := make([]error, 30)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.TransitionInvestigation(ctx, out.InvestigationID, targets[i%3])
		}()
	}
	wg.Wait()

	wins := 0
	for _, err := range errs {
		var terr *investigation.TransitionError
		switch {
		case err == nil:
			wins++
		case !errors.As(err, &terr):
			t.Errorf("losing writer got %v, want a *TransitionError", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d writers closed the investigation, want exactly 1", wins)
	}
}

func TestTransitionInvestigationRefusesIllegalChange(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	out, err := s.Ingest(ctx, intake(malwareAlert("gd-1", "i-1")))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	id := out.InvestigationID
	if err := s.TransitionInvestigation(ctx, id, investigation.StatusNoThreatsFound); err != nil {
		t.Fatalf("running -> no_threats_found: %v", err)
	}
	err = s.TransitionInvestigation(ctx, id, investigation.StatusRunning)
	var terr *investigation.TransitionError
	if !errors.As(err, &terr) || terr.From != "no_threats_found" {
		t.Errorf("no_threats_found -> running: got %v, want a TransitionError from no_threats_found", err)
	}
}

func TestProposeActionTwiceKeepsTheFirst(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	out, err := s.Ingest(ctx, intake(malwareAlert("gd-1", "i-1")))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	id := out.InvestigationID
	act := investigation.Action{
		ID:   store.ActionID(id, investigation.ActionQuarantineFile, "file:abc", "host:i-1"),
		Type: investigation.ActionQuarantineFile, Status: investigation.ActionApproved,
		Target: "file:abc", Scope: "host:i-1", Reason: "malicious",
	}
	if _, err := s.ProposeAction(ctx, id, act); err != nil {
		t.Fatalf("ProposeAction: %v", err)
	}
	if err := s.TransitionAction(ctx, id, act.ID, investigation.ActionRunning,
		store.ActionChange{}); err != nil {
		t.Fatalf("approved -> running: %v", err)
	}
	again, err := s.ProposeAction(ctx, id, act)
	if err != nil {
		t.Fatalf("ProposeAction again: %v", err)
	}
	if again.Status != investigation.ActionRunning {
		t.Errorf("second proposal returned status %s, want the stored running", again.Status)
	}
	acts, err := s.Actions(ctx, id)
	if err != nil || len(acts) != 1 {
		t.Errorf("Actions = %d, %v; want 1 action", len(acts), err)
	}
}

func TestReleaseIndicatorsLetsNextAlertOpenNewInvestigation(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	in := intake(malwareAlert("gd-1", "i-1"))
	first, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if err := s.ReleaseIndicators(ctx, first.InvestigationID, in.Indicators); err != nil {
		t.Fatalf("ReleaseIndicators: %v", err)
	}
	second, err := s.Ingest(ctx, intake(malwareAlert("gd-2", "i-1")))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	if !second.Opened {
		t.Errorf("alert after release = %+v, want a new investigation", second)
	}
}

func TestIngestUpdatedAlertReplacesTheStoredOneUnderItsIDs(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	first, err := s.Ingest(ctx, intake(malwareAlert("gd-upd", "i-1")))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}

	// the source re-sends the finding later, with a higher repeat count
	newer := malwareAlert("gd-upd", "i-1")
	newer.Time = newer.Time.Add(time.Hour)
	newer.Title = "Malicious file (seen 3 times)"
	got, err := s.Ingest(ctx, intake(newer))
	if err != nil {
		t.Fatalf("Ingest update: %v", err)
	}
	if !got.Updated || got.Duplicate || got.Opened || got.AlertID != first.AlertID ||
		got.InvestigationID != first.InvestigationID {
		t.Errorf("update = %+v, want Updated under %s / %s", got, first.AlertID,
			first.InvestigationID)
	}
	rec, err := s.Record(ctx, first.InvestigationID)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if len(rec.Alerts) != 1 || rec.Alerts[0].Title != newer.Title ||
		rec.Alerts[0].ID != first.AlertID {
		t.Errorf("stored alerts = %+v, want the one alert, updated", rec.Alerts)
	}
	last := rec.Timeline[len(rec.Timeline)-1]
	if last.Kind != "alert_updated" {
		t.Errorf("last timeline event = %s, want alert_updated", last.Kind)
	}

	// an older version arriving late changes nothing
	stale := malwareAlert("gd-upd", "i-1")
	stale.Title = "stale"
	got, err = s.Ingest(ctx, intake(stale))
	if err != nil || !got.Duplicate || got.Updated {
		t.Errorf("stale re-send = %+v, %v; want a duplicate", got, err)
	}
}

func TestIngestCutsRawPayloadToFitAnItem(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	a := malwareAlert("gd-long", "i-1")
	a.Title = strings.Repeat("T", 200*1024)
	a.Raw = []byte(`{"title":"` + a.Title + `"}`)
	out, err := s.Ingest(ctx, intake(a))
	if err != nil {
		t.Fatalf("Ingest of a 400 KB alert: %v", err)
	}
	alerts, err := s.Alerts(ctx, out.InvestigationID)
	if err != nil || len(alerts) != 1 {
		t.Fatalf("Alerts = %d, %v", len(alerts), err)
	}
	if alerts[0].Title != a.Title || len(alerts[0].Raw) >= len(a.Raw) {
		t.Errorf("stored title %d bytes and raw %d bytes, want the whole title and a cut raw",
			len(alerts[0].Title), len(alerts[0].Raw))
	}
}

func TestIngestRefusesAnAlertTooLargeToStore(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	a := malwareAlert("gd-huge", "i-1")
	for i := range 4000 {
		a.Entities = append(a.Entities, alert.Entity{Type: alert.EntityCloudResource,
			Key: fmt.Sprintf("arn:aws:ec2:us-east-1:123456789012:security-group/sg-%040d", i)})
	}
	_, err := s.Ingest(ctx, intake(a))
	var big *store.AlertTooLargeError
	if !errors.As(err, &big) {
		t.Fatalf("Ingest of a huge alert: %v, want an *AlertTooLargeError", err)
	}
	if _, err := s.Ingest(ctx, intake(malwareAlert("gd-huge", "i-1"))); err != nil {
		t.Errorf("the same source id at a normal size after a refusal: %v, want it stored", err)
	}
}

func TestClaimOutlivingItsWindowNoLongerAttractsAlerts(t *testing.T) {
	now := time.Now()
	db := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	name := "firebreak-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(context.Background(), db, name); err != nil {
		t.Fatal(err)
	}
	s := store.New(db, name, store.WithClock(func() time.Time { return now }))
	ctx := context.Background()
	in := intake(malwareAlert("gd-w1", "i-1"))
	in.Window = time.Hour
	first, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatal(err)
	}

	// within the window the next alert joins; after it, a new investigation opens
	now = now.Add(30 * time.Minute)
	joined, err := s.Ingest(ctx, intake(malwareAlert("gd-w2", "i-2")))
	if err != nil || joined.InvestigationID != first.InvestigationID {
		t.Fatalf("alert within the window = %+v, %v; want it joined", joined, err)
	}
	now = now.Add(time.Hour)
	later, err := s.Ingest(ctx, intake(malwareAlert("gd-w3", "i-3")))
	if err != nil || !later.Opened || later.InvestigationID == first.InvestigationID {
		t.Errorf("alert after the window = %+v, %v; want a new investigation", later, err)
	}
}

func TestIngestTakesIDsAndIndicatorsLongerThanAKey(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	long := strings.Repeat("i", 3000)
	a := malwareAlert(long, "i-1")
	a.Entities = append(a.Entities, alert.Entity{Type: alert.EntityDomain,
		Key: strings.Repeat("d", 2100) + ".example"})
	in := intake(a)
	in.Indicators = append(in.Indicators, a.Entities[2].Ref())
	first, err := s.Ingest(ctx, in)
	if err != nil {
		t.Fatalf("Ingest with a 3000-byte id and a 2100-byte domain: %v", err)
	}
	in.Alert.ID = store.NewID() // the same alert, delivered again
	got, err := s.Ingest(ctx, in)
	if err != nil || !got.Duplicate || got.AlertID != first.AlertID {
		t.Errorf("the same long id again = %+v, %v; want a duplicate of %s", got, err,
			first.AlertID)
	}
}

// TestIngestJoiningAnUnstartedInvestigationStartsIt opens an investigation
// whose execution never started (its start failed and the sender did not
// resend): an alert that joins it says it needs starting, so that neither
// alert is left with no execution; once started, a joining alert does not.
func TestIngestJoiningAnUnstartedInvestigationStartsIt(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	first, err := s.Ingest(ctx, intake(malwareAlert("gd-start-1", "i-start")))
	if err != nil || !first.NeedsStart {
		t.Fatalf("first Ingest = %+v, %v; want it opened, needing a start", first, err)
	}
	tests := []struct {
		name    string
		started bool
	}{
		{"start failed", false},
		{"started", true},
	}
	for i, tt := range tests {
		if tt.started {
			if err := s.MarkExecutionStarted(ctx, first.InvestigationID); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Ingest(ctx, intake(malwareAlert(fmt.Sprintf("gd-start-%d", i+2),
			"i-start")))
		if err != nil || got.InvestigationID != first.InvestigationID {
			t.Fatalf("%s: joining Ingest = %+v, %v; want it joined %s", tt.name, got, err,
				first.InvestigationID)
		}
		if got.NeedsStart == tt.started {
			t.Errorf("%s: NeedsStart = %v, want %v", tt.name, got.NeedsStart, !tt.started)
		}
	}
}

// TestAnInvestigationStartedDuringAJoinKeepsItsClaims joins an alert to an
// investigation whose execution starts between the join's write, refused
// as not started yet, and its look at why: the alert joins it, and its
// claims stay, so the next alert of the campaign joins it too rather than
// opening a second investigation.
func TestAnInvestigationStartedDuringAJoinKeepsItsClaims(t *testing.T) {
	ctx := context.Background()
	client := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	name := "firebreak-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(ctx, client, name); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	db := &startsOnRefusal{DB: client}
	s := store.New(db, name)
	first, err := s.Ingest(ctx, intake(malwareAlert("gd-race-1", "i-race-1")))
	if err != nil || !first.NeedsStart {
		t.Fatalf("first Ingest = %+v, %v; want it opened, needing a start", first, err)
	}

	// the execution starts while the second alert's join is refused
	db.onRefusal = func() error { return s.MarkExecutionStarted(ctx, first.InvestigationID) }
	for i, host := range []string{"i-race-2", "i-race-3"} {
		got, err := s.Ingest(ctx, intake(malwareAlert(fmt.Sprintf("gd-race-%d", i+2), host)))
		if err != nil || got.InvestigationID != first.InvestigationID || got.Opened {
			t.Fatalf("alert %d: Ingest = %+v, %v; want it joined %s", i+2, got, err,
				first.InvestigationID)
		}
	}
	if db.refusals != 1 {
		t.Errorf("%d joins refused, want 1: the race was not run", db.refusals)
	}
}

// startsOnRefusal is DynamoDB Local running onRefusal, once, after the
// first transaction it cancels.
type startsOnRefusal struct {
	store.DB
	onRefusal func() error
	refusals  int
}

func (d *startsOnRefusal) TransactWriteItems(ctx context.Context,
	in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (
	*dynamodb.TransactWriteItemsOutput, error) {
	out, err := d.DB.TransactWriteItems(ctx, in, opts...)
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && d.onRefusal != nil {
		d.refusals++
		hook := d.onRefusal
		d.onRefusal = nil
		if herr := hook(); herr != nil {
			return nil, herr
		}
	}
	return out, err
}

// TestAJoiningAlertLeavesNoSightingOfWhatItsInvestigationClaims joins a
// second alert on the file the first opened an investigation with: the
// file keeps the first alert's one sighting, which a hunt elsewhere reads,
// while the new host gets the second's.
func TestAJoiningAlertLeavesNoSightingOfWhatItsInvestigationClaims(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	first, second := malwareAlert("gd-1", "i-1"), malwareAlert("gd-2", "i-2")
	for _, a := range []alert.Alert{first, second} {
		if _, err := s.Ingest(ctx, intake(a)); err != nil {
			t.Fatalf("Ingest: %v", err)
		}
	}
	for _, tt := range []struct {
		ref  string
		want []string
	}{
		{first.Entities[1].Ref(), []string{first.ID}},
		{second.Entities[0].Ref(), []string{second.ID}},
	} {
		seen, err := s.Sightings(ctx, tt.ref, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range seen {
			got = append(got, x.AlertID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("sightings of %s are of alerts %v, want %v", tt.ref, got, tt.want)
		}
	}
}
