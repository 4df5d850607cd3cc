package alert

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// addSeeds adds every payload under events/alerts, of any source, and a
// few hand-made edge cases to the fuzz corpus.
func addSeeds(f *testing.F) {
	f.Helper()
	err := filepath.WalkDir(samplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f.Add(b)
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "[]", "[{}]", "null", `{"class_uid":2004,"metadata":{}}`,
		`{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{}}`,
		`{"schemaVersion":"2.0","type":"t","service":{"serviceName":"guardduty"}}`,
		`{"source":"aws.securityhub","detail-type":"Findings Imported V2",` +
			`"detail":{"findings":[{"class_uid":2004,"metadata":{}}]}}`,
		`{"Findings":[{"SchemaVersion":"x","ProductArn":"p"},1]}`,
		`{"@odata.type":"#microsoft.graph.security.incident","alerts":[{}]}`,
		`{"value":[{"alertCreationTime":"","machineId":""}],"@odata.count":1}`,
		`{"SystemAlertId":"1","AlertName":"a","Entities":` +
			`"[{\"$id\":\"1\",\"Type\":\"file\",\"FileHashes\":[{\"$ref\":\"1\"}]}]"}`,
		`{"objectSchemaType":"Incident","object":{"type":` +
			`"Microsoft.SecurityInsights/Incidents","properties":{"relatedEntities":` +
			`[{"kind":"Process","properties":{"hostEntityId":"x"}}]}}}`,
	} {
		f.Add([]byte(s))
	}
}

func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		// detected, and forced to each format in turn
		for _, format := range append([]string{""}, Formats()...) {
			alerts, err := Parse(body, format)
			if err != nil {
				if alerts != nil || err.Error() == "" {
					t.Fatalf("format %q: got %d alerts and error %q", format,
						len(alerts), err)
				}
				continue
			}
			for _, a := range alerts {
				checkAlertInvariants(t, a)
			}
		}
	})
}

// checkAlertInvariants checks what every parsed alert promises, whatever
// the payload.
func checkAlertInvariants(t *testing.T, a Alert) {
	t.Helper()
	if !slices.Contains(Formats(), a.Format) || a.SourceAlertID == "" ||
		a.Title == "" {
		t.Fatalf("alert lacks format, id or title: %+v", a)
	}
	if a.Time.Location() != time.UTC || a.Time.IsZero() {
		t.Fatalf("Time: got %v, want a UTC time", a.Time)
	}
	if a.Severity != a.SeverityID.String() {
		t.Fatalf("Severity: got %q, want %q", a.Severity, a.SeverityID.String())
	}
	if !json.Valid(a.Raw) {
		t.Fatalf("Raw is not JSON: %q", a.Raw)
	}
	if _, err := json.Marshal(a); err != nil {
		t.Fatalf("alert does not marshal: %v", err)
	}
	checkEntityInvariants(t, a.Entities)
}

// checkEntityInvariants checks that entities are keyed and unique.
func checkEntityInvariants(t *testing.T, entities []Entity) {
	t.Helper()
	if entities == nil {
		t.Fatal("Entities: got nil, want a list")
	}
	seen := make(map[string]bool)
	for _, e := range entities {
		if e.Type == "" || strings.TrimSpace(e.Key) == "" {
			t.Fatalf("entity without type or key: %+v", e)
		}
		if seen[e.Ref()] {
			t.Fatalf("entity %s appears twice", e.Ref())
		}
		seen[e.Ref()] = true
	}
}

func FuzzDetect(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		format, err := Detect(body)
		if err != nil {
			if format != "" || err.Error() == "" {
				t.Fatalf("got format %q with error %q", format, err)
			}
			return
		}
		if !slices.Contains(Formats(), format) {
			t.Fatalf("Detect: got %q, want one of %v", format, Formats())
		}
	})
}

func FuzzParseEach(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseEach(body, "")
		if err != nil {
			if items != nil || err.Error() == "" {
				t.Fatalf("got %d items and error %q", len(items), err)
			}
			return
		}

		// items are numbered in order, each parsed or rejected, never both
		for i, it := range items {
			if it.Index != i {
				t.Fatalf("item %d: got Index %d", i, it.Index)
			}
			if (it.Err == nil) == (len(it.Alerts) == 0) {
				t.Fatalf("item %d: got %d alerts and error %v, want exactly one",
					i, len(it.Alerts), it.Err)
			}
			for _, a := range it.Alerts {
				checkAlertInvariants(t, a)
			}
		}
	})
}
