package alert

import (
	"cmp"
	"encoding/json"
	"strings"
	"time"
)

// entraFormat names Microsoft Entra ID Protection's risk formats.
const entraFormat = "entra"

// entraProduct is the product of Entra alerts.
const entraProduct = "Entra ID Protection"

// Graph types of the objects the parser reads.
const (
	entraRiskDetection = "#microsoft.graph.riskDetection"
	entraRiskyUser     = "#microsoft.graph.riskyUser"
)

// Diagnostic log categories the parser reads: risk detections and risky
// users, each record's properties holding the Graph object.
const (
	entraUserRiskEvents = "UserRiskEvents"
	entraRiskyUsers     = "RiskyUsers"
)

// entra parses Entra ID Protection risk: a riskDetection or a riskyUser as
// Microsoft Graph returns them, and the records of the same objects that
// Entra's diagnostic settings export to an event hub or storage account,
// alone or in the {"records": [...]} batch an event hub delivers.
//
// A riskyUser is the user's current risk state, so its alert id is the
// user's id: a later state of the same user updates that alert.
type entra struct{}

// Name returns "entra".
func (entra) Name() string { return entraFormat }

// Detect claims a Graph risk detection or risky user, by its type or its
// keys, a diagnostic log record of Entra's, and a batch of such records.
func (entra) Detect(top map[string]json.RawMessage) bool {
	switch rawString(top["@odata.type"]) {
	case entraRiskDetection, entraRiskyUser:
		return true
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if top[k] == nil {
				return false
			}
		}
		return true
	}
	switch {
	case has("riskEventType", "riskLevel", "riskState", "detectionTimingType"),
		has("riskLastUpdatedDateTime", "riskLevel", "riskState", "userPrincipalName"):
		return true
	case isEntraRecord(top):
		return true
	}
	return isEntraBatch(top)
}

// isEntraRecord reports whether an object is a diagnostic log record of
// Entra's: one with a category and properties, from a microsoft.aadiam
// resource.
func isEntraRecord(top map[string]json.RawMessage) bool {
	id := strings.ToLower(rawString(top["resourceId"]))
	return top["category"] != nil && top["properties"] != nil &&
		strings.Contains(id, "/providers/microsoft.aadiam")
}

// isEntraBatch reports whether an object is an event hub batch whose
// first record is Entra's.
func isEntraBatch(top map[string]json.RawMessage) bool {
	var batch []map[string]json.RawMessage
	if len(top) != 1 || json.Unmarshal(top["records"], &batch) != nil || len(batch) == 0 {
		return false
	}
	return isEntraRecord(batch[0])
}

// Split returns the records of an event hub batch, each a part of its
// own, or the item itself as the one part.
func (e entra) Split(item []byte) ([]part, error) {
	var batch struct {
		Records json.RawMessage `json:"records"`
	}
	if err := decode(entraFormat, item, &batch); err != nil {
		return nil, err
	}
	if batch.Records == nil {
		return []part{{body: item, parser: e}}, nil
	}
	return listParts(e, "records", batch.Records)
}

// Parse returns the one alert of a risk detection or risky user, Graph's
// or a diagnostic record's. Its id, its risk level, a time and, for a
// detection, its risk event type are required.
func (entra) Parse(item []byte) ([]Alert, error) {
	// unwrap a diagnostic record, if it is one
	r, prefix, err := decodeEntra(item)
	if err != nil {
		return nil, err
	}

	// read the alert of a detection or of a risky user
	a, err := r.alert()
	if err != nil {
		return nil, prefixField(err, prefix)
	}
	a.Entities = r.entities()
	return []Alert{a}, nil
}

// decodeEntra decodes the Graph object of an item, from a diagnostic
// record's properties or from the item itself, and returns the prefix of
// its fields' paths.
func decodeEntra(item []byte) (*entraRisk, string, error) {
	var rec struct {
		Category   string          `json:"category"`
		Properties json.RawMessage `json:"properties"`
	}
	if err := decode(entraFormat, item, &rec); err != nil {
		return nil, "", err
	}
	var r entraRisk
	if rec.Properties == nil {
		err := decode(entraFormat, item, &r)
		return &r, "", err
	}

	// a record's category says what its properties hold
	switch rec.Category {
	case entraUserRiskEvents:
		r.kind = entraRiskDetection
	case entraRiskyUsers:
		r.kind = entraRiskyUser
	case "":
		return nil, "", missing(entraFormat, "category")
	default:
		return nil, "", invalid(entraFormat, "category",
			entraUserRiskEvents+" or "+entraRiskyUsers, quote(rec.Category))
	}
	err := decode(entraFormat, rec.Properties, &r)
	return &r, "properties", prefixField(err, "properties")
}

// entraRisk is the part of a riskDetection or riskyUser the parser reads.
type entraRisk struct {
	ODataType               string `json:"@odata.type"`
	ID                      string `json:"id"`
	RiskEventType           string `json:"riskEventType"`
	RiskLevel               string `json:"riskLevel"`
	RiskState               string `json:"riskState"`
	RiskDetail              string `json:"riskDetail"`
	DetectedDateTime        string `json:"detectedDateTime"`
	ActivityDateTime        string `json:"activityDateTime"`
	RiskLastUpdatedDateTime string `json:"riskLastUpdatedDateTime"`
	UserID                  string `json:"userId"`
	UserPrincipalName       string `json:"userPrincipalName"`
	UserDisplayName         string `json:"userDisplayName"`
	IPAddress               string `json:"ipAddress"`
	Location                struct {
		City            string `json:"city"`
		State           string `json:"state"`
		CountryOrRegion string `json:"countryOrRegion"`
	} `json:"location"`
	AdditionalInfo string `json:"additionalInfo"`

	kind string // the Graph type, when a record's category says it
}

// isDetection reports whether the object is a risk detection rather than
// a risky user.
func (r *entraRisk) isDetection() bool {
	switch cmp.Or(r.kind, r.ODataType) {
	case entraRiskyUser:
		return false
	case "":
		// untyped: a risky user has no event type but a last update
		return r.RiskEventType != "" || r.RiskLastUpdatedDateTime == ""
	}
	return true
}

// alert returns the alert without entities.
func (r *entraRisk) alert() (Alert, error) {
	// what was detected, or that the user is at risk
	if r.ID == "" {
		return Alert{}, missing(entraFormat, "id")
	}
	title, category := "Risky user", r.RiskState
	if r.isDetection() {
		if r.RiskEventType == "" {
			return Alert{}, missing(entraFormat, "riskEventType")
		}
		title = cmp.Or(entraRiskTitles[r.RiskEventType], r.RiskEventType)
		category = r.RiskEventType
	}

	// how risky, and when
	sev, err := r.severity()
	if err != nil {
		return Alert{}, err
	}
	t, err := r.time()
	if err != nil {
		return Alert{}, err
	}
	return Alert{
		Format:         entraFormat,
		SourceAlertID:  r.ID,
		Title:          title,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: r.RiskLevel,
		Time:           t,
		Product:        entraProduct,
		Category:       category,
	}, nil
}

// severity maps the risk level: low, medium and high as named; none (a
// user no longer at risk) as informational; hidden (a tenant without the
// license to see it) and unknownFutureValue as unknown.
func (r *entraRisk) severity() (SeverityID, error) {
	switch r.RiskLevel {
	case "":
		return 0, missing(entraFormat, "riskLevel")
	case "none":
		return SeverityInformational, nil
	case "hidden", "unknownFutureValue":
		return SeverityUnknown, nil
	}
	return severityByName(r.RiskLevel), nil
}

// time returns when a detection was detected (else when its activity
// happened), or when a risky user's risk last changed.
func (r *entraRisk) time() (time.Time, error) {
	fields := []struct{ name, value string }{
		{"detectedDateTime", r.DetectedDateTime},
		{"activityDateTime", r.ActivityDateTime},
		{"riskLastUpdatedDateTime", r.RiskLastUpdatedDateTime},
	}
	for _, f := range fields {
		if f.value != "" {
			return parseTime(entraFormat, f.name, f.value)
		}
	}
	if r.isDetection() {
		return time.Time{}, missing(entraFormat, "detectedDateTime")
	}
	return time.Time{}, missing(entraFormat, "riskLastUpdatedDateTime")
}

// entities returns the user at risk and the address of the sign-in.
func (r *entraRisk) entities() []Entity {
	var s entitySet
	userID := r.UserID
	if !r.isDetection() {
		userID = r.ID // a risky user's id is the user's
	}
	s.add(Entity{
		Type:       EntityUser,
		Key:        userKey(cmp.Or(r.UserPrincipalName, userID)),
		Name:       r.UserDisplayName,
		Attributes: Attrs("id", userID, "upn", r.UserPrincipalName),
	})
	loc := &r.Location
	s.add(Entity{
		Type: EntityIP,
		Key:  ipKey(r.IPAddress),
		Attributes: Attrs(
			"city", loc.City,
			"state", loc.State,
			"country", loc.CountryOrRegion,
			"user_agent", r.userAgent(),
		),
	})
	return s.entities()
}

// userAgent returns the user agent of the sign-in from additionalInfo, a
// JSON string of key-value pairs; "" if it names none or is not JSON.
func (r *entraRisk) userAgent() string {
	var info []struct {
		Key   string `json:"Key"`
		Value any    `json:"Value"`
	}
	if json.Unmarshal([]byte(r.AdditionalInfo), &info) != nil {
		return ""
	}
	for _, kv := range info {
		if s, ok := kv.Value.(string); ok && kv.Key == "userAgent" {
			return s
		}
	}
	return ""
}

// entraRiskTitles names the risk event types as Entra's portal and
// documentation do.
var entraRiskTitles = map[string]string{
	"adminConfirmedUserCompromised":        "Admin confirmed user compromised",
	"anomalousToken":                       "Anomalous token",
	"anomalousUserActivity":                "Anomalous user activity",
	"anonymizedIPAddress":                  "Anonymous IP address",
	"attackerinTheMiddle":                  "Attacker in the Middle",
	"attemptedPrtAccess":                   "Possible attempt to access Primary Refresh Token",
	"investigationsThreatIntelligence":     "Microsoft Entra threat intelligence",
	"leakedCredentials":                    "Leaked credentials",
	"maliciousIPAddress":                   "Malicious IP address",
	"malwareInfectedIPAddress":             "Malware linked IP address",
	"mcasImpossibleTravel":                 "Impossible travel",
	"mcasSuspiciousInboxManipulationRules": "Suspicious inbox manipulation rules",
	"nationStateIP":                        "Verified threat actor IP",
	"newCountry":                           "New country",
	"passwordSpray":                        "Password spray",
	"riskyIPAddress":                       "Activity from anonymous IP address",
	"suspiciousAPITraffic":                 "Suspicious API traffic",
	"suspiciousBrowser":                    "Suspicious browser",
	"suspiciousInboxForwarding":            "Suspicious inbox forwarding",
	"suspiciousSendingPatterns":            "Suspicious sending patterns",
	"tokenIssuerAnomaly":                   "Token issuer anomaly",
	"unfamiliarFeatures":                   "Unfamiliar sign-in properties",
	"unlikelyTravel":                       "Atypical travel",
	"userReportedSuspiciousActivity":       "User reported suspicious activity",
}
