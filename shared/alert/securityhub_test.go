package alert

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Security Hub samples, shortened.
const (
	shRaw    = "asff-raw-fsbp-ec2-imdsv2-control"
	shRoot   = "eventbridge-imported-guardduty-rootcredentialusage"
	shAction = "eventbridge-custom-action-fsbp-finding"
)

func TestParseSecurityHubWrongFieldTypes(t *testing.T) {
	const f = "detail.findings[0]."
	const ec2 = "Resources[0].Details.AwsEc2Instance"
	tests := []fieldCase{
		{shRaw, "Id", 1, ""},
		{shRaw, "ProductArn", true, ""},
		{shRaw, "ProductName", 1, ""},
		{shRaw, "CompanyName", 1, ""},
		{shRaw, "AwsAccountId", 123456789012, ""},
		{shRaw, "Types", "x", ""},
		{shRaw, "Types[0]", 1, ""},
		{shRaw, "Title", []string{"t"}, ""},
		{shRaw, "Description", 1, ""},
		{shRaw, "Severity", "HIGH", ""},
		{shRaw, "Severity.Label", 4, ""},
		{shRaw, "Severity.Normalized", "70", ""},
		{shRaw, "Severity.Normalized", 70.5, ""},
		{shRaw, "CreatedAt", 1, ""},
		{shRaw, "UpdatedAt", 1, ""},
		{shRaw, "ProductFields", "x", ""},
		{shRaw, "ProductFields.ControlId", 8, "ProductFields"},
		{shRaw, "Resources", map[string]string{}, ""},
		{shRaw, "Resources[0]", "i-1", "Resources"},
		{shRaw, "Resources[0].Type", 1, ""},
		{shRaw, "Resources[0].Id", 1, ""},
		{shRaw, "Resources[0].Partition", 1, ""},
		{shRaw, "Resources[0].Region", 1, ""},
		{shRaw, "Resources[0].Tags", []string{"Name"}, ""},
		{shRaw, "Resources[0].Details", "x", ""},
		{shRaw, ec2, "x", ""},
		{shRaw, ec2 + ".Type", 1, ""},
		{shRaw, ec2 + ".ImageId", 1, ""},
		{shRaw, ec2 + ".VpcId", 1, ""},
		{shRaw, ec2 + ".SubnetId", 1, ""},
		{shRaw, ec2 + ".IpV4Addresses", "10.0.0.1", ""},
		{shRaw, ec2 + ".IpV6Addresses", "::1", ""},
		{shRaw, ec2 + ".IamInstanceProfileArn", 1, ""},
		{shRaw, "Network", "x", ""},
		{shRaw, "Process", "x", ""},
		{shRaw, "Malware", "x", ""},
		{shRaw, "ThreatIntelIndicators", "x", ""},
		{shRoot, "detail", "x", ""},
		{shRoot, "detail-type", 1, ""},
		{shRoot, "detail.findings", "x", ""},
		{shRoot, "detail.findings[0]", "x", "detail.findings"},
		{shRoot, f + "Severity.Label", 2, ""},
		{shRoot, f + "Resources[0].Details.AwsIamAccessKey", "x", ""},
		{shRoot, f + "Resources[0].Details.AwsIamAccessKey.UserName", 1, ""},
	}
	runFieldCases(t, "securityhub", tests)

	// the fields of parts of a finding the samples lack
	for _, tt := range []struct{ body, field string }{
		{`{"Network": {"SourceIpV4": 1}}`, "Network.SourceIpV4"},
		{`{"Network": {"SourceIpV6": 1}}`, "Network.SourceIpV6"},
		{`{"Network": {"SourceDomain": 1}}`, "Network.SourceDomain"},
		{`{"Network": {"DestinationIpV4": 1}}`, "Network.DestinationIpV4"},
		{`{"Network": {"DestinationIpV6": 1}}`, "Network.DestinationIpV6"},
		{`{"Network": {"DestinationDomain": 1}}`, "Network.DestinationDomain"},
		{`{"Process": {"Name": 1}}`, "Process.Name"},
		{`{"Process": {"Path": 1}}`, "Process.Path"},
		{`{"Process": {"Pid": "1"}}`, "Process.Pid"},
		{`{"Process": {"ParentPid": 1.5}}`, "Process.ParentPid"},
		{`{"source": 1}`, "source"},
		{`{"Id": "i", "ProductArn": "p", "Title": "t", "Severity": {"Label": "LOW"},
			"CreatedAt": "yesterday"}`, "CreatedAt"},
		{`{"Id": "i", "ProductArn": "p", "Title": "t", "Severity": {"Label": "LOW"}}`,
			"UpdatedAt"},
		{`{"Malware": [{"Name": 1}]}`, "Malware.Name"},
		{`{"Malware": [{"Path": 1}]}`, "Malware.Path"},
		{`{"ThreatIntelIndicators": [{"Type": 1}]}`, "ThreatIntelIndicators.Type"},
		{`{"ThreatIntelIndicators": [{"Value": 1}]}`, "ThreatIntelIndicators.Value"},
		{`{"ThreatIntelIndicators": [{"Category": 1}]}`,
			"ThreatIntelIndicators.Category"},
		{`{"Resources": [{"Details": {"AwsIamUser": {"UserName": 1}}}]}`,
			"Resources.Details.AwsIamUser.UserName"},
		{`{"Resources": [{"Details": {"AwsIamRole": {"RoleName": 1}}}]}`,
			"Resources.Details.AwsIamRole.RoleName"},
		{`{"Resources": [{"Details": {"AwsIamAccessKey": {"PrincipalType": 1}}}]}`,
			"Resources.Details.AwsIamAccessKey.PrincipalType"},
		{`{"Resources": [{"Details": {"AwsIamAccessKey": {"SessionContext":
			{"SessionIssuer": {"UserName": 1}}}}}]}`,
			"Resources.Details.AwsIamAccessKey.SessionContext.SessionIssuer.UserName"},
	} {
		_, err := Parse([]byte(tt.body), "securityhub")
		checkFieldError(t, err, "securityhub", tt.field)
	}
}

func TestParseSecurityHubMissingOrInvalidFields(t *testing.T) {
	const f = "detail.findings[0]."
	tests := []fieldCase{
		{shRaw, "Id", nil, ""},
		{shRaw, "ProductArn", "", ""},
		{shRaw, "Title", nil, ""},
		{shRaw, "Severity", nil, "Severity.Label"},
		{shRaw, "Severity.Label", "SEVERE", ""},
		{shRaw, "Severity.Label", "high", ""},
		{shRaw, "UpdatedAt", "2024-05-17", ""},
		{shRoot, "detail-type", "Security Hub Insight Results", ""},
		{shRoot, "detail-type", nil, ""},
		{shRoot, "detail", nil, ""},
		{shRoot, "detail.findings", nil, ""},
		{shRoot, "detail.findings", []any{}, ""},
		{shRoot, f + "Id", nil, "detail.findings.Id"},
		{shAction, f + "UpdatedAt", "yesterday", "detail.findings.UpdatedAt"},
	}
	runFieldCases(t, "securityhub", tests)
}

func TestSecurityHubSeverity(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		sev        asffSeverity
		want       SeverityID
		wantSource string
	}{
		{asffSeverity{Label: "INFORMATIONAL"}, SeverityInformational, "INFORMATIONAL"},
		{asffSeverity{Label: "LOW", Normalized: n(90)}, SeverityLow, "LOW"},
		{asffSeverity{Label: "MEDIUM"}, SeverityMedium, "MEDIUM"},
		{asffSeverity{Label: "HIGH"}, SeverityHigh, "HIGH"},
		{asffSeverity{Label: "CRITICAL"}, SeverityCritical, "CRITICAL"},
		{asffSeverity{Normalized: n(0)}, SeverityInformational, "0"},
		{asffSeverity{Normalized: n(1)}, SeverityLow, "1"},
		{asffSeverity{Normalized: n(39)}, SeverityLow, "39"},
		{asffSeverity{Normalized: n(40)}, SeverityMedium, "40"},
		{asffSeverity{Normalized: n(70)}, SeverityHigh, "70"},
		{asffSeverity{Normalized: n(89)}, SeverityHigh, "89"},
		{asffSeverity{Normalized: n(90)}, SeverityCritical, "90"},
		{asffSeverity{Normalized: n(100)}, SeverityCritical, "100"},
	}
	for _, tt := range tests {
		got, source, err := tt.sev.id()
		if err != nil || got != tt.want || source != tt.wantSource {
			t.Errorf("%+v: got %v, %q, %v; want %v, %q", tt.sev, got, source, err,
				tt.want, tt.wantSource)
		}
	}
	for _, bad := range []int{-1, 101} {
		if _, _, err := (&asffSeverity{Normalized: n(bad)}).id(); err == nil {
			t.Errorf("Normalized %d: got no error, want one", bad)
		}
	}
}

// asffJSON returns a bare ASFF finding with the given extra fields.
func asffJSON(extra string) []byte {
	return []byte(`{"SchemaVersion": "2018-10-08", "Id": "f-1",
		"ProductArn": "arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default",
		"AwsAccountId": "444455556666", "Title": "t", "Severity": {"Label": "LOW"},
		"CreatedAt": "2024-05-02T16:14:34.949+02:00", ` + extra + `}`)
}

func TestParseSecurityHubEntities(t *testing.T) {
	sha := "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	body := asffJSON(`"Resources": [
		{"Type": "AwsIamUser", "Id": "arn:aws:iam::444455556666:user/Ops/ADoe",
			"Details": {"AwsIamUser": {"UserName": "ADoe"}}},
		{"Type": "AwsIamRole", "Id": "arn:aws:iam::444455556666:role/Deploy"},
		{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::logs-bucket", "Region": "eu-west-1"},
		{"Type": "AwsIamAccessKey", "Id": "AWS::IAM::AccessKey:ASIAX",
			"Partition": "aws-cn", "Details": {"AwsIamAccessKey": {
			"PrincipalType": "AssumedRole", "PrincipalId": "AROAX:jamie",
			"SessionContext": {"SessionIssuer": {"UserName": "Deploy"}}}}},
		{"Type": "AwsEc2Instance", "Id": "i-0abc", "Tags": {"Name": "web"},
			"Details": {"AwsEc2Instance": {"IpV4Addresses": ["10.0.0.5", "bad"]}}}],
	"Process": {"Name": "curl", "Pid": 42, "Path": "/usr/bin/curl"},
	"Network": {"SourceIpV4": "10.0.0.5", "DestinationIpV6": "2001:DB8::1",
		"DestinationDomain": "Evil.Example."},
	"Malware": [{"Name": "EICAR"}, {"Name": "EICAR"}],
	"ThreatIntelIndicators": [
		{"Type": "HASH_SHA256", "Value": "` + sha + `", "Category": "DROP_SITE"},
		{"Type": "URL", "Value": "HTTP://Evil.Example/x"},
		{"Type": "EMAIL_ADDRESS", "Value": "Bad@Evil.Example"},
		{"Type": "IPV4_ADDRESS", "Value": "203.0.113.9"},
		{"Type": "PROCESS", "Value": "nc"},
		{"Type": "MUTEX", "Value": "Global\\x"}]`)
	alerts, err := Parse(body, "")
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]

	// the id names the product, as Security Hub's FindingId does
	want0 := "arn:aws:securityhub:eu-west-1:444455556666:product/444455556666/default/f-1"
	if a.SourceAlertID != want0 {
		t.Errorf("SourceAlertID: got %q, want %q", a.SourceAlertID, want0)
	}
	if diff := cmp.Diff([]string{"EICAR"}, a.ThreatNames); diff != "" {
		t.Errorf("ThreatNames (-want +got):\n%s", diff)
	}
	got := refs(a.Entities)
	want := []string{
		"user:arn:aws:iam::444455556666:user/ops/adoe",
		"user:arn:aws:iam::444455556666:role/deploy",
		"cloud_resource:arn:aws:s3:::logs-bucket",
		"access_key:ASIAX",
		"user:arn:aws-cn:sts::444455556666:assumed-role/deploy/jamie",
		"host:i-0abc",
		"process:curl",
		"ip:10.0.0.5",
		"ip:2001:db8::1",
		"domain:evil.example",
		"file:" + sha,
		"url:http://evil.example/x",
		"user:bad@evil.example",
		"ip:203.0.113.9",
		"process:nc",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if name := a.Entities[2].Name; name != "logs-bucket" {
		t.Errorf("bucket name: got %q, want logs-bucket", name)
	}
	if h := a.Entities[5]; h.Name != "web" || h.Attributes["ip"] != "10.0.0.5" {
		t.Errorf("host: got name %q, ip %q; want web, 10.0.0.5", h.Name,
			h.Attributes["ip"])
	}
}

func TestParseSecurityHubGuardDutyProductFields(t *testing.T) {
	// GuardDuty's fields, with and without the service prefix
	const conn = "aws/guardduty/service/action/networkConnectionAction/remoteIpDetails/"
	body := []byte(`{"SchemaVersion": "2018-10-08", "Id": "g",
		"ProductArn": "arn:aws:securityhub:us-east-1::product/aws/guardduty",
		"Title": "t", "Severity": {"Label": "HIGH"}, "UpdatedAt": "2024-07-11T08:12:52Z",
		"ProductFields": {
			"` + conn + `ipAddressV4": "203.0.113.7",
			"` + conn + `country/countryName": "Nowhere",
			"action/portProbeAction/portProbeDetails:0/remoteIpDetails/ipAddressV6": "2001:db8::7",
			"action/dnsRequestAction/domain": "Pool.Example",
			"aws/guardduty/service/evidence/threatIntelligenceDetails:0/threatNames:0": "Miner",
			"aws/securityhub/ProductName": "GuardDuty"}}`)
	alerts, err := Parse(body, "")
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]
	got := refs(a.Entities)
	want := []string{"domain:pool.example", "ip:2001:db8::7", "ip:203.0.113.7"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}
	if c := a.Entities[2].Attributes["country"]; c != "Nowhere" {
		t.Errorf("country: got %q, want Nowhere", c)
	}
	if diff := cmp.Diff([]string{"Miner"}, a.ThreatNames); diff != "" {
		t.Errorf("ThreatNames (-want +got):\n%s", diff)
	}
	if a.Product != "GuardDuty" {
		t.Errorf("Product: got %q, want GuardDuty", a.Product)
	}
}

func TestParseSecurityHubFindingSameAsGuardDuty(t *testing.T) {
	// the root user and its key get the keys the guardduty format gives them
	alerts, err := Parse(readSample(t, "securityhub", shRoot), "")
	if err != nil {
		t.Fatal(err)
	}
	gd, err := Parse(gdFindingJSON(`{"accessKeyId": "ASIAEXAMPLEROOTKEY01",
		"userType": "Root", "userName": "Root"}`, "2"), "guardduty")
	if err != nil {
		t.Fatal(err)
	}
	var hub, native []string
	for _, e := range alerts[0].Entities[:2] {
		hub = append(hub, e.Ref())
	}
	for _, e := range gd[0].Entities {
		native = append(native, e.Ref())
	}
	hub[1] = "user:" + "arn:aws-us-gov:iam::111122223333:root" // gd's partition
	if diff := cmp.Diff(native, hub); diff != "" {
		t.Errorf("keys (-guardduty +securityhub):\n%s", diff)
	}
}

func TestParseSecurityHubV2EnvelopeIsOCSF(t *testing.T) {
	oc := readSample(t, "ocsf", "detection-finding-2004-prowler-iam-user-no-mfa")
	body := []byte(`{"version": "0", "source": "aws.securityhub",
		"detail-type": "Findings Imported V2", "detail": {"findings": [` +
		string(oc) + `, {"class_uid": 2004, "metadata": {}}]}}`)
	items, err := ParseEach(body, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Err != nil {
		t.Fatalf("got %d items, first error %v; want 2, nil", len(items), items[0].Err)
	}
	if f := items[0].Alerts[0].Format; f != "ocsf" {
		t.Errorf("Format: got %q, want ocsf", f)
	}
	checkFieldError(t, items[1].Err, "ocsf", "detail.findings.finding_info")
	if items[1].Path != "detail.findings[1]" {
		t.Errorf("Path: got %q, want detail.findings[1]", items[1].Path)
	}
}

func TestParseSecurityHubBatch(t *testing.T) {
	// a GetFindings response: a good finding, a bad one, a good one
	good := string(asffJSON(`"Description": "d"`))
	body := []byte(`{"Findings": [` + good + `, {"Id": "x"}, ` + good + `],
		"NextToken": "abc"}`)
	if got, err := Detect(body); got != "securityhub" {
		t.Fatalf("Detect: got %q, %v; want securityhub", got, err)
	}
	items, err := ParseEach(body, "")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, it := range items {
		paths = append(paths, it.Path)
	}
	want := []string{"Findings[0]", "Findings[1]", "Findings[2]"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	checkFieldError(t, items[1].Err, "securityhub", "Findings.ProductArn")
	if items[0].Err != nil || items[2].Err != nil {
		t.Errorf("good findings: got errors %v, %v; want none", items[0].Err,
			items[2].Err)
	}
	var raw json.RawMessage
	if err := json.Unmarshal([]byte(good), &raw); err != nil ||
		string(items[2].Alerts[0].Raw) != string(raw) {
		t.Errorf("Raw: got %s, want the finding", items[2].Alerts[0].Raw)
	}
}
