package settings

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Notifications is firebreak.yaml's notifications section: where a
// request for approval goes. The webhook URLs are secrets, so the file
// names the Secrets Manager secrets that hold them, never the URLs.
type Notifications struct {
	// SNS publishes to the approvals topic, whose subscribers get an
	// email; on a laptop the local outbox keeps what it publishes. It is
	// on unless the file says sns: false.
	SNS bool `yaml:"-"`
	// SlackWebhookSecret names the secret (its name or ARN) whose value
	// is a Slack incoming webhook's URL; empty sends nothing to Slack.
	SlackWebhookSecret string `yaml:"slack_webhook_secret"`
	// TeamsWebhookSecret names the secret whose value is a Microsoft
	// Teams incoming webhook's URL; empty sends nothing to Teams.
	TeamsWebhookSecret string `yaml:"teams_webhook_secret"`
}

// notificationsFile is the section as written: sns may be left out.
type notificationsFile struct {
	SNS                *bool  `yaml:"sns"`
	SlackWebhookSecret string `yaml:"slack_webhook_secret"`
	TeamsWebhookSecret string `yaml:"teams_webhook_secret"`
}

// NotificationsError is a wrong value in the notifications section; Key
// names it ("slack_webhook_secret").
type NotificationsError struct {
	Key    string
	Reason string
}

func (e *NotificationsError) Error() string {
	return "notifications." + e.Key + ": " + e.Reason
}

// secretID is what Secrets Manager takes as a secret's name or ARN.
var secretID = regexp.MustCompile(`^[A-Za-z0-9/_+=.@:-]{1,1000}$`)

// ParseNotifications reads the notifications section of a firebreak.yaml
// document and checks it; other sections are ignored. A wrong value is a
// *NotificationsError.
func ParseNotifications(data []byte) (Notifications, error) {
	var doc struct {
		Notifications notificationsFile `yaml:"notifications"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return Notifications{}, fmt.Errorf("notifications: %w", err)
	}
	f := doc.Notifications
	n := Notifications{SNS: f.SNS == nil || *f.SNS,
		SlackWebhookSecret: f.SlackWebhookSecret, TeamsWebhookSecret: f.TeamsWebhookSecret}
	return n, n.check()
}

// check says what is wrong with n, naming the key.
func (n Notifications) check() error {
	secrets := []struct{ key, value string }{
		{"slack_webhook_secret", n.SlackWebhookSecret},
		{"teams_webhook_secret", n.TeamsWebhookSecret},
	}
	for _, s := range secrets {
		// the value is not quoted: it may be the webhook URL itself
		if s.value != "" && (!secretID.MatchString(s.value) ||
			strings.Contains(s.value, "//")) {
			return &NotificationsError{s.key, "not a secret's name or ARN (letters, " +
				"digits and /_+=.@:-); put the webhook URL in the secret, not here"}
		}
	}
	return nil
}
