package settings

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseAWSRemediationReadsTheSection(t *testing.T) {
	doc := `
remediation:
  providers: [{name: aws}]
  aws:
    blocked_ipv4_set_arn: arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/blocked/abc-1
    blocked_domain_list_arn: >-
      arn:aws:route53resolver:eu-west-1:111122223333:firewall-domain-list/rslvr-fdl-1
    user_pools: [eu-west-1_AbC123]
`
	got, err := ParseAWSRemediation([]byte(doc))
	if err != nil {
		t.Fatalf("ParseAWSRemediation: %v", err)
	}
	want := AWSRemediation{
		BlockedIPv4SetARN: "arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/blocked/abc-1",
		BlockedDomainListARN: "arn:aws:route53resolver:eu-west-1:111122223333:" +
			"firewall-domain-list/rslvr-fdl-1",
		UserPools: []string{"eu-west-1_AbC123"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("settings (-want +got):\n%s", diff)
	}
}

func TestParseAWSRemediationNamesTheBadKey(t *testing.T) {
	tests := []struct{ doc, key string }{
		{"blocked_ipv4_set_arn: arn:aws:s3:::bucket", "blocked_ipv4_set_arn"},
		{"blocked_ipv6_set_arn: arn:aws:wafv2:us-east-1:1:elsewhere/ipset/a/b",
			"blocked_ipv6_set_arn"},
		{"blocked_domain_list_arn: rslvr-fdl-1", "blocked_domain_list_arn"},
		{"user_pools: [AbC123]", "user_pools[0]"},
	}
	for _, tt := range tests {
		_, err := ParseAWSRemediation([]byte("remediation:\n  aws:\n    " + tt.doc + "\n"))
		if err == nil || !strings.Contains(err.Error(), "remediation.aws."+tt.key) {
			t.Errorf("%s: got %v, want an error naming %s", tt.doc, err, tt.key)
		}
	}
}

func TestParseIPSetOfCloudFrontIsInUSEast1(t *testing.T) {
	got, err := ParseIPSet("arn:aws:wafv2:us-east-1:111122223333:global/ipset/b/id-1")
	want := IPSet{ARN: "arn:aws:wafv2:us-east-1:111122223333:global/ipset/b/id-1",
		Account: "111122223333", Region: "us-east-1", Scope: "CLOUDFRONT", Name: "b", ID: "id-1"}
	if err != nil || got != want {
		t.Errorf("ParseIPSet: got %+v, %v, want %+v", got, err, want)
	}
}
