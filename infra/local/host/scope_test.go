package host

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/tenant"
)

// TestSecondAlertJoinsTheRunningInvestigationAndTheHuntFindsAThirdHost is
// the scenario of a campaign: a malware alert on web-01; while its
// investigation runs, a file-integrity alert for the same file on
// lnx-web-02 arrives; one investigation covers both, and its hunt finds
// web-02, which no alert named.
func TestSecondAlertJoinsTheRunningInvestigationAndTheHuntFindsAThirdHost(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := postSample(t, "guardduty/execution-ec2-maliciousfile-ebs-scan.json")
	second := postSample(t, "wazuh/syscheck-fim-file-added.json")
	if second != first {
		t.Fatalf("the second alert went to %s, want the running investigation %s", second, first)
	}
	if st := waitForSettled(t, first); !st.OK() {
		t.Fatalf("execution ended %s, want SUCCEEDED", st)
	}
	v := readInvestigation(t, first)

	// both alerts, all three hosts, and only the first two named by an alert
	if len(v.Alerts) != 2 {
		t.Errorf("investigation holds %d alerts, want both", len(v.Alerts))
	}
	wantVerdicts(t, v, map[string]investigation.Verdict{eicar: mal, web01: sus,
		lnxWeb02: sus, web02: sus})
	if got := entity(t, v, web02).FoundBy; !strings.HasPrefix(got, hunt+" of "+eicar) {
		t.Errorf("web-02 was found by %q, want the hunt for the file", got)
	}
	wantEvidence(t, v, web02, sus, hunt, "holds malicious file")
	for _, h := range []string{web01, lnxWeb02, web02} {
		left, err := testHost.Tenant.FilesOnHost(context.Background(),
			strings.TrimPrefix(h, "host:"), strings.TrimPrefix(eicar, "file:"))
		if err != nil || len(left) != 0 {
			t.Errorf("%s still holds the file (%v, %v), want it quarantined", h, left, err)
		}
	}
}

// malwareFinding is GuardDuty's malware finding on web-01.
const malwareFinding = "guardduty/execution-ec2-maliciousfile-ebs-scan.json"

// campaignHash is the file of the wide-campaign tests, held only by the
// hosts they seed.
const campaignHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// seedCampaign adds n hosts holding campaignHash to a fresh tenant and
// returns a signed-ready alert naming the file on the first of them.
func seedCampaign(t *testing.T, n int) []byte {
	t.Helper()
	ctx := context.Background()
	if err := testHost.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	var snap tenant.Snapshot
	for i := range n {
		snap.Hosts = append(snap.Hosts, tenant.Host{ID: fmt.Sprintf("i-camp%03d", i),
			Name: fmt.Sprintf("app-%03d", i), Files: []tenant.File{{
				Path: "/opt/app/plugin.so", SHA256: campaignHash}}})
	}
	if err := testHost.Tenant.Seed(ctx, snap); err != nil {
		t.Fatal(err)
	}
	return []byte(fmt.Sprintf(`{"schema": "firebreak.alert/v1",
		"source_alert_id": "campaign-%d-%d", "title": "Trojan plugin detected",
		"time": %q, "severity": "High", "threat_names": ["Trojan.Plugin"],
		"entities": [{"type": "host", "value": "i-camp000"},
			{"type": "file", "value": %q, "attributes": {"path": "/opt/app/plugin.so"}}]}`,
		n, time.Now().UnixNano(), time.Now().UTC().Format(time.RFC3339), campaignHash))
}

// waitForStatus polls investigation id until it has status want.
func waitForStatus(t *testing.T, id string, want investigation.Status) gateway.InvestigationView {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		v := readInvestigation(t, id)
		if v.Status == want {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("investigation %s is %s after a minute, want %s", id, v.Status, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// decideScope posts an analyst's scope decision and returns the answer.
func decideScope(t *testing.T, id, decision string) (int, string) {
	t.Helper()
	resp, err := http.Post(testHost.URL+"/api/investigations/"+id+"/scope",
		"application/json", strings.NewReader(`{"decision": "`+decision+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWideExpansionWaitsForAnAnalystAndGoesOnWhenApproved(t *testing.T) {
	id := postBody(t, seedCampaign(t, 12))

	// the hunt finds twelve hosts: widening to them waits
	v := waitForStatus(t, id, investigation.StatusPendingApproval)
	if v.PendingScope == nil || v.PendingScope.Round != 2 || v.PendingScope.Hosts != 12 ||
		len(v.PendingScope.NewHosts) != 11 {
		t.Fatalf("pending scope = %+v, want round 2 adding 11 hosts for 12", v.PendingScope)
	}
	raw, _ := json.Marshal(v)
	if strings.Contains(string(raw), "token") {
		t.Errorf("the investigation's JSON mentions a token: %s", raw)
	}

	// approved once; a second decision is told who decided
	if status, body := decideScope(t, id, "approve"); status != http.StatusOK ||
		!strings.Contains(body, `"decided_by":"`+DevAnalyst+`"`) ||
		!strings.Contains(body, `"status":"approved"`) {
		t.Fatalf("approve = %d %s, want 200, approved by the analyst", status, body)
	}
	if st := waitForSettled(t, id); !st.OK() {
		t.Fatalf("execution ended %s, want SUCCEEDED", st)
	}
	if status, body := decideScope(t, id, "reject"); status != http.StatusConflict ||
		!strings.Contains(body, "approved by "+DevAnalyst) {
		t.Errorf("a decision after the first = %d %s, want 409 saying who approved", status,
			body)
	}
	if status, body := decideScope(t, "01NOSUCHINVESTIGATION", "approve"); status !=
		http.StatusNotFound || !strings.Contains(body, "no investigation") {
		t.Errorf("a decision on no investigation = %d %s, want 404", status, body)
	}
	v = readInvestigation(t, id)
	quarantines := 0
	for _, a := range v.Actions {
		quarantines += btoi(a.Type == investigation.ActionQuarantineFile &&
			a.Status == investigation.ActionSucceeded)
	}
	if !timelineHas(v, "scope_approved", DevAnalyst+" approved widening") {
		t.Errorf("the timeline does not record the approval: %+v", v.Timeline)
	}
	if v.Status != investigation.StatusRemediated || quarantines != 12 {
		t.Errorf("investigation %s with %d quarantines, want remediated with 12",
			v.Status, quarantines)
	}
}

func TestRejectedExpansionLeavesTheNewHostsOutOfScope(t *testing.T) {
	id := postBody(t, seedCampaign(t, 11))
	waitForStatus(t, id, investigation.StatusPendingApproval)
	if status, body := decideScope(t, id, "reject"); status != http.StatusOK ||
		!strings.Contains(body, `"status":"rejected"`) {
		t.Fatalf("reject = %d %s, want 200, rejected", status, body)
	}
	if st := waitForSettled(t, id); !st.OK() {
		t.Fatalf("execution ended %s, want SUCCEEDED", st)
	}
	v := readInvestigation(t, id)
	excluded := 0
	for _, e := range v.Entities {
		excluded += btoi(e.Excluded != "")
	}
	want := []action{{"quarantine_file", "file:" + campaignHash, "host:i-camp000", "succeeded"}}
	wantActions(t, v, want)
	if excluded != 10 {
		t.Errorf("%d entities excluded, want the 10 hosts the analyst rejected", excluded)
	}
}

func TestTooManyActionsWaitForAPerson(t *testing.T) {
	id := postBody(t, seedCampaign(t, 30))
	waitForStatus(t, id, investigation.StatusPendingApproval)
	if status, body := decideScope(t, id, "approve"); status != http.StatusOK {
		t.Fatalf("approve = %d %s, want 200", status, body)
	}
	waitForSettled(t, id)
	v := readInvestigation(t, id)
	for _, a := range v.Actions {
		if a.Status != investigation.ActionPendingApproval {
			t.Errorf("action %s %s on %s is %s, want every action pending_approval", a.Type,
				a.Target, a.Scope, a.Status)
		}
	}
	if len(v.Actions) != 30 || v.Status != investigation.StatusPendingApproval {
		t.Errorf("%d actions, status %s; want 30 waiting", len(v.Actions), v.Status)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestAlertAfterTheExecutionEndedOpensANewInvestigation posts an alert on
// a host of an investigation whose execution ended once its approvals
// were decided: no round would take it there, so it opens, and is
// investigated by, an investigation of its own.
func TestAlertAfterTheExecutionEndedOpensANewInvestigation(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := investigateMore(t, "guardduty/execution-ec2-maliciousfile-ebs-scan.json")
	if first.Status != investigation.StatusPendingApproval {
		t.Fatalf("the first investigation is %s, want pending_approval", first.Status)
	}
	rejectTheRest(t, first.ID) // its execution ends once its approvals are decided
	body := []byte(`{"schema": "firebreak.alert/v1", "source_alert_id": "edr-3",
		"title": "Dropper detected", "time": "2025-03-14T09:00:00Z", "severity": "high",
		"threat_names": ["Test.Dropper"], "entities": [
			{"type": "file", "value": "` + campaignHash + `",
			 "attributes": {"host": "i-0a1b2c3d4e5f60718"}},
			{"type": "host", "value": "i-0a1b2c3d4e5f60718"}]}`)
	second := postBody(t, body)
	if second == first.ID {
		t.Fatalf("the alert joined %s, whose execution had ended", first.ID)
	}
	if st := waitForSettled(t, second); !st.OK() {
		t.Fatalf("execution ended %s, want SUCCEEDED", st)
	}
	v := readInvestigation(t, second)
	wantVerdicts(t, v, map[string]investigation.Verdict{"file:" + campaignHash: mal})
}

// timelineHas reports whether v's timeline has an event of kind whose
// message contains text.
func timelineHas(v gateway.InvestigationView, kind, text string) bool {
	for _, e := range v.Timeline {
		if e.Kind == kind && strings.Contains(e.Message, text) {
			return true
		}
	}
	return false
}

// TestUpdatedFindingNamingMoreOpensANewInvestigation re-sends the GuardDuty
// malware finding after its investigation ended, updated by its source
// with a second threat in another file: the finding is updated under its
// first ids, and the file no round looked at is investigated anew.
func TestUpdatedFindingNamingMoreOpensANewInvestigation(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := investigateMore(t, malwareFinding)
	rejectTheRest(t, first.ID)

	// the same finding, later, with a trojan beside the EICAR file
	raw, err := os.ReadFile("../../../events/alerts/" + malwareFinding)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	detail := doc["detail"].(map[string]any)
	detail["updatedAt"] = "2024-06-04T16:56:40.771Z"
	service := detail["service"].(map[string]any)
	service["count"] = 2
	byName := service["ebsVolumeScanDetails"].(map[string]any)["scanDetections"].(map[string]any)["threatDetectedByName"].(map[string]any)
	byName["threatNames"] = append(byName["threatNames"].([]any), map[string]any{
		"name": "Trojan.Plugin", "severity": "HIGH", "itemCount": 1,
		"filePaths": []any{map[string]any{"filePath": "/opt/app/plugin.so",
			"hash": campaignHash, "fileName": "plugin.so"}}})
	body, _ := json.Marshal(doc)
	status, reply := post(t, body, "application/json", signed(body))
	var res ingest.Reply
	json.Unmarshal([]byte(reply), &res)
	if status != http.StatusAccepted || len(res.Results) != 1 ||
		res.Results[0].Status != "updated" || res.Results[0].InvestigationID == first.ID {
		t.Fatalf("POST = %d %s, want the finding updated into a new investigation",
			status, reply)
	}
	if st := waitForSettled(t, res.Results[0].InvestigationID); !st.OK() {
		t.Fatalf("execution ended %s, want SUCCEEDED", st)
	}
	v := readInvestigation(t, res.Results[0].InvestigationID)
	wantVerdicts(t, v, map[string]investigation.Verdict{"file:" + campaignHash: mal})
}
