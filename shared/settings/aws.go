package settings

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"go.yaml.in/yaml/v3"
)

// AWSRemediation is firebreak.yaml's remediation.aws section: the
// resources the AWS remediation provider changes besides those an
// investigation names. Each is optional; an action that needs a missing
// one fails with a reason saying so.
type AWSRemediation struct {
	// BlockedIPv4SetARN and BlockedIPv6SetARN are the WAFv2 IP sets
	// block_ip adds addresses to (a set holds one address family), each
	// referenced by a web ACL rule that blocks it. A set of scope
	// CLOUDFRONT lives in us-east-1.
	BlockedIPv4SetARN string `yaml:"blocked_ipv4_set_arn"`
	BlockedIPv6SetARN string `yaml:"blocked_ipv6_set_arn"`
	// BlockedDomainListARN is the Route 53 Resolver DNS Firewall domain
	// list block_domain adds domains to, used by a BLOCK rule.
	BlockedDomainListARN string `yaml:"blocked_domain_list_arn"`
	// UserPools are the ids of the Cognito user pools whose users may be
	// remediated ("us-east-1_AbCdEf123"); a user of any other pool is not.
	UserPools []string `yaml:"user_pools"`
}

// IPSet is a WAFv2 IP set as its ARN names it.
type IPSet struct {
	ARN, Account, Region string
	// Scope is WAFv2's REGIONAL or CLOUDFRONT.
	Scope    string
	Name, ID string
}

// ParseIPSet parses the ARN of a WAFv2 IP set:
// arn:aws:wafv2:<region>:<account>:<regional|global>/ipset/<name>/<id>.
func ParseIPSet(s string) (IPSet, error) {
	a, err := arn.Parse(s)
	parts := strings.Split(a.Resource, "/")
	if err != nil || a.Service != "wafv2" || len(parts) != 4 || parts[1] != "ipset" {
		return IPSet{}, fmt.Errorf("%q is not the ARN of a WAFv2 IP set", s)
	}
	set := IPSet{ARN: s, Account: a.AccountID, Region: a.Region, Name: parts[2],
		ID: parts[3]}
	switch parts[0] {
	case "regional":
		set.Scope = "REGIONAL"
	case "global":
		set.Scope, set.Region = "CLOUDFRONT", "us-east-1"
	default:
		return IPSet{}, fmt.Errorf("%q: scope %q is not regional or global", s, parts[0])
	}
	return set, nil
}

// DomainList is a DNS Firewall domain list as its ARN names it.
type DomainList struct {
	ARN, Account, Region, ID string
}

// ParseDomainList parses the ARN of a DNS Firewall domain list:
// arn:aws:route53resolver:<region>:<account>:firewall-domain-list/<id>.
func ParseDomainList(s string) (DomainList, error) {
	a, err := arn.Parse(s)
	id, ok := strings.CutPrefix(a.Resource, "firewall-domain-list/")
	if err != nil || a.Service != "route53resolver" || !ok || id == "" {
		return DomainList{}, fmt.Errorf("%q is not the ARN of a DNS Firewall domain list", s)
	}
	return DomainList{ARN: s, Account: a.AccountID, Region: a.Region, ID: id}, nil
}

// userPoolID matches a Cognito user pool id: its region, "_", and letters
// and digits.
var userPoolID = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]_[0-9A-Za-z]+$`)

// PoolRegion returns the region of a Cognito user pool id, which starts
// it, or "" when id is no user pool id.
func PoolRegion(id string) string {
	if !userPoolID.MatchString(id) {
		return ""
	}
	return id[:strings.IndexByte(id, '_')]
}

// ParseAWSRemediation reads the remediation.aws section of a
// firebreak.yaml document and checks it. Other sections are ignored.
func ParseAWSRemediation(data []byte) (AWSRemediation, error) {
	var doc struct {
		Remediation struct {
			AWS AWSRemediation `yaml:"aws"`
		} `yaml:"remediation"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return AWSRemediation{}, fmt.Errorf("remediation.aws: %w", err)
	}
	a := doc.Remediation.AWS
	return a, a.check()
}

// check says what is wrong with a, naming the key.
func (a AWSRemediation) check() error {
	if a.BlockedIPv4SetARN != "" {
		if _, err := ParseIPSet(a.BlockedIPv4SetARN); err != nil {
			return fmt.Errorf("remediation.aws.blocked_ipv4_set_arn: %w", err)
		}
	}
	if a.BlockedIPv6SetARN != "" {
		if _, err := ParseIPSet(a.BlockedIPv6SetARN); err != nil {
			return fmt.Errorf("remediation.aws.blocked_ipv6_set_arn: %w", err)
		}
	}
	if a.BlockedDomainListARN != "" {
		if _, err := ParseDomainList(a.BlockedDomainListARN); err != nil {
			return fmt.Errorf("remediation.aws.blocked_domain_list_arn: %w", err)
		}
	}
	for i, id := range a.UserPools {
		if PoolRegion(id) == "" {
			return fmt.Errorf("remediation.aws.user_pools[%d]: %q is not a Cognito user "+
				"pool id such as us-east-1_AbCdEf123", i, id)
		}
	}
	return nil
}
