package load

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/investigation"
)

// root is the repository, where events/ is.
var root, _ = filepath.Abs("../../..")

func templates(t *testing.T) []Template {
	t.Helper()
	ts, err := Templates(filepath.Join(root, "events", "alerts"))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// indicators are the correlation refs p's body normalizes to.
func indicators(t *testing.T, p Payload) []string {
	t.Helper()
	alerts, err := alert.Parse(p.Body, "")
	if err != nil || len(alerts) != 1 {
		t.Fatalf("%s does not normalize to one alert: %v", p.Name, err)
	}
	return investigation.Indicators(alerts[0])
}

// shape is s with every letter and digit as x: what a variant keeps.
func shape(s string) string {
	return strings.Map(func(c rune) rune {
		if isAlnum(c) {
			return 'x'
		}
		return c
	}, s)
}

func TestVariantKeepsTheShapeAndNeverRepeats(t *testing.T) {
	for _, s := range []string{
		"275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
		"i-0a1b2c3d4e5f60718",
		"7b6984db-bcde-4e93-8f31-6be40ad28711",
		"AKIAIOSFODNN7EXAMPLE",
		"alex.doe@example.com",
		"dl.malicious.example",
		"1717574400",
	} {
		seen := map[string]bool{s: true}
		for n := range 20000 {
			v := variant(s, n)
			if seen[v] {
				t.Fatalf("variant(%q, %d) = %q, which an earlier n or s itself gave", s, n, v)
			}
			seen[v] = true
			if !strings.Contains(v, "-v") && shape(v) != shape(s) {
				t.Fatalf("variant(%q, %d) = %q, want the same shape", s, n, v)
			}
		}
	}
}

func TestVariantOfAnEmailOrDomainKeepsItsDomain(t *testing.T) {
	for s, keep := range map[string]string{
		"alex.doe@example.com": "@example.com",
		"dl.malicious.example": ".malicious.example",
	} {
		if v := variant(s, 41); !strings.HasSuffix(v, keep) || v == s {
			t.Errorf("variant(%q) = %q, want it changed before %q", s, v, keep)
		}
	}
}

func TestStormNamesOneFileOnEveryHost(t *testing.T) {
	tm, err := Find(templates(t), StormSample)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Storm(tm, 500, 50)
	if err != nil {
		t.Fatal(err)
	}
	ids, hosts, files := map[string]bool{}, map[string]bool{}, map[string]int{}
	for _, p := range ps {
		ids[p.SourceAlertID] = true
		for _, ref := range indicators(t, p) {
			switch {
			case strings.HasPrefix(ref, string(alert.EntityHost)+":"):
				hosts[ref] = true
			case strings.HasPrefix(ref, string(alert.EntityFile)+":"):
				files[ref]++
			}
		}
	}
	if len(ids) != 500 || len(hosts) != 50 || len(files) != 1 {
		t.Errorf("got %d alert ids, %d hosts, %d files; want 500, 50, 1", len(ids),
			len(hosts), len(files))
	}
}

func TestDistinctAlertsShareNoIndicator(t *testing.T) {
	ps, err := Distinct(templates(t), 400)
	if err != nil {
		t.Fatal(err)
	}
	ids, refs := map[string]bool{}, map[string]string{}
	for _, p := range ps {
		if ids[p.SourceAlertID] {
			t.Errorf("%s repeats alert id %s", p.Name, p.SourceAlertID)
		}
		ids[p.SourceAlertID] = true
		for _, ref := range indicators(t, p) {
			if other, ok := refs[ref]; ok {
				t.Errorf("%s and %s share %s", other, p.Name, ref)
			}
			refs[ref] = p.Name
		}
	}
}

// table is a Table that holds the alerts named, by source alert id.
type table map[string]string

func (tb table) Lookup(_ context.Context, _, id string) (string, string, bool, error) {
	alertID, ok := tb[id]
	return alertID, "", ok, nil
}

func TestSummarizeCountsAnAlertAnsweredButNotStoredAsLost(t *testing.T) {
	ps := []Payload{{Name: "a", SourceAlertID: "a"}, {Name: "b", SourceAlertID: "b"},
		{Name: "c", SourceAlertID: "c"}}
	accepted := func(id string) []ingest.Result {
		return []ingest.Result{{Status: ingest.StatusAccepted, AlertID: id}}
	}
	sent := []Sent{
		{Payload: &ps[0], Status: 202, Results: accepted("01A"), Latency: time.Millisecond},
		{Payload: &ps[1], Status: 202, Results: accepted("01B"), Latency: 3 * time.Millisecond},
		{Payload: &ps[2], Status: 503, Err: "storage unavailable", Latency: time.Millisecond},
	}
	s, err := Summarize(context.Background(), table{"a": "01A"}, "demo", sent, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.Stored != 1 || s.Lost != 1 || s.Errors != 1 || s.ServerErrors != 1 {
		t.Errorf("got %d stored, %d lost, %d errors, %d 5xx; want 1, 1, 1, 1", s.Stored,
			s.Lost, s.Errors, s.ServerErrors)
	}
	if s.Latency.Max != 3*time.Millisecond || s.Latency.P50 != time.Millisecond {
		t.Errorf("got latency %+v, want p50 1ms and max 3ms", s.Latency)
	}
}

func TestAStormThroughTheLocalHostOpensOneInvestigationAndLosesNothing(t *testing.T) {
	h, err := host.Start(context.Background(), host.Options{Root: root,
		Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	tm, err := Find(templates(t), StormSample)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Storm(tm, 120, 6)
	if err != nil {
		t.Fatal(err)
	}

	res, err := Measure(context.Background(), h, "storm", ps, Options{Concurrency: 8},
		5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s, u := res.Summary, res.Cost.Usage
	if s.Investigations != 1 || s.Stored != 120 || s.Lost != 0 || s.Errors != 0 {
		t.Errorf("got %d investigations, %d stored, %d lost, %d errors (%v); "+
			"want 1, 120, 0, 0", s.Investigations, s.Stored, s.Lost, s.Errors, s.FirstErrors)
	}
	if u.APIRequests != 120 || u.Functions["ingest"].Count != 120 {
		t.Errorf("metered %d API requests and %d ingest invocations, want 120 of each",
			u.APIRequests, u.Functions["ingest"].Count)
	}
	if u.DynamoDB.WriteUnits < 120 || u.Transitions == 0 || u.LogBytes == 0 {
		t.Errorf("metered %v write units, %d transitions, %d log bytes; want at least a "+
			"unit an alert, and some of each", u.DynamoDB.WriteUnits, u.Transitions, u.LogBytes)
	}
	if res.Cost.PerThousand.Total() <= 0 {
		t.Errorf("got a cost of %v per 1,000 alerts, want some", res.Cost.PerThousand.Total())
	}
}

// TestTheBenchAtItsSmallestRunsEveryScenarioOnAnEmptyTable runs the bench
// at a few alerts a scenario: the warm-up is measured but not reported,
// and each scenario after it starts on an empty table, so the storm's
// alerts, which the warm-up sent too, are stored anew, not duplicates.
func TestTheBenchAtItsSmallestRunsEveryScenarioOnAnEmptyTable(t *testing.T) {
	sizes := Sizes{WarmAlerts: 24, StormAlerts: 24, StormHosts: 3, Senders: 4, ProbeSenders: 2,
		DistinctAlerts: 8, ScaleSmall: 10, ScaleLarge: 30, ScaleProbes: 6}
	report, err := Bench(context.Background(), host.Options{Root: root,
		Log: slog.New(slog.DiscardHandler)}, sizes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !report.Correct() {
		t.Errorf("correctness figures missed: %+v", report.Figures)
	}
	var names []string
	for _, r := range report.Runs {
		names = append(names, r.Name)
	}
	want := []string{"storm", "distinct", "scale at 10", "scale at 30"}
	if !slices.Equal(names, want) {
		t.Fatalf("runs %v, want %v", names, want)
	}
	storm := report.Runs[0].Summary
	if storm.Stored != sizes.StormAlerts || storm.Duplicates != 0 || storm.Investigations != 1 {
		t.Errorf("storm stored %d alerts, %d as duplicates, in %d investigations; want "+
			"%d stored anew in one", storm.Stored, storm.Duplicates, storm.Investigations,
			sizes.StormAlerts)
	}
}
