package alert

import (
	"encoding/json"
	"strings"
)

// googleWorkspaceFormat names Google Workspace Alert Center's alert format.
const googleWorkspaceFormat = "googleworkspace"

// googleAlertTypePrefix starts the @type of every Alert Center alert's
// data, such as "...alertcenter.type.MailPhishing".
const googleAlertTypePrefix = "type.googleapis.com/google.apps.alertcenter.type."

// googleWorkspace parses Google Workspace Alert Center alerts as its API
// returns them: account alerts (AccountWarning: leaked password,
// suspicious login; StateSponsoredAttack) and mail alerts (MailPhishing:
// user reported phishing, phishing reclassification; PhishingSpike). Any
// other alert type is parsed too, with the user its data names, if any.
type googleWorkspace struct{}

// Name returns "googleworkspace".
func (googleWorkspace) Name() string { return googleWorkspaceFormat }

// Detect claims an alert: an alertId, a customerId and data whose @type is
// one of Alert Center's.
func (googleWorkspace) Detect(top map[string]json.RawMessage) bool {
	var data struct {
		Type string `json:"@type"`
	}
	return top["alertId"] != nil && top["customerId"] != nil &&
		json.Unmarshal(top["data"], &data) == nil &&
		strings.HasPrefix(data.Type, googleAlertTypePrefix)
}

// Parse returns the one alert of an Alert Center alert. alertId, type
// and createTime are required.
func (googleWorkspace) Parse(item []byte) ([]Alert, error) {
	// decode the alert and read what every alert needs
	var g gwAlert
	if err := decode(googleWorkspaceFormat, item, &g); err != nil {
		return nil, err
	}
	switch {
	case g.AlertID == "":
		return nil, missing(googleWorkspaceFormat, "alertId")
	case g.Type == "":
		return nil, missing(googleWorkspaceFormat, "type")
	case g.CreateTime == "":
		return nil, missing(googleWorkspaceFormat, "createTime")
	}
	t, err := parseTime(googleWorkspaceFormat, "createTime", g.CreateTime)
	if err != nil {
		return nil, err
	}

	// the severity Alert Center gives (HIGH, MEDIUM, LOW), and the entities
	sev := severityByName(g.Metadata.Severity)
	return []Alert{{
		Format:         googleWorkspaceFormat,
		SourceAlertID:  g.AlertID,
		Title:          g.Type,
		SeverityID:     sev,
		Severity:       sev.String(),
		SourceSeverity: g.Metadata.Severity,
		Time:           t,
		Product:        "Google Workspace",
		Category:       strings.TrimPrefix(g.Data.Type, googleAlertTypePrefix),
		Entities:       g.Data.entities(),
	}}, nil
}

// gwAlert is the part of an Alert Center alert the parser reads.
type gwAlert struct {
	AlertID    string `json:"alertId"`
	CreateTime string `json:"createTime"`
	Type       string `json:"type"`
	Metadata   struct {
		Severity string `json:"severity"`
	} `json:"metadata"`
	Data gwData `json:"data"`
}

// gwData holds the fields of the alert types the parser reads: the user of
// an account alert and the messages of a mail alert.
type gwData struct {
	Type         string `json:"@type"`
	Email        string `json:"email"`
	LoginDetails struct {
		IPAddress string `json:"ipAddress"`
		LoginTime string `json:"loginTime"`
	} `json:"loginDetails"`
	MaliciousEntity struct {
		Entity struct {
			EmailAddress string `json:"emailAddress"`
			DisplayName  string `json:"displayName"`
		} `json:"entity"`
		FromHeader  string `json:"fromHeader"`
		DisplayName string `json:"displayName"`
	} `json:"maliciousEntity"`
	Messages []gwMessage `json:"messages"`
}

type gwMessage struct {
	MessageID   string   `json:"messageId"`
	Recipient   string   `json:"recipient"`
	SubjectText string   `json:"subjectText"`
	Date        string   `json:"date"`
	Attachments []string `json:"attachmentsSha256Hash"`
}

// entities returns an account alert's user and login address, then a mail
// alert's sender and each message with its recipient and attachments.
func (d *gwData) entities() []Entity {
	var s entitySet

	// the account at risk and where it signed in from
	s.add(Entity{Type: EntityUser, Key: userKey(d.Email), Attributes: Attrs("email", d.Email)})
	s.add(Entity{Type: EntityIP, Key: ipKey(d.LoginDetails.IPAddress),
		Attributes: Attrs("login_time", d.LoginDetails.LoginTime)})

	// the sender of the malicious mail
	m := &d.MaliciousEntity
	sender := m.Entity.EmailAddress
	if sender == "" {
		sender = m.FromHeader
	}
	name := m.Entity.DisplayName
	if name == "" {
		name = m.DisplayName
	}
	s.add(mailboxEntity(sender, name, "sender"))

	// each message, where it was delivered, and what it carried
	for i := range d.Messages {
		d.Messages[i].addTo(&s, sender)
	}
	return s.entities()
}

// addTo adds the message, its recipient's mailbox and user, and its
// attachments, keyed by SHA-256.
func (msg *gwMessage) addTo(s *entitySet, sender string) {
	id := messageKey(msg.MessageID)
	s.add(mailboxEntity(msg.Recipient, "", "recipient"))
	s.add(recipientUser(msg.Recipient))
	s.add(Entity{
		Type: EntityEmailMessage,
		Key:  id,
		Name: msg.SubjectText,
		Attributes: Attrs(
			"subject", msg.SubjectText,
			"sender", sender,
			"recipient", msg.Recipient,
			"date", msg.Date,
		),
	})
	for _, h := range msg.Attachments {
		f := hashedFile("", "", h)
		f.Attributes = withAttr(f.Attributes, "role", "attachment")
		f.Attributes = withAttr(f.Attributes, "message_id", id)
		s.add(f)
	}
}
