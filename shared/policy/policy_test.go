package policy

import (
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

func TestDefaultPolicy(t *testing.T) {
	file := alert.Entity{Type: alert.EntityFile, Key: "abc"}
	tests := []struct {
		name  string
		alert alert.Alert
		want  Decision
	}{
		{"detected malware file", alert.Alert{SeverityID: alert.SeverityLow,
			ThreatNames: []string{"EICAR"}, Entities: []alert.Entity{file}},
			Decision{Rule: "malware-detected", Investigate: true, Playbook: "malware",
				Automation: investigation.LevelFull}},
		{"threat without a file", alert.Alert{SeverityID: alert.SeverityHigh,
			ThreatNames: []string{"KnownScanner"}},
			Decision{Rule: "medium-and-above", Investigate: true, Playbook: "general",
				Automation: investigation.LevelFull}},
		{"low severity", alert.Alert{SeverityID: alert.SeverityLow},
			Decision{Rule: "low-severity", Automation: investigation.LevelOff}},
		{"severity other", alert.Alert{SeverityID: alert.SeverityOther},
			Decision{Rule: "low-severity", Automation: investigation.LevelOff}},
	}
	for _, tt := range tests {
		if got := Default.Decide(tt.alert); got != tt.want {
			t.Errorf("%s: Decide = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}
