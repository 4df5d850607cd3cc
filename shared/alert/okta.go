package alert

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// oktaFormat names Okta's System Log event format.
const oktaFormat = "okta"

// oktaEventHook is the event type of an Okta event hook's delivery, which
// holds System Log events in data.events.
const oktaEventHook = "com.okta.event_hook"

// oktaPartnerSource starts the source of the EventBridge events Okta's log
// streaming sends.
const oktaPartnerSource = "aws.partner/okta.com"

// okta parses Okta System Log events (LogEvent) such as ThreatInsight's
// security.threat.detected: as the System Log API returns them, in the
// EventBridge event of Okta's log streaming, or in an event hook's
// delivery, each of whose events is an alert.
type okta struct{}

// Name returns "okta".
func (okta) Name() string { return oktaFormat }

// Detect claims a LogEvent (uuid, eventType, published and actor), an
// event hook's delivery and a log streaming EventBridge event.
func (okta) Detect(top map[string]json.RawMessage) bool {
	if rawString(top["eventType"]) == oktaEventHook {
		return top["data"] != nil
	}
	if strings.HasPrefix(rawString(top["source"]), oktaPartnerSource) {
		return top["detail"] != nil
	}
	return top["uuid"] != nil && top["eventType"] != nil && top["published"] != nil &&
		top["actor"] != nil
}

// Split returns the events of an event hook's delivery, each a part of
// its own, or the item itself as the one part.
func (o okta) Split(item []byte) ([]part, error) {
	var hook struct {
		EventType string `json:"eventType"`
		Data      struct {
			Events json.RawMessage `json:"events"`
		} `json:"data"`
	}
	if err := decode(oktaFormat, item, &hook); err != nil {
		return nil, err
	}
	if hook.EventType != oktaEventHook {
		return []part{{body: item, parser: o}}, nil
	}
	return listParts(o, "data.events", hook.Data.Events)
}

// Parse returns the one alert of a LogEvent, bare or in its EventBridge
// event. uuid, eventType and published are required.
func (okta) Parse(item []byte) ([]Alert, error) {
	// unwrap the EventBridge event, if there is one
	var env struct {
		Source string          `json:"source"`
		Detail json.RawMessage `json:"detail"`
	}
	if err := decode(oktaFormat, item, &env); err != nil {
		return nil, err
	}
	body, prefix := item, ""
	if strings.HasPrefix(env.Source, oktaPartnerSource) && env.Detail != nil {
		body, prefix = env.Detail, "detail"
	}

	// read the event's alert and entities
	var ev oktaEvent
	if err := decode(oktaFormat, body, &ev); err != nil {
		return nil, prefixField(err, prefix)
	}
	a, err := ev.alert()
	if err != nil {
		return nil, prefixField(err, prefix)
	}
	a.Entities = ev.entities()
	return []Alert{a}, nil
}

// oktaEvent is the part of a LogEvent the parser reads.
type oktaEvent struct {
	UUID           string      `json:"uuid"`
	Published      string      `json:"published"`
	EventType      string      `json:"eventType"`
	DisplayMessage string      `json:"displayMessage"`
	Severity       string      `json:"severity"`
	Actor          oktaActor   `json:"actor"`
	Target         []oktaActor `json:"target"`
	Client         struct {
		IPAddress           string  `json:"ipAddress"`
		GeographicalContext oktaGeo `json:"geographicalContext"`
		UserAgent           struct {
			RawUserAgent string `json:"rawUserAgent"`
		} `json:"userAgent"`
	} `json:"client"`
	Outcome struct {
		Result string `json:"result"`
		Reason string `json:"reason"`
	} `json:"outcome"`
	SecurityContext struct {
		ASNumber int64  `json:"asNumber"`
		ASOrg    string `json:"asOrg"`
		ISP      string `json:"isp"`
		IsProxy  *bool  `json:"isProxy"`
	} `json:"securityContext"`
	Request struct {
		IPChain []struct {
			IP                  string  `json:"ip"`
			GeographicalContext oktaGeo `json:"geographicalContext"`
		} `json:"ipChain"`
	} `json:"request"`
	DebugContext struct {
		DebugData struct {
			ThreatDetections string `json:"threatDetections"`
		} `json:"debugData"`
	} `json:"debugContext"`
}

type oktaActor struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

type oktaGeo struct {
	City    string `json:"city"`
	State   string `json:"state"`
	Country string `json:"country"`
}

// alert returns the event's alert without entities.
func (ev *oktaEvent) alert() (Alert, error) {
	switch {
	case ev.UUID == "":
		return Alert{}, missing(oktaFormat, "uuid")
	case ev.EventType == "":
		return Alert{}, missing(oktaFormat, "eventType")
	case ev.Published == "":
		return Alert{}, missing(oktaFormat, "published")
	}
	t, err := parseTime(oktaFormat, "published", ev.Published)
	if err != nil {
		return Alert{}, err
	}
	sev := oktaSeverity(ev.Severity)
	title := ev.DisplayMessage
	if title == "" {
		title = ev.EventType
	}
	return Alert{
		Format:         oktaFormat,
		SourceAlertID:  ev.UUID,
		Title:          title,
		Description:    ev.Outcome.Reason,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: ev.Severity,
		Time:           t,
		Product:        "Okta",
		Category:       ev.EventType,
		ThreatNames:    ev.threatNames(),
	}, nil
}

// oktaSeverity maps a LogEvent's severity: DEBUG and INFO are
// informational, WARN medium, ERROR high.
func oktaSeverity(s string) SeverityID {
	switch strings.ToUpper(s) {
	case "":
		return SeverityUnknown
	case "DEBUG", "INFO":
		return SeverityInformational
	case "WARN":
		return SeverityMedium
	case "ERROR":
		return SeverityHigh
	}
	return SeverityOther
}

// threatNames returns the threats ThreatInsight detected, sorted: the keys
// of debugData.threatDetections, a JSON object in a string. A string that
// is no such object names none.
func (ev *oktaEvent) threatNames() []string {
	var detections map[string]any
	raw := ev.DebugContext.DebugData.ThreatDetections
	if json.Unmarshal([]byte(raw), &detections) != nil {
		return nil
	}
	return appendNew(nil, slices.Sorted(maps.Keys(detections))...)
}

// entities returns the actor, the targets that are users, and the client's
// address with what Okta knows of it, then the addresses of the request's
// chain of proxies.
func (ev *oktaEvent) entities() []Entity {
	var s entitySet
	s.add(ev.Actor.entity())
	for _, t := range ev.Target {
		if t.Type == "User" {
			s.add(t.entity())
		}
	}
	s.add(ev.clientIP())
	for _, hop := range ev.Request.IPChain {
		g := &hop.GeographicalContext
		s.add(Entity{Type: EntityIP, Key: ipKey(hop.IP),
			Attributes: Attrs("city", g.City, "state", g.State, "country", g.Country)})
	}
	return s.entities()
}

// entity returns an actor or target: a user keyed by login, or the
// address ThreatInsight names as the actor of a pre-authentication threat.
// Other actors (apps, Okta itself) name no entity.
func (a *oktaActor) entity() Entity {
	switch a.Type {
	case "User":
		return Entity{Type: EntityUser, Key: userKey(a.AlternateID), Name: a.DisplayName,
			Attributes: Attrs("id", a.ID)}
	case "IP address":
		return Entity{Type: EntityIP, Key: ipKey(a.ID)}
	}
	return Entity{}
}

// clientIP returns the client's address with its location, network and
// user agent.
func (ev *oktaEvent) clientIP() Entity {
	c, sc := &ev.Client, &ev.SecurityContext
	g := &c.GeographicalContext
	var asn, proxy string
	if sc.ASNumber > 0 {
		asn = strconv.FormatInt(sc.ASNumber, 10)
	}
	if sc.IsProxy != nil {
		proxy = strconv.FormatBool(*sc.IsProxy)
	}
	return Entity{
		Type: EntityIP,
		Key:  ipKey(c.IPAddress),
		Attributes: Attrs(
			"city", g.City, "state", g.State, "country", g.Country,
			"asn", asn, "asn_org", sc.ASOrg, "isp", sc.ISP, "proxy", proxy,
			"user_agent", c.UserAgent.RawUserAgent,
		),
	}
}
