package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults of firebreak.yaml's approvals section.
const (
	// DefaultApprovalExpiry is how long an approval link works, and how
	// long the state machine waits for its decision.
	DefaultApprovalExpiry = 7 * 24 * time.Hour
	// MaxApprovalExpiry is the longest wait the state machine's
	// RequestApproval task allows (its TimeoutSeconds).
	MaxApprovalExpiry = 7 * 24 * time.Hour
	// DefaultApprovalBaseURL is where links point when firebreak.yaml
	// does not say: the local host.
	DefaultApprovalBaseURL = "http://127.0.0.1:3000"
)

// ApprovalDomains are the action domains that each have an approver
// group, in the order firebreak.yaml lists them.
var ApprovalDomains = []string{"hosts", "identities", "email", "network", "cloud"}

// Approvals is firebreak.yaml's approvals section: how long a request for
// a decision stands, where its links point, and which group approves the
// actions of each domain.
type Approvals struct {
	// ExpiresAfter is how long an approval waits; its passing counts as
	// a rejection.
	ExpiresAfter time.Duration `yaml:"-"`
	// BaseURL is the action center's address that links start with.
	BaseURL string `yaml:"base_url"`
	// Groups maps an action domain to the approver group (a Cognito
	// group) whose members may decide its actions. A domain not listed
	// is approved by the group of its own name.
	Groups map[string]string `yaml:"groups"`
}

// Group returns the approver group of action domain d.
func (a Approvals) Group(d string) string {
	if g := a.Groups[d]; g != "" {
		return g
	}
	return d
}

// ParseApprovals reads the approvals section of a firebreak.yaml
// document, fills in the defaults and checks it. The error names the key.
func ParseApprovals(data []byte) (Approvals, error) {
	var doc struct {
		Approvals struct {
			ExpiresAfter string            `yaml:"expires_after"`
			BaseURL      string            `yaml:"base_url"`
			Groups       map[string]string `yaml:"groups"`
		} `yaml:"approvals"`
	}
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	if err != nil && !errors.Is(err, io.EOF) { // an empty document says nothing
		return Approvals{}, fmt.Errorf("approvals: %w", err)
	}
	a := Approvals{ExpiresAfter: DefaultApprovalExpiry, BaseURL: doc.Approvals.BaseURL,
		Groups: doc.Approvals.Groups}
	if s := doc.Approvals.ExpiresAfter; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 || d > MaxApprovalExpiry {
			return Approvals{}, fmt.Errorf("approvals.expires_after: %q is not a duration "+
				"between 1s and %s, such as 168h", s, MaxApprovalExpiry)
		}
		a.ExpiresAfter = d
	}
	if a.BaseURL == "" {
		a.BaseURL = DefaultApprovalBaseURL
	}
	return a, a.check()
}

// check says what is wrong with a's base URL or groups.
func (a Approvals) check() error {
	u, err := url.Parse(a.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("approvals.base_url: %q is not an http(s) address without query",
			a.BaseURL)
	}
	for d, g := range a.Groups {
		if !slices.Contains(ApprovalDomains, d) {
			return fmt.Errorf("approvals.groups: %q is not a domain (%v)", d, ApprovalDomains)
		}
		if g == "" || len(g) > 128 {
			return fmt.Errorf("approvals.groups.%s: the group name is empty or too long", d)
		}
	}
	return nil
}
