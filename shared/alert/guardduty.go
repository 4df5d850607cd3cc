package alert

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// guardDutyFormat names Amazon GuardDuty's finding format.
const guardDutyFormat = "guardduty"

// guardDutyProduct is the product name of GuardDuty alerts; Security Hub
// names GuardDuty the same way in its findings' ProductName.
const guardDutyProduct = "GuardDuty"

// guardDuty parses Amazon GuardDuty findings, bare as the GetFindings API
// returns them, or in the EventBridge event that delivers them.
type guardDuty struct{}

// Name returns "guardduty".
func (guardDuty) Name() string { return guardDutyFormat }

// Detect claims an EventBridge event from GuardDuty, and a bare finding:
// one with a schema version, a type and a service block naming GuardDuty.
func (guardDuty) Detect(top map[string]json.RawMessage) bool {
	// an EventBridge envelope names its source and detail type
	if rawString(top["source"]) == "aws.guardduty" &&
		rawString(top["detail-type"]) == "GuardDuty Finding" {
		return true
	}

	// a bare finding carries GuardDuty's own keys
	var service struct {
		ServiceName string `json:"serviceName"`
	}
	return top["schemaVersion"] != nil && rawString(top["type"]) != "" &&
		json.Unmarshal(top["service"], &service) == nil &&
		service.ServiceName == "guardduty"
}

// Parse returns the one alert of a GuardDuty finding. The id, type,
// severity and a creation or update time are required.
func (guardDuty) Parse(item []byte) ([]Alert, error) {
	// unwrap the EventBridge envelope, if there is one
	f, prefix, err := decodeGuardDuty(item)
	if err != nil {
		return nil, err
	}

	// read what every alert needs
	a, err := f.alert(prefix)
	if err != nil {
		return nil, err
	}

	// name the threats and the entities involved
	a.ThreatNames = f.threatNames()
	a.Entities = f.entities()
	return []Alert{a}, nil
}

// decodeGuardDuty decodes a finding from an EventBridge event or bare. It
// returns the prefix of the finding's field paths in the payload.
func decodeGuardDuty(item []byte) (*gdFinding, string, error) {
	var event struct {
		Source     string     `json:"source"`
		DetailType string     `json:"detail-type"`
		Detail     *gdFinding `json:"detail"`
	}
	if err := decode(guardDutyFormat, item, &event); err != nil {
		return nil, "", err
	}
	if event.Detail != nil {
		return event.Detail, "detail.", nil
	}
	if event.Source != "" && event.DetailType != "" {
		return nil, "", missing(guardDutyFormat, "detail") // an envelope without its finding
	}
	var f gdFinding
	if err := decode(guardDutyFormat, item, &f); err != nil {
		return nil, "", err
	}
	return &f, "", nil
}

// gdFinding is the part of a GuardDuty finding the parser reads. It and
// the gd types below mirror the finding's JSON, as documented for the
// GetFindings API, keeping only the fields the parser uses.
type gdFinding struct {
	AccountID   string          `json:"accountId"`
	Region      string          `json:"region"`
	Partition   string          `json:"partition"`
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Severity    json.RawMessage `json:"severity"`
	CreatedAt   string          `json:"createdAt"`
	UpdatedAt   string          `json:"updatedAt"`
	Resource    gdResource      `json:"resource"`
	Service     gdService       `json:"service"`
}

type gdResource struct {
	ResourceType     string       `json:"resourceType"`
	InstanceDetails  gdInstance   `json:"instanceDetails"`
	AccessKeyDetails gdAccessKey  `json:"accessKeyDetails"`
	S3BucketDetails  []gdBucket   `json:"s3BucketDetails"`
	ContainerDetails gdContainer  `json:"containerDetails"`
	EBSVolumeDetails gdEBSVolumes `json:"ebsVolumeDetails"`
}

type gdInstance struct {
	InstanceID        string `json:"instanceId"`
	InstanceType      string `json:"instanceType"`
	NetworkInterfaces []struct {
		PrivateIPAddress   string `json:"privateIpAddress"`
		PrivateIPAddresses []struct {
			PrivateIPAddress string `json:"privateIpAddress"`
		} `json:"privateIpAddresses"`
		PublicIP      string   `json:"publicIp"`
		IPv6Addresses []string `json:"ipv6Addresses"`
	} `json:"networkInterfaces"`
	Tags []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"tags"`
}

type gdAccessKey struct {
	AccessKeyID string `json:"accessKeyId"`
	PrincipalID string `json:"principalId"`
	UserType    string `json:"userType"`
	UserName    string `json:"userName"`
}

type gdBucket struct {
	ARN  string `json:"arn"`
	Name string `json:"name"`
}

type gdContainer struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Image            string `json:"image"`
	ContainerRuntime string `json:"containerRuntime"`
}

type gdEBSVolumes struct {
	ScannedVolumeDetails []struct {
		VolumeARN   string `json:"volumeArn"`
		DeviceName  string `json:"deviceName"`
		SnapshotARN string `json:"snapshotArn"`
	} `json:"scannedVolumeDetails"`
}

type gdService struct {
	Action         gdAction `json:"action"`
	RuntimeDetails struct {
		Process gdProcess `json:"process"`
	} `json:"runtimeDetails"`
	EBSVolumeScanDetails struct {
		ScanDetections struct {
			ThreatDetectedByName struct {
				ThreatNames []gdThreat `json:"threatNames"`
			} `json:"threatDetectedByName"`
		} `json:"scanDetections"`
	} `json:"ebsVolumeScanDetails"`
	Evidence struct {
		ThreatIntelligenceDetails []struct {
			ThreatNames []string `json:"threatNames"`
		} `json:"threatIntelligenceDetails"`
	} `json:"evidence"`
}

// gdAction holds the action blocks that name the remote side.
type gdAction struct {
	AWSAPICall struct {
		RemoteIPDetails gdRemoteIP `json:"remoteIpDetails"`
		DomainDetails   struct {
			Domain string `json:"domain"`
		} `json:"domainDetails"`
	} `json:"awsApiCallAction"`
	NetworkConnection gdRemote `json:"networkConnectionAction"`
	KubernetesAPICall gdRemote `json:"kubernetesApiCallAction"`
	RDSLoginAttempt   gdRemote `json:"rdsLoginAttemptAction"`
	PortProbe         struct {
		PortProbeDetails []gdRemote `json:"portProbeDetails"`
	} `json:"portProbeAction"`
	DNSRequest struct {
		Domain string `json:"domain"`
	} `json:"dnsRequestAction"`
}

type gdRemote struct {
	RemoteIPDetails gdRemoteIP `json:"remoteIpDetails"`
}

type gdRemoteIP struct {
	IPAddressV4  string `json:"ipAddressV4"`
	IPAddressV6  string `json:"ipAddressV6"`
	Organization struct {
		ASN    string `json:"asn"`
		ASNOrg string `json:"asnOrg"`
		ISP    string `json:"isp"`
		Org    string `json:"org"`
	} `json:"organization"`
	Country struct {
		CountryName string `json:"countryName"`
	} `json:"country"`
	City struct {
		CityName string `json:"cityName"`
	} `json:"city"`
}

type gdProcess struct {
	Name             string `json:"name"`
	ExecutablePath   string `json:"executablePath"`
	ExecutableSHA256 string `json:"executableSha256"`
	PID              int64  `json:"pid"`
	UUID             string `json:"uuid"`
	User             string `json:"user"`
	Pwd              string `json:"pwd"`
	Lineage          []struct {
		Name string `json:"name"`
	} `json:"lineage"`
}

type gdThreat struct {
	Name      string `json:"name"`
	FilePaths []struct {
		FilePath string `json:"filePath"`
		Hash     string `json:"hash"`
		FileName string `json:"fileName"`
	} `json:"filePaths"`
}

// alert returns the finding's alert without entities or threat names.
// prefix is the path of the finding in the payload, for errors.
func (f *gdFinding) alert(prefix string) (Alert, error) {
	// the finding's identity
	if f.ID == "" {
		return Alert{}, missing(guardDutyFormat, prefix+"id")
	}
	if f.Type == "" {
		return Alert{}, missing(guardDutyFormat, prefix+"type")
	}

	// its severity and when it was last seen
	sev, err := guardDutySeverity(prefix+"severity", f.Severity)
	if err != nil {
		return Alert{}, err
	}
	t, err := f.time(prefix)
	if err != nil {
		return Alert{}, err
	}
	return Alert{
		Format:         guardDutyFormat,
		SourceAlertID:  f.ID,
		Title:          cmp.Or(f.Title, f.Type),
		Description:    f.Description,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: string(f.Severity),
		Time:           t,
		Product:        guardDutyProduct,
		Category:       f.Type,
	}, nil
}

// guardDutySeverity maps GuardDuty's numeric severity to OCSF's.
//
// GuardDuty's bands are documented in "Severity levels for GuardDuty
// findings" (https://docs.aws.amazon.com/guardduty/latest/ug/
// guardduty_findings-severity.html): 1.0–3.9 Low, 4.0–6.9 Medium, 7.0–8.9
// High, and, since Extended Threat Detection arrived in 2024, 9.0–10.0
// Critical. A value outside 1.0–10.0 is not a GuardDuty severity.
func guardDutySeverity(field string, raw json.RawMessage) (SeverityID, error) {
	// the severity is a number from 1 to 10
	if isNull(raw) {
		return 0, missing(guardDutyFormat, field)
	}
	if !isNumber(raw) {
		reason := "want a number, got " + jsonType(raw)
		return 0, &FieldError{Format: guardDutyFormat, Field: field, Reason: reason}
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || v < 1 || v > 10 {
		return 0, invalid(guardDutyFormat, field, "a number from 1.0 to 10.0",
			string(raw))
	}

	// find its band
	switch {
	case v < 4:
		return SeverityLow, nil
	case v < 7:
		return SeverityMedium, nil
	case v < 9:
		return SeverityHigh, nil
	}
	return SeverityCritical, nil
}

// time returns when the finding was last updated, else when it was
// created. GuardDuty updates a finding in place as activity recurs.
func (f *gdFinding) time(prefix string) (time.Time, error) {
	if f.UpdatedAt != "" {
		return parseTime(guardDutyFormat, prefix+"updatedAt", f.UpdatedAt)
	}
	if f.CreatedAt != "" {
		return parseTime(guardDutyFormat, prefix+"createdAt", f.CreatedAt)
	}
	return time.Time{}, missing(guardDutyFormat, prefix+"updatedAt")
}

// threatNames returns the names of the malware Malware Protection found and
// of the threats GuardDuty's threat lists matched, each once.
//
// The threat family in the finding type (BitcoinTool, MaliciousIPCaller) is
// left out: it mostly names the detection, not a threat, and the whole type
// is already the alert's Category.
func (f *gdFinding) threatNames() []string {
	var names []string
	scan := f.Service.EBSVolumeScanDetails.ScanDetections
	for _, t := range scan.ThreatDetectedByName.ThreatNames {
		names = append(names, t.Name)
	}
	for _, ti := range f.Service.Evidence.ThreatIntelligenceDetails {
		names = append(names, ti.ThreatNames...)
	}
	return appendNew(nil, names...)
}

// entities returns the finding's entities: the affected resource first,
// then what ran or was found on it, then the remote side.
func (f *gdFinding) entities() []Entity {
	var s entitySet

	// the affected resource, by its type
	r := &f.Resource
	switch r.ResourceType {
	case "Instance":
		s.add(f.host())
	case "Container":
		s.add(f.host())
		s.add(f.container())
	case "AccessKey":
		f.addAccessKey(&s)
	case "S3Bucket":
		f.addBuckets(&s)
		f.addAccessKey(&s)
	default:
		// TODO: EKSCluster, ECSCluster, Lambda, RDSDBInstance and S3Object
		// resources yield no resource entity yet: each needs a sample and an
		// agreed entity (cluster, function, database) before it is mapped.
	}
	f.addVolumes(&s)

	// what ran on it and what Malware Protection found on its disks
	f.addProcess(&s)
	f.addMalwareFiles(&s)

	// the remote side: callers, peers and queried domains
	f.addRemote(&s)
	return s.entities()
}

// host returns the EC2 instance of the finding as a host.
func (f *gdFinding) host() Entity {
	d := &f.Resource.InstanceDetails
	var private, public, v6 []string
	for _, ni := range d.NetworkInterfaces {
		private = append(private, ipKey(ni.PrivateIPAddress))
		for _, a := range ni.PrivateIPAddresses {
			private = append(private, ipKey(a.PrivateIPAddress))
		}
		public = append(public, ipKey(ni.PublicIP))
		for _, a := range ni.IPv6Addresses {
			v6 = append(v6, ipKey(a))
		}
	}
	return Entity{
		Type: EntityHost,
		Key:  hostKey(d.InstanceID),
		Name: f.instanceTag("Name"),
		Attributes: Attrs(
			"instance_type", d.InstanceType,
			"private_ip", joinLines(private...),
			"public_ip", joinLines(public...),
			"ipv6", joinLines(v6...),
			"account_id", f.AccountID,
			"region", f.Region,
		),
	}
}

// instanceTag returns the value of the instance's tag key, or "".
func (f *gdFinding) instanceTag(key string) string {
	for _, t := range f.Resource.InstanceDetails.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// container returns the container of a Runtime Monitoring finding. Its key
// is the runtime's container id.
func (f *gdFinding) container() Entity {
	c := &f.Resource.ContainerDetails
	return Entity{
		Type: EntityCloudResource,
		Key:  strings.TrimSpace(c.ID),
		Name: c.Name,
		Attributes: Attrs(
			"resource_type", "Container",
			"image", c.Image,
			"runtime", c.ContainerRuntime,
			"host", hostKey(f.Resource.InstanceDetails.InstanceID),
		),
	}
}

// addAccessKey adds the access key of the finding and the principal that
// used it.
func (f *gdFinding) addAccessKey(s *entitySet) {
	d := &f.Resource.AccessKeyDetails
	arn := f.principalARN()
	user := userKey(cmp.Or(arn, d.PrincipalID))
	name := d.UserName
	if d.UserType == "AssumedRole" && strings.Contains(arn, ":assumed-role/") {
		// name the session, not only the role, as the ARN does
		name = arn[strings.Index(arn, ":assumed-role/")+len(":assumed-role/"):]
	}
	s.add(Entity{
		Type: EntityAccessKey,
		Key:  strings.TrimSpace(d.AccessKeyID),
		Attributes: Attrs(
			"user", user,
			"user_type", d.UserType,
			"account_id", f.AccountID,
		),
	})
	s.add(Entity{
		Type: EntityUser,
		Key:  user,
		Name: name,
		Attributes: Attrs(
			"arn", arn,
			"user_type", d.UserType,
			"principal_id", d.PrincipalID,
			"account_id", f.AccountID,
		),
	})
}

// principalARN returns the ARN of the principal that used the finding's
// access key, or "": see awsPrincipalARN.
func (f *gdFinding) principalARN() string {
	d := &f.Resource.AccessKeyDetails
	return awsPrincipalARN(f.Partition, f.AccountID, d.UserType, d.UserName,
		d.PrincipalID)
}

// addBuckets adds the finding's S3 buckets, keyed by ARN.
func (f *gdFinding) addBuckets(s *entitySet) {
	for _, b := range f.Resource.S3BucketDetails {
		arn := strings.TrimSpace(b.ARN)
		if arn == "" && b.Name != "" {
			arn = "arn:" + cmp.Or(f.Partition, "aws") + ":s3:::" + b.Name
		}
		s.add(Entity{
			Type: EntityCloudResource,
			Key:  arn,
			Name: b.Name,
			Attributes: Attrs(
				"resource_type", "AwsS3Bucket",
				"account_id", f.AccountID,
				"region", f.Region,
			),
		})
	}
}

// addVolumes adds the EBS volumes Malware Protection scanned, keyed by ARN
// and named by volume id.
func (f *gdFinding) addVolumes(s *entitySet) {
	for _, v := range f.Resource.EBSVolumeDetails.ScannedVolumeDetails {
		arn := strings.TrimSpace(v.VolumeARN)
		s.add(Entity{
			Type: EntityCloudResource,
			Key:  arn,
			Name: arn[strings.LastIndexByte(arn, '/')+1:],
			Attributes: Attrs(
				"resource_type", "AwsEc2Volume",
				"device_name", v.DeviceName,
				"snapshot_arn", v.SnapshotARN,
				"host", hostKey(f.Resource.InstanceDetails.InstanceID),
			),
		})
	}
}

// addProcess adds the process a Runtime Monitoring finding names and the
// file it executed.
func (f *gdFinding) addProcess(s *entitySet) {
	p := &f.Service.RuntimeDetails.Process
	host := hostKey(f.Resource.InstanceDetails.InstanceID)
	var lineage []string
	for _, l := range p.Lineage {
		lineage = append(lineage, l.Name)
	}
	var pid string
	if p.PID > 0 {
		pid = strconv.FormatInt(p.PID, 10)
	}
	s.add(Entity{
		Type: EntityProcess,
		Key:  strings.TrimSpace(cmp.Or(p.UUID, p.Name)),
		Name: p.Name,
		Attributes: Attrs(
			"pid", pid,
			"executable_path", p.ExecutablePath,
			"sha256", hashKey(p.ExecutableSHA256),
			"user", p.User,
			"pwd", p.Pwd,
			"lineage", strings.Join(lineage, "\n"),
			"host", host,
		),
	})
	exe := fileEntity(p.ExecutableSHA256, p.ExecutablePath, "")
	exe.Attributes = withAttr(exe.Attributes, "host", host)
	s.add(exe)
}

// addMalwareFiles adds each file Malware Protection found, keyed by hash:
// one file found at several paths is one entity listing every path.
func (f *gdFinding) addMalwareFiles(s *entitySet) {
	host := hostKey(f.Resource.InstanceDetails.InstanceID)
	scan := f.Service.EBSVolumeScanDetails.ScanDetections
	for _, t := range scan.ThreatDetectedByName.ThreatNames {
		for _, p := range t.FilePaths {
			e := fileEntity(p.Hash, p.FilePath, p.FileName)
			e.Attributes = withAttr(e.Attributes, "threat_name", t.Name)
			e.Attributes = withAttr(e.Attributes, "host", host)
			s.add(e)
		}
	}
}

// addRemote adds the remote IP addresses and domains of the finding's
// action.
func (f *gdFinding) addRemote(s *entitySet) {
	a := &f.Service.Action
	s.add(a.AWSAPICall.RemoteIPDetails.entity())
	s.add(a.NetworkConnection.RemoteIPDetails.entity())
	s.add(a.KubernetesAPICall.RemoteIPDetails.entity())
	s.add(a.RDSLoginAttempt.RemoteIPDetails.entity())
	for _, p := range a.PortProbe.PortProbeDetails {
		s.add(p.RemoteIPDetails.entity())
	}
	for _, d := range []string{a.DNSRequest.Domain, a.AWSAPICall.DomainDetails.Domain} {
		s.add(Entity{Type: EntityDomain, Key: domainKey(d)})
	}
}

// entity returns the remote address as an IP entity with its location and
// network owner.
func (r *gdRemoteIP) entity() Entity {
	o := &r.Organization
	return Entity{
		Type: EntityIP,
		Key:  ipKey(cmp.Or(r.IPAddressV4, r.IPAddressV6)),
		Attributes: Attrs(
			"country", r.Country.CountryName,
			"city", r.City.CityName,
			"asn", o.ASN,
			"asn_org", o.ASNOrg,
			"isp", o.ISP,
			"org", o.Org,
		),
	}
}
