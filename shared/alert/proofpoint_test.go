package alert

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const ppDelivered = "proofpoint-tap-siem-messages-delivered-phish-url"

// helloWorldSHA256 is the SHA-256 of an inline body part in the sample.
const helloWorldSHA256 = "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e"

func TestParseProofpointWrongFieldTypes(t *testing.T) {
	const m = "messagesDelivered[0]"
	tests := []fieldCase{
		{ppDelivered, "messagesDelivered", "x", ""},
		{ppDelivered, "messagesDelivered", map[string]any{}, ""},
		{ppDelivered, m, "x", "messagesDelivered"},
		{ppDelivered, m + ".GUID", 1, ""},
		{ppDelivered, m + ".QID", 1, ""},
		{ppDelivered, m + ".messageID", 1, ""},
		{ppDelivered, m + ".sender", 1, ""},
		{ppDelivered, m + ".senderIP", 1, ""},
		{ppDelivered, m + ".messageTime", 1, ""},
		{ppDelivered, m + ".subject", 1, ""},
		{ppDelivered, m + ".headerFrom", 1, ""},
		{ppDelivered, m + ".fromAddress", "a@example.com", ""},
		{ppDelivered, m + ".toAddresses", "a@example.com", ""},
		{ppDelivered, m + ".recipient", 1, ""},
		{ppDelivered, m + ".recipient", []any{1}, ""},
		{ppDelivered, m + ".threatsInfoMap", "x", ""},
		{ppDelivered, m + ".threatsInfoMap[0].threatID", 1, ""},
		{ppDelivered, m + ".threatsInfoMap[0].threatStatus", 1, ""},
		{ppDelivered, m + ".threatsInfoMap[0].classification", 1, ""},
		{ppDelivered, m + ".threatsInfoMap[0].threat", 1, ""},
		{ppDelivered, m + ".threatsInfoMap[0].threatType", 1, ""},
		{ppDelivered, m + ".messageParts", "x", ""},
		{ppDelivered, m + ".messageParts[0].disposition", 1, ""},
		{ppDelivered, m + ".messageParts[0].sha256", 1, ""},
		{ppDelivered, m + ".messageParts[0].md5", 1, ""},
		{ppDelivered, m + ".messageParts[0].filename", 1, ""},
		{ppDelivered, m + ".messageParts[0].contentType", 1, ""},
		{ppDelivered, m + ".id", 1, ""},
		{ppDelivered, m + ".clickTime", 1, ""},
		{ppDelivered, m + ".url", 1, ""},
	}
	runFieldCases(t, "proofpoint", tests)
}

func TestParseProofpointMissingOrInvalidFields(t *testing.T) {
	const m = "messagesDelivered[0]"
	tests := []fieldCase{
		{ppDelivered, m + ".GUID", nil, ""},
		{ppDelivered, m + ".messageTime", "", ""},
		{ppDelivered, m + ".messageTime", "13/03/2025", ""},
	}
	runFieldCases(t, "proofpoint", tests)
}

// ppClick is a click as the SIEM API's clicks lists hold it.
const ppClick = `{"campaignId": null, "classification": "malware",
	"clickIP": "192.0.2.55", "clickTime": "2025-03-13T10:05:00.000Z",
	"GUID": "Qm7x", "id": "c1", "messageID": "<m1@sender.example.net>",
	"recipient": "Alex.Doe@example.com", "sender": "bounce@sender.example.net",
	"senderIP": "198.51.100.77", "threatID": "t1", "threatStatus": "active",
	"url": "https://dl.malicious.example/a.exe", "userAgent": "Mozilla/5.0"}`

func TestParseProofpointClicksAndDisposition(t *testing.T) {
	// a click permitted, a click blocked, and a lone click
	body := `{"queryEndTime": "2025-03-13T10:15:00Z", "messagesDelivered": [],
		"clicksPermitted": [` + ppClick + `], "clicksBlocked": [` + ppClick + `]}`
	alerts, err := Parse([]byte(body), "")
	if err != nil {
		t.Fatal(err)
	}
	lone := parseOne(t, ppClick)
	var got []string
	for _, a := range append(alerts, lone) {
		got = append(got, a.Title+" / "+a.Severity)
	}
	want := []string{"Click on a malware URL permitted / High",
		"Click on a malware URL blocked / Medium", "Click on a malware URL / High"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("clicks (-want +got):\n%s", diff)
	}
	wantRefs := []string{"url:https://dl.malicious.example/a.exe",
		"user:alex.doe@example.com", "mailbox:alex.doe@example.com", "ip:192.0.2.55",
		"mailbox:bounce@sender.example.net", "ip:198.51.100.77",
		"email_message:m1@sender.example.net"}
	if diff := cmp.Diff(wantRefs, refs(lone.Entities)); diff != "" {
		t.Errorf("click entities (-want +got):\n%s", diff)
	}
}

func TestParseProofpointEmptyResponseHoldsNoAlert(t *testing.T) {
	body := `{"queryEndTime": "2025-03-13T10:15:00Z", "messagesDelivered": [],
		"clicksPermitted": null}`
	if _, err := Parse([]byte(body), ""); !errors.Is(err, ErrEmpty) {
		t.Errorf("got error %v, want ErrEmpty", err)
	}
}

func TestProofpointSeverity(t *testing.T) {
	tests := []struct {
		classes     []string
		active      bool
		disposition string
		want        SeverityID
	}{
		{[]string{"phish"}, true, "delivered", SeverityHigh},
		{[]string{"spam", "malware"}, true, "", SeverityHigh},
		{[]string{"impostor"}, true, "blocked", SeverityMedium},
		{[]string{"spam"}, true, "delivered", SeverityLow},
		{[]string{"spam"}, true, "blocked", SeverityInformational},
		{[]string{"toad"}, true, "", SeverityMedium},
		{[]string{"phish"}, false, "delivered", SeverityInformational},
		{nil, true, "delivered", SeverityUnknown},
	}
	for _, tt := range tests {
		got := proofpointSeverity(tt.classes, tt.active, tt.disposition)
		if got != tt.want {
			t.Errorf("%v %v %q: got %v, want %v", tt.classes, tt.active,
				tt.disposition, got, tt.want)
		}
	}
}

func TestParseProofpointAttachedPartsOnly(t *testing.T) {
	a := parseOne(t, `{"GUID": "g1", "QID": "q1", "messageTime": "2025-03-13T09:58:20Z",
		"threatsInfoMap": [{"classification": "malware", "threatType": "attachment",
			"threat": "`+eicarSHA256+`", "threatStatus": "active"}],
		"messageParts": [
			{"disposition": "inline", "filename": "text.html",
			 "sha256": "`+helloWorldSHA256+`"},
			{"disposition": "attached", "sha256": "`+eicarSHA256+`",
			 "md5": "44d88612fea8a8f36de82e1278abb02f", "filename": "invoice.zip"}]}`)
	want := []string{"file:" + eicarSHA256}
	if diff := cmp.Diff(want, refs(a.Entities)); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if got := a.Entities[0].Attributes["md5"]; got != "44d88612fea8a8f36de82e1278abb02f" {
		t.Errorf("md5: got %q, want the attachment's", got)
	}
	if a.Title != "(no subject)" || a.SeverityID != SeverityHigh {
		t.Errorf("got %q %v, want (no subject) High", a.Title, a.SeverityID)
	}
}
