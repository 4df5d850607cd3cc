package alert

import (
	"cmp"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// ocsfFormat names the Open Cybersecurity Schema Framework finding format.
const ocsfFormat = "ocsf"

// OCSF finding classes the parser reads.
const (
	ocsfSecurityFinding  = 2001 // deprecated since OCSF 1.1; finding in "finding"
	ocsfDetectionFinding = 2004 // finding in "finding_info"
)

// ocsf parses OCSF Security Finding (2001) and Detection Finding (2004)
// events, as Prowler, Security Hub and others emit them.
type ocsf struct{}

// Name returns "ocsf".
func (ocsf) Name() string { return ocsfFormat }

// Detect claims an OCSF event: a numeric class_uid beside a metadata
// object. Classes other than findings, and class_uid values that are not
// integers, are claimed too, so that Parse can say what is wrong.
func (ocsf) Detect(top map[string]json.RawMessage) bool {
	meta := top["metadata"]
	return isNumber(top["class_uid"]) && len(meta) > 0 && meta[0] == '{'
}

// Parse returns the one alert of an OCSF finding. class_uid, severity_id,
// the finding's uid and a time are required.
func (ocsf) Parse(item []byte) ([]Alert, error) {
	// decode the event and check its class
	var ev ocsfEvent
	if err := decode(ocsfFormat, item, &ev); err != nil {
		return nil, err
	}
	info, infoField, err := ev.info()
	if err != nil {
		return nil, err
	}

	// read what every alert needs
	a, err := ev.alert(info, infoField)
	if err != nil {
		return nil, err
	}

	// name the threats and the entities involved
	var names []string
	for _, m := range ev.Malware {
		names = append(names, m.Name)
	}
	a.ThreatNames = appendNew(nil, names...)
	a.Entities = ev.entities()
	return []Alert{a}, nil
}

// ocsfEvent is the part of an OCSF finding event the parser reads.
type ocsfEvent struct {
	ClassUID   *int            `json:"class_uid"`
	Message    string          `json:"message"`
	SeverityID *int            `json:"severity_id"`
	Severity   string          `json:"severity"`
	Time       json.RawMessage `json:"time"`
	TimeDT     string          `json:"time_dt"`
	Metadata   struct {
		Product struct {
			Name       string `json:"name"`
			VendorName string `json:"vendor_name"`
		} `json:"product"`
	} `json:"metadata"`
	FindingInfo *ocsfInfo        `json:"finding_info"`
	Finding     *ocsfInfo        `json:"finding"`
	Resources   []ocsfResource   `json:"resources"`
	Observables []ocsfObservable `json:"observables"`
	Evidences   []ocsfEvidence   `json:"evidences"`
	Malware     []struct {
		Name string `json:"name"`
	} `json:"malware"`
}

// ocsfInfo is finding_info in a Detection Finding and finding in a
// Security Finding.
type ocsfInfo struct {
	UID   string   `json:"uid"`
	Title string   `json:"title"`
	Desc  string   `json:"desc"`
	Types []string `json:"types"`
}

type ocsfResource struct {
	UID    string `json:"uid"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Region string `json:"region"`
}

type ocsfObservable struct {
	Name   string `json:"name"`
	TypeID int    `json:"type_id"`
	Value  string `json:"value"`
}

type ocsfEvidence struct {
	Actor struct {
		User    ocsfUser    `json:"user"`
		Process ocsfProcess `json:"process"`
	} `json:"actor"`
	Device      ocsfDevice   `json:"device"`
	User        ocsfUser     `json:"user"`
	Process     ocsfProcess  `json:"process"`
	File        ocsfFile     `json:"file"`
	URL         ocsfURL      `json:"url"`
	SrcEndpoint ocsfEndpoint `json:"src_endpoint"`
	DstEndpoint ocsfEndpoint `json:"dst_endpoint"`
}

type ocsfUser struct {
	Name      string `json:"name"`
	UID       string `json:"uid"`
	EmailAddr string `json:"email_addr"`
}

type ocsfProcess struct {
	Name    string   `json:"name"`
	PID     int64    `json:"pid"`
	UID     string   `json:"uid"`
	CmdLine string   `json:"cmd_line"`
	File    ocsfFile `json:"file"`
}

type ocsfFile struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Hashes []struct {
		AlgorithmID int    `json:"algorithm_id"`
		Value       string `json:"value"`
	} `json:"hashes"`
}

type ocsfURL struct {
	URLString string `json:"url_string"`
}

type ocsfDevice struct {
	Hostname    string `json:"hostname"`
	Name        string `json:"name"`
	UID         string `json:"uid"`
	InstanceUID string `json:"instance_uid"`
	IP          string `json:"ip"`
}

type ocsfEndpoint struct {
	IP     string `json:"ip"`
	Domain string `json:"domain"`
}

// info checks the event's class and returns its finding object and that
// object's field name.
func (ev *ocsfEvent) info() (*ocsfInfo, string, error) {
	if ev.ClassUID == nil {
		return nil, "", missing(ocsfFormat, "class_uid")
	}
	switch *ev.ClassUID {
	case ocsfDetectionFinding:
		if ev.FindingInfo == nil {
			return nil, "", missing(ocsfFormat, "finding_info")
		}
		return ev.FindingInfo, "finding_info", nil
	case ocsfSecurityFinding:
		if ev.Finding == nil {
			return nil, "", missing(ocsfFormat, "finding")
		}
		return ev.Finding, "finding", nil
	}
	return nil, "", invalid(ocsfFormat, "class_uid",
		"2004 (Detection Finding) or 2001 (Security Finding)",
		strconv.Itoa(*ev.ClassUID))
}

// alert returns the event's alert without entities or threat names.
func (ev *ocsfEvent) alert(info *ocsfInfo, infoField string) (Alert, error) {
	// the finding's identity and title
	if info.UID == "" {
		return Alert{}, missing(ocsfFormat, infoField+".uid")
	}
	title := cmp.Or(info.Title, ev.Message)
	if title == "" {
		return Alert{}, missing(ocsfFormat, infoField+".title")
	}

	// its severity and time
	sev, err := ev.severity()
	if err != nil {
		return Alert{}, err
	}
	t, err := ev.time()
	if err != nil {
		return Alert{}, err
	}
	a := Alert{
		Format:         ocsfFormat,
		SourceAlertID:  info.UID,
		Title:          title,
		Description:    info.Desc,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: cmp.Or(ev.Severity, strconv.Itoa(int(sev))),
		Time:           t,
		Product:        cmp.Or(ev.Metadata.Product.Name, ev.Metadata.Product.VendorName),
	}
	if len(info.Types) > 0 {
		a.Category = info.Types[0]
	}
	if ev.Message != title && ev.Message != "" {
		// the message says what this finding found (Prowler: "User adoe has
		// Console Password enabled but MFA disabled."); desc describes the
		// check in general
		a.Description = ev.Message
	}
	return a, nil
}

// severity returns severity_id, which must be one of OCSF's values.
func (ev *ocsfEvent) severity() (SeverityID, error) {
	if ev.SeverityID == nil {
		return 0, missing(ocsfFormat, "severity_id")
	}
	id := SeverityID(*ev.SeverityID)
	if id < SeverityUnknown || id > SeverityFatal && id != SeverityOther {
		return 0, invalid(ocsfFormat, "severity_id", "0 to 6 or 99",
			strconv.Itoa(*ev.SeverityID))
	}
	return id, nil
}

// Bounds of OCSF's epoch times. The spec says milliseconds, but Prowler
// sends seconds: a value below epochMillisMin would be a millisecond time
// before 1973, and is read as seconds (before the year 5138) instead.
const (
	epochMillisMin = 1e11
	epochMillisMax = 253402300799999 // 9999-12-31T23:59:59.999Z
)

// time returns time_dt if the event has it, else time read as epoch
// seconds or milliseconds by its magnitude.
func (ev *ocsfEvent) time() (time.Time, error) {
	// the datetime profile's string is exact and says its zone
	if ev.TimeDT != "" {
		return parseTime(ocsfFormat, "time_dt", ev.TimeDT)
	}

	// otherwise the epoch number
	if isNull(ev.Time) {
		return time.Time{}, missing(ocsfFormat, "time")
	}
	if !isNumber(ev.Time) {
		reason := "want a number, got " + jsonType(ev.Time)
		return time.Time{}, &FieldError{Format: ocsfFormat, Field: "time", Reason: reason}
	}
	t, ok := epochTime(string(ev.Time))
	if !ok {
		return time.Time{}, invalid(ocsfFormat, "time",
			"epoch milliseconds or seconds after 1970", string(ev.Time))
	}
	return t, nil
}

// epochTime reads a JSON number as epoch seconds or milliseconds, by its
// magnitude, in UTC. It reports false for a time outside 1970–9999.
func epochTime(n string) (time.Time, bool) {
	v, err := strconv.ParseFloat(n, 64)
	if err != nil || v <= 0 || v > epochMillisMax {
		return time.Time{}, false
	}
	ms := v
	if v < epochMillisMin {
		ms = v * 1000
	}
	whole, frac := math.Modf(ms)
	sub := time.Duration(math.Round(frac * float64(time.Millisecond)))
	return time.UnixMilli(int64(whole)).Add(sub).UTC(), true
}

// entities returns the event's entities: its resources, then its
// observables, then its evidences.
func (ev *ocsfEvent) entities() []Entity {
	var s entitySet
	for _, r := range ev.Resources {
		s.add(r.entity())
	}
	for _, o := range ev.Observables {
		s.add(o.entity())
	}
	for i := range ev.Evidences {
		ev.Evidences[i].addTo(&s)
	}
	return s.entities()
}

// entity returns a resource as a user (AwsIamUser), a host (AwsEc2Instance)
// or else a cloud resource keyed by its uid.
func (r *ocsfResource) entity() Entity {
	uid := strings.TrimSpace(r.UID)
	a := Attrs("resource_type", r.Type, "region", r.Region)
	switch r.Type {
	case "AwsIamUser":
		a = withAttr(a, "arn", arnOnly(uid))
		return Entity{Type: EntityUser, Key: userKey(cmp.Or(uid, r.Name)),
			Name: r.Name, Attributes: a}
	case "AwsEc2Instance":
		a = withAttr(a, "arn", arnOnly(uid))
		return Entity{Type: EntityHost, Key: hostKey(instanceID(uid)),
			Name: r.Name, Attributes: a}
	}
	return Entity{Type: EntityCloudResource, Key: uid, Name: r.Name, Attributes: a}
}

// arnOnly returns s if it is an ARN, else "".
func arnOnly(s string) string {
	if isARN(s) {
		return s
	}
	return ""
}

// instanceID returns the instance id at the end of an EC2 instance ARN, or
// s itself if it is not an ARN.
func instanceID(s string) string {
	if !isARN(s) {
		return s
	}
	return s[strings.LastIndexByte(s, '/')+1:]
}

// OCSF observable type_id values the parser reads, from the observable
// object's enumeration (stable since OCSF 1.0).
const (
	obsHostname    = 1
	obsIPAddress   = 2
	obsUserName    = 4
	obsEmail       = 5
	obsURL         = 6
	obsHash        = 8
	obsProcessName = 9
	obsResourceUID = 10
)

// entity returns an observable as an entity, or one with an empty key for
// types that name nothing an investigation can act on (a MAC address, a
// bare file name, a port ...).
func (o *ocsfObservable) entity() Entity {
	v := strings.TrimSpace(o.Value)
	switch o.TypeID {
	case obsHostname:
		return Entity{Type: EntityHost, Key: hostKey(v), Name: v}
	case obsIPAddress:
		return Entity{Type: EntityIP, Key: ipKey(v)}
	case obsUserName:
		return Entity{Type: EntityUser, Key: userKey(v), Name: v}
	case obsEmail:
		return o.emailEntity(v)
	case obsURL:
		return Entity{Type: EntityURL, Key: urlKey(v)}
	case obsHash:
		return fileEntity(v, "", "")
	case obsProcessName:
		return Entity{Type: EntityProcess, Key: v, Name: v}
	case obsResourceUID:
		return Entity{Type: EntityCloudResource, Key: v}
	}
	return Entity{}
}

// emailEntity returns an email address as a mailbox when the observable
// points into an email object (email.to, email.from ...), else as a user.
func (o *ocsfObservable) emailEntity(addr string) Entity {
	t := EntityUser
	if strings.HasPrefix(o.Name, "email.") {
		t = EntityMailbox
	}
	return Entity{Type: t, Key: userKey(addr), Name: addr,
		Attributes: Attrs("email", addr)}
}

// addTo adds the entities one evidence names.
func (e *ocsfEvidence) addTo(s *entitySet) {
	s.add(e.Device.entity())
	s.add(e.Actor.User.entity())
	s.add(e.User.entity())
	e.Actor.Process.addTo(s)
	e.Process.addTo(s)
	s.add(e.File.entity())
	s.add(Entity{Type: EntityURL, Key: urlKey(e.URL.URLString)})
	s.add(Entity{Type: EntityIP, Key: ipKey(e.SrcEndpoint.IP)})
	s.add(Entity{Type: EntityIP, Key: ipKey(e.DstEndpoint.IP)})
	s.add(Entity{Type: EntityDomain, Key: domainKey(e.DstEndpoint.Domain)})
}

// entity returns a device as a host keyed by instance id, else device id,
// else host name.
func (d *ocsfDevice) entity() Entity {
	key := cmp.Or(d.InstanceUID, d.UID, d.Hostname, d.Name)
	return Entity{
		Type:       EntityHost,
		Key:        hostKey(key),
		Name:       cmp.Or(d.Hostname, d.Name),
		Attributes: Attrs("ip", ipKey(d.IP)),
	}
}

// entity returns a user keyed by email address, else ARN, else name, else
// uid.
func (u *ocsfUser) entity() Entity {
	key := u.EmailAddr
	if key == "" && isARN(u.UID) {
		key = u.UID
	}
	return Entity{
		Type:       EntityUser,
		Key:        userKey(cmp.Or(key, u.Name, u.UID)),
		Name:       u.Name,
		Attributes: Attrs("uid", u.UID, "email", u.EmailAddr),
	}
}

// addTo adds a process, keyed by uid else name, and its executable file.
func (p *ocsfProcess) addTo(s *entitySet) {
	var pid string
	if p.PID > 0 {
		pid = strconv.FormatInt(p.PID, 10)
	}
	s.add(Entity{
		Type: EntityProcess,
		Key:  strings.TrimSpace(cmp.Or(p.UID, p.Name)),
		Name: p.Name,
		Attributes: Attrs(
			"pid", pid,
			"cmd_line", p.CmdLine,
			"executable_path", p.File.Path,
		),
	})
	s.add(p.File.entity())
}

// OCSF fingerprint algorithm_id values, strongest hash first.
var ocsfHashAlgorithms = []int{3, 2, 1} // SHA-256, SHA-1, MD5

// entity returns a file keyed by its strongest hash; a file without a hash
// has no key.
func (f *ocsfFile) entity() Entity {
	for _, alg := range ocsfHashAlgorithms {
		for _, h := range f.Hashes {
			if h.AlgorithmID == alg {
				return fileEntity(h.Value, f.Path, f.Name)
			}
		}
	}
	return Entity{}
}
