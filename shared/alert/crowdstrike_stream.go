package alert

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// csStream is the part of a streaming API event the parser reads.
type csStream struct {
	Metadata struct {
		EventType         string          `json:"eventType"`
		EventCreationTime json.RawMessage `json:"eventCreationTime"`
	} `json:"metadata"`
	Event *csEvent `json:"event"`
}

// csEvent is a detection event of either kind. The legacy kind names the
// detection in DetectId, DetectName and DetectDescription; the current one
// in CompositeId, Name and Description.
type csEvent struct {
	DetectID          string  `json:"DetectId"`
	DetectName        string  `json:"DetectName"`
	DetectDescription string  `json:"DetectDescription"`
	CompositeID       string  `json:"CompositeId"`
	Name              string  `json:"Name"`
	Description       string  `json:"Description"`
	Severity          *int    `json:"Severity"`
	SeverityName      string  `json:"SeverityName"`
	Tactic            string  `json:"Tactic"`
	IOARuleName       string  `json:"IOARuleName"`
	SourceProducts    strList `json:"SourceProducts"`

	ComputerName  string `json:"ComputerName"`
	Hostname      string `json:"Hostname"`
	SensorID      string `json:"SensorId"`
	AgentID       string `json:"AgentId"`
	LocalIP       string `json:"LocalIP"`
	MACAddress    string `json:"MACAddress"`
	MachineDomain string `json:"MachineDomain"`
	UserName      string `json:"UserName"`
	LogonDomain   string `json:"LogonDomain"`

	ProcessID           int64  `json:"ProcessId"`
	ParentProcessID     int64  `json:"ParentProcessId"`
	FileName            string `json:"FileName"`
	FilePath            string `json:"FilePath"`
	CommandLine         string `json:"CommandLine"`
	SHA256String        string `json:"SHA256String"`
	SHA1String          string `json:"SHA1String"`
	MD5String           string `json:"MD5String"`
	ParentImageFileName string `json:"ParentImageFileName"`
	ParentImageFilePath string `json:"ParentImageFilePath"`
	ParentCommandLine   string `json:"ParentCommandLine"`
	// the legacy event spells it Grandparent, the current GrandParent;
	// the decoder matches either
	GrandParentImageFileName string `json:"GrandParentImageFileName"`

	IOCType         string `json:"IOCType"`
	IOCValue        string `json:"IOCValue"`
	NetworkAccesses []struct {
		RemoteAddress string `json:"RemoteAddress"`
		RemotePort    int    `json:"RemotePort"`
	} `json:"NetworkAccesses"`
}

// parseCSStream parses a streaming API detection event.
func parseCSStream(item []byte) ([]Alert, error) {
	// decode the event and check that it is a detection
	var st csStream
	if err := decode(crowdStrikeFormat, item, &st); err != nil {
		return nil, err
	}
	legacy, err := st.kind()
	if err != nil {
		return nil, err
	}

	// read the alert and the entities the detection names
	a, err := st.alert(legacy)
	if err != nil {
		return nil, err
	}
	a.Entities = st.Event.entities()
	return []Alert{a}, nil
}

// kind checks the event type and reports whether it is the legacy one.
func (st *csStream) kind() (legacy bool, err error) {
	switch st.Metadata.EventType {
	case csDetectionSummary:
		legacy = true
	case "":
		return false, missing(crowdStrikeFormat, "metadata.eventType")
	default:
		if !strings.EqualFold(st.Metadata.EventType, csEppDetectionSummary) {
			return false, invalid(crowdStrikeFormat, "metadata.eventType",
				csDetectionSummary+" or "+csEppDetectionSummary,
				quote(st.Metadata.EventType))
		}
	}
	if st.Event == nil {
		return false, missing(crowdStrikeFormat, "event")
	}
	return legacy, nil
}

// alert returns the event's alert without entities.
func (st *csStream) alert(legacy bool) (Alert, error) {
	// the detection's identity, by the event's kind
	ev := st.Event
	id, idField := ev.CompositeID, "event.CompositeId"
	title, titleField := ev.Name, "event.Name"
	desc := ev.Description
	if legacy {
		id, idField = ev.DetectID, "event.DetectId"
		title, titleField = ev.DetectName, "event.DetectName"
		desc = ev.DetectDescription
	}
	if id == "" {
		return Alert{}, missing(crowdStrikeFormat, idField)
	}
	if title == "" {
		return Alert{}, missing(crowdStrikeFormat, titleField)
	}

	// its severity, on the scale of the event's kind, and its time
	sev, err := ev.severity(legacy)
	if err != nil {
		return Alert{}, err
	}
	t, err := st.time()
	if err != nil {
		return Alert{}, err
	}
	return Alert{
		Format:         crowdStrikeFormat,
		SourceAlertID:  id,
		Title:          title,
		Description:    desc,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: strconv.Itoa(*ev.Severity),
		Time:           t,
		Product:        cmp.Or(ev.SourceProducts.first(), crowdStrikeProduct),
		Category:       ev.Tactic,
		ThreatNames:    appendNew(nil, ev.IOARuleName),
	}, nil
}

// severity returns the event's severity on its kind's scale.
func (ev *csEvent) severity(legacy bool) (SeverityID, error) {
	if legacy {
		return csLegacySeverity("event.Severity", ev.Severity)
	}
	return csSeverity("event.Severity", ev.Severity, ev.SeverityName)
}

// time returns when the event was created, from epoch milliseconds.
func (st *csStream) time() (time.Time, error) {
	const field = "metadata.eventCreationTime"
	raw := st.Metadata.EventCreationTime
	if isNull(raw) {
		return time.Time{}, missing(crowdStrikeFormat, field)
	}
	if !isNumber(raw) {
		reason := "want a number, got " + jsonType(raw)
		return time.Time{}, &FieldError{Format: crowdStrikeFormat, Field: field, Reason: reason}
	}
	t, ok := epochTime(string(raw))
	if !ok {
		return time.Time{}, invalid(crowdStrikeFormat, field,
			"epoch milliseconds after 1970", string(raw))
	}
	return t, nil
}

// entities returns the host, the user, the process and its parent, the
// file it ran, and the indicator and remote addresses of the detection.
func (ev *csEvent) entities() []Entity {
	var s entitySet
	aid := cmp.Or(ev.SensorID, ev.AgentID)
	host := hostKey(cmp.Or(aid, ev.ComputerName, ev.Hostname))

	// the host and the user
	s.add(Entity{
		Type: EntityHost,
		Key:  host,
		Name: cmp.Or(ev.ComputerName, ev.Hostname),
		Attributes: Attrs(
			"local_ip", ipKey(ev.LocalIP),
			"mac", ev.MACAddress,
			"domain", ev.MachineDomain,
		),
	})
	s.add(Entity{Type: EntityUser, Key: userKey(ev.UserName), Name: ev.UserName,
		Attributes: Attrs("domain", ev.LogonDomain)})

	// the process, its parent, and the file it ran
	ev.addProcesses(&s, aid, host)
	exe := hashedFile(csFilePath(ev.FilePath, ev.FileName), ev.FileName,
		ev.SHA256String, ev.SHA1String, ev.MD5String)
	exe.Attributes = withAttr(exe.Attributes, "host", host)
	s.add(exe)

	// the indicator that matched and where the process connected to
	s.add(csIOC(ev.IOCType, ev.IOCValue))
	for _, n := range ev.NetworkAccesses {
		e := Entity{Type: EntityIP, Key: ipKey(n.RemoteAddress)}
		if n.RemotePort > 0 {
			e.Attributes = Attrs("remote_port", strconv.Itoa(n.RemotePort))
		}
		s.add(e)
	}
	return s.entities()
}

// addProcesses adds the detected process and its parent. The grandparent
// has no id in the event, so it is named in the parent's attributes.
func (ev *csEvent) addProcesses(s *entitySet, aid, host string) {
	id := strconv.FormatInt(ev.ProcessID, 10)
	parentID := strconv.FormatInt(ev.ParentProcessID, 10)
	s.add(Entity{
		Type: EntityProcess,
		Key:  csProcessKey(aid, id),
		Name: ev.FileName,
		Attributes: Attrs(
			"cmd_line", ev.CommandLine,
			"executable_path", csFilePath(ev.FilePath, ev.FileName),
			"parent", csProcessKey(aid, parentID),
			"user", ev.UserName,
			"host", host,
		),
	})
	s.add(Entity{
		Type: EntityProcess,
		Key:  csProcessKey(aid, parentID),
		Name: ev.ParentImageFileName,
		Attributes: Attrs(
			"cmd_line", ev.ParentCommandLine,
			"executable_path", ev.ParentImageFilePath,
			"parent_name", ev.GrandParentImageFileName,
			"host", host,
		),
	})
}
