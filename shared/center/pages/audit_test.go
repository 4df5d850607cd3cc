package pages

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuditCSVDefusesFormulas(t *testing.T) {
	at := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	entries := []Entry{
		{Time: at, InvestigationID: "01A", Actor: "@SUM(1+1)", Kind: "=kind",
			Message: "=HYPERLINK(\"http://evil.example\",\"x\")"},
		{Time: at, InvestigationID: "+01B", Actor: "ingest", Kind: "opened",
			Message: "-2+3"},
		{Time: at, InvestigationID: "01C", Actor: "a@example.com", Manual: true, Kind: "x",
			Message: "\tcmd"},
		{Time: at, InvestigationID: "01D", Actor: "a@example.com", Manual: true, Kind: "x",
			Message: "\rcmd, \"quoted\"\nnext line"},
	}
	rows, err := csv.NewReader(strings.NewReader(auditCSVBody(entries))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	want := [][]string{
		{"time", "investigation_id", "actor", "mode", "kind", "message"},
		{"2026-12-04T06:00:00Z", "01A", "'@SUM(1+1)", "automated", "'=kind",
			"'=HYPERLINK(\"http://evil.example\",\"x\")"},
		{"2026-12-04T06:00:00Z", "'+01B", "ingest", "automated", "opened", "'-2+3"},
		{"2026-12-04T06:00:00Z", "01C", "a@example.com", "manual", "x", "'\tcmd"},
		// encoding/csv reads a quoted CR LF as LF
		{"2026-12-04T06:00:00Z", "01D", "a@example.com", "manual", "x",
			"'\rcmd, \"quoted\"\nnext line"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("CSV rows (-want +got):\n%s", diff)
	}
}
