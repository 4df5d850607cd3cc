package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/settings"
)

func TestShippedConfigNotifiesByTheApprovalsTopic(t *testing.T) {
	cfg, err := Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if want := (settings.Notifications{SNS: true}); cfg.Notifications != want {
		t.Errorf("notifications %+v, want %+v", cfg.Notifications, want)
	}
}

func TestNotificationsErrorsCiteTheirLine(t *testing.T) {
	const head = "sources:\n  - name: demo\nnotifications:\n"
	tests := []struct {
		name   string
		body   string
		line   int
		reason string
	}{
		{"unknown key", "  sns: true\n  slack_webhook: x\n", 5, "field slack_webhook not found"},
		{"URL for a secret", "  teams_webhook_secret: https://example.webhook.office.com/x\n",
			4, "notifications.teams_webhook_secret: not a secret's name or ARN"},
		{"sns not a bool", "  sns: sometimes\n", 4, "cannot unmarshal"},
		{"not a mapping", "  - sns\n", 4, "must be a mapping"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(head+tt.body), "firebreak.yaml")
		var ce *Error
		if !errors.As(err, &ce) || ce.Line != tt.line || !strings.Contains(ce.Reason, tt.reason) {
			t.Errorf("%s: got %v, want firebreak.yaml:%d: …%s…", tt.name, err, tt.line, tt.reason)
		}
	}
}
