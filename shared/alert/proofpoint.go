package alert

import (
	"cmp"
	"encoding/json"
	"strings"
)

// proofpointFormat names Proofpoint TAP's SIEM API format.
const proofpointFormat = "proofpoint"

// proofpointLists names the lists of a SIEM API response, each with what
// became of its messages or clicks.
var proofpointLists = []struct{ field, disposition string }{
	{"messagesDelivered", "delivered"},
	{"messagesBlocked", "blocked"},
	{"clicksPermitted", "permitted"},
	{"clicksBlocked", "blocked"},
}

// proofpoint parses Proofpoint Targeted Attack Protection events from its
// SIEM API: a response ({queryEndTime, messagesDelivered, ...}), each of
// whose messages and clicks is an alert, or one message or click alone.
//
// TAP gives no severity. The parser derives it from the worst threat
// classification: malware, phish and impostor are high, spam low, others
// medium. A message or click TAP blocked is one step lower; threats all
// marked false positive or cleared are informational.
type proofpoint struct {
	disposition string // "delivered", "blocked" or "permitted"; "" if unknown
}

// Name returns "proofpoint".
func (proofpoint) Name() string { return proofpointFormat }

// Detect claims a SIEM API response, a message (GUID, QID and
// threatsInfoMap) and a click (GUID, clickTime and url).
func (proofpoint) Detect(top map[string]json.RawMessage) bool {
	if top["queryEndTime"] != nil {
		for _, l := range proofpointLists {
			if top[l.field] != nil {
				return true
			}
		}
	}
	return top["GUID"] != nil && (top["QID"] != nil && top["threatsInfoMap"] != nil ||
		top["clickTime"] != nil && top["url"] != nil)
}

// Split returns the messages and clicks of a SIEM API response, each a
// part of its own that knows which list it came from, or a lone message or
// click as the one part. A response with no message or click holds no
// alert.
func (p proofpoint) Split(item []byte) ([]part, error) {
	var resp map[string]json.RawMessage
	if err := decode(proofpointFormat, item, &resp); err != nil {
		return nil, err
	}
	if resp["queryEndTime"] == nil {
		return []part{{body: item, parser: p}}, nil
	}
	var parts []part
	for _, l := range proofpointLists {
		list := resp[l.field]
		if isNull(list) || string(list) == "[]" {
			continue
		}
		got, err := listParts(proofpoint{l.disposition}, l.field, list)
		if err != nil {
			return nil, err
		}
		parts = append(parts, got...)
	}
	if len(parts) == 0 {
		return nil, ErrEmpty
	}
	return parts, nil
}

// Parse returns the one alert of a message or a click. A message needs
// its GUID and messageTime, a click its id and clickTime.
func (p proofpoint) Parse(item []byte) ([]Alert, error) {
	var ev ppEvent
	if err := decode(proofpointFormat, item, &ev); err != nil {
		return nil, err
	}
	if ev.ClickTime != "" || ev.URL != "" {
		return ev.click(p.disposition)
	}
	return ev.message(p.disposition)
}

// ppEvent is a message or a click: the part of either the parser reads.
type ppEvent struct {
	GUID      string `json:"GUID"`
	QID       string `json:"QID"`
	MessageID string `json:"messageID"`
	Sender    string `json:"sender"`
	SenderIP  string `json:"senderIP"`

	// messages
	MessageTime    string     `json:"messageTime"`
	Subject        string     `json:"subject"`
	HeaderFrom     string     `json:"headerFrom"`
	FromAddress    []string   `json:"fromAddress"`
	ToAddresses    []string   `json:"toAddresses"`
	ThreatsInfoMap []ppThreat `json:"threatsInfoMap"`
	MessageParts   []struct {
		Disposition string `json:"disposition"`
		SHA256      string `json:"sha256"`
		MD5         string `json:"md5"`
		Filename    string `json:"filename"`
		ContentType string `json:"contentType"`
	} `json:"messageParts"`

	// clicks
	ID             string  `json:"id"`
	ClickTime      string  `json:"clickTime"`
	ClickIP        string  `json:"clickIP"`
	URL            string  `json:"url"`
	UserAgent      string  `json:"userAgent"`
	Recipient      strList `json:"recipient"` // a list in a message, a string in a click
	Classification string  `json:"classification"`
	ThreatStatus   string  `json:"threatStatus"`
	ThreatID       string  `json:"threatID"`
}

type ppThreat struct {
	ThreatID       string `json:"threatID"`
	ThreatStatus   string `json:"threatStatus"`
	Classification string `json:"classification"`
	Threat         string `json:"threat"`
	ThreatType     string `json:"threatType"`
}

// message returns the alert of a message.
func (ev *ppEvent) message(disposition string) ([]Alert, error) {
	// the message's identity and time
	if ev.GUID == "" {
		return nil, missing(proofpointFormat, "GUID")
	}
	if ev.MessageTime == "" {
		return nil, missing(proofpointFormat, "messageTime")
	}
	t, err := parseTime(proofpointFormat, "messageTime", ev.MessageTime)
	if err != nil {
		return nil, err
	}

	// its threats, the worst of which sets the severity
	classes, active := ev.threatClasses()
	sev := proofpointSeverity(classes, active, disposition)
	return []Alert{{
		Format:         proofpointFormat,
		SourceAlertID:  ev.GUID,
		Title:          cmp.Or(ev.Subject, "(no subject)"),
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: strings.Join(classes, ", "),
		Time:           t,
		Product:        "Proofpoint TAP",
		Category:       strings.Join(classes, ", "),
		Entities:       ev.messageEntities(disposition),
	}}, nil
}

// threatClasses returns the classifications of the message's threats,
// each once, and whether any threat is still active (not a false positive
// and not cleared).
func (ev *ppEvent) threatClasses() (classes []string, active bool) {
	for _, th := range ev.ThreatsInfoMap {
		classes = append(classes, strings.ToLower(th.Classification))
		active = active || !isClearedThreat(th.ThreatStatus)
	}
	return appendNew(nil, classes...), active || len(ev.ThreatsInfoMap) == 0
}

// isClearedThreat reports whether TAP no longer holds a threat malicious.
func isClearedThreat(status string) bool {
	return status == "falsePositive" || status == "cleared"
}

// proofpointSeverity derives a severity from threat classifications: see
// proofpoint.
func proofpointSeverity(classes []string, active bool, disposition string) SeverityID {
	if !active {
		return SeverityInformational
	}
	sev := SeverityUnknown
	for _, c := range classes {
		s := SeverityMedium
		switch c {
		case "malware", "phish", "impostor":
			s = SeverityHigh
		case "spam":
			s = SeverityLow
		}
		sev = max(sev, s)
	}
	if sev > SeverityInformational && disposition == "blocked" {
		sev--
	}
	return sev
}

// messageEntities returns the message, its recipients' mailboxes and users,
// its senders and their address, the threats it carried and its attached
// files. Inline parts (the body) are left out.
func (ev *ppEvent) messageEntities(disposition string) []Entity {
	var s entitySet

	// the message and who received it
	id := messageKey(ev.MessageID)
	s.add(ev.messageEntity(id, disposition))
	recipients := ev.Recipient
	if len(recipients) == 0 {
		recipients = ev.ToAddresses
	}
	for _, r := range recipients {
		s.add(mailboxEntity(r, "", "recipient"))
		s.add(recipientUser(r))
	}

	// who sent it, and from where
	_, fromName := emailAddress(ev.HeaderFrom)
	s.add(mailboxEntity(ev.Sender, "", "sender"))
	for _, f := range ev.FromAddress {
		s.add(mailboxEntity(f, fromName, "from"))
	}
	s.add(Entity{Type: EntityIP, Key: ipKey(ev.SenderIP), Attributes: Attrs("role", "sender")})

	// what it carried
	for _, th := range ev.ThreatsInfoMap {
		s.add(th.entity())
	}
	for _, mp := range ev.MessageParts {
		if mp.Disposition != "attached" {
			continue
		}
		f := hashedFile("", mp.Filename, mp.SHA256, mp.MD5)
		f.Attributes = withAttr(f.Attributes, "content_type", mp.ContentType)
		f.Attributes = withAttr(f.Attributes, "message_id", id)
		s.add(f)
	}
	return s.entities()
}

// messageEntity returns the message, keyed by its Message-ID.
func (ev *ppEvent) messageEntity(id, disposition string) Entity {
	return Entity{
		Type: EntityEmailMessage,
		Key:  id,
		Name: ev.Subject,
		Attributes: Attrs(
			"subject", ev.Subject,
			"guid", ev.GUID,
			"qid", ev.QID,
			"delivery", disposition,
		),
	}
}

// entity returns a threat TAP found: a URL, or an attachment by its
// SHA-256. Impostor threats name the sender, already an entity.
func (th *ppThreat) entity() Entity {
	var e Entity
	switch th.ThreatType {
	case "url":
		e = Entity{Type: EntityURL, Key: urlKey(th.Threat)}
	case "attachment":
		e = hashedFile("", "", th.Threat)
	default:
		return Entity{}
	}
	e.Attributes = withAttr(e.Attributes, "classification", th.Classification)
	e.Attributes = withAttr(e.Attributes, "threat_status", th.ThreatStatus)
	e.Attributes = withAttr(e.Attributes, "threat_id", th.ThreatID)
	return e
}

// click returns the alert of a click on a URL TAP rewrote.
func (ev *ppEvent) click(disposition string) ([]Alert, error) {
	// the click's identity and time
	if ev.ID == "" {
		return nil, missing(proofpointFormat, "id")
	}
	if ev.ClickTime == "" {
		return nil, missing(proofpointFormat, "clickTime")
	}
	t, err := parseTime(proofpointFormat, "clickTime", ev.ClickTime)
	if err != nil {
		return nil, err
	}

	// what was clicked, and how bad it is
	class := strings.ToLower(ev.Classification)
	sev := proofpointSeverity([]string{class}, !isClearedThreat(ev.ThreatStatus),
		disposition)
	return []Alert{{
		Format:         proofpointFormat,
		SourceAlertID:  ev.ID,
		Title:          clickTitle(class, disposition),
		Description:    ev.URL,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: class,
		Time:           t,
		Product:        "Proofpoint TAP",
		Category:       class,
		Entities:       ev.clickEntities(disposition),
	}}, nil
}

// clickTitle names a click by its URL's classification and what TAP did.
func clickTitle(class, disposition string) string {
	title := "Click on a URL"
	if class != "" {
		title = "Click on a " + class + " URL"
	}
	if disposition != "" {
		title += " " + disposition
	}
	return title
}

// clickEntities returns the URL clicked, the user and mailbox that
// clicked it, where from, and the message that carried it.
func (ev *ppEvent) clickEntities(disposition string) []Entity {
	var s entitySet
	s.add(Entity{Type: EntityURL, Key: urlKey(ev.URL), Attributes: Attrs(
		"classification", ev.Classification,
		"threat_status", ev.ThreatStatus,
		"threat_id", ev.ThreatID,
		"click", disposition,
	)})
	for _, r := range ev.Recipient {
		s.add(recipientUser(r))
		s.add(mailboxEntity(r, "", "recipient"))
	}
	s.add(Entity{Type: EntityIP, Key: ipKey(ev.ClickIP),
		Attributes: Attrs("role", "click", "user_agent", ev.UserAgent)})
	s.add(mailboxEntity(ev.Sender, "", "sender"))
	s.add(Entity{Type: EntityIP, Key: ipKey(ev.SenderIP), Attributes: Attrs("role", "sender")})
	s.add(Entity{Type: EntityEmailMessage, Key: messageKey(ev.MessageID),
		Attributes: Attrs("guid", ev.GUID)})
	return s.entities()
}
