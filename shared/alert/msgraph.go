package alert

import (
	"cmp"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// msGraphFormat names the alert formats of Microsoft's security APIs: the
// Graph security API's alerts (alerts_v2) of every Defender product, and
// the older Defender for Endpoint alert API.
const msGraphFormat = "msgraph"

// OData types of the Graph security API.
const (
	graphAlertType    = "#microsoft.graph.security.alert"
	graphIncidentType = "#microsoft.graph.security.incident"
	graphTypePrefix   = "#microsoft.graph.security."
)

// msGraph parses Microsoft Graph security alerts (alerts_v2), as Defender
// XDR reports them for Defender for Endpoint, Office 365, Identity, Cloud
// Apps and the rest, with their evidence; an incident with its alerts
// expanded, each alert an item; and the alerts of the older Defender for
// Endpoint API (api.securitycenter.microsoft.com), with their evidence. A
// list response's "value" is unwrapped before the parser sees its items.
type msGraph struct{}

// Name returns "msgraph".
func (msGraph) Name() string { return msGraphFormat }

// Detect claims a Graph alert or incident by its OData type; an alert of
// a list response, which carries no type, by providerAlertId and
// serviceSource; and a Defender for Endpoint alert by alertCreationTime
// and machineId.
func (msGraph) Detect(top map[string]json.RawMessage) bool {
	switch rawString(top["@odata.type"]) {
	case graphAlertType, graphIncidentType:
		return true
	}
	if top["providerAlertId"] != nil && top["serviceSource"] != nil {
		return true
	}
	return top["alertCreationTime"] != nil && top["machineId"] != nil
}

// Split returns the alerts of an incident, each a part of its own, or any
// other item as the one part.
func (m msGraph) Split(item []byte) ([]part, error) {
	var inc struct {
		Type   string          `json:"@odata.type"`
		Alerts json.RawMessage `json:"alerts"`
	}
	if err := decode(msGraphFormat, item, &inc); err != nil {
		return nil, err
	}
	if inc.Type != graphIncidentType {
		return []part{{body: item, parser: m}}, nil
	}
	return listParts(m, "alerts", inc.Alerts)
}

// Parse returns the one alert of a Graph alert or a Defender for Endpoint
// alert. The id, title, severity and a creation or update time are
// required.
func (msGraph) Parse(item []byte) ([]Alert, error) {
	// tell the two APIs apart
	var probe struct {
		Type         string          `json:"@odata.type"`
		LegacyCreate json.RawMessage `json:"alertCreationTime"`
	}
	if err := decode(msGraphFormat, item, &probe); err != nil {
		return nil, err
	}
	if probe.Type == "" && probe.LegacyCreate != nil {
		return parseMDEAlert(item)
	}
	if probe.Type != "" && probe.Type != graphAlertType {
		return nil, invalid(msGraphFormat, "@odata.type", quote(graphAlertType),
			quote(probe.Type))
	}
	return parseGraphAlert(item)
}

// graphAlert is the part of a Graph security alert the parser reads. It
// and the graph types below mirror the alert resource of the Graph v1.0
// reference, keeping only the fields the parser uses.
type graphAlert struct {
	ID                 string          `json:"id"`
	Title              string          `json:"title"`
	Description        string          `json:"description"`
	Severity           string          `json:"severity"`
	Category           string          `json:"category"`
	ServiceSource      string          `json:"serviceSource"`
	ProductName        string          `json:"productName"`
	CreatedDateTime    string          `json:"createdDateTime"`
	LastUpdateDateTime string          `json:"lastUpdateDateTime"`
	ThreatDisplayName  string          `json:"threatDisplayName"`
	ThreatFamilyName   string          `json:"threatFamilyName"`
	Evidence           []graphEvidence `json:"evidence"`
}

// graphEvidence holds the fields of every evidence type the parser reads;
// Type says which apply.
type graphEvidence struct {
	Type    string `json:"@odata.type"`
	Verdict string `json:"verdict"`

	// deviceEvidence
	MDEDeviceID     string         `json:"mdeDeviceId"`
	AzureADDeviceID string         `json:"azureAdDeviceId"`
	DeviceDNSName   string         `json:"deviceDnsName"`
	OSPlatform      string         `json:"osPlatform"`
	IPInterfaces    []string       `json:"ipInterfaces"`
	LoggedOnUsers   []graphAccount `json:"loggedOnUsers"`
	VMMetadata      struct {
		ResourceID string `json:"resourceId"`
	} `json:"vmMetadata"`

	// fileEvidence and processEvidence
	FileDetails             graphFile    `json:"fileDetails"`
	ProcessID               int64        `json:"processId"`
	ParentProcessID         int64        `json:"parentProcessId"`
	ProcessCommandLine      string       `json:"processCommandLine"`
	ProcessCreationDateTime string       `json:"processCreationDateTime"`
	ImageFile               graphFile    `json:"imageFile"`
	ParentProcessImageFile  graphFile    `json:"parentProcessImageFile"`
	UserAccount             graphAccount `json:"userAccount"`

	// ipEvidence and urlEvidence
	IPAddress         string `json:"ipAddress"`
	CountryLetterCode string `json:"countryLetterCode"`
	URL               string `json:"url"`

	// mailboxEvidence and analyzedMessageEvidence
	PrimaryAddress        string      `json:"primaryAddress"`
	DisplayName           string      `json:"displayName"`
	NetworkMessageID      string      `json:"networkMessageId"`
	InternetMessageID     string      `json:"internetMessageId"`
	Subject               string      `json:"subject"`
	SenderIP              string      `json:"senderIp"`
	RecipientEmailAddress string      `json:"recipientEmailAddress"`
	AntiSpamDirection     string      `json:"antiSpamDirection"`
	DeliveryAction        string      `json:"deliveryAction"`
	DeliveryLocation      string      `json:"deliveryLocation"`
	URLs                  []string    `json:"urls"`
	P1Sender              graphSender `json:"p1Sender"`
	P2Sender              graphSender `json:"p2Sender"`

	// cloud application, OAuth application and cloud resource evidence
	AppID            flexString `json:"appId"`
	InstanceName     string     `json:"instanceName"`
	Publisher        string     `json:"publisher"`
	ResourceID       string     `json:"resourceId"`
	ResourceName     string     `json:"resourceName"`
	ResourceType     string     `json:"resourceType"`
	AmazonResourceID string     `json:"amazonResourceId"`
	AmazonAccountID  string     `json:"amazonAccountId"`
}

type graphFile struct {
	FileName string `json:"fileName"`
	FilePath string `json:"filePath"`
	SHA256   string `json:"sha256"`
	SHA1     string `json:"sha1"`
	MD5      string `json:"md5"`
}

type graphAccount struct {
	AccountName       string `json:"accountName"`
	DomainName        string `json:"domainName"`
	UserSID           string `json:"userSid"`
	AzureADUserID     string `json:"azureAdUserId"`
	UserPrincipalName string `json:"userPrincipalName"`
	DisplayName       string `json:"displayName"`
}

type graphSender struct {
	EmailAddress string `json:"emailAddress"`
	DisplayName  string `json:"displayName"`
	DomainName   string `json:"domainName"`
}

// parseGraphAlert returns the alert of a Graph security alert.
func parseGraphAlert(item []byte) ([]Alert, error) {
	// decode the alert and read what every alert needs
	var g graphAlert
	if err := decode(msGraphFormat, item, &g); err != nil {
		return nil, err
	}
	a, err := msAlert(g.ID, g.Title, g.Severity, g.LastUpdateDateTime,
		g.CreatedDateTime, "lastUpdateDateTime", "createdDateTime")
	if err != nil {
		return nil, err
	}
	a.Description = g.Description
	a.Category = g.Category
	a.Product = cmp.Or(g.ProductName, graphServiceNames[g.ServiceSource],
		g.ServiceSource)

	// name the threats and the entities involved
	a.ThreatNames = appendNew(nil, g.ThreatFamilyName, g.ThreatDisplayName)
	a.Entities = g.entities()
	return []Alert{a}, nil
}

// graphServiceNames names the products of the Graph alert's serviceSource
// values, for alerts that do not name their product.
var graphServiceNames = map[string]string{
	"microsoftDefenderForEndpoint":       "Microsoft Defender for Endpoint",
	"microsoftDefenderForIdentity":       "Microsoft Defender for Identity",
	"microsoftDefenderForCloudApps":      "Microsoft Defender for Cloud Apps",
	"microsoftDefenderForOffice365":      "Microsoft Defender for Office 365",
	"microsoft365Defender":               "Microsoft Defender XDR",
	"azureAdIdentityProtection":          "Microsoft Entra ID Protection",
	"microsoftAppGovernance":             "App governance",
	"dataLossPrevention":                 "Microsoft Purview Data Loss Prevention",
	"microsoftDefenderForCloud":          "Microsoft Defender for Cloud",
	"microsoftSentinel":                  "Microsoft Sentinel",
	"microsoftInsiderRiskManagement":     "Microsoft Purview Insider Risk Management",
	"microsoftThreatIntelligence":        "Microsoft Defender Threat Intelligence",
	"microsoftDefenderForCloudForDevOps": "Microsoft Defender for Cloud DevOps security",
}

// msAlert returns the alert common to both Microsoft APIs: its id, title,
// severity and the time it was last updated, else created. The field
// names are those of the update and creation times, for errors.
func msAlert(id, title, severity, updated, created, updatedField,
	createdField string) (Alert, error) {
	// the alert's identity
	if id == "" {
		return Alert{}, missing(msGraphFormat, "id")
	}
	if title == "" {
		return Alert{}, missing(msGraphFormat, "title")
	}

	// its severity and time
	sev, err := msSeverity(msGraphFormat, "severity", severity)
	if err != nil {
		return Alert{}, err
	}
	var t time.Time
	switch {
	case updated != "":
		t, err = parseTime(msGraphFormat, updatedField, updated)
	case created != "":
		t, err = parseTime(msGraphFormat, createdField, created)
	default:
		err = missing(msGraphFormat, createdField)
	}
	if err != nil {
		return Alert{}, err
	}
	return Alert{
		Format:         msGraphFormat,
		SourceAlertID:  id,
		Title:          title,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: severity,
		Time:           t,
	}, nil
}

// msSeverity maps the severity of Microsoft's security products to OCSF's.
// Graph writes its values in lower camel case (high, informational), the
// Defender for Endpoint API and Sentinel capitalize them (High); unknown,
// Defender's UnSpecified and Graph's unknownFutureValue are Unknown.
func msSeverity(format, field, s string) (SeverityID, error) {
	switch strings.ToLower(s) {
	case "informational":
		return SeverityInformational, nil
	case "low":
		return SeverityLow, nil
	case "medium":
		return SeverityMedium, nil
	case "high":
		return SeverityHigh, nil
	case "unknown", "unspecified", "unknownfuturevalue":
		return SeverityUnknown, nil
	case "":
		return 0, missing(format, field)
	}
	return 0, invalid(format, field, "informational, low, medium or high",
		quote(s))
}

// entities returns the alert's entities in the order of its evidence, each
// followed by those it names: a process's image file and user, a message's
// recipient and senders. The users logged on to its devices come last, so
// that a user the evidence names in full is named as it is there.
func (g *graphAlert) entities() []Entity {
	// accounts named in full key those named by domain and name alone
	users := &accountIndex{}
	for i := range g.Evidence {
		users.learn(g.Evidence[i].UserAccount)
	}

	// the evidence, then who was logged on to its devices
	var s entitySet
	for i := range g.Evidence {
		g.Evidence[i].addTo(&s, users)
	}
	for i := range g.Evidence {
		g.Evidence[i].addLoggedOn(&s, users)
	}
	return s.entities()
}

// addTo adds the entities of one piece of evidence, by its type. Types
// that name nothing an investigation acts on (registry keys and values,
// mail clusters) add none.
func (e *graphEvidence) addTo(s *entitySet, users *accountIndex) {
	switch strings.TrimPrefix(e.Type, graphTypePrefix) {
	case "deviceEvidence":
		e.addDevice(s)
	case "fileEvidence":
		s.add(e.file(e.FileDetails))
	case "processEvidence":
		e.addProcess(s, users)
	case "userEvidence":
		s.add(users.entity(e.UserAccount, "verdict", e.Verdict))
	case "ipEvidence":
		s.add(Entity{Type: EntityIP, Key: ipKey(e.IPAddress),
			Attributes: Attrs("country", e.CountryLetterCode, "verdict", e.Verdict)})
	case "urlEvidence":
		s.add(Entity{Type: EntityURL, Key: urlKey(e.URL),
			Attributes: Attrs("verdict", e.Verdict)})
	case "mailboxEvidence":
		e.addMailbox(s, users)
	case "analyzedMessageEvidence":
		e.addMessage(s)
	default:
		s.add(e.cloudResource())
	}
}

// addDevice adds a device, keyed by its Defender device id, else its Entra
// device id, else its DNS name.
func (e *graphEvidence) addDevice(s *entitySet) {
	var ips []string
	for _, a := range e.IPInterfaces {
		ips = append(ips, ipKey(a))
	}
	s.add(Entity{
		Type: EntityHost,
		Key:  e.hostKey(),
		Name: e.DeviceDNSName,
		Attributes: Attrs(
			"azure_ad_device_id", e.AzureADDeviceID,
			"os_platform", e.OSPlatform,
			"ip", joinLines(ips...),
			"azure_resource_id", e.VMMetadata.ResourceID,
			"verdict", e.Verdict,
		),
	})
}

// hostKey returns the key of a device evidence's device.
func (e *graphEvidence) hostKey() string {
	return hostKey(cmp.Or(e.MDEDeviceID, e.AzureADDeviceID, e.DeviceDNSName))
}

// addLoggedOn adds the users logged on to a device evidence's device.
func (e *graphEvidence) addLoggedOn(s *entitySet, users *accountIndex) {
	for _, u := range e.LoggedOnUsers {
		s.add(users.entity(u, "logged_on_host", e.hostKey()))
	}
}

// file returns a file of the evidence, keyed by its strongest hash, on the
// evidence's device.
func (e *graphEvidence) file(f graphFile) Entity {
	full := joinFilePath(f.FilePath, f.FileName)
	ent := fileEntity(cmp.Or(f.SHA256, f.SHA1, f.MD5), full, f.FileName)
	if hashAlgorithm(ent.Key) != "sha1" {
		ent.Attributes = withAttr(ent.Attributes, "sha1", hashKey(f.SHA1))
	}
	ent.Attributes = withAttr(ent.Attributes, "host", hostKey(e.MDEDeviceID))
	ent.Attributes = withAttr(ent.Attributes, "verdict", e.Verdict)
	return ent
}

// joinFilePath joins a folder and a file name into the file's path, with
// the folder's separator, unless the folder already ends in the name.
func joinFilePath(dir, name string) string {
	switch {
	case dir == "" || name == "":
		return cmp.Or(dir, name)
	case strings.HasSuffix(strings.ToLower(dir), strings.ToLower(name)):
		return dir
	}
	sep := "/"
	if strings.Contains(dir, `\`) {
		sep = `\`
	}
	return strings.TrimSuffix(dir, sep) + sep + name
}

// addProcess adds a process, its image file and the user that ran it.
func (e *graphEvidence) addProcess(s *entitySet, users *accountIndex) {
	user := users.key(e.UserAccount)
	img := &e.ImageFile
	s.add(Entity{
		Type: EntityProcess,
		Key: mdeProcessKey(e.MDEDeviceID, e.ProcessID, e.ProcessCreationDateTime,
			img.FileName),
		Name: img.FileName,
		Attributes: Attrs(
			"pid", positive(e.ProcessID),
			"parent_pid", positive(e.ParentProcessID),
			"cmd_line", e.ProcessCommandLine,
			"executable_path", joinFilePath(img.FilePath, img.FileName),
			"parent_name", e.ParentProcessImageFile.FileName,
			"user", user,
			"host", hostKey(e.MDEDeviceID),
			"verdict", e.Verdict,
		),
	})
	s.add(e.file(e.ImageFile))
	s.add(e.file(e.ParentProcessImageFile))
	s.add(users.entity(e.UserAccount))
}

// mdeProcessKey returns the key of a process Defender for Endpoint saw:
// its device, process id and creation time, which together identify a
// process in Defender's data, or the image's name when one is missing.
func mdeProcessKey(device string, pid int64, created, name string) string {
	device = strings.TrimSpace(device)
	if device == "" || pid <= 0 || created == "" {
		return strings.TrimSpace(name)
	}
	if t, err := time.Parse(time.RFC3339Nano, created); err == nil {
		created = t.UTC().Format(time.RFC3339Nano)
	}
	return device + ":" + strconv.FormatInt(pid, 10) + ":" + created
}

// positive returns n in decimal, or "" when it is not positive.
func positive(n int64) string {
	if n <= 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// addMailbox adds a mailbox, keyed by its primary address, and its owner.
func (e *graphEvidence) addMailbox(s *entitySet, users *accountIndex) {
	s.add(Entity{
		Type: EntityMailbox,
		Key:  userKey(e.PrimaryAddress),
		Name: e.DisplayName,
		Attributes: Attrs(
			"upn", userKey(e.UserAccount.UserPrincipalName),
			"verdict", e.Verdict,
		),
	})
	s.add(users.entity(e.UserAccount))
}

// addMessage adds an email message, keyed by its network message id, then
// its recipient's mailbox, its senders, their domains and address, and the
// URLs in it.
func (e *graphEvidence) addMessage(s *entitySet) {
	addEmailMessage(s, emailMessage{
		NetworkMessageID:  e.NetworkMessageID,
		InternetMessageID: e.InternetMessageID,
		Subject:           e.Subject,
		Recipient:         e.RecipientEmailAddress,
		SenderIP:          e.SenderIP,
		Senders: [2]mailSender{
			{e.P2Sender.EmailAddress, e.P2Sender.DisplayName, e.P2Sender.DomainName},
			{e.P1Sender.EmailAddress, e.P1Sender.DisplayName, e.P1Sender.DomainName},
		},
		Extra: []string{"direction", e.AntiSpamDirection, "delivery_action", e.DeliveryAction,
			"delivery_location", e.DeliveryLocation, "verdict", e.Verdict},
		URLs: e.URLs,
	})
}

// cloudResource returns the cloud application, OAuth application, Azure
// or AWS resource of the evidence as a cloud resource, or an entity
// without a key for other evidence types.
func (e *graphEvidence) cloudResource() Entity {
	typ := strings.TrimPrefix(e.Type, graphTypePrefix)
	var key, name string
	a := Attrs("verdict", e.Verdict)
	switch typ {
	case "cloudApplicationEvidence":
		// Defender for Cloud Apps numbers the apps it knows
		if e.AppID != "" {
			key = "cloudapp:" + string(e.AppID)
		}
		name = e.DisplayName
		a = withAttr(a, "instance_name", e.InstanceName)
	case "oauthApplicationEvidence":
		key, name = string(e.AppID), e.DisplayName
		a = withAttr(a, "publisher", e.Publisher)
	case "azureResourceEvidence":
		key, name = e.ResourceID, e.ResourceName
		a = withAttr(a, "azure_resource_type", e.ResourceType)
	case "amazonResourceEvidence":
		key, name = e.AmazonResourceID, e.ResourceName
		a = withAttr(a, "aws_resource_type", e.ResourceType)
		a = withAttr(a, "account_id", e.AmazonAccountID)
	default:
		return Entity{}
	}
	a = withAttr(a, "resource_type", strings.TrimSuffix(typ, "Evidence"))
	return Entity{Type: EntityCloudResource, Key: strings.TrimSpace(key),
		Name: name, Attributes: a}
}

// flexString is an id that some APIs send as a JSON string and others as
// a number; it holds the text either way.
type flexString string

// UnmarshalJSON accepts a JSON string, number or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	raw := json.RawMessage(b)
	switch {
	case isNull(raw):
		return nil
	case isNumber(raw):
		*f = flexString(b)
		return nil
	case raw[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		*f = flexString(s)
		return err
	}
	return &json.UnmarshalTypeError{Value: jsonType(raw),
		Type: reflect.TypeFor[string]()}
}

// accountIndex knows the accounts an alert names in full, so that an
// account it names elsewhere by domain and name alone is the same user,
// and a user is named by the display name any of its mentions gives.
type accountIndex struct {
	upns  map[string]string // "domain\name", lower-cased, to user key
	names map[string]string // user key to display name
}

// learn records the user key of an account named with its UPN, and the
// display name of any account.
func (ix *accountIndex) learn(a graphAccount) {
	if a.UserPrincipalName != "" && a.AccountName != "" {
		if ix.upns == nil {
			ix.upns = make(map[string]string)
		}
		ix.upns[samName(a)] = userKey(a.UserPrincipalName)
	}
	if key := ix.key(a); key != "" && a.DisplayName != "" && ix.names[key] == "" {
		if ix.names == nil {
			ix.names = make(map[string]string)
		}
		ix.names[key] = a.DisplayName
	}
}

// key returns an account's user key: its UPN, else the UPN learnt for its
// domain and name, else its Entra object id, else its "domain\name", else
// its SID, all lower-cased.
func (ix *accountIndex) key(a graphAccount) string {
	if a.UserPrincipalName != "" {
		return userKey(a.UserPrincipalName)
	}
	if upn, ok := ix.upns[samName(a)]; ok && a.AccountName != "" {
		return upn
	}
	return userKey(cmp.Or(a.AzureADUserID, samName(a), a.UserSID))
}

// entity returns an account as a user, with more attributes given as key,
// value pairs.
func (ix *accountIndex) entity(a graphAccount, kv ...string) Entity {
	var account string
	if a.AccountName != "" {
		account = a.AccountName
		if a.DomainName != "" {
			account = a.DomainName + `\` + a.AccountName
		}
	}
	key := ix.key(a)
	return Entity{
		Type: EntityUser,
		Key:  key,
		Name: cmp.Or(a.DisplayName, ix.names[key], a.AccountName),
		Attributes: Attrs(append([]string{
			"account", account,
			"sid", a.UserSID,
			"azure_ad_user_id", a.AzureADUserID,
		}, kv...)...),
	}
}

// samName returns an account's "domain\name", lower-cased, or "" without
// a name.
func samName(a graphAccount) string {
	if a.AccountName == "" {
		return ""
	}
	if a.DomainName == "" {
		return strings.ToLower(a.AccountName)
	}
	return strings.ToLower(a.DomainName + `\` + a.AccountName)
}
