// Package alert defines the normalized alert that every source's payload is
// turned into, and the parsers that turn them.
//
// Field names and enumerations follow the OCSF Detection Finding class
// (class_uid 2004) where OCSF has one. The raw payload is kept beside the
// normalized fields so nothing the source said is lost.
package alert

import (
	"encoding/json"
	"time"
)

// Alert is one security alert, normalized.
//
// ID is assigned by Firebreak when the alert is ingested; parsers leave it
// empty. Source is the authenticated sender (for example "demo"), also set
// on ingest. Format names the parser that produced the alert.
type Alert struct {
	ID             string          `json:"id,omitempty"`
	Source         string          `json:"source,omitempty"`
	Format         string          `json:"format"`
	SourceAlertID  string          `json:"source_alert_id"`
	Title          string          `json:"title"`
	Description    string          `json:"description,omitempty"`
	SeverityID     SeverityID      `json:"severity_id"`
	Severity       string          `json:"severity"`
	SourceSeverity string          `json:"source_severity,omitempty"`
	Time           time.Time       `json:"time"`
	Product        string          `json:"product,omitempty"`
	Category       string          `json:"category,omitempty"`
	ThreatNames    []string        `json:"threat_names,omitempty"`
	Entities       []Entity        `json:"entities"`
	Raw            json.RawMessage `json:"raw,omitempty"`
}

// SeverityID is OCSF's severity_id enumeration.
type SeverityID int

// OCSF severity_id values.
const (
	SeverityUnknown       SeverityID = 0
	SeverityInformational SeverityID = 1
	SeverityLow           SeverityID = 2
	SeverityMedium        SeverityID = 3
	SeverityHigh          SeverityID = 4
	SeverityCritical      SeverityID = 5
	SeverityFatal         SeverityID = 6
	SeverityOther         SeverityID = 99
)

// String returns the OCSF caption of s, such as "High".
func (s SeverityID) String() string {
	switch s {
	case SeverityInformational:
		return "Informational"
	case SeverityLow:
		return "Low"
	case SeverityMedium:
		return "Medium"
	case SeverityHigh:
		return "High"
	case SeverityCritical:
		return "Critical"
	case SeverityFatal:
		return "Fatal"
	case SeverityOther:
		return "Other"
	}
	return "Unknown"
}

// EntityType names the kind of thing an entity is.
type EntityType string

// Entity types. Keys are stable across sources so the same thing seen by two
// tools is one entity: see Entity.
const (
	EntityUser          EntityType = "user"
	EntityHost          EntityType = "host"
	EntityFile          EntityType = "file"
	EntityURL           EntityType = "url"
	EntityDomain        EntityType = "domain"
	EntityIP            EntityType = "ip"
	EntityProcess       EntityType = "process"
	EntityMailbox       EntityType = "mailbox"
	EntityEmailMessage  EntityType = "email_message"
	EntityCloudResource EntityType = "cloud_resource"
	EntityAccessKey     EntityType = "access_key"
)

// Entity is something an alert names: a user, a host, a file and so on.
//
// Key identifies the entity across alerts and sources: a host's cloud
// instance id or device id, a file's SHA-256 (else SHA-1, else MD5), a user's
// lower-cased UPN, email or principal ARN. Name is a display name.
// Attributes hold what else the source said of it (paths, file names,
// addresses), each value a string; a key with several values joins them
// with "\n" in the order the source gave them.
type Entity struct {
	Type       EntityType        `json:"type"`
	Key        string            `json:"key"`
	Name       string            `json:"name,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Ref returns "type:key", the entity's identity in logs and the store.
func (e Entity) Ref() string { return string(e.Type) + ":" + e.Key }
