package alert

import (
	"encoding/json"
	"strconv"
	"strings"
)

// genericFormat names Firebreak's own alert format, for sources no other
// parser reads.
const genericFormat = "generic"

// GenericSchema marks a payload in Firebreak's generic alert format. A tool
// that no other format fits, such as an in-house detection or a script,
// sends one JSON object per alert (or an array of them):
//
//	{
//	  "schema":          "firebreak.alert/v1",      required, exactly this
//	  "source_alert_id": "det-2025-0042",           required; the same id is one alert
//	  "title":           "Beacon to known C2",      required
//	  "time":            "2025-03-14T08:21:07Z",    required, RFC 3339, after 1970
//	  "severity":        "high",                    a name or an OCSF severity_id
//	  "description":     "…",
//	  "product":         "nightwatch",
//	  "category":        "Command and Control",
//	  "threat_names":    ["CobaltStrike"],
//	  "entities": [
//	    {"type": "host", "value": "i-0abc123", "name": "web-01",
//	     "attributes": {"ip": "10.0.0.12"}}
//	  ]
//	}
//
// severity is one of informational, low, medium, high, critical, fatal,
// unknown and other, in any case, or the integer OCSF severity_id of one
// (0–6 or 99); absent, it is unknown.
//
// Each entity's type is one of Firebreak's entity types (user, host, file,
// url, domain, ip, process, mailbox, email_message, cloud_resource,
// access_key) and its value what identifies it: a UPN, email address or
// ARN for a user; an instance id, device id or host name for a host; a
// SHA-256, SHA-1 or MD5 for a file, whose path and name go in attributes;
// an address for an IP or a mailbox; a Message-ID for an email message.
// Values are keyed as every format's are: lower-cased where case does not
// matter, canonicalized, defanged indicators refanged. A value that cannot
// be keyed, such as an IP address that does not parse or a value KeyProblem
// refuses, is an error, as is a field of the wrong type. Other keys are
// ignored and kept in the raw payload.
//
// The schema key is what the format is detected by, so a payload without
// it is never taken for a generic alert.
const GenericSchema = "firebreak.alert/v1"

// generic parses alerts in the generic format: see GenericSchema.
type generic struct{}

// Name returns "generic".
func (generic) Name() string { return genericFormat }

// Detect claims a payload whose schema is GenericSchema.
func (generic) Detect(top map[string]json.RawMessage) bool {
	return rawString(top["schema"]) == GenericSchema
}

// Parse returns the one alert of a generic payload.
func (generic) Parse(item []byte) ([]Alert, error) {
	// decode the payload and check what every alert needs
	var g genericAlert
	if err := decode(genericFormat, item, &g); err != nil {
		return nil, err
	}
	a, err := g.alert()
	if err != nil {
		return nil, err
	}

	// key each entity as its type requires
	var s entitySet
	for _, e := range g.Entities {
		ent, err := e.entity()
		if err != nil {
			return nil, err
		}
		s.add(ent)
	}
	a.Entities = s.entities()
	return []Alert{a}, nil
}

// genericAlert is a payload in the generic format.
type genericAlert struct {
	Schema        string          `json:"schema"`
	SourceAlertID string          `json:"source_alert_id"`
	Title         string          `json:"title"`
	Time          string          `json:"time"`
	Severity      json.RawMessage `json:"severity"`
	Description   string          `json:"description"`
	Product       string          `json:"product"`
	Category      string          `json:"category"`
	ThreatNames   []string        `json:"threat_names"`
	Entities      []genericEntity `json:"entities"`
}

type genericEntity struct {
	Type       string            `json:"type"`
	Value      string            `json:"value"`
	Name       string            `json:"name"`
	Attributes map[string]string `json:"attributes"`
}

// alert returns the alert without entities.
func (g *genericAlert) alert() (Alert, error) {
	// the schema, identity and title
	switch {
	case g.Schema != GenericSchema:
		return Alert{}, invalid(genericFormat, "schema", strconv.Quote(GenericSchema),
			quote(g.Schema))
	case g.SourceAlertID == "":
		return Alert{}, missing(genericFormat, "source_alert_id")
	case g.Title == "":
		return Alert{}, missing(genericFormat, "title")
	case g.Time == "":
		return Alert{}, missing(genericFormat, "time")
	}

	// when, and how bad
	t, err := parseTime(genericFormat, "time", g.Time)
	if err != nil {
		return Alert{}, err
	}
	sev, source, err := genericSeverity(g.Severity)
	if err != nil {
		return Alert{}, err
	}
	return Alert{
		Format:         genericFormat,
		SourceAlertID:  g.SourceAlertID,
		Title:          g.Title,
		Description:    g.Description,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: source,
		Time:           t,
		Product:        g.Product,
		Category:       g.Category,
		ThreatNames:    appendNew(nil, g.ThreatNames...),
	}, nil
}

// genericSeverity reads severity as a name or a severity_id, and returns
// it with the value as sent.
func genericSeverity(raw json.RawMessage) (SeverityID, string, error) {
	const want = "a severity name or an integer 0 to 6 or 99"
	if isNull(raw) {
		return SeverityUnknown, "", nil
	}
	if s := rawString(raw); s != "" || string(raw) == `""` {
		if strings.EqualFold(s, "other") {
			return SeverityOther, s, nil
		}
		id := severityByName(s)
		if id == SeverityOther || s == "" {
			return 0, "", invalid(genericFormat, "severity", want, quote(s))
		}
		return id, s, nil
	}
	n, err := strconv.Atoi(string(raw))
	id := SeverityID(n)
	if err != nil || id < SeverityUnknown || id > SeverityFatal && id != SeverityOther {
		return 0, "", invalid(genericFormat, "severity", want, clip(string(raw)))
	}
	return id, string(raw), nil
}

// genericKeys gives the key function of each entity type.
var genericKeys = map[EntityType]func(string) string{
	EntityUser:          userKey,
	EntityHost:          hostKey,
	EntityFile:          hashKey,
	EntityURL:           urlKey,
	EntityDomain:        domainKey,
	EntityIP:            ipKey,
	EntityProcess:       strings.TrimSpace,
	EntityMailbox:       func(s string) string { a, _ := emailAddress(s); return userKey(a) },
	EntityEmailMessage:  messageKey,
	EntityCloudResource: strings.TrimSpace,
	EntityAccessKey:     accessKeyKey,
}

// accessKeyKey returns an access key id in upper case, as AWS issues them.
func accessKeyKey(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// article is an entity type after the article it is read with: "an ip",
// "an access_key", "a url".
func article(typ string) string {
	if strings.IndexByte("aeio", typ[0]) >= 0 {
		return "an " + typ
	}
	return "a " + typ
}

// entity returns the entity keyed by its type's key function.
func (e *genericEntity) entity() (Entity, error) {
	typ := EntityType(e.Type)
	if !typ.Known() {
		return Entity{}, invalid(genericFormat, "entities.type",
			"an entity type such as user, host, file, url, ip", quote(e.Type))
	}
	key, problem := ParseKey(typ, e.Value)
	if problem != "" {
		return Entity{}, invalid(genericFormat, "entities.value",
			"a value that identifies "+article(e.Type)+" ("+problem+")", quote(e.Value))
	}
	ent := Entity{Type: typ, Key: key, Name: e.Name}
	if typ == EntityFile {
		ent = fileEntity(e.Value, e.Attributes["path"], e.Name)
	}
	for k, v := range e.Attributes {
		ent.Attributes = withAttr(ent.Attributes, k, v)
	}
	return ent, nil
}
