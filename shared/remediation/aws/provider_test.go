package aws_test

import (
	"slices"
	"testing"

	"github.com/firebreak/firebreak/shared/investigation"
	awsprovider "github.com/firebreak/firebreak/shared/remediation/aws"
	"github.com/firebreak/firebreak/shared/settings"
)

// calledBy lists, for each action type, every IAM action a run, a repeat
// and an undo of it calls (see the tests of each): its permissions must
// allow each of them.
var calledBy = map[investigation.ActionType][]string{
	investigation.ActionDisableAccessKey: {"iam:GetAccessKeyLastUsed", "iam:ListAccessKeys",
		"iam:UpdateAccessKey"},
	investigation.ActionDisableUser: {"iam:GetUserPolicy", "iam:PutUserPolicy",
		"iam:DeleteUserPolicy", "iam:GetRolePolicy", "iam:PutRolePolicy",
		"iam:DeleteRolePolicy", "cognito-idp:AdminGetUser", "cognito-idp:AdminDisableUser",
		"cognito-idp:AdminEnableUser"},
	investigation.ActionRevokeSessions: {"iam:GetRolePolicy", "iam:PutRolePolicy",
		"cognito-idp:AdminUserGlobalSignOut"},
	investigation.ActionResetPassword: {"cognito-idp:AdminGetUser",
		"cognito-idp:AdminResetUserPassword"},
	investigation.ActionRequireMFA: {"cognito-idp:AdminGetUser",
		"cognito-idp:AdminSetUserMFAPreference"},
	investigation.ActionIsolateHost: {"ec2:DescribeInstances", "ec2:DescribeSecurityGroups",
		"ec2:DescribeSnapshots", "ec2:ModifyNetworkInterfaceAttribute", "ec2:CreateTags",
		"ec2:DeleteTags", "ec2:CreateSnapshot"},
	investigation.ActionQuarantineFile: {"s3:GetObject", "s3:PutObject", "s3:DeleteObject",
		"s3:DeleteObjectVersion", "s3:GetObjectVersion", "s3:ListBucket"},
	investigation.ActionDeleteFile: {"s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject",
		"s3:DeleteObjectVersion", "s3:ListBucket"},
	investigation.ActionBlockIP: {"wafv2:GetIPSet", "wafv2:UpdateIPSet"},
	investigation.ActionBlockDomain: {"route53resolver:ListFirewallDomains",
		"route53resolver:UpdateFirewallDomains"},
}

func TestPermissionsAllowEveryCallOfEachSupportedAction(t *testing.T) {
	p, _ := newProvider(t)
	for at := range investigation.Actions {
		allowed := map[string]bool{}
		for _, st := range awsprovider.Permissions(at, config) {
			if len(st.Resources) == 0 {
				t.Errorf("%s: statement %s names no resource", at, st.Sid)
			}
			for _, a := range st.Actions {
				allowed[a] = true
			}
		}
		if !p.Supports(at) {
			if len(allowed) > 0 {
				t.Errorf("%s: not supported, yet needs %v", at, allowed)
			}
			continue
		}
		for _, a := range calledBy[at] {
			if !allowed[a] {
				t.Errorf("%s: %s is called but not allowed", at, a)
			}
		}
		if len(allowed) != len(calledBy[at]) {
			t.Errorf("%s: allows %d actions, calls %d", at, len(allowed), len(calledBy[at]))
		}
	}
}

func TestPermissionsNameOnlyTheConfiguredSetsListsAndPools(t *testing.T) {
	ip := awsprovider.Permissions(investigation.ActionBlockIP, config)
	if len(ip) != 1 || !slices.Equal(ip[0].Resources, []string{config.BlockedIPv4SetARN,
		config.BlockedIPv6SetARN}) {
		t.Errorf("block_ip: got %+v, want the two configured IP sets", ip)
	}
	reset := awsprovider.Permissions(investigation.ActionResetPassword, config)
	want := "arn:${AWS::Partition}:cognito-idp:us-east-1:${AWS::AccountId}:" +
		"userpool/us-east-1_AbCdEf123"
	if len(reset) != 1 || !slices.Equal(reset[0].Resources, []string{want}) {
		t.Errorf("reset_password: got %+v, want %s", reset, want)
	}
	none := settings.AWSRemediation{}
	for _, at := range []investigation.ActionType{investigation.ActionBlockIP,
		investigation.ActionBlockDomain, investigation.ActionResetPassword} {
		if got := awsprovider.Permissions(at, none); len(got) != 0 {
			t.Errorf("%s unconfigured: got %+v, want nothing", at, got)
		}
	}
}
