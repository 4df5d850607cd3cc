package alert

import (
	"cmp"
	"encoding/json"
	"strings"
	"time"
)

// sentinelFormat names Microsoft Sentinel's incident and alert formats.
const sentinelFormat = "sentinel"

// Azure resource types of Sentinel's REST objects, compared without case
// as Azure Resource Manager compares them.
const (
	sentinelIncidentType = "Microsoft.SecurityInsights/Incidents"
	sentinelEntityType   = "Microsoft.SecurityInsights/Entities"
	sentinelAlertKind    = "SecurityAlert"
)

// sentinel parses Microsoft Sentinel's incidents and alerts: the incident
// an automation rule or a Logic App's incident trigger sends, with its
// alerts and related entities; incident and alert (kind SecurityAlert)
// objects of the REST API; and rows of the SecurityAlert table of Log
// Analytics, whose Entities column is a JSON document in a string.
type sentinel struct{}

// Name returns "sentinel".
func (sentinel) Name() string { return sentinelFormat }

// Detect claims an incident trigger by objectSchemaType beside object or
// eventUniqueId, a REST
// object by its Sentinel resource type beside properties, and a
// SecurityAlert row by SystemAlertId and AlertName.
func (sentinel) Detect(top map[string]json.RawMessage) bool {
	if top["objectSchemaType"] != nil &&
		(top["object"] != nil || top["eventUniqueId"] != nil) {
		return true
	}
	t := strings.ToLower(rawString(top["type"]))
	if strings.HasPrefix(t, "microsoft.securityinsights/") && top["properties"] != nil {
		return true
	}
	return top["SystemAlertId"] != nil && top["AlertName"] != nil
}

// Parse returns the one alert of an incident, a Sentinel alert or a
// SecurityAlert row. Each needs an id, a title, a severity and a time.
func (sentinel) Parse(item []byte) ([]Alert, error) {
	// tell the shapes apart by their keys, whose case matters here
	top, ok := topKeys(item)
	if !ok {
		return nil, decode(sentinelFormat, item, &struct{}{})
	}
	switch {
	case top["objectSchemaType"] != nil:
		return parseSentinelTrigger(item)
	case top["SystemAlertId"] != nil || top["AlertName"] != nil:
		return parseSecurityAlertRow(item)
	}
	var obj sentObject
	if err := decode(sentinelFormat, item, &obj); err != nil {
		return nil, err
	}
	return obj.alerts("")
}

// parseSentinelTrigger returns the alert of the incident an automation
// rule's incident trigger sends.
func parseSentinelTrigger(item []byte) ([]Alert, error) {
	var trig struct {
		ObjectSchemaType string      `json:"objectSchemaType"`
		Object           *sentObject `json:"object"`
	}
	if err := decode(sentinelFormat, item, &trig); err != nil {
		return nil, err
	}
	if trig.ObjectSchemaType != "Incident" {
		return nil, invalid(sentinelFormat, "objectSchemaType", quote("Incident"),
			quote(trig.ObjectSchemaType))
	}
	if trig.Object == nil {
		return nil, missing(sentinelFormat, "object")
	}
	return trig.Object.alerts("object.")
}

// sentObject is an Azure resource of Sentinel's REST API: an incident, an
// alert or an entity, by its type and kind.
type sentObject struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Kind       string          `json:"kind"`
	Properties json.RawMessage `json:"properties"`
}

// alerts returns the alert of an incident or alert object. prefix is the
// object's path in the payload, for errors.
func (o *sentObject) alerts(prefix string) ([]Alert, error) {
	// only incidents and alerts are alerts
	switch {
	case strings.EqualFold(o.Type, sentinelIncidentType):
	case strings.EqualFold(o.Type, sentinelEntityType) && o.Kind == sentinelAlertKind:
	case strings.EqualFold(o.Type, sentinelEntityType):
		return nil, invalid(sentinelFormat, prefix+"kind", quote(sentinelAlertKind),
			quote(o.Kind))
	default:
		return nil, invalid(sentinelFormat, prefix+"type",
			quote(sentinelIncidentType)+" or "+quote(sentinelEntityType), quote(o.Type))
	}
	if isNull(o.Properties) {
		return nil, missing(sentinelFormat, prefix+"properties")
	}

	// read the properties of its kind
	a, err := o.parse(prefix)
	if err != nil {
		return nil, err
	}
	return []Alert{a}, nil
}

// parse reads an incident's or alert's properties.
func (o *sentObject) parse(prefix string) (Alert, error) {
	props := prefix + "properties."
	if o.Kind == sentinelAlertKind {
		var p sentAlertProps
		if err := decodeAt(props, o.Properties, &p); err != nil {
			return Alert{}, err
		}
		return p.alert(props, o.Name)
	}
	var p sentIncidentProps
	if err := decodeAt(props, o.Properties, &p); err != nil {
		return Alert{}, err
	}
	return p.alert(props, cmp.Or(o.Name, resourceName(o.ID)))
}

// decodeAt decodes a nested object into v, naming its fields in errors by
// their path from the payload's top.
func decodeAt(prefix string, raw json.RawMessage, v any) error {
	err := decode(sentinelFormat, raw, v)
	if fe, ok := err.(*FieldError); ok {
		fe.Field = strings.TrimSuffix(prefix+fe.Field, ".")
	}
	return err
}

// sentIncidentProps is the part of an incident's properties the parser
// reads, as the Sentinel REST API (2023-02-01 and later) names them.
type sentIncidentProps struct {
	Title               string `json:"title"`
	Description         string `json:"description"`
	Severity            string `json:"severity"`
	CreatedTimeUTC      string `json:"createdTimeUtc"`
	LastModifiedTimeUTC string `json:"lastModifiedTimeUtc"`
	ProviderName        string `json:"providerName"`
	AdditionalData      struct {
		AlertProductNames []string `json:"alertProductNames"`
		Tactics           []string `json:"tactics"`
	} `json:"additionalData"`
	Alerts []struct {
		Properties sentAlertProps `json:"properties"`
	} `json:"alerts"`
	RelatedEntities []sentRelated `json:"relatedEntities"`
}

// sentRelated is one of an incident's related entities.
type sentRelated struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Properties sentEntity `json:"properties"`
}

// alert returns the incident's alert, id being its name.
func (p *sentIncidentProps) alert(prefix, id string) (Alert, error) {
	a, err := sentinelAlert(sentinelTexts{
		id: id, title: p.Title, severity: p.Severity,
		updated: p.LastModifiedTimeUTC, created: p.CreatedTimeUTC,
	}, sentinelFields{
		id:    strings.TrimSuffix(prefix, "properties.") + "name",
		title: prefix + "title", severity: prefix + "severity",
		updated: prefix + "lastModifiedTimeUtc", created: prefix + "createdTimeUtc",
	})
	if err != nil {
		return Alert{}, err
	}
	a.Description = p.Description
	a.Product = p.ProviderName
	if names := p.AdditionalData.AlertProductNames; len(names) > 0 {
		a.Product = names[0]
	}
	if tactics := p.AdditionalData.Tactics; len(tactics) > 0 {
		a.Category = tactics[0]
	}
	a.Entities = p.entities()
	return a, nil
}

// entities returns the incident's related entities, then the resources
// its alerts name.
func (p *sentIncidentProps) entities() []Entity {
	// the related entities refer to each other by id
	byID := make(map[string]*sentEntity, len(p.RelatedEntities))
	list := make([]*sentEntity, len(p.RelatedEntities))
	for i := range p.RelatedEntities {
		r := &p.RelatedEntities[i]
		r.Properties.Type, r.Properties.ID = r.Kind, r.ID
		byID[r.ID] = &r.Properties
		list[i] = &r.Properties
	}
	var s entitySet
	addSentEntities(&s, list, func(id string) *sentEntity { return byID[id] })

	// the alerts' resources
	for i := range p.Alerts {
		p.Alerts[i].Properties.addResources(&s)
	}
	return s.entities()
}

// sentAlertProps is the part of a Sentinel alert's properties the parser
// reads.
type sentAlertProps struct {
	SystemAlertID       string `json:"systemAlertId"`
	AlertDisplayName    string `json:"alertDisplayName"`
	Description         string `json:"description"`
	Severity            string `json:"severity"`
	TimeGenerated       string `json:"timeGenerated"`
	ProductName         string `json:"productName"`
	AlertType           string `json:"alertType"`
	ResourceIdentifiers []struct {
		Type       string `json:"type"`
		ResourceID string `json:"resourceId"`
	} `json:"resourceIdentifiers"`
}

// alert returns the alert's alert; name is the object's name, its id when
// the properties lack one.
func (p *sentAlertProps) alert(prefix, name string) (Alert, error) {
	a, err := sentinelAlert(sentinelTexts{
		id: cmp.Or(p.SystemAlertID, name), title: p.AlertDisplayName,
		severity: p.Severity, updated: p.TimeGenerated,
	}, sentinelFields{
		id: prefix + "systemAlertId", title: prefix + "alertDisplayName",
		severity: prefix + "severity", updated: prefix + "timeGenerated",
		created: prefix + "timeGenerated",
	})
	if err != nil {
		return Alert{}, err
	}
	a.Description = p.Description
	a.Product = p.ProductName
	a.Category = p.AlertType
	var s entitySet
	p.addResources(&s)
	a.Entities = s.entities()
	return a, nil
}

// addResources adds the Azure resources an alert names.
func (p *sentAlertProps) addResources(s *entitySet) {
	for _, r := range p.ResourceIdentifiers {
		if r.Type == "AzureResource" {
			s.add(azureResource(r.ResourceID))
		}
	}
}

// azureResource returns an Azure resource as a cloud resource keyed by its
// resource id, with its type from the id, such as
// "Microsoft.Compute/virtualMachines".
func azureResource(id string) Entity {
	id = strings.TrimSpace(id)
	var typ string
	if i := strings.LastIndex(strings.ToLower(id), "/providers/"); i >= 0 {
		rest := strings.Split(id[i+len("/providers/"):], "/")
		if len(rest) >= 3 {
			typ = rest[0] + "/" + rest[1]
		}
	}
	return Entity{
		Type:       EntityCloudResource,
		Key:        id,
		Name:       resourceName(id),
		Attributes: Attrs("azure_resource_type", typ),
	}
}

// sentinelTexts holds what every Sentinel alert needs, as the payload
// gives it, and sentinelFields the paths of those values.
type (
	sentinelTexts  struct{ id, title, severity, updated, created string }
	sentinelFields sentinelTexts
)

// sentinelAlert returns an alert with its id, title, severity and time,
// the last update's else the creation's.
func sentinelAlert(v sentinelTexts, f sentinelFields) (Alert, error) {
	// the alert's identity and severity
	if v.id == "" {
		return Alert{}, missing(sentinelFormat, f.id)
	}
	if v.title == "" {
		return Alert{}, missing(sentinelFormat, f.title)
	}
	sev, err := msSeverity(sentinelFormat, f.severity, v.severity)
	if err != nil {
		return Alert{}, err
	}

	// its time
	var t time.Time
	switch {
	case v.updated != "":
		t, err = parseTime(sentinelFormat, f.updated, v.updated)
	case v.created != "":
		t, err = parseTime(sentinelFormat, f.created, v.created)
	default:
		err = missing(sentinelFormat, f.created)
	}
	if err != nil {
		return Alert{}, err
	}
	return Alert{
		Format:         sentinelFormat,
		SourceAlertID:  v.id,
		Title:          v.title,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: v.severity,
		Time:           t,
	}, nil
}

// securityAlertRow is the part of a row of the SecurityAlert table the
// parser reads, as a Logic App's query action or a data export gives it.
type securityAlertRow struct {
	SystemAlertID string          `json:"SystemAlertId"`
	AlertName     string          `json:"AlertName"`
	DisplayName   string          `json:"DisplayName"`
	AlertSeverity string          `json:"AlertSeverity"`
	TimeGenerated string          `json:"TimeGenerated"`
	Description   string          `json:"Description"`
	ProductName   string          `json:"ProductName"`
	AlertType     string          `json:"AlertType"`
	Entities      json.RawMessage `json:"Entities"`
}

// parseSecurityAlertRow returns the alert of a SecurityAlert row.
func parseSecurityAlertRow(item []byte) ([]Alert, error) {
	// decode the row and read what every alert needs
	var r securityAlertRow
	if err := decode(sentinelFormat, item, &r); err != nil {
		return nil, err
	}
	a, err := sentinelAlert(sentinelTexts{
		id: r.SystemAlertID, title: cmp.Or(r.AlertName, r.DisplayName),
		severity: r.AlertSeverity, updated: r.TimeGenerated,
	}, sentinelFields{
		id: "SystemAlertId", title: "AlertName", severity: "AlertSeverity",
		updated: "TimeGenerated", created: "TimeGenerated",
	})
	if err != nil {
		return nil, err
	}
	a.Description = r.Description
	a.Product = r.ProductName
	a.Category = r.AlertType

	// the entities, from the JSON document in the Entities column
	list, err := r.entityList()
	if err != nil {
		return nil, err
	}
	entities, ref, err := rowEntities(list)
	if err != nil {
		return nil, err
	}
	var s entitySet
	addSentEntities(&s, entities, ref)
	var malware []string
	for _, e := range entities {
		if e.kind() == "malware" {
			malware = append(malware, e.MalwareName)
		}
	}
	a.ThreatNames = appendNew(nil, malware...)
	a.Entities = s.entities()
	return []Alert{a}, nil
}

// entityList returns the Entities column as a JSON array: Log Analytics
// stores it as a string holding one, and some exports give the array
// itself.
func (r *securityAlertRow) entityList() (json.RawMessage, error) {
	// the column may be absent, empty, or an array already
	raw := r.Entities
	switch {
	case isNull(raw):
		return nil, nil
	case raw[0] == '[':
		return raw, nil
	case raw[0] != '"':
		reason := "want a string or an array, got " + jsonType(raw)
		return nil, &FieldError{Format: sentinelFormat, Field: "Entities", Reason: reason}
	}

	// a string must hold a JSON array
	s := rawString(raw)
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var list json.RawMessage
	if json.Unmarshal([]byte(s), &list) != nil || list[0] != '[' {
		return nil, invalid(sentinelFormat, "Entities", "a JSON array in a string",
			quote(s))
	}
	return list, nil
}
