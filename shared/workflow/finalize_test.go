package workflow

import (
	"fmt"
	"slices"
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

func TestGateDecidesByLevelCriticalityActionAndVerdict(t *testing.T) {
	const (
		run  = investigation.ActionApproved
		wait = investigation.ActionPendingApproval
		mal  = investigation.VerdictMalicious
		sus  = investigation.VerdictSuspicious
	)
	full, semi := investigation.LevelFull, investigation.LevelSemi
	semiCrit := investigation.LevelSemiCritical
	quarantine, isolate := investigation.ActionQuarantineFile, investigation.ActionIsolateHost
	deleteEmail := investigation.ActionDeleteEmail
	tests := []struct {
		name string
		in   gateInput
		want investigation.ActionStatus
	}{
		{"full runs a malicious file's quarantine",
			gateInput{level: full, action: quarantine, verdict: mal}, run},
		{"full runs on a critical asset too",
			gateInput{level: full, critical: true, action: isolate, verdict: mal}, run},
		{"semi always waits", gateInput{level: semi, action: quarantine, verdict: mal}, wait},
		{"semi-critical runs on an ordinary asset",
			gateInput{level: semiCrit, action: quarantine, verdict: mal}, run},
		{"semi-critical waits on a critical asset",
			gateInput{level: semiCrit, critical: true, action: quarantine, verdict: mal}, wait},
		{"off waits", gateInput{level: investigation.LevelOff, action: quarantine,
			verdict: mal}, wait},
		{"a suspicious target waits even at full",
			gateInput{level: full, action: quarantine, verdict: sus}, wait},
		{"email actions wait even at full",
			gateInput{level: full, action: deleteEmail, verdict: mal}, wait},
		{"email actions follow the level when configured to",
			gateInput{level: full, action: deleteEmail, verdict: mal, emailAuto: true}, run},
		{"over the action limit everything waits",
			gateInput{level: full, action: quarantine, verdict: mal, overLimit: true}, wait},
	}
	for _, tt := range tests {
		if got, why := gate(tt.in); got != tt.want {
			t.Errorf("%s: gate = %s (%s), want %s", tt.name, got, why, tt.want)
		}
	}
}

func TestQuarantineIsProposedOnEveryHostHoldingTheFileAndTheOneTheAlertSawItOn(t *testing.T) {
	file := investigation.Entity{Entity: alert.Entity{Type: alert.EntityFile, Key: "h",
		Attributes: map[string]string{"host": "i-reported"}},
		Verdict: investigation.VerdictMalicious, Round: 1,
		Relations: []investigation.Relation{{Kind: "held_by", Ref: "host:i-hunted"},
			{Kind: "held_by", Ref: "host:i-left-out"}}}
	leftOut := investigation.Entity{Entity: alert.Entity{Type: alert.EntityHost,
		Key: "i-left-out"}, Excluded: "rejected"}
	var got []string
	for _, p := range propose("malware", []investigation.Entity{file, leftOut}) {
		got = append(got, string(p.typ)+" "+p.scope)
	}
	want := []string{"quarantine_file host:i-hunted", "quarantine_file host:i-reported"}
	if !slices.Equal(got, want) {
		t.Errorf("proposals = %q, want %q", got, want)
	}
}

func TestOnlyALongTermAccessKeyIsProposedForDisabling(t *testing.T) {
	for key, want := range map[string]int{"AKIAEXAMPLE000000001": 1,
		"ASIAEXAMPLE000000001": 0} {
		k := investigation.Entity{Entity: alert.Entity{Type: alert.EntityAccessKey, Key: key},
			Verdict: investigation.VerdictMalicious, Round: 1}
		got := 0
		for _, p := range propose("cloud_credential", []investigation.Entity{k}) {
			got += btoi(p.typ == investigation.ActionDisableAccessKey)
		}
		if got != want {
			t.Errorf("%s: %d disable_access_key proposals, want %d", key, got, want)
		}
	}
}

func TestAStepExaminesTheGravestEntitiesOfAWideRoundFirst(t *testing.T) {
	var ents []investigation.Entity
	for i := range maxEntitiesPerStep + 50 {
		v := investigation.VerdictUnknown
		if i == maxEntitiesPerStep+10 {
			v = investigation.VerdictMalicious
		}
		ents = append(ents, investigation.Entity{Entity: alert.Entity{Type: alert.EntityIP,
			Key: fmt.Sprintf("192.0.2.%d", i)}, Round: 2, Verdict: v})
	}
	todo, left := due(ents, "malware", 2, "gather_threat_info")
	if len(todo) != maxEntitiesPerStep || left != 50 ||
		todo[0].Verdict != investigation.VerdictMalicious {
		t.Errorf("due = %d entities (first %s), %d left; want %d, the malicious first, 50 left",
			len(todo), todo[0].Verdict, left, maxEntitiesPerStep)
	}
}
