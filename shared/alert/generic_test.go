package alert

import (
	"encoding/json"
	"testing"
)

const (
	genericFull    = "inhouse-c2-beacon-with-entities"
	genericMinimal = "minimal-scanner-finding"
)

func TestParseGenericWrongFieldTypes(t *testing.T) {
	tests := []fieldCase{
		{genericFull, "source_alert_id", 42, ""},
		{genericFull, "title", 1, ""},
		{genericFull, "time", 1741940467, ""},
		{genericFull, "severity", true, ""},
		{genericFull, "severity", []string{"high"}, ""},
		{genericFull, "description", 1, ""},
		{genericFull, "product", 1, ""},
		{genericFull, "category", 1, ""},
		{genericFull, "threat_names", "CobaltStrike", ""},
		{genericFull, "threat_names[0]", 1, ""},
		{genericFull, "entities", map[string]any{}, ""},
		{genericFull, "entities[0]", "host", "entities"},
		{genericFull, "entities[0].type", 1, ""},
		{genericFull, "entities[0].value", 1, ""},
		{genericFull, "entities[0].name", 1, ""},
		{genericFull, "entities[0].attributes", "x", ""},
		{genericFull, "entities[0].attributes.private_ip", 10, "entities.attributes"},
		{genericFull, "schema", 1, ""},
	}
	runForcedFieldCases(t, "generic", tests)
}

func TestParseGenericMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{genericMinimal, "schema", nil, ""},
		{genericMinimal, "schema", "firebreak.alert/v2", ""},
		{genericMinimal, "source_alert_id", nil, ""},
		{genericMinimal, "title", "", ""},
		{genericMinimal, "time", nil, ""},
		{genericMinimal, "time", "2025-03-14 08:21:07", ""},
		{genericMinimal, "severity", "urgent", ""},
		{genericMinimal, "severity", "", ""},
		{genericMinimal, "severity", 7, ""},
		{genericMinimal, "severity", -1, ""},
		{genericMinimal, "severity", 2.5, ""},
		{genericFull, "entities[0].type", "router", "entities.type"},
		{genericFull, "entities[4].value", "203.0.113.999", "entities.value"},
		{genericFull, "entities[5].value", "not-a-hash", "entities.value"},
		{genericFull, "entities[1].value", "", "entities.value"},
	}
	runForcedFieldCases(t, "generic", tests)
}

func TestParseGenericSeverityNamesAndIDs(t *testing.T) {
	tests := map[string]SeverityID{
		`"informational"`: SeverityInformational, `"CRITICAL"`: SeverityCritical,
		`"other"`: SeverityOther, `"unknown"`: SeverityUnknown, `0`: SeverityUnknown,
		`5`: SeverityCritical, `6`: SeverityFatal, `99`: SeverityOther,
		`null`: SeverityUnknown,
	}
	for raw, want := range tests {
		got, _, err := genericSeverity(json.RawMessage(raw))
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", raw, got, err, want)
		}
	}
}

func TestGenericDetectsOnlyItsSchema(t *testing.T) {
	for _, body := range []string{
		`{"source_alert_id": "a", "title": "t", "time": "2025-03-14T08:21:07Z"}`,
		`{"schema": "firebreak.alert/v2", "source_alert_id": "a"}`,
		`{"schema": 1}`,
	} {
		if got, err := Detect([]byte(body)); err == nil {
			t.Errorf("%s: got format %q, want none", body, got)
		}
	}
}

func TestArticleReadsAnEntityTypeAsEnglish(t *testing.T) {
	for typ, want := range map[string]string{"ip": "an ip", "access_key": "an access_key",
		"email_message": "an email_message", "url": "a url", "host": "a host"} {
		if got := article(typ); got != want {
			t.Errorf("article(%q) = %q, want %q", typ, got, want)
		}
	}
}
