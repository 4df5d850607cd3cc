package gateway

import (
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// InvestigationView is an investigation as the read API returns it.
type InvestigationView struct {
	ID         string                `json:"id"`
	Status     investigation.Status  `json:"status"`
	Playbook   string                `json:"playbook"`
	Automation investigation.Level   `json:"automation"`
	Title      string                `json:"title"`
	SeverityID alert.SeverityID      `json:"severity_id"`
	CreatedAt  time.Time             `json:"created_at"`
	UpdatedAt  time.Time             `json:"updated_at"`
	Entities   []EntityView          `json:"entities"`
	Actions    []ActionView          `json:"actions"`
	Alerts     []AlertView           `json:"alerts"`
	Timeline   []investigation.Event `json:"timeline"`
	// PendingScope is the expansion waiting for an analyst, if any.
	PendingScope *store.ScopeRequest `json:"pending_scope,omitempty"`
}

// EntityView is an entity with its verdict, the evidence for it, how it
// relates to the others, and how it came into the investigation.
type EntityView struct {
	Type      alert.EntityType         `json:"type"`
	Key       string                   `json:"key"`
	Name      string                   `json:"name,omitempty"`
	Verdict   investigation.Verdict    `json:"verdict"`
	Evidence  []investigation.Evidence `json:"evidence,omitempty"`
	Relations []investigation.Relation `json:"relations,omitempty"`
	FoundBy   string                   `json:"found_by,omitempty"`
	Round     int                      `json:"round"`
	Critical  bool                     `json:"critical,omitempty"`
	Excluded  string                   `json:"excluded,omitempty"`
}

// ActionView is a remediation action and what became of it.
type ActionView struct {
	ID         string                     `json:"id"`
	Type       investigation.ActionType   `json:"type"`
	Target     string                     `json:"target"`
	Scope      string                     `json:"scope,omitempty"`
	Status     investigation.ActionStatus `json:"status"`
	Reason     string                     `json:"reason,omitempty"`
	Result     string                     `json:"result,omitempty"`
	ApprovedBy string                     `json:"approved_by,omitempty"`
	DecidedAt  *time.Time                 `json:"decided_at,omitempty"`
}

// AlertView is a normalized alert without its raw payload.
type AlertView struct {
	ID            string           `json:"id"`
	Source        string           `json:"source"`
	Format        string           `json:"format"`
	SourceAlertID string           `json:"source_alert_id"`
	Title         string           `json:"title"`
	SeverityID    alert.SeverityID `json:"severity_id"`
	Time          time.Time        `json:"time"`
	Entities      []alert.Entity   `json:"entities"`
}

// NewInvestigationView builds the view of rec.
func NewInvestigationView(rec investigation.Record) InvestigationView {
	v := InvestigationView{
		ID: rec.ID, Status: rec.Status, Playbook: rec.Playbook, Automation: rec.Automation,
		Title: rec.Title, SeverityID: rec.SeverityID, CreatedAt: rec.CreatedAt,
		UpdatedAt: rec.UpdatedAt, Timeline: rec.Timeline,
		Entities: []EntityView{}, Actions: []ActionView{}, Alerts: []AlertView{},
	}
	for _, e := range rec.Entities {
		v.Entities = append(v.Entities, EntityView{Type: e.Type, Key: e.Key, Name: e.Name,
			Verdict: e.Verdict, Evidence: e.Evidence, Relations: e.Relations,
			FoundBy: e.FoundBy, Round: e.Round, Critical: e.Critical, Excluded: e.Excluded})
	}
	for _, a := range rec.Actions {
		v.Actions = append(v.Actions, actionView(a))
	}
	for _, a := range rec.Alerts {
		v.Alerts = append(v.Alerts, AlertView{ID: a.ID, Source: a.Source, Format: a.Format,
			SourceAlertID: a.SourceAlertID, Title: a.Title, SeverityID: a.SeverityID,
			Time: a.Time, Entities: a.Entities})
	}
	return v
}

func actionView(a investigation.Action) ActionView {
	v := ActionView{ID: a.ID, Type: a.Type, Target: a.Target, Scope: a.Scope,
		Status: a.Status, Reason: a.Reason, Result: a.Result, ApprovedBy: a.ApprovedBy}
	if !a.DecidedAt.IsZero() {
		v.DecidedAt = &a.DecidedAt
	}
	return v
}
