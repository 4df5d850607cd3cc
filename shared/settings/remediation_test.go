package settings

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/investigation"
)

func TestParseRemediationDefaultsToTheTenantForEverything(t *testing.T) {
	got, err := ParseRemediation([]byte("correlation:\n  window: 1h\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Remediation{Providers: []ProviderRoute{{Name: ProviderTenant}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseRemediationReadsRoutesAndDryRun(t *testing.T) {
	doc := `
remediation:
  providers:
    - name: microsoft
      actions: [disable_user, isolate_host]
    - name: webhook
      actions: [block_url]
    - name: tenant
      actions: all
  dry_run: [webhook]
  microsoft:
    secret: firebreak/microsoft
  webhook:
    url: https://soar.example.com/hooks/firebreak
    secret: firebreak/webhook
    timeout: 5s
  aws:
    user_pools: [us-east-1_AbCdEf123]
`
	got, err := ParseRemediation([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := Remediation{
		Providers: []ProviderRoute{
			{Name: ProviderMicrosoft, Actions: []investigation.ActionType{
				investigation.ActionDisableUser, investigation.ActionIsolateHost}},
			{Name: ProviderWebhook, Actions: []investigation.ActionType{
				investigation.ActionBlockURL}},
			{Name: ProviderTenant},
		},
		DryRun:    []string{ProviderWebhook},
		Microsoft: Microsoft{Secret: "firebreak/microsoft"},
		Webhook: Webhook{URL: "https://soar.example.com/hooks/firebreak",
			Secret: "firebreak/webhook", Timeout: 5 * time.Second},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if !got.DryRuns(ProviderWebhook) || got.DryRuns(ProviderTenant) {
		t.Errorf("DryRuns: want webhook only")
	}
}

func TestParseRemediationRefusesWithTheLine(t *testing.T) {
	tests := []struct {
		name, doc string
		line      int
		reason    string
	}{
		{"unknown provider", "remediation:\n  providers:\n    - name: okta\n", 3,
			`remediation.providers[0]: provider "okta" is not one of ` +
				`[tenant aws microsoft webhook]`},
		{"unknown action", "remediation:\n  providers:\n    - name: tenant\n" +
			"      actions: [nuke_host]\n", 3,
			`remediation.providers[0]: action "nuke_host" is not an action type`},
		{"listed twice", "remediation:\n  providers:\n    - name: tenant\n" +
			"    - name: tenant\n", 4,
			`remediation.providers[1]: provider "tenant" is listed twice`},
		{"dry run of an unrouted provider", "remediation:\n  dry_run: [aws]\n", 2,
			`remediation.dry_run[0]: provider "aws" is not in remediation.providers`},
		{"microsoft without secret", "remediation:\n  providers:\n    - name: microsoft\n", 2,
			"remediation.microsoft.secret is required when the microsoft provider is listed"},
		{"webhook over http", "remediation:\n  providers:\n    - name: webhook\n" +
			"  webhook:\n    url: http://soar.example.com/x\n    secret: s\n", 4,
			`remediation.webhook.url: "http://soar.example.com/x" is not an https URL`},
		{"webhook timeout over the limit", "remediation:\n  providers:\n    - name: webhook\n" +
			"  webhook:\n    url: https://soar.example.com/x\n    secret: s\n" +
			"    timeout: 1m\n", 4,
			"remediation.webhook.timeout: 1m0s is not between 0s and 25s"},
		{"unknown key", "remediation:\n  provider: []\n", 2,
			`remediation: unknown key "provider" (want one of ` +
				`[providers dry_run microsoft webhook aws])`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRemediation([]byte(tt.doc))
			var re *RemediationError
			if !errors.As(err, &re) {
				t.Fatalf("got %v, want a *RemediationError", err)
			}
			if re.Line != tt.line || re.Reason != tt.reason {
				t.Errorf("got line %d %q, want line %d %q", re.Line, re.Reason, tt.line,
					tt.reason)
			}
		})
	}
}
