package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/stack"
)

// askingConfig is a firebreak.yaml whose investigations ask AWS and
// VirusTotal as well as the simulated tenant.
var askingConfig = []byte(`
sources:
  - name: demo
investigation:
  data_sources: [tenant, aws]
  virustotal_secret: firebreak/virustotal
policies:
  - name: all
    when: "true"
    playbook: general
    automation: semi
`)

var askingSynthesis synthesis

func asking(t *testing.T) *cfnTemplate {
	t.Helper()
	return askingSynthesis.get(t, "asking", askingConfig)
}

// TestOnlyAskingStepsMayReadAWSAndOnlyWhenConfigured checks that the AWS
// data source's read-only actions are granted to the steps that ask data
// sources, and to none of them unless firebreak.yaml enables AWS.
func TestOnlyAskingStepsMayReadAWSAndOnlyWhenConfigured(t *testing.T) {
	for name, tmpl := range map[string]*cfnTemplate{"shipped": shipped(t), "asking": asking(t)} {
		for _, f := range stack.Firebreak.Functions {
			_, r := tmpl.function(t, f.Name)
			sts := tmpl.statements(roleOf(r, "Role"))
			want := f.ReadsAWSInventory && name == "asking"
			for _, action := range awsdata.Actions {
				if got := len(allowed(sts, action)) > 0; got != want {
					t.Errorf("%s: %s may %s: got %v, want %v", name, f.Name, action, got, want)
				}
			}
		}
	}
}

// TestOnlyGatherReadsTheVirusTotalKey checks that the secret named in
// firebreak.yaml is readable by the step that gathers threat information
// alone, and that the step is told its name.
func TestOnlyGatherReadsTheVirusTotalKey(t *testing.T) {
	tmpl := asking(t)
	for _, f := range stack.Firebreak.Functions {
		_, r := tmpl.function(t, f.Name)
		reads := false
		for _, res := range allowed(tmpl.statements(roleOf(r, "Role")),
			"secretsmanager:GetSecretValue") {
			b, _ := json.Marshal(res)
			reads = reads || strings.Contains(string(b), "secret:firebreak/virustotal")
		}
		if want := f.Name == "gatherthreatinfo"; reads != want {
			t.Errorf("%s reads the VirusTotal key: got %v, want %v", f.Name, reads, want)
		}
	}
	_, gather := tmpl.function(t, "gatherthreatinfo")
	b, _ := json.Marshal(gather)
	if !strings.Contains(string(b), `"`+stack.EnvVirusTotalSecret+`":"firebreak/virustotal"`) {
		t.Errorf("gatherthreatinfo's environment lacks %s=firebreak/virustotal",
			stack.EnvVirusTotalSecret)
	}
}
