package alert

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGuardDutySeverityBands(t *testing.T) {
	tests := []struct {
		raw  string
		want SeverityID
	}{
		{"1", SeverityLow},
		{"1.0", SeverityLow},
		{"3.9", SeverityLow},
		{"4", SeverityMedium},
		{"6.9", SeverityMedium},
		{"7.0", SeverityHigh},
		{"8.9", SeverityHigh},
		{"9", SeverityCritical},
		{"10.0", SeverityCritical},
	}
	for _, tt := range tests {
		got, err := guardDutySeverity("severity", json.RawMessage(tt.raw))
		if err != nil || got != tt.want {
			t.Errorf("severity %s: got %v, %v; want %v", tt.raw, got, err, tt.want)
		}
	}
}

// gdFindingJSON returns a bare GuardDuty finding with the given access key
// details and severity.
func gdFindingJSON(accessKey string, severity string) []byte {
	return fmt.Appendf(nil, `{
		"schemaVersion": "2.0", "accountId": "111122223333", "partition": "aws-us-gov",
		"id": "f1", "type": "UnauthorizedAccess:IAMUser/ConsoleLogin",
		"severity": %s, "createdAt": "2024-06-03T16:22:47.512+02:00",
		"resource": {"resourceType": "AccessKey", "accessKeyDetails": %s},
		"service": {"serviceName": "guardduty"}
	}`, severity, accessKey)
}

func TestParseGuardDutyBareFinding(t *testing.T) {
	// a bare finding, with only createdAt, in another zone and partition
	body := gdFindingJSON(`{"accessKeyId": "AKIAEXAMPLE", "principalId": "AIDAX",
		"userType": "IAMUser", "userName": "Alex.Doe"}`, "2.0")
	if got, err := Detect(body); got != "guardduty" {
		t.Fatalf("Detect: got %q, %v; want guardduty", got, err)
	}
	alerts, err := Parse(body, "")
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]

	// the time converted to UTC, the severity kept as sent
	wantTime := time.Date(2024, 6, 3, 14, 22, 47, 512e6, time.UTC)
	if !a.Time.Equal(wantTime) || a.Time.Location() != time.UTC {
		t.Errorf("Time: got %v, want %v", a.Time, wantTime)
	}
	if a.SeverityID != SeverityLow || a.SourceSeverity != "2.0" {
		t.Errorf("severity: got %v %q, want Low \"2.0\"", a.SeverityID, a.SourceSeverity)
	}
	if a.Title != a.Category {
		t.Errorf("Title: got %q, want the type %q", a.Title, a.Category)
	}

	// the user's ARN uses the finding's partition and is lower-cased
	want := "arn:aws-us-gov:iam::111122223333:user/alex.doe"
	if got := a.Entities[1]; got.Type != EntityUser || got.Key != want {
		t.Errorf("user: got %s, want user:%s", got.Ref(), want)
	}
}

func TestGuardDutyPrincipalKeys(t *testing.T) {
	tests := []struct {
		name, details, want string
	}{
		{"iam user", `{"userType": "IAMUser", "userName": "Alex"}`,
			"arn:aws-us-gov:iam::111122223333:user/alex"},
		{"root", `{"userType": "Root", "principalId": "111122223333"}`,
			"arn:aws-us-gov:iam::111122223333:root"},
		{"assumed role", `{"userType": "AssumedRole", "userName": "Deploy",
			"principalId": "AROAX:Jamie.Roe"}`,
			"arn:aws-us-gov:sts::111122223333:assumed-role/deploy/jamie.roe"},
		{"federated", `{"userType": "FederatedUser", "userName": "sam"}`,
			"arn:aws-us-gov:sts::111122223333:federated-user/sam"},
		{"role without session", `{"userType": "AssumedRole", "userName": "Deploy",
			"principalId": "AROAX"}`, "aroax"},
		{"service", `{"userType": "AWSService", "principalId": "AIDAY"}`, "aiday"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alerts, err := Parse(gdFindingJSON(tt.details, "5"), "guardduty")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range alerts[0].Entities {
				if e.Type == EntityUser {
					got = append(got, e.Key)
				}
			}
			if diff := cmp.Diff([]string{tt.want}, got); diff != "" {
				t.Errorf("user keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseGuardDutyRemoteSides(t *testing.T) {
	body := []byte(`{"detail": {"id": "f", "type": "Recon:EC2/PortProbeUnprotectedPort",
		"severity": 2, "updatedAt": "2024-06-03T14:22:47Z",
		"service": {"action": {
			"portProbeAction": {"portProbeDetails": [
				{"remoteIpDetails": {"ipAddressV4": "198.51.100.1"}},
				{"remoteIpDetails": {"ipAddressV6": "2001:DB8::1"}},
				{"remoteIpDetails": {"ipAddressV4": "198.51.100.1"}}]},
			"networkConnectionAction": {"remoteIpDetails": {"ipAddressV4": "203.0.113.9"}},
			"awsApiCallAction": {"domainDetails": {"domain": "Evil.Example."}}}}}}`)
	alerts, err := Parse(body, "guardduty")
	if err != nil {
		t.Fatal(err)
	}
	got := refs(alerts[0].Entities)
	want := []string{"ip:203.0.113.9", "ip:198.51.100.1", "ip:2001:db8::1",
		"domain:evil.example"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
}
