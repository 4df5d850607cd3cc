package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

func TestShippedApprovalsParse(t *testing.T) {
	cfg, err := Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Approvals
	if a.ExpiresAfter != 168*time.Hour || a.Group("identities") != "identities" ||
		a.BaseURL != "http://127.0.0.1:3000" {
		t.Errorf("approvals %+v, want 168h, identities approved by identities, local links", a)
	}
}

func TestBadApprovalsNameFileLineAndReason(t *testing.T) {
	tests := []struct {
		yaml   string
		line   int
		reason string
	}{
		{"approvals:\n  expires_after: 200h\n", 3, "approvals.expires_after"},
		{"approvals:\n  expires_after: soon\n", 3, "approvals.expires_after"},
		{"approvals:\n  base_url: ftp://x\n", 3, "approvals.base_url"},
		{"approvals:\n  groups:\n    printers: ops\n", 4, "approvals.groups"},
	}
	for _, tt := range tests {
		_, err := Parse([]byte("policies: []\n"+tt.yaml), "firebreak.yaml")
		var ce *Error
		if !errors.As(err, &ce) || ce.Line != tt.line || !strings.Contains(ce.Reason, tt.reason) {
			t.Errorf("Parse(%q) = %v, want firebreak.yaml:%d naming %s", tt.yaml, err,
				tt.line, tt.reason)
		}
	}
}
