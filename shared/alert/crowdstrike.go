package alert

import (
	"encoding/json"
	"strconv"
	"strings"
)

// crowdStrikeFormat names CrowdStrike Falcon's detection formats.
const crowdStrikeFormat = "crowdstrike"

// crowdStrikeProduct names the product when the payload does not.
const crowdStrikeProduct = "CrowdStrike Falcon"

// Event types of the Falcon streaming API that carry a detection.
const (
	csDetectionSummary    = "DetectionSummaryEvent"    // legacy, severity 1–5
	csEppDetectionSummary = "EppDetectionSummaryEvent" // severity 0–100
)

// crowdStrike parses CrowdStrike Falcon detections: alerts of the Alerts
// API v2 (endpoint "epp" and identity "idp" products alike) and detection
// events of the streaming API, the legacy DetectionSummaryEvent and its
// successor EppDetectionSummaryEvent.
type crowdStrike struct{}

// Name returns "crowdstrike".
func (crowdStrike) Name() string { return crowdStrikeFormat }

// Detect claims an Alerts API alert (composite_id, cid and product) and a
// streaming API event (metadata naming the customer and the event type,
// and an event), whatever the event's type, so that Parse can say which
// types it reads.
func (crowdStrike) Detect(top map[string]json.RawMessage) bool {
	if top["composite_id"] != nil && top["cid"] != nil && top["product"] != nil {
		return true
	}
	var meta struct {
		CustomerIDString json.RawMessage `json:"customerIDString"`
		EventType        json.RawMessage `json:"eventType"`
	}
	return top["event"] != nil && json.Unmarshal(top["metadata"], &meta) == nil &&
		meta.CustomerIDString != nil && meta.EventType != nil
}

// Parse returns the one alert of an Alerts API alert or a streaming API
// detection event. The alert's id (composite_id, CompositeId or
// DetectId), name, severity and time are required.
func (crowdStrike) Parse(item []byte) ([]Alert, error) {
	var probe struct {
		Metadata json.RawMessage `json:"metadata"`
	}
	if err := decode(crowdStrikeFormat, item, &probe); err != nil {
		return nil, err
	}
	if probe.Metadata != nil {
		return parseCSStream(item)
	}
	return parseCSAlert(item)
}

// csSeverity maps a Falcon severity from 0 to 100 to OCSF's, by name when
// the payload gives one (Informational, Low, Medium, High, Critical), else
// by Falcon's bands around its values 10, 30, 50, 70 and 90.
func csSeverity(field string, v *int, name string) (SeverityID, error) {
	if v == nil {
		return 0, missing(crowdStrikeFormat, field)
	}
	if *v < 0 || *v > 100 {
		return 0, invalid(crowdStrikeFormat, field, "an integer from 0 to 100",
			strconv.Itoa(*v))
	}
	if id := severityByName(name); id != SeverityUnknown && id != SeverityOther {
		return id, nil
	}
	switch {
	case *v < 20:
		return SeverityInformational, nil
	case *v < 40:
		return SeverityLow, nil
	case *v < 60:
		return SeverityMedium, nil
	case *v < 80:
		return SeverityHigh, nil
	}
	return SeverityCritical, nil
}

// csLegacySeverity maps a DetectionSummaryEvent's severity, 1 to 5, to
// OCSF's: informational, low, medium, high, critical.
func csLegacySeverity(field string, v *int) (SeverityID, error) {
	if v == nil {
		return 0, missing(crowdStrikeFormat, field)
	}
	if *v < 1 || *v > 5 {
		return 0, invalid(crowdStrikeFormat, field, "an integer from 1 to 5",
			strconv.Itoa(*v))
	}
	return SeverityID(*v), nil
}

// csProcessKey returns a process's key as Falcon's process graph id,
// "pid:<agent id>:<process id>", so that the streaming API and the
// Alerts API name one process alike; "" if either id is unknown.
func csProcessKey(agentID, processID string) string {
	if agentID == "" || processID == "" || processID == "0" {
		return ""
	}
	return "pid:" + agentID + ":" + processID
}

// csFilePath returns the full path of a file a detection names. The
// legacy event gives the folder in FilePath and the name apart; the
// current one gives the whole path in FilePath.
func csFilePath(dir, name string) string {
	if dir == "" || name == "" || strings.HasSuffix(dir, name) {
		return dir
	}
	return dir + `\` + name
}

// csIOC returns the entity of an indicator of compromise by its Falcon
// type: a hash, a domain or an IP address; other types name no entity.
func csIOC(typ, value string) Entity {
	switch typ {
	case "hash_sha256", "hash_sha1", "hash_md5":
		return hashedFile("", "", value)
	case "domain":
		return Entity{Type: EntityDomain, Key: domainKey(value)}
	case "ipv4", "ipv6":
		return Entity{Type: EntityIP, Key: ipKey(value)}
	}
	return Entity{}
}
