package alert

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	entraGraph = "entra-graph-riskdetection-unfamiliarfeatures"
	entraDiag  = "entra-diaglog-riskyusers-atrisk"
)

func TestParseEntraWrongFieldTypes(t *testing.T) {
	tests := []fieldCase{
		{entraGraph, "@odata.type", 1, ""},
		{entraGraph, "id", 1, ""},
		{entraGraph, "riskEventType", 1, ""},
		{entraGraph, "riskLevel", 2, ""},
		{entraGraph, "riskState", 1, ""},
		{entraGraph, "riskDetail", 1, ""},
		{entraGraph, "detectedDateTime", 1, ""},
		{entraGraph, "activityDateTime", 1, ""},
		{entraGraph, "userId", 1, ""},
		{entraGraph, "userPrincipalName", 1, ""},
		{entraGraph, "userDisplayName", 1, ""},
		{entraGraph, "ipAddress", 1, ""},
		{entraGraph, "location", "NL", ""},
		{entraGraph, "location.city", 1, ""},
		{entraGraph, "location.state", 1, ""},
		{entraGraph, "location.countryOrRegion", 1, ""},
		{entraGraph, "additionalInfo", []any{}, ""},
		{entraDiag, "category", 1, ""},
		{entraDiag, "properties", "x", ""},
		{entraDiag, "properties.id", 1, ""},
		{entraDiag, "properties.riskLastUpdatedDateTime", 1, ""},
		{entraDiag, "properties.riskLevel", true, ""},
	}
	runForcedFieldCases(t, "entra", tests)
}

func TestParseEntraMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{entraGraph, "id", nil, ""},
		{entraGraph, "riskEventType", "", ""},
		{entraGraph, "riskLevel", nil, ""},
		{entraGraph, "detectedDateTime", "10/03/2025", ""},
		{entraDiag, "category", "SignInLogs", ""},
		{entraDiag, "category", nil, ""},
		{entraDiag, "properties.id", nil, ""},
		{entraDiag, "properties.riskLastUpdatedDateTime", nil, ""},
		{entraDiag, "properties.riskLevel", "", ""},
	}
	runForcedFieldCases(t, "entra", tests)
}

func TestEntraSeverityByRiskLevel(t *testing.T) {
	for level, want := range map[string]SeverityID{
		"low": SeverityLow, "medium": SeverityMedium, "high": SeverityHigh,
		"none": SeverityInformational, "hidden": SeverityUnknown,
		"unknownFutureValue": SeverityUnknown, "extreme": SeverityOther,
	} {
		r := entraRisk{RiskLevel: level}
		if got, err := r.severity(); err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", level, got, err, want)
		}
	}
}

func TestParseEntraEventHubBatchGivesOneAlertPerRecord(t *testing.T) {
	detection := `{"time": "3/10/2025 7:44:03 AM", "category": "UserRiskEvents",
		"resourceId": "/tenants/t/providers/Microsoft.aadiam",
		"properties": {"id": "d1", "riskEventType": "passwordSpray",
			"riskLevel": "high", "riskState": "atRisk",
			"detectedDateTime": "2025-03-10T07:44:03Z",
			"userPrincipalName": "Alex.Doe@example.com", "ipAddress": "198.51.100.73"}}`
	risky := string(readSample(t, "entra", entraDiag))
	items, err := ParseEach([]byte(`{"records": [`+detection+`, `+risky+`]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		if it.Err != nil {
			t.Fatalf("item %s: %v", it.Path, it.Err)
		}
		a := it.Alerts[0]
		got = append(got, it.Path+" "+a.Title+" "+a.Severity+" "+a.Entities[0].Ref())
	}
	want := []string{
		"records[0] Password spray High user:alex.doe@example.com",
		"records[1] Risky user High user:jamie.roe@example.com",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestParseEntraGraphRiskyUserWithoutType(t *testing.T) {
	a := parseOne(t, `{"id": "u1", "riskLevel": "medium", "riskState": "atRisk",
		"riskLastUpdatedDateTime": "2025-03-11T09:59:27Z",
		"userPrincipalName": "Sam@Example.com", "userDisplayName": "Sam"}`)
	if a.Format != "entra" || a.SourceAlertID != "u1" || a.Category != "atRisk" {
		t.Errorf("got %s %s %s, want entra u1 atRisk", a.Format, a.SourceAlertID, a.Category)
	}
	want := Entity{Type: EntityUser, Key: "sam@example.com", Name: "Sam",
		Attributes: map[string]string{"id": "u1", "upn": "Sam@Example.com"}}
	if diff := cmp.Diff([]Entity{want}, a.Entities); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
}
