package alert

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	wazuhSSH = "sshd-authentication-failed"
	wazuhFIM = "syscheck-fim-file-added"
)

func TestParseWazuhWrongFieldTypes(t *testing.T) {
	tests := []fieldCase{
		{wazuhSSH, "id", 1738894434.40218, ""},
		{wazuhSSH, "timestamp", 1738894434, ""},
		{wazuhSSH, "rule.level", "5", ""},
		{wazuhSSH, "rule.level", 5.5, ""},
		{wazuhSSH, "rule.description", 1, ""},
		{wazuhSSH, "rule.id", 5716, ""},
		{wazuhSSH, "rule.mitre.tactic", "Credential Access", ""},
		{wazuhSSH, "rule.mitre.tactic[0]", 1, ""},
		{wazuhSSH, "agent.id", 9, ""},
		{wazuhSSH, "agent.name", 1, ""},
		{wazuhSSH, "agent.ip", 1, ""},
		{wazuhSSH, "manager.name", 1, ""},
		{wazuhSSH, "data", "x", ""},
		{wazuhSSH, "data.srcip", 1, ""},
		{wazuhSSH, "data.dstip", 1, ""},
		{wazuhSSH, "data.srcuser", 1, ""},
		{wazuhSSH, "data.dstuser", []string{"adoe"}, ""},
		{wazuhSSH, "data.url", 1, ""},
		{wazuhSSH, "data.win", "x", ""},
		{wazuhSSH, "data.win", winData("ipAddress", 1), "data.win.eventdata.ipAddress"},
		{wazuhSSH, "data.win", winData("targetUserName", 1),
			"data.win.eventdata.targetUserName"},
		{wazuhSSH, "data.virustotal", vtData("file", 1), "data.virustotal.source.file"},
		{wazuhSSH, "data.virustotal", vtData("sha1", 1), "data.virustotal.source.sha1"},
		{wazuhSSH, "data.virustotal", vtData("md5", 1), "data.virustotal.source.md5"},
		{wazuhFIM, "syscheck", "x", ""},
		{wazuhFIM, "syscheck.path", 1, ""},
		{wazuhFIM, "syscheck.md5_after", 1, ""},
		{wazuhFIM, "syscheck.sha1_after", 1, ""},
		{wazuhFIM, "syscheck.sha256_after", 1, ""},
		{wazuhFIM, "syscheck.uname_after", 33, ""},
		{wazuhFIM, "syscheck.event", 1, ""},
	}
	runFieldCases(t, "wazuh", tests)

	// the rule and agent objects are what the format is detected by
	runForcedFieldCases(t, "wazuh", []fieldCase{
		{wazuhSSH, "rule", "5716", ""},
		{wazuhSSH, "agent", "009", ""},
	})
}

// winData returns data.win with one eventdata field set.
func winData(field string, v any) map[string]any {
	return map[string]any{"eventdata": map[string]any{field: v}}
}

// vtData returns data.virustotal with one source field set.
func vtData(field string, v any) map[string]any {
	return map[string]any{"source": map[string]any{field: v}}
}

func TestParseWazuhMissingOrInvalidFields(t *testing.T) {
	tests := []fieldCase{
		{wazuhSSH, "id", nil, ""},
		{wazuhSSH, "timestamp", nil, ""},
		{wazuhSSH, "timestamp", "Feb  7 02:13:54", ""},
		{wazuhSSH, "rule.description", "", ""},
		{wazuhSSH, "rule.level", nil, ""},
		{wazuhSSH, "rule.level", -1, ""},
		{wazuhSSH, "rule.level", 17, ""},
	}
	runFieldCases(t, "wazuh", tests)
}

func TestWazuhSeverityBands(t *testing.T) {
	tests := []struct {
		level int
		want  SeverityID
	}{
		{0, SeverityInformational}, {3, SeverityInformational}, {4, SeverityLow},
		{6, SeverityLow}, {7, SeverityMedium}, {11, SeverityMedium},
		{12, SeverityHigh}, {14, SeverityHigh}, {15, SeverityCritical},
		{16, SeverityCritical},
	}
	for _, tt := range tests {
		w := wazuhAlert{}
		w.Rule.Level = &tt.level
		if got, err := w.severity(); err != nil || got != tt.want {
			t.Errorf("level %d: got %v, %v; want %v", tt.level, got, err, tt.want)
		}
	}
}

func TestParseWazuhWindowsAndVirusTotalEntities(t *testing.T) {
	a := parseOne(t, `{"id": "1.2", "timestamp": "2025-02-07T02:13:54+01:00",
		"rule": {"level": 12, "description": "d"}, "agent": {"name": "WKS-1"},
		"decoder": {}, "location": "EventChannel",
		"data": {"win": {"eventdata": {"ipAddress": "::ffff:198.51.100.9",
			"targetUserName": "JRoe"}},
			"virustotal": {"source": {"file": "C:\\x\\a.exe",
				"sha1": "3395856ce81f2b7382dee72602f798b642f14140"}}}}`)
	want := []string{"host:WKS-1", "user:jroe", "ip:198.51.100.9",
		"file:3395856ce81f2b7382dee72602f798b642f14140"}
	if diff := cmp.Diff(want, refs(a.Entities)); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if a.SourceAlertID != "1.2" || a.Time.Hour() != 1 {
		t.Errorf("got id %q at %v, want 1.2 at 01:13 UTC", a.SourceAlertID, a.Time)
	}
}
