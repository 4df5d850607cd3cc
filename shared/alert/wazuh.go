package alert

import (
	"encoding/json"
	"strconv"
	"time"
)

// wazuhFormat names Wazuh's alert format.
const wazuhFormat = "wazuh"

// wazuhTimeLayouts are the layouts of a Wazuh alert's timestamp: the
// manager writes its zone offset without a colon ("+0000").
var wazuhTimeLayouts = []string{"2006-01-02T15:04:05.999999999-0700", time.RFC3339Nano}

// wazuh parses Wazuh alerts, as the manager writes them to alerts.json and
// hands them to an integration script.
type wazuh struct{}

// Name returns "wazuh".
func (wazuh) Name() string { return wazuhFormat }

// Detect claims an alert with a rule object, an agent object, a decoder and
// a location.
func (wazuh) Detect(top map[string]json.RawMessage) bool {
	rule, agent := top["rule"], top["agent"]
	return len(rule) > 0 && rule[0] == '{' && len(agent) > 0 && agent[0] == '{' &&
		top["decoder"] != nil && top["location"] != nil
}

// Parse returns the one alert of a Wazuh alert. id, timestamp,
// rule.description and rule.level are required.
//
// The alert id is unique per manager only, so the alert's id is the
// manager's name and the id ("wazuh-manager-01:1738894434.40218"), or the
// id alone when the alert names no manager.
func (wazuh) Parse(item []byte) ([]Alert, error) {
	// decode the alert and read what every alert needs
	var w wazuhAlert
	if err := decode(wazuhFormat, item, &w); err != nil {
		return nil, err
	}
	a, err := w.alert()
	if err != nil {
		return nil, err
	}

	// name the entities involved
	a.Entities = w.entities()
	return []Alert{a}, nil
}

// wazuhAlert is the part of a Wazuh alert the parser reads.
type wazuhAlert struct {
	ID        string `json:"id"`
	Timestamp string `json:"timestamp"`
	Rule      struct {
		ID          string `json:"id"`
		Level       *int   `json:"level"`
		Description string `json:"description"`
		MITRE       struct {
			Tactic []string `json:"tactic"`
		} `json:"mitre"`
	} `json:"rule"`
	Agent struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		IP   string `json:"ip"`
	} `json:"agent"`
	Manager struct {
		Name string `json:"name"`
	} `json:"manager"`
	Data     wazuhData `json:"data"`
	Syscheck struct {
		Path       string `json:"path"`
		MD5After   string `json:"md5_after"`
		SHA1After  string `json:"sha1_after"`
		SHA256     string `json:"sha256_after"`
		UnameAfter string `json:"uname_after"`
		Event      string `json:"event"`
	} `json:"syscheck"`
}

// wazuhData holds the decoded fields of the event that the parser reads:
// those of the common decoders, of Windows events and of the VirusTotal
// integration.
type wazuhData struct {
	SrcIP   string `json:"srcip"`
	DstIP   string `json:"dstip"`
	SrcUser string `json:"srcuser"`
	DstUser string `json:"dstuser"`
	URL     string `json:"url"`
	Win     struct {
		EventData struct {
			IPAddress      string `json:"ipAddress"`
			TargetUserName string `json:"targetUserName"`
		} `json:"eventdata"`
	} `json:"win"`
	VirusTotal struct {
		Source struct {
			File string `json:"file"`
			SHA1 string `json:"sha1"`
			MD5  string `json:"md5"`
		} `json:"source"`
	} `json:"virustotal"`
}

// alert returns the alert without entities.
func (w *wazuhAlert) alert() (Alert, error) {
	// the alert's identity and rule
	if w.ID == "" {
		return Alert{}, missing(wazuhFormat, "id")
	}
	if w.Rule.Description == "" {
		return Alert{}, missing(wazuhFormat, "rule.description")
	}
	sev, err := w.severity()
	if err != nil {
		return Alert{}, err
	}

	// when it fired
	if w.Timestamp == "" {
		return Alert{}, missing(wazuhFormat, "timestamp")
	}
	t, err := parseTimeIn(wazuhFormat, "timestamp", "an ISO 8601 time with zone",
		w.Timestamp, wazuhTimeLayouts...)
	if err != nil {
		return Alert{}, err
	}
	id := w.ID
	if w.Manager.Name != "" {
		id = w.Manager.Name + ":" + w.ID
	}
	a := Alert{
		Format:         wazuhFormat,
		SourceAlertID:  id,
		Title:          w.Rule.Description,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: strconv.Itoa(*w.Rule.Level),
		Time:           t,
		Product:        "Wazuh",
	}
	if len(w.Rule.MITRE.Tactic) > 0 {
		a.Category = w.Rule.MITRE.Tactic[0]
	}
	return a, nil
}

// wazuhMaxLevel is the highest rule level Wazuh's rule syntax allows.
const wazuhMaxLevel = 16

// severity maps the rule level to OCSF's severity by the bands of Wazuh's
// dashboard (low 0–6, medium 7–11, high 12–14, critical 15 and up), with
// levels 0–3, which the rules classification documents as ignored,
// system notifications and successful events, as informational.
func (w *wazuhAlert) severity() (SeverityID, error) {
	if w.Rule.Level == nil {
		return 0, missing(wazuhFormat, "rule.level")
	}
	switch l := *w.Rule.Level; {
	case l < 0 || l > wazuhMaxLevel:
		return 0, invalid(wazuhFormat, "rule.level", "an integer from 0 to 16",
			strconv.Itoa(l))
	case l <= 3:
		return SeverityInformational, nil
	case l <= 6:
		return SeverityLow, nil
	case l <= 11:
		return SeverityMedium, nil
	case l <= 14:
		return SeverityHigh, nil
	}
	return SeverityCritical, nil
}

// entities returns the agent's host, then the users, addresses and URL
// the event's decoded data names, then the files it concerns.
func (w *wazuhAlert) entities() []Entity {
	var s entitySet

	// the host the agent runs on, named as the agent is
	s.add(Entity{
		Type:       EntityHost,
		Key:        hostKey(w.Agent.Name),
		Name:       w.Agent.Name,
		Attributes: Attrs("agent_id", w.Agent.ID, "ip", ipKey(w.Agent.IP)),
	})

	// who and what the event names
	d := &w.Data
	ev := &d.Win.EventData
	for _, u := range []string{d.SrcUser, d.DstUser, ev.TargetUserName} {
		s.add(Entity{Type: EntityUser, Key: userKey(u), Name: u})
	}
	for _, ip := range []string{d.SrcIP, ev.IPAddress, d.DstIP} {
		s.add(Entity{Type: EntityIP, Key: ipKey(ip)})
	}
	s.add(Entity{Type: EntityURL, Key: urlKey(d.URL)})

	// the file integrity monitoring found, and the file VirusTotal judged
	fim := &w.Syscheck
	f := hashedFile(fim.Path, "", fim.SHA256, fim.SHA1After, fim.MD5After)
	f.Attributes = withAttr(f.Attributes, "owner", fim.UnameAfter)
	f.Attributes = withAttr(f.Attributes, "change", fim.Event)
	f.Attributes = withAttr(f.Attributes, "host", hostKey(w.Agent.Name))
	s.add(f)
	vt := &d.VirusTotal.Source
	s.add(hashedFile(vt.File, "", vt.SHA1, vt.MD5))
	return s.entities()
}
