package host

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/investigation"
)

// investigateSample resets the host, posts the sample alert file under
// events/alerts/, waits for the investigation it opens and reads it.
func investigateSample(t *testing.T, sample string) gateway.InvestigationView {
	t.Helper()
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatalf("reset the host: %v", err)
	}
	return investigateMore(t, sample)
}

// investigateMore posts the sample alert file and returns its
// investigation once the execution ended.
func investigateMore(t *testing.T, sample string) gateway.InvestigationView {
	t.Helper()
	id := postSample(t, sample)
	if st := waitForSettled(t, id); !st.OK() {
		t.Fatalf("%s: execution ended %s, want SUCCEEDED", sample, st)
	}
	return readInvestigation(t, id)
}

// postSample posts a sample alert file and returns the investigation it
// opened or joined.
func postSample(t *testing.T, sample string) string {
	t.Helper()
	body, err := os.ReadFile("../../../events/alerts/" + sample)
	if err != nil {
		t.Fatal(err)
	}
	return postBody(t, body)
}

func postBody(t *testing.T, body []byte) string {
	t.Helper()
	status, reply := post(t, body, "application/json", signed(body))
	var res ingest.Reply
	json.Unmarshal([]byte(reply), &res)
	if status != http.StatusAccepted || len(res.Results) != 1 ||
		res.Results[0].InvestigationID == "" {
		t.Fatalf("POST = %d %s, want 202 with one investigated alert", status, reply)
	}
	return res.Results[0].InvestigationID
}

// verdicts maps each entity ref of v to its verdict.
func verdicts(v gateway.InvestigationView) map[string]investigation.Verdict {
	out := map[string]investigation.Verdict{}
	for _, e := range v.Entities {
		out[string(e.Type)+":"+e.Key] = e.Verdict
	}
	return out
}

// entity returns entity ref of v.
func entity(t *testing.T, v gateway.InvestigationView, ref string) gateway.EntityView {
	t.Helper()
	for _, e := range v.Entities {
		if string(e.Type)+":"+e.Key == ref {
			return e
		}
	}
	t.Fatalf("investigation %s has no entity %s", v.ID, ref)
	return gateway.EntityView{}
}

// action is an action's type, target, scope and status, for comparison.
type action struct {
	typ                   investigation.ActionType
	target, scope, status string
}

// actions returns v's actions, sorted.
func actions(v gateway.InvestigationView) []action {
	var out []action
	for _, a := range v.Actions {
		out = append(out, action{a.Type, a.Target, a.Scope, string(a.Status)})
	}
	slices.SortFunc(out, func(a, b action) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	return out
}

// rounds returns the highest round of v's entities.
func rounds(v gateway.InvestigationView) int {
	n := 0
	for _, e := range v.Entities {
		n = max(n, e.Round)
	}
	return n
}

// wantEvidence fails unless entity ref has evidence for verdict from step
// whose text contains text.
func wantEvidence(t *testing.T, v gateway.InvestigationView, ref string,
	verdict investigation.Verdict, step, text string) {
	t.Helper()
	e := entity(t, v, ref)
	for _, ev := range e.Evidence {
		if ev.Verdict == verdict && ev.Step == step && strings.Contains(ev.Text, text) {
			return
		}
	}
	t.Errorf("%s: no %s evidence from %s saying %q; evidence: %+v", ref, verdict, step,
		text, e.Evidence)
}

// wantVerdicts fails unless each ref of want has its verdict in v.
func wantVerdicts(t *testing.T, v gateway.InvestigationView,
	want map[string]investigation.Verdict) {
	t.Helper()
	got := verdicts(v)
	for ref, w := range want {
		if got[ref] != w {
			t.Errorf("%s is %q, want %s", ref, got[ref], w)
		}
	}
}

// wantActions fails unless v proposed exactly want.
func wantActions(t *testing.T, v gateway.InvestigationView, want []action) {
	t.Helper()
	slices.SortFunc(want, func(a, b action) int {
		return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
	})
	if diff := cmp.Diff(want, actions(v), cmp.AllowUnexported(action{})); diff != "" {
		t.Errorf("actions mismatch (-want +got):\n%s", diff)
	}
}

const (
	eicar    = "file:275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	web01    = "host:i-0a1b2c3d4e5f60718"
	web02    = "host:i-0b2c3d4e5f6071829"
	lnxWeb02 = "host:lnx-web-02.corp.example"
	wsAlex   = "host:73e7e2de709dff64ef64b1d0c30e67fab63280ac"

	hunt    = "hunt_other_instances"
	gather  = "gather_threat_info"
	origin  = "determine_origin"
	touched = "identify_affected"

	mal     = investigation.VerdictMalicious
	sus     = investigation.VerdictSuspicious
	unknown = investigation.VerdictUnknown
)

// evidence is a piece of evidence a playbook test wants on an entity.
type evidence struct {
	ref     string
	verdict investigation.Verdict
	step    string
	text    string
}

// TestPlaybooksInvestigateTheirSampleAlerts runs each playbook from its
// sample alert through the real state machine, handlers and DynamoDB
// Local, on a fresh simulated tenant, and checks what it concluded.
func TestPlaybooksInvestigateTheirSampleAlerts(t *testing.T) {
	const (
		phishMsg   = "email_message:5aafe94c-e47d-41ac-b4cb-08dd53eb21f1"
		campaign   = "email_message:7c1e2f3a-0b4d-4e5f-9a8b-1c2d3e4f5a6b"
		owaURL     = "url:https://login-verify.malicious.example/owa/auth"
		docsURL    = "url:https://docs-share.malicious.example/view/x9k2p4q7"
		docsMsg    = "email_message:20250313095820.4f2a91c3d7e5@sender.example.net"
		alexUPN    = "user:alex.doe@example.com"
		jamie      = "user:jamie.roe@example.com"
		alexIAM    = "user:arn:aws:iam::123456789012:user/alex.doe"
		misusedKey = "access_key:AKIAIOSFODNN7EXAMPLE"
		scanner    = "ip:198.51.100.77"
	)
	tests := []struct {
		sample   string
		playbook string
		status   investigation.Status
		rounds   int
		verdicts map[string]investigation.Verdict
		evidence []evidence
		actions  []action
	}{{
		sample:   "guardduty/execution-ec2-maliciousfile-ebs-scan.json",
		playbook: "malware", status: investigation.StatusPendingApproval, rounds: 3,
		verdicts: map[string]investigation.Verdict{eicar: mal, web01: sus, web02: sus,
			lnxWeb02: sus, wsAlex: sus, "url:http://dl.malicious.example/eicar.com": mal,
			"process:i-0a1b2c3d4e5f60718:4242": mal, "user:ec2-user": unknown,
			"email_message:CAF7x2pQ1b9k@sender.example.net": mal},
		evidence: []evidence{
			{eicar, mal, gather, `detected EICAR-Test-File at /tmp/eicar.com`},
			{eicar, mal, gather, `on indicator list "events/intel/bundle.stix.json"`},
			{web02, sus, hunt, "holds malicious file 275a021b"},
			{"url:http://dl.malicious.example/eicar.com", sus, origin, "served malicious file"},
			{"url:http://dl.malicious.example/eicar.com", mal, gather, "dl.malicious.example"},
			{"process:i-0a1b2c3d4e5f60718:4242", mal, origin, "wrote malicious file"},
			{web01, sus, gather, "detected EICAR-Test-File in 275a021b"},
		},
		actions: []action{
			{"quarantine_file", eicar, web01, "succeeded"},
			{"quarantine_file", eicar, web02, "succeeded"},
			{"quarantine_file", eicar, lnxWeb02, "succeeded"},
			{"quarantine_file", eicar, wsAlex, "succeeded"},
			{"kill_process", "process:i-0a1b2c3d4e5f60718:4242", "", "succeeded"},
			{"block_url", "url:http://dl.malicious.example/eicar.com", "", "succeeded"},
			{"block_domain", "domain:dl.malicious.example", "", "succeeded"},
			{"delete_email", "email_message:CAF7x2pQ1b9k@sender.example.net",
				"mailbox:jamie.roe@example.com", "pending_approval"},
		},
	}, {
		sample:   "msgraph/mdo-graph-alert-user-reported-phish-with-url.json",
		playbook: "phishing", status: investigation.StatusPendingApproval, rounds: 2,
		verdicts: map[string]investigation.Verdict{phishMsg: mal, campaign: mal, owaURL: mal,
			"ip:203.0.113.45": mal, "mailbox:it-helpdesk@sender.example.net": mal, jamie: sus,
			"domain:sender.example.net": unknown},
		evidence: []evidence{
			{phishMsg, sus, gather, `rates it suspicious`},
			{phishMsg, mal, hunt, "contains malicious URL " + owaURL[4:]},
			{owaURL, mal, gather, "credential phishing (OWA lure)"},
			{campaign, mal, hunt, "contains malicious URL"},
			{jamie, sus, touched, "clicked malicious URL"},
		},
		actions: []action{
			{"delete_email", phishMsg, "mailbox:jamie.roe@example.com", "pending_approval"},
			{"delete_email", phishMsg, "mailbox:alex.doe@example.com", "pending_approval"},
			{"delete_email", campaign, "mailbox:sam.lee@example.com", "pending_approval"},
			{"revoke_sessions", jamie, "", "pending_approval"},
			{"block_url", owaURL, "", "succeeded"},
			{"block_domain", "domain:login-verify.malicious.example", "", "pending_approval"},
			{"block_ip", "ip:203.0.113.45", "", "succeeded"},
		},
	}, {
		sample:   "proofpoint/proofpoint-tap-siem-clicks-permitted-phish-url.json",
		playbook: "url_click", status: investigation.StatusPendingApproval, rounds: 2,
		verdicts: map[string]investigation.Verdict{docsURL: mal,
			"domain:docs-share.malicious.example": mal, docsMsg: mal, alexUPN: sus,
			"user:sam.lee@example.com": sus, "ip:192.0.2.31": unknown},
		evidence: []evidence{
			{docsURL, mal, gather, `"Click on a phish URL permitted" rates it phish`},
			{alexUPN, sus, touched, "clicked malicious URL " + docsURL[4:]},
			{alexUPN, sus, gather, "impossible travel"},
			{docsMsg, mal, hunt, "contains malicious URL"},
		},
		actions: []action{
			{"block_url", docsURL, "", "succeeded"},
			{"block_domain", "domain:docs-share.malicious.example", "", "succeeded"},
			{"block_ip", scanner, "", "succeeded"},
			{"delete_email", docsMsg, "mailbox:alex.doe@example.com", "pending_approval"},
			{"delete_email", docsMsg, "mailbox:sam.lee@example.com", "pending_approval"},
			{"revoke_sessions", alexUPN, "", "pending_approval"},
		},
	}, {
		sample:   "entra/entra-graph-riskdetection-unfamiliarfeatures.json",
		playbook: "compromised_user", status: investigation.StatusPendingApproval, rounds: 4,
		verdicts: map[string]investigation.Verdict{alexUPN: mal, "ip:198.51.100.73": sus,
			"mailbox:alex.doe@example.com": sus, "ip:192.0.2.31": unknown},
		evidence: []evidence{
			{alexUPN, sus, gather, `entra alert "Unfamiliar sign-in properties"`},
			{alexUPN, sus, gather, "impossible travel"},
			{alexUPN, mal, gather, "independent findings suspect it"},
			{"ip:198.51.100.73", sus, gather, "anonymizing VPN exit"},
		},
		actions: []action{
			{"reset_password", alexUPN, "", "succeeded"},
			{"revoke_sessions", alexUPN, "", "succeeded"},
			{"require_mfa", alexUPN, "", "succeeded"},
			{"block_ip", "ip:198.51.100.73", "", "pending_approval"},
		},
	}, {
		sample:   "guardduty/recon-iamuser-maliciousipcaller-custom.json",
		playbook: "cloud_credential", status: investigation.StatusPendingApproval, rounds: 2,
		verdicts: map[string]investigation.Verdict{misusedKey: mal, scanner: mal, alexIAM: sus,
			"access_key:AKIAEXAMPLECIBOT0001":                     sus,
			"access_key:AKIAI44QH8DHBEXAMPLE":                     unknown,
			"cloud_resource:arn:aws:s3:::example-finance-reports": unknown},
		evidence: []evidence{
			{misusedKey, mal, gather, "detected KnownScanner"},
			{misusedKey, sus, gather, "calls denied (AccessDenied): reconnaissance"},
			{alexIAM, sus, origin, "owns misused access key AKIAIOSFODNN7EXAMPLE"},
			{"access_key:AKIAEXAMPLECIBOT0001", sus, hunt, "used from the IPs of misused key"},
		},
		actions: []action{
			{"disable_access_key", misusedKey, "", "succeeded"},
			{"block_ip", scanner, "", "succeeded"},
			{"revoke_sessions", alexIAM, "", "pending_approval"},
			{"disable_access_key", "access_key:AKIAEXAMPLECIBOT0001", "", "pending_approval"},
		},
	}, {
		sample:   "ocsf/detection-finding-2004-prowler-iam-user-no-mfa.json",
		playbook: "general", status: investigation.StatusNoThreatsFound, rounds: 1,
		verdicts: map[string]investigation.Verdict{
			"user:arn:aws:iam::123456789012:user/adoe": unknown},
		evidence: []evidence{
			{"user:arn:aws:iam::123456789012:user/adoe", unknown, gather, "has no MFA"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.playbook, func(t *testing.T) {
			v := investigateSample(t, tt.sample)
			t.Logf("%s: %d entities, %d actions, %d rounds, %d state transitions",
				tt.playbook, len(v.Entities), len(v.Actions), rounds(v),
				statesEntered(history(t, v.ID)))
			if v.Playbook != tt.playbook || v.Status != tt.status || rounds(v) != tt.rounds {
				t.Errorf("investigation: playbook %s, status %s, %d rounds; want %s, %s, %d",
					v.Playbook, v.Status, rounds(v), tt.playbook, tt.status, tt.rounds)
			}
			wantVerdicts(t, v, tt.verdicts)
			for _, ev := range tt.evidence {
				wantEvidence(t, v, ev.ref, ev.verdict, ev.step, ev.text)
			}
			wantActions(t, v, tt.actions)
		})
	}
}
