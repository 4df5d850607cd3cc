package investigation

import (
	"slices"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
)

// Level is an automation level: how much remediation may run without a
// person approving it.
type Level string

// Automation levels.
const (
	LevelFull         Level = "full"          // remediation runs without approval
	LevelSemi         Level = "semi"          // every action waits for approval
	LevelSemiCritical Level = "semi-critical" // actions on critical assets wait
	LevelOff          Level = "off"           // stored, not investigated
)

// Investigation is the summary record of one investigation.
type Investigation struct {
	ID         string           `json:"id"`
	Status     Status           `json:"status"`
	Playbook   string           `json:"playbook"`
	Automation Level            `json:"automation"`
	Title      string           `json:"title"`
	SeverityID alert.SeverityID `json:"severity_id"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
	AlertCount int              `json:"alert_count"`
	// ExecutionStarted is set once StartExecution has answered, so a
	// re-sent alert can start an execution that failed to start.
	ExecutionStarted bool `json:"execution_started"`
	// ExecutionEnded is set by Finalize: no round will investigate an
	// alert that joins now, so none may join; one naming the same
	// indicators opens a new investigation.
	ExecutionEnded bool `json:"execution_ended,omitempty"`
	// Indicators are the entity refs ("type:key") this investigation claims:
	// an alert naming one of them joins it while it is open.
	Indicators []string `json:"indicators,omitempty"`
}

// Entity is an entity under investigation with its verdict and the
// evidence that decided it.
type Entity struct {
	alert.Entity
	Verdict  Verdict    `json:"verdict"`
	Evidence []Evidence `json:"evidence,omitempty"`
	// Relations link the entity to others of the investigation.
	Relations []Relation `json:"relations,omitempty"`
	// FoundBy names the step or alert that added the entity.
	FoundBy string `json:"found_by,omitempty"`
	// Round is the expansion round that investigates the entity: 1 for
	// the entities of the alerts that opened the investigation.
	Round int `json:"round"`
	// Critical reports that a data source marks the entity a critical
	// asset: actions on it wait for approval at level semi-critical.
	Critical bool `json:"critical,omitempty"`
	// Excluded, when set, says why the entity is outside the
	// investigation's scope (an expansion an analyst rejected): it keeps
	// its verdict but no action is proposed on it.
	Excluded string `json:"excluded,omitempty"`
}

// Merge folds what another finding says of the same entity into e: new
// evidence and relations (each once), the earlier round, the critical
// mark, attributes e lacks. The verdict is judged anew from the evidence.
// It reports whether e changed.
func (e *Entity) Merge(o Entity) bool {
	changed := false
	for _, ev := range o.Evidence {
		if !slices.Contains(e.Evidence, ev) && len(e.Evidence) < MaxEvidence {
			e.Evidence, changed = append(e.Evidence, ev), true
		}
	}
	for _, r := range o.Relations {
		if !slices.Contains(e.Relations, r) && len(e.Relations) < MaxRelations {
			e.Relations, changed = append(e.Relations, r), true
		}
	}
	if o.Round > 0 && (e.Round == 0 || o.Round < e.Round) {
		e.Round, changed = o.Round, true
	}
	if o.Excluded != "" && e.Excluded == "" {
		e.Excluded, changed = o.Excluded, true
	}
	if o.Critical && !e.Critical {
		e.Critical, changed = true, true
	}
	if e.FoundBy == "" && o.FoundBy != "" {
		e.FoundBy, changed = o.FoundBy, true
	}
	if e.Name == "" && o.Name != "" {
		e.Name, changed = o.Name, true
	}
	for k, v := range o.Attributes {
		if _, ok := e.Attributes[k]; !ok {
			if e.Attributes == nil {
				e.Attributes = map[string]string{}
			}
			e.Attributes[k], changed = v, true
		}
	}
	e.Verdict = Judge(e.Evidence)
	return changed
}

// Limits that keep an entity's item well under DynamoDB's 400 KB: what a
// wide investigation finds beyond them is dropped, not stored.
const (
	MaxEvidence  = 40
	MaxRelations = 200
)

// Evidence is one finding about an entity and the verdict it argues for.
// An entity's verdict is the gravest its evidence argues for: malicious,
// then suspicious, then clean; with no evidence it is unknown.
type Evidence struct {
	Verdict Verdict `json:"verdict"`
	// Step is the investigation step that found it, such as
	// "gather_threat_info".
	Step string `json:"step"`
	// Source names where it came from: "tenant", "cloudtrail", an
	// indicator list, an alert id.
	Source string `json:"source"`
	Text   string `json:"text"`
}

// Relation links an entity to another: the other entity's ref and how
// they relate, such as "held_by", "downloaded_from", "sent_by",
// "received_by", "clicked_by", "signed_in_from", "used_by".
type Relation struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// Correlated lists the entity types alerts are correlated on, most
// telling first: an open investigation claims its entities of these types,
// and an alert naming one joins it. Two alerts naming the same file hash
// are far more likely one threat than two naming the same host.
var Correlated = []alert.EntityType{
	alert.EntityFile, alert.EntityURL, alert.EntityDomain, alert.EntityAccessKey,
	alert.EntityUser, alert.EntityHost,
}

// Indicators returns the refs of a's entities that it is correlated on,
// most telling first.
func Indicators(a alert.Alert) []string {
	var refs []string
	for _, t := range Correlated {
		for _, e := range a.Entities {
			if e.Type == t {
				refs = append(refs, e.Ref())
			}
		}
	}
	return refs
}

// Judge returns the verdict a body of evidence argues for.
func Judge(evidence []Evidence) Verdict {
	best := VerdictUnknown
	for _, e := range evidence {
		if gravity[e.Verdict] > gravity[best] {
			best = e.Verdict
		}
	}
	return best
}

var gravity = map[Verdict]int{VerdictUnknown: 0, VerdictClean: 1, VerdictSuspicious: 2,
	VerdictMalicious: 3}

// Gravity orders verdicts: unknown 0, clean 1, suspicious 2, malicious 3.
func Gravity(v Verdict) int { return gravity[v] }

// ActionType names a remediation.
type ActionType string

// Remediation action types.
const (
	ActionQuarantineFile   ActionType = "quarantine_file"
	ActionDeleteFile       ActionType = "delete_file"
	ActionIsolateHost      ActionType = "isolate_host"
	ActionKillProcess      ActionType = "kill_process"
	ActionResetPassword    ActionType = "reset_password"
	ActionRevokeSessions   ActionType = "revoke_sessions"
	ActionRequireMFA       ActionType = "require_mfa"
	ActionDisableUser      ActionType = "disable_user"
	ActionDisableAccessKey ActionType = "disable_access_key"
	ActionBlockURL         ActionType = "block_url"
	ActionBlockDomain      ActionType = "block_domain"
	ActionBlockIP          ActionType = "block_ip"
	ActionDeleteEmail      ActionType = "delete_email"
)

// Domain groups actions by what they touch; each domain has its own
// approver group.
type Domain string

// Action domains.
const (
	DomainHosts      Domain = "hosts"
	DomainIdentities Domain = "identities"
	DomainEmail      Domain = "email"
	DomainNetwork    Domain = "network"
	DomainCloud      Domain = "cloud"
)

// ActionSpec says what an action type touches and whether it can be
// undone.
type ActionSpec struct {
	Domain     Domain
	Reversible bool
	// Target is the entity type the action acts on.
	Target alert.EntityType
}

// Actions lists every action type Firebreak knows.
var Actions = map[ActionType]ActionSpec{
	ActionQuarantineFile:   {DomainHosts, true, alert.EntityFile},
	ActionDeleteFile:       {DomainHosts, false, alert.EntityFile},
	ActionIsolateHost:      {DomainHosts, true, alert.EntityHost},
	ActionKillProcess:      {DomainHosts, false, alert.EntityProcess},
	ActionResetPassword:    {DomainIdentities, false, alert.EntityUser},
	ActionRevokeSessions:   {DomainIdentities, false, alert.EntityUser},
	ActionRequireMFA:       {DomainIdentities, true, alert.EntityUser},
	ActionDisableUser:      {DomainIdentities, true, alert.EntityUser},
	ActionDisableAccessKey: {DomainCloud, true, alert.EntityAccessKey},
	ActionBlockURL:         {DomainNetwork, true, alert.EntityURL},
	ActionBlockDomain:      {DomainNetwork, true, alert.EntityDomain},
	ActionBlockIP:          {DomainNetwork, true, alert.EntityIP},
	ActionDeleteEmail:      {DomainEmail, true, alert.EntityEmailMessage},
}

// Action is one proposed remediation and what became of it.
type Action struct {
	ID     string       `json:"id"`
	Type   ActionType   `json:"type"`
	Status ActionStatus `json:"status"`
	// Target is the entity ref the action acts on, such as "file:<sha256>".
	Target string `json:"target"`
	// Scope narrows the target, such as the host a file is quarantined on.
	Scope string `json:"scope,omitempty"`
	// Reason says why the action was proposed.
	Reason     string    `json:"reason"`
	ApprovedBy string    `json:"approved_by,omitempty"`
	DecidedAt  time.Time `json:"decided_at,omitzero"`
	Result     string    `json:"result,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Event is one entry of an investigation's append-only timeline.
type Event struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	Actor   string    `json:"actor"`
	Message string    `json:"message"`
}

// Record is everything stored about one investigation.
type Record struct {
	Investigation
	Alerts   []alert.Alert `json:"alerts"`
	Entities []Entity      `json:"entities"`
	Actions  []Action      `json:"actions"`
	Timeline []Event       `json:"timeline"`
}
