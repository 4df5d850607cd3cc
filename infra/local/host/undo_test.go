package host

import (
	"net/http"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/investigation"
)

// actionOf returns the action of v of type typ on target.
func actionOf(t *testing.T, v gateway.InvestigationView, typ investigation.ActionType,
	target string) gateway.ActionView {
	t.Helper()
	for _, a := range v.Actions {
		if a.Type == typ && a.Target == target {
			return a
		}
	}
	t.Fatalf("no %s of %s in %+v", typ, target, v.Actions)
	return gateway.ActionView{}
}

func undoPath(invID, actID string) string {
	return "/api/investigations/" + invID + "/actions/" + actID + "/undo"
}

// TestAnalystUndoesASucceededActionOnce runs the malware sample, whose
// domain block succeeds, and undoes the block through the API: once,
// recorded with who; a second undo, an irreversible action and an
// unknown one are refused with a reason.
func TestAnalystUndoesASucceededActionOnce(t *testing.T) {
	v := investigateSample(t, "guardduty/execution-ec2-maliciousfile-ebs-scan.json")
	block := actionOf(t, v, investigation.ActionBlockDomain, "domain:dl.malicious.example")
	if block.Status != investigation.ActionSucceeded {
		t.Fatalf("block_domain is %s, want succeeded", block.Status)
	}

	// a reason the timeline cannot keep is refused, and changes nothing
	resp, body := fetch(t, "POST", undoPath(v.ID, block.ID), "application/json",
		`{"reason": "false \u202epositive"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invisible") {
		t.Fatalf("undo with a bidi override in its reason: got %d %s, want 400",
			resp.StatusCode, body)
	}

	// undone once, with who, why and what the tenant did
	resp, body = fetch(t, "POST", undoPath(v.ID, block.ID), "application/json",
		`{"reason": "the domain is our CDN"}`)
	if resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, `"summary":"unblocked domain dl.malicious.example`) {
		t.Fatalf("undo: got %d %s, want 200 saying the domain is unblocked", resp.StatusCode,
			body)
	}
	after := readInvestigation(t, v.ID)
	if got := actionOf(t, after, investigation.ActionBlockDomain,
		"domain:dl.malicious.example"); got.Status != investigation.ActionUndone {
		t.Errorf("after undo the action is %s, want undone", got.Status)
	}
	var undone []investigation.Event
	for _, e := range after.Timeline {
		if e.Kind == "action_undone" {
			undone = append(undone, e)
		}
	}
	if len(undone) != 1 || undone[0].Actor == "" ||
		!strings.Contains(undone[0].Message, "(reason: the domain is our CDN)") {
		t.Errorf("timeline has %+v, want one action_undone naming who and why", undone)
	}

	// refused: again, irreversible, unknown, malformed
	kill := actionOf(t, v, investigation.ActionKillProcess, "process:i-0a1b2c3d4e5f60718:4242")
	for _, tt := range []struct {
		name, path, contentType, body string
		status                        int
		reason                        string
	}{
		{"again", undoPath(v.ID, block.ID), "application/json", "", 409,
			"it is undone; only a succeeded action can be undone"},
		{"irreversible", undoPath(v.ID, kill.ID), "", "", 409, "kill_process is irreversible"},
		{"unknown", undoPath(v.ID, "act-nope"), "", "", 404, "has no action act-nope"},
		{"not JSON", undoPath(v.ID, block.ID), "text/plain", "undo!", 415, "application/json"},
	} {
		resp, body := fetch(t, "POST", tt.path, tt.contentType, tt.body)
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.reason) {
			t.Errorf("%s: got %d %s, want %d with %q", tt.name, resp.StatusCode, body,
				tt.status, tt.reason)
		}
	}
}
