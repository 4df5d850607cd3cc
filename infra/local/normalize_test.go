package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNormalizePrintsTheRequiredFieldsOfEverySample(t *testing.T) {
	files, _ := filepath.Glob("../../events/alerts/*/*.json")
	if len(files) == 0 {
		t.Fatal("no samples under events/alerts")
	}
	for _, f := range files {
		var out, errOut bytes.Buffer
		if err := runNormalize([]string{f}, &out, &errOut); err != nil {
			t.Errorf("%s: %v: %s", f, err, errOut.String())
			continue
		}
		var alerts []map[string]any
		if err := json.Unmarshal(out.Bytes(), &alerts); err != nil {
			var one map[string]any
			json.Unmarshal(out.Bytes(), &one)
			alerts = []map[string]any{one}
		}
		for _, a := range alerts {
			checkNormalized(t, f, a)
		}
	}
}

func checkNormalized(t *testing.T, file string, a map[string]any) {
	t.Helper()
	for _, field := range []string{"format", "source_alert_id", "title", "severity_id",
		"time", "entities"} {
		if _, ok := a[field]; !ok {
			t.Errorf("%s: normalized alert lacks %s", file, field)
		}
	}
	if ts, _ := a["time"].(string); !strings.HasSuffix(ts, "Z") {
		t.Errorf("%s: time %q is not RFC 3339 UTC", file, ts)
	} else if _, err := time.Parse(time.RFC3339, ts); err != nil {
		t.Errorf("%s: time %q: %v", file, ts, err)
	}
	if _, ok := a["raw"]; ok {
		t.Errorf("%s: normalize printed the raw payload", file)
	}
}

func TestNormalizeSaysWhichFieldIsWrong(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	raw, _ := os.ReadFile("../../events/alerts/guardduty/execution-ec2-maliciousfile-ebs-scan.json")
	bad := strings.Replace(string(raw), `"severity": 8,`, `"severity": "very",`, 1)
	os.WriteFile(path, []byte(bad), 0o600)

	var out, errOut bytes.Buffer
	err := runNormalize([]string{path}, &out, &errOut)
	var exit exitError
	if !errors.As(err, &exit) || exit != 1 {
		t.Fatalf("runNormalize = %v, want exit 1", err)
	}
	if !strings.Contains(errOut.String(), "severity") {
		t.Errorf("error output %q does not name the severity field", errOut.String())
	}
}

func TestNormalizeRefusesWhatIngestRefuses(t *testing.T) {
	raw, _ := os.ReadFile("../../events/alerts/guardduty/execution-ec2-maliciousfile-ebs-scan.json")
	tests := map[string][]byte{
		"not UTF-8": append(bytes.Clone(raw[:len(raw)-2]), 0xff, '}'),
		"too deep":  []byte(strings.Repeat("[", 70) + strings.Repeat("]", 70)),
	}
	for name, body := range tests {
		path := filepath.Join(t.TempDir(), "in.json")
		os.WriteFile(path, body, 0o600)
		var out, errOut bytes.Buffer
		if err := runNormalize([]string{path}, &out, &errOut); err == nil {
			t.Errorf("%s: runNormalize succeeded, want the refusal ingest gives", name)
		}
	}
}
