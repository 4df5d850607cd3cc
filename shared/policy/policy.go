// Package policy decides, for a normalized alert, whether it starts an
// automated investigation, with which playbook and automation level.
//
// Rules are evaluated in order and the first that matches decides. This
// first cut carries its rules in Go; firebreak.yaml with CEL expressions
// replaces them (see the ingestion issue), keeping Decide's contract.
package policy

import (
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Decision is what policy decided for one alert.
type Decision struct {
	Rule        string
	Investigate bool
	Playbook    string
	Automation  investigation.Level
}

// Rule is one policy rule: when Match holds for an alert, the alert is
// investigated with Playbook at Automation, or only stored when Automation
// is LevelOff.
type Rule struct {
	Name       string
	Match      func(alert.Alert) bool
	Playbook   string
	Automation investigation.Level
}

// Policy is an ordered list of rules.
type Policy []Rule

// Decide returns the decision of the first rule that matches a; an alert
// no rule matches is stored and not investigated.
func (p Policy) Decide(a alert.Alert) Decision {
	for _, r := range p {
		if r.Match(a) {
			return Decision{Rule: r.Name, Investigate: r.Automation != investigation.LevelOff,
				Playbook: r.Playbook, Automation: r.Automation}
		}
	}
	return Decision{Rule: "none", Automation: investigation.LevelOff}
}

// Default is the policy of a fresh install: a detected malware file is
// investigated and remediated automatically with the malware playbook;
// any other alert of medium severity or above gets the general playbook;
// the rest is stored.
var Default = Policy{
	{Name: "malware-detected", Match: malwareDetected, Playbook: "malware",
		Automation: investigation.LevelFull},
	{Name: "medium-and-above", Match: atLeast(alert.SeverityMedium), Playbook: "general",
		Automation: investigation.LevelFull},
	{Name: "low-severity", Match: func(alert.Alert) bool { return true },
		Automation: investigation.LevelOff},
}

// malwareDetected holds for an alert that names a threat and a file.
func malwareDetected(a alert.Alert) bool {
	if len(a.ThreatNames) == 0 {
		return false
	}
	for _, e := range a.Entities {
		if e.Type == alert.EntityFile {
			return true
		}
	}
	return false
}

func atLeast(min alert.SeverityID) func(alert.Alert) bool {
	return func(a alert.Alert) bool {
		return a.SeverityID >= min && a.SeverityID != alert.SeverityOther
	}
}
