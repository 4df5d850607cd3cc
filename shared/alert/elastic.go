package alert

import (
	"bytes"
	"cmp"
	"encoding/json"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
)

// elasticFormat names Elastic Security's detection alert format.
const elasticFormat = "elastic"

// elasticHitPrefix is the path of an alert in a search hit.
const elasticHitPrefix = "_source"

// elastic parses Elastic Security detection alerts: the alert document as
// Kibana writes it to the .alerts-security.alerts index, alone or in the
// search hit that returns it ({_index, _id, _source}).
//
// Kibana writes its own fields flattened ("kibana.alert.rule.name") beside
// nested ECS objects ("host": {"name": ...}); the parser reads either form
// of any field, and names fields in errors in the dotted form.
type elastic struct{}

// Name returns "elastic".
func (elastic) Name() string { return elasticFormat }

// Detect claims an alert document, one with kibana.alert fields flattened
// or nested, and a search hit whose _source is one.
func (elastic) Detect(top map[string]json.RawMessage) bool {
	if src := top[elasticHitPrefix]; top["_index"] != nil && len(src) > 0 && src[0] == '{' {
		var inner map[string]json.RawMessage
		return json.Unmarshal(src, &inner) == nil && isElasticAlert(inner)
	}
	return isElasticAlert(top)
}

// isElasticAlert reports whether an object has kibana.alert fields.
func isElasticAlert(top map[string]json.RawMessage) bool {
	for k := range top {
		if strings.HasPrefix(k, "kibana.alert.") {
			return true
		}
	}
	var kibana struct {
		Alert json.RawMessage `json:"alert"`
	}
	return json.Unmarshal(top["kibana"], &kibana) == nil && len(kibana.Alert) > 0 &&
		kibana.Alert[0] == '{'
}

// Parse returns the one alert of an alert document or search hit. The
// rule's name, a severity, @timestamp and the alert's uuid (or the hit's
// _id) are required.
func (elastic) Parse(item []byte) ([]Alert, error) {
	// unwrap the search hit, if there is one
	doc, prefix, hitID, err := unwrapHit(item)
	if err != nil {
		return nil, err
	}

	// read every field in one form, then the alert
	var ea esAlert
	if err := decode(elasticFormat, doc, &ea); err != nil {
		return nil, prefixField(err, prefix)
	}
	a, err := ea.alert(hitID)
	if err != nil {
		return nil, prefixField(err, prefix)
	}
	a.Entities = ea.entities()
	return []Alert{a}, nil
}

// unwrapHit returns the alert document of a search hit, with its dotted
// keys expanded (see expandDots), the prefix of its fields' paths and the
// hit's _id; an item that is no hit is the document itself.
func unwrapHit(item []byte) (doc []byte, prefix, hitID string, err error) {
	var hit struct {
		Index  json.RawMessage `json:"_index"`
		ID     string          `json:"_id"`
		Source json.RawMessage `json:"_source"`
	}
	if err := decode(elasticFormat, item, &hit); err != nil {
		return nil, "", "", err
	}
	if hit.Index == nil || hit.Source == nil {
		doc, err := expandDots(item)
		return doc, "", "", err
	}
	doc, err = expandDots(hit.Source)
	return doc, elasticHitPrefix, hit.ID, prefixField(err, elasticHitPrefix)
}

// expandDots returns a JSON object with every dotted key, at any depth,
// moved into nested objects: {"kibana.alert.uuid": "x"} becomes
// {"kibana": {"alert": {"uuid": "x"}}}. Where two keys name one field the
// one first in sorted order wins, so a nested object ("host") wins over a
// flattened key into it ("host.name"), and the result is deterministic.
func expandDots(obj []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		reason := "want an object, got " + jsonType(obj)
		return nil, &FieldError{Format: elasticFormat, Reason: reason}
	}
	return json.Marshal(expandObject(m))
}

// expandObject returns m with its dotted keys expanded, recursively.
func expandObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if sub, ok := v.(map[string]any); ok {
			v = expandObject(sub)
		}
		putPath(out, strings.Split(k, "."), v)
	}
	return out
}

// putPath puts v at a key path in m, creating objects on the way and
// merging into those already there. A value already at the path, or a
// non-object in the way, is kept and v dropped.
func putPath(m map[string]any, keys []string, v any) {
	old, ok := m[keys[0]]
	switch {
	case !ok && len(keys) == 1:
		m[keys[0]] = v
	case !ok:
		sub := make(map[string]any)
		m[keys[0]] = sub
		putPath(sub, keys[1:], v)
	case len(keys) > 1:
		if sub, isObj := old.(map[string]any); isObj {
			putPath(sub, keys[1:], v)
		}
	default:
		dst, dstObj := old.(map[string]any)
		src, srcObj := v.(map[string]any)
		if dstObj && srcObj {
			for _, k := range slices.Sorted(maps.Keys(src)) {
				putPath(dst, []string{k}, src[k])
			}
		}
	}
}

// esAlert is the part of an Elastic Security alert the parser reads: the
// kibana.alert fields and the ECS fields of the event that matched.
type esAlert struct {
	Timestamp string `json:"@timestamp"`
	Kibana    struct {
		Alert struct {
			UUID     string `json:"uuid"`
			Reason   string `json:"reason"`
			Severity string `json:"severity"`
			Rule     struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				Severity    string `json:"severity"`
				Threat      []struct {
					Tactic struct {
						Name string `json:"name"`
					} `json:"tactic"`
				} `json:"threat"`
			} `json:"rule"`
		} `json:"alert"`
	} `json:"kibana"`
	Cloud struct {
		Instance struct {
			ID string `json:"id"`
		} `json:"instance"`
	} `json:"cloud"`
	Host        esHost     `json:"host"`
	User        esUser     `json:"user"`
	Source      esEndpoint `json:"source"`
	Destination esEndpoint `json:"destination"`
	Process     esProcess  `json:"process"`
	File        esFile     `json:"file"`
	URL         struct {
		Full   string `json:"full"`
		Domain string `json:"domain"`
	} `json:"url"`
	DNS struct {
		Question struct {
			Name string `json:"name"`
		} `json:"question"`
	} `json:"dns"`
	Winlog struct {
		EventData esEventData `json:"event_data"`
	} `json:"winlog"`
}

type esHost struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Hostname string  `json:"hostname"`
	IP       strList `json:"ip"`
	MAC      strList `json:"mac"`
	OS       struct {
		Name string `json:"name"`
	} `json:"os"`
}

type esUser struct {
	Name   string `json:"name"`
	Domain string `json:"domain"`
	ID     string `json:"id"`
	Email  string `json:"email"`
}

type esEndpoint struct {
	IP     string `json:"ip"`
	Domain string `json:"domain"`
}

type esHashes struct {
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1"`
	MD5    string `json:"md5"`
}

type esProcess struct {
	EntityID    string   `json:"entity_id"`
	PID         int64    `json:"pid"`
	Name        string   `json:"name"`
	Executable  string   `json:"executable"`
	CommandLine string   `json:"command_line"`
	Hash        esHashes `json:"hash"`
	Parent      struct {
		EntityID    string `json:"entity_id"`
		PID         int64  `json:"pid"`
		Name        string `json:"name"`
		Executable  string `json:"executable"`
		CommandLine string `json:"command_line"`
	} `json:"parent"`
}

type esFile struct {
	Path string   `json:"path"`
	Name string   `json:"name"`
	Hash esHashes `json:"hash"`
}

// esEventData holds the Windows event fields Winlogbeat keeps raw: those
// of Sysmon's process creation and of the Security log's logon events.
type esEventData struct {
	User              string `json:"User"`
	TargetUserName    string `json:"TargetUserName"`
	TargetDomainName  string `json:"TargetDomainName"`
	ProcessGUID       string `json:"ProcessGuid"`
	ProcessID         string `json:"ProcessId"`
	Image             string `json:"Image"`
	CommandLine       string `json:"CommandLine"`
	Hashes            string `json:"Hashes"`
	ParentProcessGUID string `json:"ParentProcessGuid"`
	ParentProcessID   string `json:"ParentProcessId"`
	ParentImage       string `json:"ParentImage"`
	ParentCommandLine string `json:"ParentCommandLine"`
}

// alert returns the alert without entities; hitID is the search hit's
// _id, which is the alert's uuid.
func (ea *esAlert) alert(hitID string) (Alert, error) {
	// the alert's identity and rule
	ka := &ea.Kibana.Alert
	id := cmp.Or(ka.UUID, hitID)
	if id == "" {
		return Alert{}, missing(elasticFormat, "kibana.alert.uuid")
	}
	if ka.Rule.Name == "" {
		return Alert{}, missing(elasticFormat, "kibana.alert.rule.name")
	}

	// its severity and time
	source := cmp.Or(ka.Severity, ka.Rule.Severity)
	if source == "" {
		return Alert{}, missing(elasticFormat, "kibana.alert.severity")
	}
	if ea.Timestamp == "" {
		return Alert{}, missing(elasticFormat, "@timestamp")
	}
	t, err := parseTime(elasticFormat, "@timestamp", ea.Timestamp)
	if err != nil {
		return Alert{}, err
	}
	sev := severityByName(source)
	a := Alert{
		Format:         elasticFormat,
		SourceAlertID:  id,
		Title:          ka.Rule.Name,
		Description:    cmp.Or(ka.Reason, ka.Rule.Description),
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: source,
		Time:           t,
		Product:        "Elastic Security",
	}
	if len(ka.Rule.Threat) > 0 {
		a.Category = ka.Rule.Threat[0].Tactic.Name
	}
	return a, nil
}

// entities returns the host, the user, the source and destination, the
// process and its file, and the file, URL and domains of the event.
func (ea *esAlert) entities() []Entity {
	var s entitySet
	host := ea.host()
	s.add(host)
	s.add(ea.user())
	s.add(Entity{Type: EntityIP, Key: ipKey(ea.Source.IP),
		Attributes: Attrs("role", "source")})
	s.add(Entity{Type: EntityIP, Key: ipKey(ea.Destination.IP),
		Attributes: Attrs("role", "destination")})
	ea.addProcess(&s, host.Key)
	f := &ea.File
	s.add(hashedFile(f.Path, f.Name, f.Hash.SHA256, f.Hash.SHA1, f.Hash.MD5))
	s.add(Entity{Type: EntityURL, Key: urlKey(ea.URL.Full)})
	for _, d := range []string{ea.URL.Domain, ea.DNS.Question.Name, ea.Destination.Domain} {
		s.add(Entity{Type: EntityDomain, Key: domainKey(d)})
	}
	return s.entities()
}

// host returns the host, keyed by cloud instance id, else the agent's
// host id, else its name.
func (ea *esAlert) host() Entity {
	h := &ea.Host
	var ips []string
	for _, ip := range h.IP {
		ips = append(ips, ipKey(ip))
	}
	return Entity{
		Type: EntityHost,
		Key:  hostKey(cmp.Or(ea.Cloud.Instance.ID, h.ID, h.Name)),
		Name: cmp.Or(h.Name, h.Hostname),
		Attributes: Attrs(
			"hostname", h.Hostname,
			"ip", joinLines(ips...),
			"mac", joinLines(h.MAC...),
			"os", h.OS.Name,
		),
	}
}

// user returns the ECS user, else the user a Windows event names: the
// target of a logon event, or the user a Sysmon process ran as.
func (ea *esAlert) user() Entity {
	u := ea.User
	if u.Name == "" {
		ed := &ea.Winlog.EventData
		u.Name, u.Domain = ed.TargetUserName, ed.TargetDomainName
		if u.Name == "" {
			u.Domain, u.Name = splitAccount(ed.User)
		}
	}
	return Entity{
		Type:       EntityUser,
		Key:        userKey(cmp.Or(u.Email, u.Name)),
		Name:       u.Name,
		Attributes: Attrs("domain", u.Domain, "id", u.ID, "email", u.Email),
	}
}

// splitAccount splits a Windows account "DOMAIN\name" into its parts.
func splitAccount(s string) (domain, name string) {
	if d, n, ok := strings.Cut(s, `\`); ok {
		return d, n
	}
	return "", s
}

// addProcess adds the process, its executable file and its parent, from
// ECS fields or else from the Sysmon event's.
func (ea *esAlert) addProcess(s *entitySet, host string) {
	p := ea.process()
	s.add(Entity{
		Type: EntityProcess,
		Key:  strings.TrimSpace(cmp.Or(p.EntityID, p.Name)),
		Name: p.Name,
		Attributes: Attrs(
			"pid", pidString(p.PID),
			"cmd_line", p.CommandLine,
			"executable_path", p.Executable,
			"parent", p.Parent.EntityID,
			"host", host,
		),
	})
	exe := hashedFile(p.Executable, p.Name, p.Hash.SHA256, p.Hash.SHA1, p.Hash.MD5)
	exe.Attributes = withAttr(exe.Attributes, "host", host)
	s.add(exe)
	pp := &p.Parent
	s.add(Entity{
		Type: EntityProcess,
		Key:  strings.TrimSpace(cmp.Or(pp.EntityID, pp.Name)),
		Name: pp.Name,
		Attributes: Attrs(
			"pid", pidString(pp.PID),
			"cmd_line", pp.CommandLine,
			"executable_path", pp.Executable,
			"host", host,
		),
	})
}

// process returns the ECS process, or one read from a Sysmon event when
// the alert has no ECS process name or executable.
func (ea *esAlert) process() esProcess {
	p := ea.Process
	ed := &ea.Winlog.EventData
	if p.Name != "" || p.Executable != "" || ed.Image == "" {
		return p
	}
	p.EntityID, p.Executable, p.CommandLine = ed.ProcessGUID, ed.Image, ed.CommandLine
	p.Name = windowsBase(ed.Image)
	p.PID, _ = strconv.ParseInt(ed.ProcessID, 10, 64)
	p.Hash = sysmonHashes(ed.Hashes)
	p.Parent.EntityID, p.Parent.Executable = ed.ParentProcessGUID, ed.ParentImage
	p.Parent.CommandLine = ed.ParentCommandLine
	p.Parent.Name = windowsBase(ed.ParentImage)
	p.Parent.PID, _ = strconv.ParseInt(ed.ParentProcessID, 10, 64)
	return p
}

// windowsBase returns the last element of a Windows or Unix path, or "".
func windowsBase(p string) string {
	if p == "" {
		return ""
	}
	return path.Base(strings.ReplaceAll(p, `\`, "/"))
}

// pidString returns a process id as a string, or "" for none.
func pidString(pid int64) string {
	if pid <= 0 {
		return ""
	}
	return strconv.FormatInt(pid, 10)
}

// sysmonHashes reads Sysmon's Hashes field, "MD5=...,SHA256=...,IMPHASH=...".
// IMPHASH hashes the import table, not the file, and is left out.
func sysmonHashes(s string) esHashes {
	var h esHashes
	for kv := range strings.SplitSeq(s, ",") {
		alg, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch strings.ToUpper(alg) {
		case "SHA256":
			h.SHA256 = v
		case "SHA1":
			h.SHA1 = v
		case "MD5":
			h.MD5 = v
		}
	}
	return h
}
