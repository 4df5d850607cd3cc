// Package config reads firebreak.yaml: the ingest sources, the policies
// that decide which alerts are investigated and how, and the correlation
// window. Every function, and so the local host, reads the copy compiled
// into it (the module root's ConfigYAML); the CDK app checks the file at
// synth, so a bad one never deploys.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/playbook"
	"github.com/firebreak/firebreak/shared/policy"
	"github.com/firebreak/firebreak/shared/settings"
)

// Config is firebreak.yaml, checked.
type Config struct {
	// CorrelationWindow bounds how long an open investigation's indicators
	// claim new alerts.
	CorrelationWindow time.Duration
	Sources           []Source
	Policy            policy.Policy
	// Investigation is how investigations widen, when a person must
	// look, and which indicator lists inform verdicts.
	Investigation settings.Investigation
	// Approvals is how long approvals stand, where their links point
	// and who approves each domain's actions.
	Approvals settings.Approvals
	// Notifications says where requests for approval go.
	Notifications settings.Notifications
	// Remediation says which provider runs which action, and which only
	// pretend.
	Remediation settings.Remediation
	// AWSRemediation is remediation.aws: the WAF IP sets, DNS Firewall
	// domain list and Cognito user pools the AWS provider changes.
	AWSRemediation settings.AWSRemediation
}

// Source is a tool that pushes alerts. Its signing secret is not here: it
// lives in Secrets Manager in the cloud and in the local host's options
// locally. APIKey asks for an API Gateway API key for it as well, for
// tools that can only send a static header (POST /alerts/keyed); the
// stack creates the key.
type Source struct {
	Name   string `yaml:"name"`
	APIKey bool   `yaml:"api_key"`
}

// Error is a problem in the file, with where it is.
type Error struct {
	File   string
	Line   int
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason) }

// file is the document's shape; policies keep their nodes for line numbers.
type file struct {
	Correlation struct {
		Window string `yaml:"window"`
	} `yaml:"correlation"`
	Sources       []Source               `yaml:"sources"`
	Policies      []yaml.Node            `yaml:"policies"`
	Investigation settings.Investigation `yaml:"investigation"`
	Approvals     yaml.Node              `yaml:"approvals"`
	Notifications yaml.Node              `yaml:"notifications"`
	Remediation   yaml.Node              `yaml:"remediation"`
}

type rule struct {
	Name       string `yaml:"name"`
	When       string `yaml:"when"`
	Playbook   string `yaml:"playbook"`
	Automation string `yaml:"automation"`
}

// Parse reads and checks a firebreak.yaml document; name is the file name
// errors cite. Every error is an *Error with the line it concerns.
func Parse(data []byte, name string) (Config, error) {
	// decode, refusing keys the file format does not have
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return Config{}, yamlError(name, err)
	}

	// check each part
	inv, err := settings.Parse(data)
	if err != nil {
		return Config{}, &Error{name, 0, err.Error()}
	}
	cfg := Config{CorrelationWindow: inv.CorrelationWindow, Sources: f.Sources,
		Investigation: inv}
	if err := checkSources(name, f.Sources); err != nil {
		return Config{}, err
	}
	p, err := compilePolicies(name, f.Policies)
	if err != nil {
		return Config{}, err
	}
	cfg.Policy = p
	if cfg.Approvals, err = settings.ParseApprovals(data); err != nil {
		// the reason names the key first: "approvals.<key>: …"
		key, _, _ := strings.Cut(strings.TrimPrefix(err.Error(), "approvals."), ":")
		key, _, _ = strings.Cut(key, ".")
		return Config{}, &Error{name, lineOf(&f.Approvals, key), err.Error()}
	}
	if cfg.Notifications, err = checkNotifications(name, data, &f.Notifications); err != nil {
		return Config{}, err
	}
	if cfg.Remediation, err = checkRemediation(name, data, &f.Remediation); err != nil {
		return Config{}, err
	}
	if cfg.AWSRemediation, err = settings.ParseAWSRemediation(data); err != nil {
		return Config{}, &Error{name, f.Remediation.Line, err.Error()}
	}
	return cfg, nil
}

// yamlError turns a YAML decoding error into an *Error. yaml.v3 writes
// the line into its messages as "line N: reason"; it moves to Line.
func yamlError(name string, err error) error {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return &Error{File: name, Line: line, Reason: msg}
}

func checkSources(name string, sources []Source) error {
	seen := map[string]bool{}
	for i, s := range sources {
		switch {
		case s.Name == "":
			return &Error{name, 0, fmt.Sprintf("sources[%d]: name is required", i)}
		case seen[s.Name]:
			return &Error{name, 0, fmt.Sprintf("sources[%d]: %q is listed twice", i, s.Name)}
		}
		seen[s.Name] = true
	}
	return nil
}

// compilePolicies decodes and compiles the rules, citing the line of the
// rule, or of its expression, that is wrong.
func compilePolicies(name string, nodes []yaml.Node) (policy.Policy, error) {
	rules := make(policy.Policy, 0, len(nodes))
	for i := range nodes {
		var r rule
		if err := nodes[i].Decode(&r); err != nil {
			return nil, &Error{name, nodes[i].Line, fmt.Sprintf("policies[%d]: %v", i, err)}
		}
		if _, ok := playbook.Get(r.Playbook); r.Playbook != "" && !ok {
			return nil, &Error{name, lineOf(&nodes[i], "playbook"), fmt.Sprintf(
				"policies[%d]: playbook %q is not one of %v", i, r.Playbook, playbook.Names())}
		}
		pr := policy.Rule{Name: r.Name, When: r.When, Playbook: r.Playbook,
			Automation: investigation.Level(r.Automation)}
		compiled, err := policy.Compile([]policy.Rule{pr})
		var ee *policy.ExpressionError
		if errors.As(err, &ee) {
			return nil, &Error{name, lineOf(&nodes[i], ee.Field), err.Error()}
		}
		if err != nil {
			return nil, &Error{name, nodes[i].Line, err.Error()}
		}
		rules = append(rules, compiled...)
	}
	return rules, nil
}

// lineOf returns the line of key's value in mapping node n, or n's line.
func lineOf(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1].Line
		}
	}
	return n.Line
}

// checkRemediation reads the remediation section, citing the line of the
// key that is wrong (the section's own line when the error names none).
func checkRemediation(name string, data []byte, n *yaml.Node) (settings.Remediation, error) {
	r, err := settings.ParseRemediation(data)
	var re *settings.RemediationError
	switch {
	case errors.As(err, &re) && re.Line > 0:
		return settings.Remediation{}, &Error{name, re.Line, err.Error()}
	case err != nil:
		return settings.Remediation{}, &Error{name, n.Line, err.Error()}
	}
	return r, nil
}
