package workflow

import (
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

func TestFinalStatus(t *testing.T) {
	malicious := []investigation.Entity{{Entity: alert.Entity{Type: "file", Key: "h"},
		Verdict: investigation.VerdictMalicious}}
	unknown := []investigation.Entity{{Entity: alert.Entity{Type: "ip", Key: "1.2.3.4"},
		Verdict: investigation.VerdictUnknown}}
	acts := func(statuses ...investigation.ActionStatus) []investigation.Action {
		var out []investigation.Action
		for _, s := range statuses {
			out = append(out, investigation.Action{Status: s})
		}
		return out
	}
	tests := []struct {
		name    string
		ents    []investigation.Entity
		actions []investigation.Action
		stepErr *StepError
		want    investigation.Status
	}{
		{"all actions succeeded", malicious, acts("succeeded", "succeeded"), nil,
			investigation.StatusRemediated},
		{"some failed", malicious, acts("succeeded", "failed"), nil,
			investigation.StatusPartiallyRemediated},
		{"all failed", malicious, acts("failed"), nil, investigation.StatusFailed},
		{"one waits", malicious, acts("succeeded", "pending_approval"), nil,
			investigation.StatusPendingApproval},
		{"threat without remedy", malicious, nil, nil, investigation.StatusPartiallyRemediated},
		{"nothing found", unknown, nil, nil, investigation.StatusNoThreatsFound},
		{"a step failed", malicious, acts("succeeded"),
			&StepError{Error: "States.Timeout", Cause: "slow"}, investigation.StatusFailed},
	}
	for _, tt := range tests {
		rec := investigation.Record{Entities: tt.ents, Actions: tt.actions}
		if got, why := finalStatus(rec, tt.stepErr); got != tt.want {
			t.Errorf("%s: finalStatus = %s (%s), want %s", tt.name, got, why, tt.want)
		}
	}
}

func TestGate(t *testing.T) {
	tests := []struct {
		level    investigation.Level
		critical bool
		want     investigation.ActionStatus
	}{
		{investigation.LevelFull, true, investigation.ActionApproved},
		{investigation.LevelSemi, false, investigation.ActionPendingApproval},
		{investigation.LevelSemiCritical, false, investigation.ActionApproved},
		{investigation.LevelSemiCritical, true, investigation.ActionPendingApproval},
	}
	for _, tt := range tests {
		if got, _ := gate(tt.level, tt.critical); got != tt.want {
			t.Errorf("gate(%s, critical %v) = %s, want %s", tt.level, tt.critical, got, tt.want)
		}
	}
}
