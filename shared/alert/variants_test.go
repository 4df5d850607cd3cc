package alert

import (
	"encoding/json"
	"testing"
)

// TestDetectVariantsNotInSamples checks the shapes of each format that no
// sample shows: each is detected as its format and claimed by no other.
func TestDetectVariantsNotInSamples(t *testing.T) {
	tests := []struct{ name, format, body string }{
		{"splunk webhook without result", "splunk",
			`{"sid": "s", "search_name": "n", "results_link": "l"}`},
		{"elastic nested", "elastic", `{"kibana": {"alert": {"uuid": "u"}}}`},
		{"elastic nested hit", "elastic",
			`{"_index": "i", "_id": "u", "_source": {"kibana": {"alert": {}}}}`},
		{"crowdstrike stream, other event type", "crowdstrike",
			`{"metadata": {"customerIDString": "c", "eventType": "UserActivityAuditEvent"},
			 "event": {}}`},
		{"entra graph riskyUser", "entra",
			`{"@odata.type": "#microsoft.graph.riskyUser", "id": "u"}`},
		{"entra untyped riskyUser", "entra", `{"id": "u", "riskLevel": "low",
			"riskState": "atRisk", "riskLastUpdatedDateTime": "t",
			"userPrincipalName": "a@example.com"}`},
		{"entra event hub batch", "entra", `{"records": [{"category": "UserRiskEvents",
			"resourceId": "/tenants/t/providers/microsoft.aadiam", "properties": {}}]}`},
		{"okta log streaming", "okta",
			`{"source": "aws.partner/okta.com/org/okta", "detail": {}}`},
		{"okta event hook", "okta",
			`{"eventType": "com.okta.event_hook", "data": {"events": []}}`},
		{"proofpoint message", "proofpoint",
			`{"GUID": "g", "QID": "q", "threatsInfoMap": []}`},
		{"proofpoint click", "proofpoint",
			`{"GUID": "g", "clickTime": "t", "url": "u", "id": "c"}`},
		{"proofpoint clicks only", "proofpoint",
			`{"queryEndTime": "t", "clicksBlocked": []}`},
		{"generic", "generic", `{"schema": "firebreak.alert/v1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect([]byte(tt.body))
			if err != nil || got != tt.format {
				t.Fatalf("Detect: got %q, %v; want %q", got, err, tt.format)
			}
			var top map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.body), &top); err != nil {
				t.Fatal(err)
			}
			for _, p := range parsers {
				if p.Name() != tt.format && p.Detect(top) {
					t.Errorf("parser %s also claims it", p.Name())
				}
			}
		})
	}
}
