package settings

import (
	"errors"
	"strings"
	"testing"
)

func TestParseNotifications(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want Notifications
	}{
		{"no section: SNS only", "investigation: {}\n", Notifications{SNS: true}},
		{"webhooks by secret name", "notifications:\n  slack_webhook_secret: firebreak/slack\n" +
			"  teams_webhook_secret: arn:aws:secretsmanager:us-east-1:111122223333:secret:t-AbC\n",
			Notifications{SNS: true, SlackWebhookSecret: "firebreak/slack",
				TeamsWebhookSecret: "arn:aws:secretsmanager:us-east-1:111122223333:secret:t-AbC"}},
		{"sns off", "notifications:\n  sns: false\n", Notifications{}},
	}
	for _, tt := range tests {
		got, err := ParseNotifications([]byte(tt.yaml))
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestParseNotificationsRefusesAWebhookURLInPlaceOfASecret(t *testing.T) {
	const url = "https://hooks.slack.com/services/T0/B0/XXXXSECRET"
	_, err := ParseNotifications([]byte("notifications:\n  slack_webhook_secret: " + url + "\n"))
	var ne *NotificationsError
	if !errors.As(err, &ne) || ne.Key != "slack_webhook_secret" {
		t.Fatalf("got %v, want a NotificationsError on slack_webhook_secret", err)
	}
	if strings.Contains(err.Error(), "XXXXSECRET") {
		t.Errorf("the error quotes the webhook URL: %v", err)
	}
}
