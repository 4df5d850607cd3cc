package alert

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	gwLeaked = "google-workspace-alertcenter-leaked-password"
	gwPhish  = "google-workspace-alertcenter-user-reported-phishing"
)

func TestParseGoogleWorkspaceWrongFieldTypes(t *testing.T) {
	const msg = "data.messages[0]"
	tests := []fieldCase{
		{gwLeaked, "alertId", 1, ""},
		{gwLeaked, "createTime", 1, ""},
		{gwLeaked, "type", 1, ""},
		{gwLeaked, "metadata", "HIGH", ""},
		{gwLeaked, "metadata.severity", 3, ""},
		{gwLeaked, "data", "x", ""},
		{gwLeaked, "data.@type", 1, ""},
		{gwLeaked, "data.email", 1, ""},
		{gwLeaked, "data.loginDetails", "x", ""},
		{gwLeaked, "data.loginDetails.ipAddress", 1, ""},
		{gwLeaked, "data.loginDetails.loginTime", 1, ""},
		{gwPhish, "data.maliciousEntity", "x", ""},
		{gwPhish, "data.maliciousEntity.entity.emailAddress", 1, ""},
		{gwPhish, "data.maliciousEntity.entity.displayName", 1, ""},
		{gwPhish, "data.maliciousEntity.fromHeader", 1, ""},
		{gwPhish, "data.maliciousEntity.displayName", 1, ""},
		{gwPhish, "data.messages", "x", ""},
		{gwPhish, msg + ".messageId", 1, ""},
		{gwPhish, msg + ".recipient", []string{"a@example.com"}, ""},
		{gwPhish, msg + ".subjectText", 1, ""},
		{gwPhish, msg + ".date", 1, ""},
		{gwPhish, msg + ".attachmentsSha256Hash", "x", ""},
		{gwPhish, msg + ".attachmentsSha256Hash[0]", 1, ""},
	}
	runForcedFieldCases(t, "googleworkspace", tests)
}

func TestParseGoogleWorkspaceMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{gwLeaked, "alertId", nil, ""},
		{gwLeaked, "type", "", ""},
		{gwLeaked, "createTime", nil, ""},
		{gwLeaked, "createTime", "yesterday", ""},
	}
	runForcedFieldCases(t, "googleworkspace", tests)
}

func TestParseGoogleWorkspaceSenderFromHeader(t *testing.T) {
	a := parseOne(t, `{"alertId": "a1", "customerId": "c", "type": "Phishing spike",
		"createTime": "2025-03-06T10:49:29Z", "source": "Gmail phishing",
		"data": {"@type": "type.googleapis.com/google.apps.alertcenter.type.PhishingSpike",
			"maliciousEntity": {"fromHeader": "Payroll <Payroll@Sender[.]example.net>"},
			"messages": [{"messageId": "<m1@x>", "recipient": "sam@example.com"}]}}`)
	want := []string{"mailbox:payroll@sender.example.net", "mailbox:sam@example.com",
		"user:sam@example.com", "email_message:m1@x"}
	if diff := cmp.Diff(want, refs(a.Entities)); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if a.SeverityID != SeverityUnknown || a.Category != "PhishingSpike" {
		t.Errorf("got %v %q, want Unknown PhishingSpike", a.SeverityID, a.Category)
	}
}
