package demo

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

var update = flag.Bool("update", false, "rewrite golden files from the printer's output")

// hostile holds what an alert could slip into a terminal: an escape
// sequence that recolours it, one that retitles the window, a
// right-to-left override, a tab and a line break.
const hostile = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07title \u202eevil\u202c\ttab\nline"

const sha = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

// sampleView is a small investigation with an entity of each verdict
// over two rounds, actions in three states, a timeline and a scope
// waiting for an analyst.
func sampleView() gateway.InvestigationView {
	at := time.Date(2025, 3, 14, 8, 21, 5, 250e6, time.UTC)
	decided := at.Add(3 * time.Minute)
	return gateway.InvestigationView{
		ID: "01TESTINVESTIGATION0000001", Status: investigation.StatusPendingApproval,
		Playbook: "malware", Automation: "full",
		Title: "Malicious file on web-01 " + hostile,
		Entities: []gateway.EntityView{
			{Type: "host", Key: "i-0b2c3d4e5f6071829", Name: "web-02",
				Verdict: investigation.VerdictSuspicious, Round: 2,
				FoundBy: "hunt_other_instances of file:" + sha + " (held_by)",
				Evidence: []investigation.Evidence{{Verdict: "suspicious",
					Step: "hunt_other_instances", Source: "firebreak",
					Text: "holds malicious file " + sha}}},
			{Type: "file", Key: sha, Name: "eicar.com", Critical: true,
				Verdict: investigation.VerdictMalicious, Round: 1, FoundBy: "alert 01ALERT",
				Evidence: []investigation.Evidence{
					{Verdict: "malicious", Step: "gather_threat_info",
						Source: "events/intel/bundle.stix.json",
						Text: "on indicator list \"events/intel/bundle.stix.json\": " +
							"EICAR-Test-File — The 68-byte EICAR test string, by SHA-256, " +
							"SHA-1 and MD5"},
					{Verdict: "unknown", Step: "gather_threat_info", Source: "alert 01OTHER",
						Text: "wazuh alert \"File added to the system.\""},
					{Verdict: "malicious", Step: "gather_threat_info", Source: "alert 01ALERT",
						Text: "guardduty alert says " + hostile}},
				Relations: []investigation.Relation{
					{Kind: "held_by", Ref: "host:i-0a1b2c3d4e5f60718"},
					{Kind: "downloaded_from", Ref: "url:http://dl.malicious.example/eicar.com"},
					{Kind: "held_by", Ref: "host:i-0b2c3d4e5f6071829"}}},
			{Type: "host", Key: "i-0a1b2c3d4e5f60718", Name: "web-01", Round: 1,
				Verdict: investigation.VerdictSuspicious, FoundBy: "alert 01ALERT",
				Evidence: []investigation.Evidence{{Verdict: "suspicious",
					Step: "hunt_other_instances", Source: "firebreak",
					Text: "holds malicious file " + sha}}},
			{Type: "user", Key: "svc-backup", Round: 2, Verdict: investigation.VerdictUnknown,
				FoundBy:  "identify_affected of host:i-0a1b2c3d4e5f60718 (used_by)",
				Excluded: "service account on the tenant's allow list",
				Evidence: []investigation.Evidence{{Verdict: "unknown",
					Step: "gather_threat_info", Source: "firebreak",
					Text: "no alert, indicator list or data source knew anything of it"}}},
		},
		Actions: []gateway.ActionView{
			{Type: "quarantine_file", Target: "file:" + sha, Scope: "host:i-0a1b2c3d4e5f60718",
				Status: investigation.ActionSucceeded, Reason: "malicious: on indicator list",
				Result: "quarantined /tmp/eicar.com on i-0a1b2c3d4e5f60718"},
			{Type: "isolate_host", Target: "host:i-0b2c3d4e5f6071829",
				Status: investigation.ActionPendingApproval,
				Reason: "suspicious: holds malicious file " + sha},
			{Type: "block_url", Target: "url:http://dl.malicious.example/eicar.com",
				Status: investigation.ActionRejected, ApprovedBy: "alex@example.com",
				DecidedAt: &decided, Reason: "malicious: " + hostile},
		},
		Timeline: []investigation.Event{
			{Time: at, Kind: "opened", Actor: "ingest",
				Message: "alert 01ALERT from demo opened the investigation with playbook malware"},
			{Time: at.Add(time.Second), Kind: "verdict", Actor: "gather_threat_info",
				Message: "file:" + sha + " is malicious: " + hostile},
			{Time: at.Add(2 * time.Second), Kind: "action_rejected", Actor: "alex@example.com",
				Message: "block_url url:http://dl.malicious.example/eicar.com: rejected"},
		},
		PendingScope: &store.ScopeRequest{Round: 3, Hosts: 40, Status: store.ScopePending,
			RequestedAt: at.Add(2 * time.Second)},
	}
}

// sampleReport is a run of one scene and a sweep with a refused file.
func sampleReport() Report {
	v := sampleView()
	scene := Outcome{Scene: Scene{Title: "malware: a " + hostile,
		Files: []string{"guardduty/finding.json"}},
		Pushes: []Push{{File: "guardduty/finding.json", Status: 202,
			Results: []ingest.Result{{Status: "accepted", InvestigationID: v.ID}}}},
		Investigations: []gateway.InvestigationView{v},
		Executions:     map[string]string{v.ID: "SUCCEEDED"}}
	sweep := Outcome{Scene: Scene{Title: SweepTitle,
		Files: []string{"guardduty/finding.json", "wazuh/bad.json", "wazuh/low.json"}},
		Pushes: []Push{scene.Pushes[0],
			{File: "wazuh/bad.json", Status: 400, Error: "no format takes it: " + hostile},
			{File: "wazuh/low.json", Status: 202, Results: []ingest.Result{
				{Status: "accepted"}}}},
		Investigations: []gateway.InvestigationView{v},
		Executions:     map[string]string{v.ID: "FAILED"}}
	return Report{Scenes: []Outcome{scene}, Alerts: sweep}
}

func TestPrintMatchesGoldenFiles(t *testing.T) {
	for _, tc := range []struct {
		golden string
		print  func(*bytes.Buffer)
	}{
		{"investigation.golden", func(b *bytes.Buffer) { PrintInvestigation(b, sampleView()) }},
		{"report.golden", func(b *bytes.Buffer) { Print(b, sampleReport()) }},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var got bytes.Buffer
			tc.print(&got)
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (run with -update to write it): %v", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("printed report differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestPrintWritesNoControlCharactersAndNoLongLines(t *testing.T) {
	var out bytes.Buffer
	Print(&out, sampleReport())
	for i, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > lineWidth+8 {
			t.Errorf("line %d is %d columns, want at most about %d: %q", i+1, n, lineWidth, line)
		}
		for _, r := range line {
			if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
				t.Errorf("line %d holds control character %U: %q", i+1, r, line)
			}
		}
	}
}

func TestCleanKeepsTextAndDropsControls(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"web-01 eicar.com — ünïcode", "web-01 eicar.com — ünïcode"},
		{"\x1b[2J\x1b[Hcleared", "[2J[Hcleared"},
		{"a\tb\r\nc", "a b  c"},
		{"bell\x07 del\x7f c1\u009b", "bell del c1"},
		{"\u202eexe.txt", "exe.txt"},
		{"bad \xff byte", "bad \uFFFD byte"},
	} {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
