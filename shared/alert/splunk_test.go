package alert

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	splunkCustom  = "custom-alert-action-payload-outbound-ti-ip"
	splunkWebhook = "webhook-minimal-stats-result"
)

func TestParseSplunkWrongFieldTypes(t *testing.T) {
	tests := []fieldCase{
		{splunkCustom, "sid", 42, ""},
		{splunkCustom, "search_name", true, ""},
		{splunkCustom, "result", "row", ""},
		{splunkCustom, "configuration", "x", ""},
		{splunkCustom, "configuration.severity", 3, ""},
		{splunkCustom, "result._time", 1717580031, ""},
		{splunkCustom, "result.severity", 5, ""},
		{splunkCustom, "result.urgency", []any{1}, ""},
		{splunkCustom, "result.user", map[string]any{}, ""},
		{splunkCustom, "result.src_user", 1, ""},
		{splunkCustom, "result.src", 1, ""},
		{splunkCustom, "result.src_ip", 3221225503, ""},
		{splunkCustom, "result.src_host", 1, ""},
		{splunkCustom, "result.dest", 1, ""},
		{splunkCustom, "result.dest_ip", []any{"203.0.113.66", 1}, ""},
		{splunkCustom, "result.dest_host", 1, ""},
		{splunkCustom, "result.dvc", 1, ""},
		{splunkCustom, "result.host", false, ""},
		{splunkCustom, "result.url", 1, ""},
		{splunkCustom, "result.url_domain", 1, ""},
		{splunkCustom, "result.recipient", 1, ""},
		{splunkCustom, "result.message_id", 1, ""},
		{splunkCustom, "result.file_hash", 1, ""},
		{splunkCustom, "result.file_path", 1, ""},
		{splunkCustom, "result.file_name", 1, ""},
		{splunkCustom, "result.sha256", 1, ""},
		{splunkCustom, "result.sha1", 1, ""},
		{splunkCustom, "result.md5", 1, ""},
	}
	runForcedFieldCases(t, "splunk", tests)
}

func TestParseSplunkMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{splunkWebhook, "sid", nil, ""},
		{splunkWebhook, "sid", "", ""},
		{splunkWebhook, "search_name", nil, ""},
		{splunkWebhook, "result", nil, ""},
		{splunkCustom, "result._time", "yesterday", ""},
		{splunkCustom, "result._time", "-5", ""},
		{splunkCustom, "result._time", "NaN", ""},
	}
	runForcedFieldCases(t, "splunk", tests)
}

func TestParseSplunkSeverityFromSearchOrConfiguration(t *testing.T) {
	tests := []struct {
		result, config string
		want           SeverityID
		source         string
	}{
		{`{}`, `{}`, SeverityUnknown, ""},
		{`{"severity": "Critical"}`, `{"severity": "low"}`, SeverityCritical, "Critical"},
		{`{"urgency": "medium"}`, `{}`, SeverityMedium, "medium"},
		{`{}`, `{"severity": "5"}`, SeverityHigh, "5"},
		{`{}`, `{"severity": "2"}`, SeverityInformational, "2"},
		{`{"severity": "sev-3"}`, `{}`, SeverityOther, "sev-3"},
	}
	for _, tt := range tests {
		body := `{"sid": "1717580040.12", "search_name": "s", "results_link": "x",
			"configuration": ` + tt.config + `, "result": ` + tt.result + `}`
		a := parseOne(t, body)
		if a.SeverityID != tt.want || a.SourceSeverity != tt.source {
			t.Errorf("%s %s: got %v %q, want %v %q", tt.result, tt.config,
				a.SeverityID, a.SourceSeverity, tt.want, tt.source)
		}
	}
}

func TestParseSplunkTimeFallsBackToSearchThenNow(t *testing.T) {
	tests := []struct {
		sid, result string
		want        time.Time
	}{
		{"scheduler__a__s__RMD5_at_1717580040_88", `{"_time": "1717580031.250"}`,
			time.Date(2024, 6, 5, 9, 33, 51, 250e6, time.UTC)},
		{"scheduler__a__s__RMD5_at_1717580040_88", `{"_time": "2024-06-05T11:00:00+02:00"}`,
			time.Date(2024, 6, 5, 9, 0, 0, 0, time.UTC)},
		{"1717580040.12", `{}`, time.Date(2024, 6, 5, 9, 34, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		a := parseOne(t, `{"sid": "`+tt.sid+`", "search_name": "s", "results_link": "x",
			"result": `+tt.result+`}`)
		if !a.Time.Equal(tt.want) {
			t.Errorf("%s %s: got %v, want %v", tt.sid, tt.result, a.Time, tt.want)
		}
	}

	// a search id without a time: the time of receipt
	before := time.Now()
	a := parseOne(t, `{"sid": "rt_md_abc", "search_name": "s", "results_link": "x",
		"result": {}}`)
	if a.Time.Before(before.Add(-time.Second)) || a.Time.After(time.Now()) {
		t.Errorf("got %v, want about now", a.Time)
	}
}

func TestParseSplunkIDDiffersPerResult(t *testing.T) {
	body := func(result string) string {
		return `{"sid": "s1", "search_name": "s", "results_link": "x", "result": ` +
			result + `}`
	}
	a := parseOne(t, body(`{"src_ip": "192.0.2.1", "_time": "1717580031"}`))
	b := parseOne(t, body(`{"src_ip": "192.0.2.2", "_time": "1717580031"}`))
	again := parseOne(t, body(`{ "_time":"1717580031" , "src_ip":"192.0.2.1"}`))
	if a.SourceAlertID == b.SourceAlertID {
		t.Errorf("two results: got one id %q, want two", a.SourceAlertID)
	}
	if a.SourceAlertID != again.SourceAlertID {
		t.Errorf("one result resent: got %q and %q, want one id", a.SourceAlertID,
			again.SourceAlertID)
	}
	if !strings.HasPrefix(a.SourceAlertID, "s1:") {
		t.Errorf("got id %q, want it to start with the sid", a.SourceAlertID)
	}
}

func TestParseSplunkCIMEntities(t *testing.T) {
	a := parseOne(t, `{"sid": "s1", "search_name": "s", "results_link": "x", "result": {
		"_time": "1717580031", "src": "WKS-7", "dest": "203.0.113.5",
		"user": ["Alex.Doe@Example.com", "jroe"], "url": "hxxp://evil[.]example/x",
		"url_domain": "evil[.]example", "recipient": "Sam <sam@example.com>",
		"message_id": "<m1@example.net>", "file_hash": "44D88612FEA8A8F36DE82E1278ABB02F",
		"file_path": "C:\\tmp\\eicar.com", "dvc": "192.0.2.1"}}`)
	want := []string{
		"user:alex.doe@example.com", "user:jroe", "host:WKS-7", "ip:203.0.113.5",
		"ip:192.0.2.1", "url:http://evil.example/x", "domain:evil.example",
		"mailbox:sam@example.com", "user:sam@example.com", "email_message:m1@example.net",
		"file:44d88612fea8a8f36de82e1278abb02f",
	}
	if diff := cmp.Diff(want, refs(a.Entities)); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
}
