package config

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/alert"
)

func TestShippedConfigParses(t *testing.T) {
	cfg, err := Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		t.Fatalf("Parse(firebreak.yaml): %v", err)
	}
	if cfg.CorrelationWindow != 24*time.Hour || len(cfg.Policy) != 7 {
		t.Errorf("window %s, %d policies; want 24h and 7", cfg.CorrelationWindow, len(cfg.Policy))
	}
	inv := cfg.Investigation
	if inv.MaxRounds != 3 || inv.ApprovalAtHosts != 10 || len(inv.IndicatorLists) != 2 {
		t.Errorf("investigation settings %+v, want 3 rounds, approval at 10 hosts, 2 lists", inv)
	}
}

// TestShippedPolicyPicksEachPlaybookForItsSample checks the playbook the
// shipped policies give the sample alert of each playbook.
func TestShippedPolicyPicksEachPlaybookForItsSample(t *testing.T) {
	cfg, err := Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ sample, playbook string }{
		{"guardduty/execution-ec2-maliciousfile-ebs-scan.json", "malware"},
		{"msgraph/mdo-graph-alert-user-reported-phish-with-url.json", "phishing"},
		{"proofpoint/proofpoint-tap-siem-messages-delivered-phish-url.json", "phishing"},
		{"proofpoint/proofpoint-tap-siem-clicks-permitted-phish-url.json", "url_click"},
		{"entra/entra-graph-riskdetection-unfamiliarfeatures.json", "compromised_user"},
		{"guardduty/recon-iamuser-maliciousipcaller-custom.json", "cloud_credential"},
		{"ocsf/detection-finding-2004-prowler-iam-user-no-mfa.json", "general"},
		{"generic/inhouse-c2-beacon-with-entities.json", "malware"},
	}
	for _, tt := range tests {
		body, err := os.ReadFile("../../events/alerts/" + tt.sample)
		if err != nil {
			t.Fatal(err)
		}
		alerts, err := alert.Parse(body, "")
		if err != nil || len(alerts) != 1 {
			t.Fatalf("%s: parse: %d alerts, %v", tt.sample, len(alerts), err)
		}
		d, err := cfg.Policy.Decide(alerts[0])
		if err != nil || d.Playbook != tt.playbook {
			// an error means a rule could not be evaluated on this alert
			t.Errorf("%s: playbook %q (rule %s, err %v), want %q", tt.sample, d.Playbook, d.Rule,
				err, tt.playbook)
		}
	}
}

func TestShippedPolicyDecides(t *testing.T) {
	cfg, err := Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	file := alert.Entity{Type: alert.EntityFile, Key: "abc"}
	tests := []struct {
		name     string
		alert    alert.Alert
		rule     string
		playbook string
	}{
		{"detected malware file", alert.Alert{SeverityID: alert.SeverityLow,
			ThreatNames: []string{"EICAR"}, Entities: []alert.Entity{file}},
			"malware-detected", "malware"},
		{"threat without a file", alert.Alert{SeverityID: alert.SeverityHigh,
			ThreatNames: []string{"KnownScanner"}}, "medium-and-above", "general"},
		{"file without a threat", alert.Alert{SeverityID: alert.SeverityMedium,
			Entities: []alert.Entity{file}}, "medium-and-above", "general"},
		{"low severity", alert.Alert{SeverityID: alert.SeverityLow}, "everything-else", ""},
		{"severity other", alert.Alert{SeverityID: alert.SeverityOther}, "everything-else", ""},
	}
	for _, tt := range tests {
		d, err := cfg.Policy.Decide(tt.alert)
		if err != nil {
			t.Errorf("%s: Decide error %v", tt.name, err)
		}
		if d.Rule != tt.rule || d.Playbook != tt.playbook || d.Investigate != (tt.playbook != "") {
			t.Errorf("%s: Decide = %+v, want rule %s, playbook %q", tt.name, d, tt.rule, tt.playbook)
		}
	}
}

func TestBadConfigNamesFileLineAndReason(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int
		reason    string
	}{
		{"syntax error in when", `
policies:
  - name: broken
    when: alert.severity_id >=
    playbook: general
    automation: full
`, 4, "Syntax error"},
		{"when not boolean", `
policies:
  - name: number
    when: alert.severity_id + 1
    playbook: general
    automation: full
`, 4, "want bool"},
		{"unknown variable", `
policies:
  - name: typo
    when: alrt.severity_id > 2
    playbook: general
    automation: full
`, 4, "undeclared reference"},
		{"unknown automation", `
policies:
  - name: level
    when: "true"
    playbook: general
    automation: sometimes
`, 6, "not one of"},
		{"missing playbook", `
policies:
  - name: level
    when: "true"
    automation: full
`, 3, "playbook"},
		{"unknown key", `
policys: []
`, 2, "not found"},
		{"bad window", `
correlation:
  window: forever
`, 0, "positive duration"},
		{"source twice", `
sources: [{name: a}, {name: a}]
`, 0, "listed twice"},
		{"unknown remediation action", `
remediation:
  providers:
    - name: tenant
      actions: [nuke_host]
`, 4, `action "nuke_host" is not an action type`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.doc), "firebreak.yaml")
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: Parse error = %v, want a *config.Error", tt.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.reason) ||
			(tt.line > 0 && !strings.Contains(err.Error(), "firebreak.yaml:"+strconv.Itoa(tt.line))) {
			t.Errorf("%s: error %q, want firebreak.yaml:%d and %q", tt.name, err, tt.line, tt.reason)
		}
	}
}

func TestParseRejectsABadAWSRemediationSetting(t *testing.T) {
	doc := `
remediation:
  aws:
    blocked_ipv4_set_arn: arn:aws:s3:::not-an-ip-set
`
	_, err := Parse([]byte(doc), "firebreak.yaml")
	var e *Error
	if !errors.As(err, &e) || e.Line != 3 ||
		!strings.Contains(e.Reason, "remediation.aws.blocked_ipv4_set_arn") {
		t.Errorf("Parse: got %v, want firebreak.yaml:3 naming blocked_ipv4_set_arn", err)
	}
}
