// Package settings reads the investigation part of firebreak.yaml: how
// far an investigation may widen and how many actions it may propose
// before a person must look, which email actions may run alone, and which
// indicator lists inform verdicts.
//
// It decodes YAML only, so the investigation steps read their settings
// without linking the intake's policy engine; shared/config checks the same
// section as part of the whole file.
package settings

import (
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults for what firebreak.yaml does not say.
const (
	DefaultMaxRounds         = 3
	DefaultApprovalAtHosts   = 10
	DefaultMaxActions        = 25
	DefaultScopeApprovalDays = 7
	// DefaultCorrelationWindow is how long an open investigation's
	// indicators attract new alerts when firebreak.yaml does not say.
	DefaultCorrelationWindow = 24 * time.Hour
)

// Investigation is how investigations run.
type Investigation struct {
	// MaxRounds bounds the expansion rounds: round 1 investigates the
	// alerts' entities, each later round what the one before found.
	MaxRounds int `yaml:"max_rounds"`
	// ApprovalAtHosts is the number of hosts at which widening the
	// investigation further waits for an analyst.
	ApprovalAtHosts int `yaml:"approval_at_hosts"`
	// MaxActions is the most actions an investigation proposes on its
	// own; more, and every action waits for a person.
	MaxActions int `yaml:"max_actions"`
	// EmailActions is "approve" (email actions always wait, the default)
	// or "auto" (they follow the automation level like the others).
	EmailActions string `yaml:"email_actions"`
	// IndicatorLists are CSV and STIX 2.1 files of indicators, paths in
	// the repository under events/intel/, built into the functions.
	IndicatorLists []string `yaml:"indicator_lists"`
	// VirusTotalSecret names the Secrets Manager secret (its name or ARN)
	// whose value is a VirusTotal API key: when set, files, URLs, domains
	// and IPs are also looked up at VirusTotal. Empty asks no outside
	// service.
	VirusTotalSecret string `yaml:"virustotal_secret"`
	// DataSources names the data sources investigations ask: "tenant"
	// (the simulated tenant, the default) and "aws" (CloudTrail, IAM and
	// EC2 of the account the stack runs in).
	DataSources []string `yaml:"data_sources"`
	// CorrelationWindow bounds how long the indicators an investigation
	// claims attract new alerts: firebreak.yaml's correlation.window.
	CorrelationWindow time.Duration `yaml:"-"`
}

// Email action policies.
const (
	EmailApprove = "approve"
	EmailAuto    = "auto"
)

// Data sources an investigation may ask.
const (
	SourceTenant = "tenant"
	SourceAWS    = "aws"
)

// Asks reports whether investigations ask the data source named name.
func (s Investigation) Asks(name string) bool { return slices.Contains(s.DataSources, name) }

// ListDir is the folder indicator lists must be in: the one the functions
// embed.
const ListDir = "events/intel"

// Parse reads the investigation section of a firebreak.yaml document,
// fills in the defaults and checks it. Other sections are ignored.
func Parse(data []byte) (Investigation, error) {
	var doc struct {
		Investigation Investigation `yaml:"investigation"`
		Correlation   struct {
			Window string `yaml:"window"`
		} `yaml:"correlation"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return Investigation{}, fmt.Errorf("investigation: %w", err)
	}
	inv := doc.Investigation.withDefaults()
	inv.CorrelationWindow = DefaultCorrelationWindow
	if doc.Correlation.Window != "" {
		w, err := time.ParseDuration(doc.Correlation.Window)
		if err != nil || w <= 0 {
			return Investigation{}, fmt.Errorf("correlation.window: %q is not a positive "+
				"duration such as 24h", doc.Correlation.Window)
		}
		inv.CorrelationWindow = w
	}
	return inv, inv.check()
}

func (s Investigation) withDefaults() Investigation {
	if s.MaxRounds == 0 {
		s.MaxRounds = DefaultMaxRounds
	}
	if s.ApprovalAtHosts == 0 {
		s.ApprovalAtHosts = DefaultApprovalAtHosts
	}
	if s.MaxActions == 0 {
		s.MaxActions = DefaultMaxActions
	}
	if s.EmailActions == "" {
		s.EmailActions = EmailApprove
	}
	if len(s.DataSources) == 0 {
		s.DataSources = []string{SourceTenant}
	}
	return s
}

// check says what is wrong with s, naming the key.
func (s Investigation) check() error {
	switch {
	case s.MaxRounds < 1 || s.MaxRounds > 10:
		return fmt.Errorf("investigation.max_rounds: %d is not between 1 and 10", s.MaxRounds)
	case s.ApprovalAtHosts < 1:
		return fmt.Errorf("investigation.approval_at_hosts: %d is not positive",
			s.ApprovalAtHosts)
	case s.MaxActions < 1:
		return fmt.Errorf("investigation.max_actions: %d is not positive", s.MaxActions)
	case s.EmailActions != EmailApprove && s.EmailActions != EmailAuto:
		return fmt.Errorf("investigation.email_actions: %q is not %q or %q",
			s.EmailActions, EmailApprove, EmailAuto)
	}
	for i, d := range s.DataSources {
		if d != SourceTenant && d != SourceAWS {
			return fmt.Errorf("investigation.data_sources[%d]: %q is not %q or %q", i, d,
				SourceTenant, SourceAWS)
		}
	}
	for i, l := range s.IndicatorLists {
		if path.Dir(path.Clean(l)) != ListDir || !(strings.HasSuffix(l, ".csv") ||
			strings.HasSuffix(l, ".json")) {
			return fmt.Errorf("investigation.indicator_lists[%d]: %q is not a .csv or .json "+
				"file in %s/", i, l, ListDir)
		}
	}
	return nil
}
