// Package playbook holds the investigation playbooks: for each, the steps
// it runs on each type of entity, what an alert's own detection says of
// the entities it names, how a verdict spreads along the relations the
// steps find, and how verdicts become proposed remediation.
//
// A policy in firebreak.yaml names the playbook of an investigation, or an
// analyst names it on a manual start. It runs on the entities of the
// alerts (round 1); the general playbook runs on every entity that
// expansion adds (rounds 2 and later).
package playbook

import (
	"slices"
	"sort"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Step names an investigation step. Each is a task of the state machine
// and its own Lambda function.
type Step string

// The investigation steps, in the order a round runs them.
const (
	GatherThreatInfo   Step = "gather_threat_info"
	DetermineOrigin    Step = "determine_origin"
	IdentifyAffected   Step = "identify_affected"
	HuntOtherInstances Step = "hunt_other_instances"
)

// Playbook is one way of investigating a kind of threat.
type Playbook struct {
	Name        string
	Description string
	// Steps lists the steps run on each entity type, beyond
	// GatherThreatInfo, which runs on every entity: a type it does not
	// list only gets the verdict the alerts, intelligence and data
	// sources' descriptions give it.
	Steps map[alert.EntityType][]Step
	// Condemns lists the entity types an alert that detected a named
	// threat makes malicious; Suspects those an alert of this playbook
	// makes suspicious by itself.
	Condemns []alert.EntityType
	Suspects []alert.EntityType
	// Corroborate makes an entity of one of these types malicious once it
	// has suspicious evidence from this many distinct findings.
	Corroborate map[alert.EntityType]int
	Spreads     []Spread
	Remedies    []Remedy
}

// Spread is how a verdict travels along a relation: an entity of type From
// with verdict When that relates to another by Kind gives that other
// entity evidence for Gives, saying Says (with the From entity's ref).
type Spread struct {
	From  alert.EntityType
	Kind  string
	When  investigation.Verdict
	Gives investigation.Verdict
	Says  string
}

// Remedy turns a verdict into a proposed action: an entity of type Target
// whose verdict is When gets Action. ScopeKind, when set, names the
// relation whose entities scope the action, one action each (the hosts a
// file is held by, the mailboxes a message was delivered to); ScopeAttr is
// the attribute that names the scope when no such relation was found.
// Unless skips the action when the entity's attribute has that value
// ("mfa=true" for requiring MFA).
type Remedy struct {
	Target    alert.EntityType
	When      investigation.Verdict
	Action    investigation.ActionType
	ScopeKind string
	ScopeAttr string
	ScopeType alert.EntityType
	Unless    [2]string
}

// Runs reports whether the playbook runs step on entities of type t:
// GatherThreatInfo on every entity, the other steps where Steps says.
func (p Playbook) Runs(step Step, t alert.EntityType) bool {
	return step == GatherThreatInfo || slices.Contains(p.Steps[t], step)
}

// General is the name of the playbook that runs on entities added by
// expansion and on alerts that no other playbook fits.
const General = "general"

var registry = map[string]Playbook{}

// register adds p to the registry; the package's playbooks call it at init.
func register(p Playbook) { registry[p.Name] = p }

// Get returns the playbook named name and whether there is one.
func Get(name string) (Playbook, bool) {
	p, ok := registry[name]
	return p, ok
}

// For returns the playbook that investigates an entity of an investigation
// run with playbook name, found in round: the named one in round 1, the
// general one after. An unknown name falls back to the general playbook.
func For(name string, round int) Playbook {
	if p, ok := registry[name]; ok && round <= 1 {
		return p
	}
	return registry[General]
}

// Names lists the registered playbooks, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
