package alert

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const oktaSpray = "okta-security-threat-detected-password-spray"

func TestParseOktaWrongFieldTypes(t *testing.T) {
	tests := []fieldCase{
		{oktaSpray, "uuid", 1, ""},
		{oktaSpray, "published", 1, ""},
		{oktaSpray, "eventType", 1, ""},
		{oktaSpray, "displayMessage", 1, ""},
		{oktaSpray, "severity", 2, ""},
		{oktaSpray, "actor", "x", ""},
		{oktaSpray, "actor.id", 1, ""},
		{oktaSpray, "actor.type", 1, ""},
		{oktaSpray, "actor.alternateId", 1, ""},
		{oktaSpray, "actor.displayName", 1, ""},
		{oktaSpray, "target", "x", ""},
		{oktaSpray, "client.ipAddress", 1, ""},
		{oktaSpray, "client.geographicalContext.city", 1, ""},
		{oktaSpray, "client.geographicalContext.state", 1, ""},
		{oktaSpray, "client.geographicalContext.country", 1, ""},
		{oktaSpray, "client.userAgent.rawUserAgent", 1, ""},
		{oktaSpray, "outcome.reason", 1, ""},
		{oktaSpray, "outcome.result", 1, ""},
		{oktaSpray, "securityContext.asNumber", "64501", ""},
		{oktaSpray, "securityContext.asOrg", 1, ""},
		{oktaSpray, "securityContext.isp", 1, ""},
		{oktaSpray, "securityContext.isProxy", "false", ""},
		{oktaSpray, "request.ipChain", "x", ""},
		{oktaSpray, "request.ipChain[0].ip", 1, ""},
		{oktaSpray, "request.ipChain[0].geographicalContext", "x", ""},
		{oktaSpray, "debugContext.debugData.threatDetections", map[string]any{}, ""},
	}
	runForcedFieldCases(t, "okta", tests)
}

func TestParseOktaMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{oktaSpray, "uuid", nil, ""},
		{oktaSpray, "eventType", "", ""},
		{oktaSpray, "published", nil, ""},
		{oktaSpray, "published", "12/03/2025", ""},
	}
	runForcedFieldCases(t, "okta", tests)
}

// oktaUserEvent is a LogEvent whose actor is a user, with a user target.
const oktaUserEvent = `{"uuid": "e1", "published": "2025-03-12T19:16:32Z",
	"eventType": "user.account.report_suspicious_activity_by_enduser",
	"severity": "ERROR", "version": "0",
	"actor": {"id": "00u1", "type": "User", "alternateId": "Alex.Doe@example.com",
		"displayName": "Alex Doe"},
	"target": [{"id": "00u2", "type": "User", "alternateId": "jamie.roe@example.com"},
		{"id": "0oa1", "type": "AppInstance", "alternateId": "Salesforce"}],
	"client": {"ipAddress": "198.51.100.5"}}`

func TestParseOktaUserEventAndEnvelopes(t *testing.T) {
	want := []string{"user:alex.doe@example.com", "user:jamie.roe@example.com",
		"ip:198.51.100.5"}
	bodies := map[string]string{
		"bare": oktaUserEvent,
		"eventbridge": `{"version": "0", "id": "x", "detail-type": "SystemLog",
			"source": "aws.partner/okta.com/example/okta", "detail": ` + oktaUserEvent + `}`,
	}
	for name, body := range bodies {
		a := parseOne(t, body)
		if a.Title != "user.account.report_suspicious_activity_by_enduser" ||
			a.SeverityID != SeverityHigh {
			t.Errorf("%s: got %q %v, want the event type, High", name, a.Title, a.SeverityID)
		}
		if diff := cmp.Diff(want, refs(a.Entities)); diff != "" {
			t.Errorf("%s: entities (-want +got):\n%s", name, diff)
		}
	}

	// an event hook delivers several events, each an item
	hook := `{"eventType": "com.okta.event_hook", "eventId": "h1",
		"data": {"events": [` + oktaUserEvent + `, {"uuid": "e2"}]}}`
	items, err := ParseEach([]byte(hook), "")
	if err != nil || len(items) != 2 {
		t.Fatalf("got %d items, %v; want 2", len(items), err)
	}
	if items[0].Err != nil || items[0].Alerts[0].SourceAlertID != "e1" {
		t.Errorf("item 0: got %v, want alert e1", items[0].Err)
	}
	checkFieldError(t, items[1].Err, "okta", "data.events.eventType")
}

func TestParseOktaEventBridgeErrorsNameDetail(t *testing.T) {
	body := `{"source": "aws.partner/okta.com/x", "detail": {"uuid": 1}}`
	_, err := Parse([]byte(body), "")
	checkFieldError(t, err, "okta", "detail.uuid")
	if !strings.Contains(err.Error(), "detail.uuid") {
		t.Errorf("message %q, want it to name detail.uuid", err)
	}
}
