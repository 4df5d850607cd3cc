package alert

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// securityHubFormat names AWS Security Hub's finding format, ASFF.
const securityHubFormat = "securityhub"

// EventBridge detail types of the Security Hub events that carry findings.
// Each event carries one finding in detail.findings, per "EventBridge event
// formats for Security Hub CSPM" in the Security Hub user guide.
const (
	shImported     = "Security Hub Findings - Imported"
	shCustomAction = "Security Hub Findings - Custom Action"
	shImportedV2   = "Findings Imported V2" // OCSF findings, not ASFF
)

// securityHub parses findings in the AWS Security Finding Format (ASFF):
// a bare finding, a batch of them in "Findings" (the shape of the
// BatchImportFindings request and the GetFindings response), and the
// EventBridge events of imported findings and of custom actions. Findings
// in a "Findings Imported V2" event are OCSF and are parsed as such.
type securityHub struct{}

// Name returns "securityhub".
func (securityHub) Name() string { return securityHubFormat }

// Detect claims an EventBridge event from Security Hub, of any detail type
// so that Parse can say which it does not take; a batch of findings in
// "Findings"; and a bare finding, with ASFF's SchemaVersion and a
// ProductArn, of any type so that Parse can say what is wrong with it.
func (securityHub) Detect(top map[string]json.RawMessage) bool {
	if rawString(top["source"]) == "aws.securityhub" {
		return true
	}
	if isBatch(top) {
		return true
	}
	return rawString(top["SchemaVersion"]) != "" && top["ProductArn"] != nil
}

// isBatch reports whether an object is a list of findings: "Findings",
// and at most GetFindings' "NextToken" beside it.
func isBatch(top map[string]json.RawMessage) bool {
	list := top["Findings"]
	if len(list) == 0 || list[0] != '[' {
		return false
	}
	for k := range top {
		if k != "Findings" && k != "NextToken" {
			return false
		}
	}
	return true
}

// Split returns the findings of an EventBridge event or of a batch, each a
// part of its own, or a bare finding as the one part.
func (sh securityHub) Split(item []byte) ([]part, error) {
	// decode what tells an envelope from a bare finding
	var env struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Detail     *struct {
			Findings json.RawMessage `json:"findings"`
		} `json:"detail"`
		Findings json.RawMessage `json:"Findings"`
	}
	if err := decode(securityHubFormat, item, &env); err != nil {
		return nil, err
	}

	// an EventBridge event names its findings' format in its detail type
	if env.Source != "" || env.DetailType != "" || env.Detail != nil {
		p, err := sh.eventParser(env.DetailType)
		if err != nil {
			return nil, err
		}
		if env.Detail == nil {
			return nil, missing(securityHubFormat, "detail")
		}
		parts, err := listParts(sh, "detail.findings", env.Detail.Findings)
		for i := range parts {
			parts[i].parser = p
		}
		return parts, err
	}

	// a batch lists them in Findings; anything else is one finding
	if env.Findings != nil {
		return listParts(sh, "Findings", env.Findings)
	}
	return []part{{body: item, parser: sh}}, nil
}

// eventParser returns the parser of the findings an event of detailType
// carries.
func (sh securityHub) eventParser(detailType string) (parser, error) {
	switch detailType {
	case shImported, shCustomAction:
		return sh, nil
	case shImportedV2:
		return ocsf{}, nil
	case "":
		return nil, missing(securityHubFormat, "detail-type")
	}
	return nil, invalid(securityHubFormat, "detail-type",
		quote(shImported)+", "+quote(shCustomAction)+" or "+quote(shImportedV2),
		quote(detailType))
}

// Parse returns the one alert of a bare ASFF finding. Id, ProductArn,
// Title, a severity label or normalized score, and UpdatedAt or CreatedAt
// are required.
func (securityHub) Parse(item []byte) ([]Alert, error) {
	// decode the finding and read what every alert needs
	var f asffFinding
	if err := decode(securityHubFormat, item, &f); err != nil {
		return nil, err
	}
	a, err := f.alert()
	if err != nil {
		return nil, err
	}

	// name the threats and the entities involved
	a.ThreatNames = f.threatNames()
	a.Entities = f.entities()
	return []Alert{a}, nil
}

// asffFinding is the part of an ASFF finding the parser reads. It and the
// asff types below mirror the AwsSecurityFinding object of the Security
// Hub API reference, keeping only the fields the parser uses.
type asffFinding struct {
	ID                    string            `json:"Id"`
	ProductARN            string            `json:"ProductArn"`
	ProductName           string            `json:"ProductName"`
	CompanyName           string            `json:"CompanyName"`
	AWSAccountID          string            `json:"AwsAccountId"`
	Types                 []string          `json:"Types"`
	Title                 string            `json:"Title"`
	Description           string            `json:"Description"`
	Severity              asffSeverity      `json:"Severity"`
	CreatedAt             string            `json:"CreatedAt"`
	UpdatedAt             string            `json:"UpdatedAt"`
	ProductFields         map[string]string `json:"ProductFields"`
	Resources             []asffResource    `json:"Resources"`
	Network               asffNetwork       `json:"Network"`
	Process               asffProcess       `json:"Process"`
	Malware               []asffMalware     `json:"Malware"`
	ThreatIntelIndicators []asffIndicator   `json:"ThreatIntelIndicators"`
}

type asffSeverity struct {
	Label      string `json:"Label"`
	Normalized *int   `json:"Normalized"`
}

type asffResource struct {
	Type      string            `json:"Type"`
	ID        string            `json:"Id"`
	Partition string            `json:"Partition"`
	Region    string            `json:"Region"`
	Tags      map[string]string `json:"Tags"`
	Details   struct {
		EC2Instance asffEC2Instance `json:"AwsEc2Instance"`
		AccessKey   asffAccessKey   `json:"AwsIamAccessKey"`
		IAMUser     struct {
			UserName string `json:"UserName"`
		} `json:"AwsIamUser"`
		IAMRole struct {
			RoleName string `json:"RoleName"`
		} `json:"AwsIamRole"`
	} `json:"Details"`
}

type asffEC2Instance struct {
	Type                  string   `json:"Type"`
	ImageID               string   `json:"ImageId"`
	VPCID                 string   `json:"VpcId"`
	SubnetID              string   `json:"SubnetId"`
	IPv4Addresses         []string `json:"IpV4Addresses"`
	IPv6Addresses         []string `json:"IpV6Addresses"`
	IAMInstanceProfileARN string   `json:"IamInstanceProfileArn"`
}

type asffAccessKey struct {
	AccessKeyID    string `json:"AccessKeyId"`
	AccountID      string `json:"AccountId"`
	PrincipalID    string `json:"PrincipalId"`
	PrincipalName  string `json:"PrincipalName"`
	PrincipalType  string `json:"PrincipalType"`
	UserName       string `json:"UserName"` // deprecated for PrincipalName
	SessionContext struct {
		SessionIssuer struct {
			ARN      string `json:"Arn"`
			UserName string `json:"UserName"`
		} `json:"SessionIssuer"`
	} `json:"SessionContext"`
}

type asffNetwork struct {
	SourceIPv4        string `json:"SourceIpV4"`
	SourceIPv6        string `json:"SourceIpV6"`
	SourceDomain      string `json:"SourceDomain"`
	DestinationIPv4   string `json:"DestinationIpV4"`
	DestinationIPv6   string `json:"DestinationIpV6"`
	DestinationDomain string `json:"DestinationDomain"`
}

type asffProcess struct {
	Name      string `json:"Name"`
	Path      string `json:"Path"`
	PID       int64  `json:"Pid"`
	ParentPID int64  `json:"ParentPid"`
}

type asffMalware struct {
	Name string `json:"Name"`
	Path string `json:"Path"`
}

type asffIndicator struct {
	Type     string `json:"Type"`
	Value    string `json:"Value"`
	Category string `json:"Category"`
}

// alert returns the finding's alert without entities or threat names.
func (f *asffFinding) alert() (Alert, error) {
	// the finding's identity: Id is unique within its product
	if f.ID == "" {
		return Alert{}, missing(securityHubFormat, "Id")
	}
	if f.ProductARN == "" {
		return Alert{}, missing(securityHubFormat, "ProductArn")
	}
	if f.Title == "" {
		return Alert{}, missing(securityHubFormat, "Title")
	}

	// its severity and when it was last updated
	sev, source, err := f.Severity.id()
	if err != nil {
		return Alert{}, err
	}
	t, err := f.time()
	if err != nil {
		return Alert{}, err
	}
	a := Alert{
		Format:         securityHubFormat,
		SourceAlertID:  f.ProductARN + "/" + f.ID,
		Title:          f.Title,
		Description:    f.Description,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: source,
		Time:           t,
		Product: cmp.Or(f.ProductName, f.ProductFields["aws/securityhub/ProductName"],
			f.CompanyName),
	}
	if len(f.Types) > 0 {
		a.Category = f.Types[0]
	}
	return a, nil
}

// id maps the finding's severity to OCSF's, and returns the value it read.
//
// Label is ASFF's severity; Normalized, 0–100, is its deprecated
// predecessor and is read only without a label, in the bands the ASFF
// documentation gives for it: 0 informational, 1–39 low, 40–69 medium,
// 70–89 high, 90–100 critical.
func (s *asffSeverity) id() (SeverityID, string, error) {
	// the label, when there is one
	switch s.Label {
	case "INFORMATIONAL":
		return SeverityInformational, s.Label, nil
	case "LOW":
		return SeverityLow, s.Label, nil
	case "MEDIUM":
		return SeverityMedium, s.Label, nil
	case "HIGH":
		return SeverityHigh, s.Label, nil
	case "CRITICAL":
		return SeverityCritical, s.Label, nil
	case "":
	default:
		return 0, "", invalid(securityHubFormat, "Severity.Label",
			"INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL", quote(s.Label))
	}

	// else the normalized score
	if s.Normalized == nil {
		return 0, "", missing(securityHubFormat, "Severity.Label")
	}
	n := *s.Normalized
	source := strconv.Itoa(n)
	switch {
	case n < 0 || n > 100:
		return 0, "", invalid(securityHubFormat, "Severity.Normalized",
			"an integer from 0 to 100", source)
	case n == 0:
		return SeverityInformational, source, nil
	case n < 40:
		return SeverityLow, source, nil
	case n < 70:
		return SeverityMedium, source, nil
	case n < 90:
		return SeverityHigh, source, nil
	}
	return SeverityCritical, source, nil
}

// time returns when the finding was last updated, else when it was
// created. Security Hub updates a finding in place as its source does.
func (f *asffFinding) time() (time.Time, error) {
	if f.UpdatedAt != "" {
		return parseTime(securityHubFormat, "UpdatedAt", f.UpdatedAt)
	}
	if f.CreatedAt != "" {
		return parseTime(securityHubFormat, "CreatedAt", f.CreatedAt)
	}
	return time.Time{}, missing(securityHubFormat, "UpdatedAt")
}

// isGuardDuty reports whether the finding comes from GuardDuty, whose
// ProductArn ends in "product/aws/guardduty".
func (f *asffFinding) isGuardDuty() bool {
	return strings.HasSuffix(f.ProductARN, ":product/aws/guardduty")
}

// threatNames returns the names of the malware the finding names and, for
// a GuardDuty finding, of the threats its threat lists matched.
func (f *asffFinding) threatNames() []string {
	var names []string
	for _, m := range f.Malware {
		names = append(names, m.Name)
	}
	if f.isGuardDuty() {
		for _, k := range f.productFieldKeys() {
			if strings.Contains(k, "threatIntelligenceDetails") &&
				strings.Contains(k, "/threatNames") {
				names = append(names, f.ProductFields[k])
			}
		}
	}
	return appendNew(nil, names...)
}

// productFieldKeys returns the keys of ProductFields, sorted so entities
// come out in the same order every time.
func (f *asffFinding) productFieldKeys() []string {
	keys := make([]string, 0, len(f.ProductFields))
	for k := range f.ProductFields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// entities returns the finding's entities: its resources first, then the
// process, the network peers and the threat intelligence indicators, then
// the remote side a GuardDuty finding names in its product fields.
func (f *asffFinding) entities() []Entity {
	var s entitySet
	for i := range f.Resources {
		f.addResource(&s, &f.Resources[i])
	}
	f.addProcess(&s)
	f.addNetwork(&s)
	for _, ti := range f.ThreatIntelIndicators {
		s.add(ti.entity())
	}
	if f.isGuardDuty() {
		f.addGuardDutyRemote(&s)
	}
	return s.entities()
}

// addResource adds a resource by its type: an EC2 instance as a host, an
// access key with the principal that used it, an IAM user or role as a
// user, anything else as a cloud resource keyed by its ARN or id.
func (f *asffFinding) addResource(s *entitySet, r *asffResource) {
	id := strings.TrimSpace(r.ID)
	switch r.Type {
	case "AwsEc2Instance":
		s.add(f.host(r, id))
	case "AwsIamAccessKey":
		f.addAccessKey(s, r, id)
	case "AwsIamUser", "AwsIamRole":
		name := cmp.Or(r.Details.IAMUser.UserName, r.Details.IAMRole.RoleName)
		s.add(Entity{
			Type: EntityUser,
			Key:  userKey(id),
			Name: name,
			Attributes: Attrs(
				"arn", arnOnly(id),
				"resource_type", r.Type,
				"account_id", f.AWSAccountID,
			),
		})
	default:
		s.add(Entity{
			Type: EntityCloudResource,
			Key:  id,
			Name: cmp.Or(r.Tags["Name"], resourceName(id)),
			Attributes: Attrs(
				"resource_type", r.Type,
				"region", r.Region,
				"account_id", f.AWSAccountID,
			),
		})
	}
}

// resourceName returns the last element of an ARN or resource id: a
// bucket's name, an account's number, the key id of
// "AWS::IAM::AccessKey:<id>".
func resourceName(id string) string {
	return id[strings.LastIndexAny(id, ":/")+1:]
}

// host returns an EC2 instance resource as a host keyed by instance id.
func (f *asffFinding) host(r *asffResource, id string) Entity {
	d := &r.Details.EC2Instance
	var v4, v6 []string
	for _, a := range d.IPv4Addresses {
		v4 = append(v4, ipKey(a))
	}
	for _, a := range d.IPv6Addresses {
		v6 = append(v6, ipKey(a))
	}
	return Entity{
		Type: EntityHost,
		Key:  hostKey(instanceID(id)),
		Name: r.Tags["Name"],
		Attributes: Attrs(
			"arn", arnOnly(id),
			"instance_type", d.Type,
			"image_id", d.ImageID,
			"vpc_id", d.VPCID,
			"subnet_id", d.SubnetID,
			"ip", joinLines(v4...),
			"ipv6", joinLines(v6...),
			"instance_profile_arn", d.IAMInstanceProfileARN,
			"account_id", f.AWSAccountID,
			"region", r.Region,
		),
	}
}

// addAccessKey adds an access key resource and the principal it belongs
// to. The key id is in the details, else at the end of the resource id,
// "AWS::IAM::AccessKey:<id>" in GuardDuty's findings.
func (f *asffFinding) addAccessKey(s *entitySet, r *asffResource, id string) {
	// the principal, by ARN when the details say enough to build it
	d := &r.Details.AccessKey
	account := cmp.Or(d.AccountID, f.AWSAccountID)
	userType, name := d.principal()
	arn := awsPrincipalARN(r.Partition, account, userType, name, d.PrincipalID)
	user := userKey(cmp.Or(arn, d.PrincipalID))

	// the key, then its principal
	s.add(Entity{
		Type: EntityAccessKey,
		Key:  strings.TrimSpace(cmp.Or(d.AccessKeyID, resourceName(id))),
		Attributes: Attrs(
			"user", user,
			"user_type", userType,
			"account_id", account,
		),
	})
	s.add(Entity{
		Type: EntityUser,
		Key:  user,
		Name: name,
		Attributes: Attrs(
			"arn", arn,
			"user_type", userType,
			"principal_id", d.PrincipalID,
			"account_id", account,
		),
	})
}

// principal returns the type and name of the principal behind an access
// key: for a role session, the role's name.
//
// GuardDuty's findings in Security Hub give only the deprecated UserName,
// and name the root user "Root", as GuardDuty itself does; such a key is
// taken as the root user's.
func (d *asffAccessKey) principal() (userType, name string) {
	name = cmp.Or(d.PrincipalName, d.UserName)
	userType = d.PrincipalType
	if userType == "" && name == "Root" {
		userType = "Root"
	}
	if userType == "AssumedRole" {
		name = cmp.Or(d.SessionContext.SessionIssuer.UserName, name)
	}
	return userType, name
}

// addProcess adds the finding's process, keyed by name: ASFF gives no
// unique process id.
func (f *asffFinding) addProcess(s *entitySet) {
	p := &f.Process
	var pid, ppid string
	if p.PID > 0 {
		pid = strconv.FormatInt(p.PID, 10)
	}
	if p.ParentPID > 0 {
		ppid = strconv.FormatInt(p.ParentPID, 10)
	}
	s.add(Entity{
		Type: EntityProcess,
		Key:  strings.TrimSpace(p.Name),
		Name: p.Name,
		Attributes: Attrs(
			"pid", pid,
			"parent_pid", ppid,
			"executable_path", p.Path,
		),
	})
}

// addNetwork adds the addresses and domains of the finding's network
// connection, source first.
func (f *asffFinding) addNetwork(s *entitySet) {
	n := &f.Network
	for _, a := range []string{n.SourceIPv4, n.SourceIPv6, n.DestinationIPv4,
		n.DestinationIPv6} {
		s.add(Entity{Type: EntityIP, Key: ipKey(a)})
	}
	for _, d := range []string{n.SourceDomain, n.DestinationDomain} {
		s.add(Entity{Type: EntityDomain, Key: domainKey(d)})
	}
}

// entity returns a threat intelligence indicator as an entity, or one
// without a key for types that name nothing to act on (a mutex).
func (ti *asffIndicator) entity() Entity {
	v := strings.TrimSpace(ti.Value)
	a := Attrs("threat_category", ti.Category)
	switch ti.Type {
	case "DOMAIN":
		return Entity{Type: EntityDomain, Key: domainKey(v), Attributes: a}
	case "EMAIL_ADDRESS":
		return Entity{Type: EntityUser, Key: userKey(v), Name: v,
			Attributes: withAttr(a, "email", v)}
	case "HASH_MD5", "HASH_SHA1", "HASH_SHA256", "HASH_SHA512":
		e := fileEntity(v, "", "")
		e.Attributes = withAttr(e.Attributes, "threat_category", ti.Category)
		return e
	case "IPV4_ADDRESS", "IPV6_ADDRESS":
		return Entity{Type: EntityIP, Key: ipKey(v), Attributes: a}
	case "PROCESS":
		return Entity{Type: EntityProcess, Key: v, Name: v, Attributes: a}
	case "URL":
		return Entity{Type: EntityURL, Key: urlKey(v), Attributes: a}
	}
	return Entity{}
}

// gdServicePrefix begins the product fields of some GuardDuty findings;
// others start at "action/".
const gdServicePrefix = "aws/guardduty/service/"

// addGuardDutyRemote adds the remote IP addresses and domains a GuardDuty
// finding keeps in its flattened product fields, such as
// "action/awsApiCallAction/remoteIpDetails/ipAddressV4", with the same
// attributes as the guardduty format gives them.
func (f *asffFinding) addGuardDutyRemote(s *entitySet) {
	for _, k := range f.productFieldKeys() {
		v := f.ProductFields[k]
		field := strings.TrimPrefix(k, gdServicePrefix)
		base, ok := strings.CutSuffix(field, "remoteIpDetails/ipAddressV4")
		if !ok {
			base, ok = strings.CutSuffix(field, "remoteIpDetails/ipAddressV6")
		}
		switch {
		case ok:
			s.add(f.remoteIP(k[:len(k)-len(field)]+base+"remoteIpDetails/", v))
		case strings.HasSuffix(field, "dnsRequestAction/domain"),
			strings.HasSuffix(field, "domainDetails/domain"):
			s.add(Entity{Type: EntityDomain, Key: domainKey(v)})
		}
	}
}

// remoteIP returns the remote address ip whose details are under the
// product field prefix.
func (f *asffFinding) remoteIP(prefix, ip string) Entity {
	pf := f.ProductFields
	var r gdRemoteIP
	r.IPAddressV4 = ip
	r.Organization.ASN = pf[prefix+"organization/asn"]
	r.Organization.ASNOrg = pf[prefix+"organization/asnOrg"]
	r.Organization.ISP = pf[prefix+"organization/isp"]
	r.Organization.Org = pf[prefix+"organization/org"]
	r.Country.CountryName = pf[prefix+"country/countryName"]
	r.City.CityName = pf[prefix+"city/cityName"]
	return r.entity()
}
