package aws

import (
	"slices"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/settings"
)

// Statement is one Allow statement of the IAM policy an action needs:
// Actions on Resources, under Condition (operator, then key, then value)
// when it is set. Resources and condition values hold ${AWS::Partition}
// and ${AWS::AccountId} for the partition and account the policy is
// granted in, as CloudFormation's Fn::Sub writes them.
type Statement struct {
	Sid       string
	Actions   []string
	Resources []string
	Condition map[string]map[string]string
}

// The resources of this account the actions touch. IAM names users and
// roles without a region; the rest are in any region.
const (
	iamUsers      = "arn:${AWS::Partition}:iam::${AWS::AccountId}:user/*"
	iamRoles      = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"
	ec2Instances  = "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:instance/*"
	ec2Interfaces = "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:network-interface/*"
	ec2Groups     = "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/*"
	ec2Volumes    = "arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:volume/*"
	ec2Snapshots  = "arn:${AWS::Partition}:ec2:*::snapshot/*"
	s3Buckets     = "arn:${AWS::Partition}:s3:::*"
	s3ObjectARNs  = "arn:${AWS::Partition}:s3:::*/*"
	anyResource   = "*"
)

// inThisAccount limits S3 statements, whose ARNs name no account, to the
// buckets of the account the policy is granted in.
var inThisAccount = map[string]map[string]string{
	"StringEquals": {"s3:ResourceAccount": "${AWS::AccountId}"}}

// Permissions returns the statements action t needs in an account, each on
// the narrowest resources IAM lets it name: the WAF IP sets, the DNS
// Firewall domain list and the Cognito user pools of s by their ARNs,
// and none of them when s names none. An action type the provider does
// not carry out needs nothing.
//
// Reading before changing (ListAccessKeys, GetRolePolicy, HeadObject,
// DescribeSnapshots …) is what makes a repeated action a no-op, so those
// reads are part of each action's needs. s3:ListBucket lets HeadObject
// answer 404 for an object that is gone, rather than 403.
func Permissions(t investigation.ActionType, s settings.AWSRemediation) []Statement {
	pools := userPools(s)
	var sts []Statement
	add := func(sid string, actions []string, resources ...string) *Statement {
		if len(resources) == 0 {
			return nil
		}
		sts = append(sts, Statement{Sid: sid, Actions: actions, Resources: resources})
		return &sts[len(sts)-1]
	}
	switch t {
	case investigation.ActionDisableAccessKey:
		add("DisableAccessKey", []string{"iam:GetAccessKeyLastUsed", "iam:ListAccessKeys",
			"iam:UpdateAccessKey"}, iamUsers)
	case investigation.ActionDisableUser:
		add("DenyUser", []string{"iam:GetUserPolicy", "iam:PutUserPolicy",
			"iam:DeleteUserPolicy"}, iamUsers)
		add("DenyRole", []string{"iam:GetRolePolicy", "iam:PutRolePolicy",
			"iam:DeleteRolePolicy"}, iamRoles)
		add("DisablePoolUser", []string{"cognito-idp:AdminGetUser",
			"cognito-idp:AdminDisableUser", "cognito-idp:AdminEnableUser"}, pools...)
	case investigation.ActionRevokeSessions:
		add("RevokeRoleSessions", []string{"iam:GetRolePolicy", "iam:PutRolePolicy"},
			iamRoles)
		add("SignOutPoolUser", []string{"cognito-idp:AdminUserGlobalSignOut"}, pools...)
	case investigation.ActionResetPassword:
		add("ResetPoolUserPassword", []string{"cognito-idp:AdminGetUser",
			"cognito-idp:AdminResetUserPassword"}, pools...)
	case investigation.ActionRequireMFA:
		add("RequirePoolUserMFA", []string{"cognito-idp:AdminGetUser",
			"cognito-idp:AdminSetUserMFAPreference"}, pools...)
	case investigation.ActionIsolateHost:
		sts = isolatePermissions()
	case investigation.ActionQuarantineFile, investigation.ActionDeleteFile:
		actions := []string{"s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject",
			"s3:DeleteObjectVersion"}
		if t == investigation.ActionQuarantineFile {
			actions = append(actions, "s3:PutObject") // the restore
		}
		add(sidOf(t), actions, s3ObjectARNs).Condition = inThisAccount
		add(sidOf(t)+"Look", []string{"s3:ListBucket"}, s3Buckets).Condition = inThisAccount
	case investigation.ActionBlockIP:
		add("BlockAddress", []string{"wafv2:GetIPSet", "wafv2:UpdateIPSet"},
			nonEmpty(s.BlockedIPv4SetARN, s.BlockedIPv6SetARN)...)
	case investigation.ActionBlockDomain:
		add("BlockDomain", []string{"route53resolver:ListFirewallDomains",
			"route53resolver:UpdateFirewallDomains"}, nonEmpty(s.BlockedDomainListARN)...)
	}
	return sts
}

// isolatePermissions are isolate_host's needs: describing takes "*", as
// EC2's Describe calls allow no resource-level permissions; tags only
// under firebreak:, or on the snapshots it creates.
func isolatePermissions() []Statement {
	return []Statement{
		{Sid: "DescribeInstance", Actions: []string{"ec2:DescribeInstances",
			"ec2:DescribeSecurityGroups", "ec2:DescribeSnapshots"},
			Resources: []string{anyResource}},
		{Sid: "IsolateInterfaces", Actions: []string{"ec2:ModifyNetworkInterfaceAttribute"},
			Resources: []string{ec2Interfaces, ec2Groups}},
		{Sid: "MarkIsolated", Actions: []string{"ec2:CreateTags", "ec2:DeleteTags"},
			Resources: []string{ec2Instances},
			Condition: map[string]map[string]string{
				"ForAllValues:StringLike": {"aws:TagKeys": "firebreak:*"}}},
		{Sid: "SnapshotVolumes", Actions: []string{"ec2:CreateSnapshot"},
			Resources: []string{ec2Volumes, ec2Snapshots}},
		{Sid: "TagSnapshots", Actions: []string{"ec2:CreateTags"},
			Resources: []string{ec2Snapshots},
			Condition: map[string]map[string]string{
				"StringEquals": {"ec2:CreateAction": "CreateSnapshot"}}},
	}
}

// AllPermissions returns what every action the provider carries out
// needs: the policy of a role that remediates with it.
func AllPermissions(s settings.AWSRemediation) []Statement {
	var all []Statement
	for _, t := range supported {
		all = append(all, Permissions(t, s)...)
	}
	return all
}

// supported lists the action types the provider carries out, in a fixed
// order.
var supported = []investigation.ActionType{
	investigation.ActionDisableAccessKey, investigation.ActionDisableUser,
	investigation.ActionRevokeSessions, investigation.ActionResetPassword,
	investigation.ActionRequireMFA, investigation.ActionIsolateHost,
	investigation.ActionQuarantineFile, investigation.ActionDeleteFile,
	investigation.ActionBlockIP, investigation.ActionBlockDomain,
}

// userPools returns the ARNs of s's Cognito user pools.
func userPools(s settings.AWSRemediation) []string {
	var arns []string
	for _, id := range s.UserPools {
		arns = append(arns, "arn:${AWS::Partition}:cognito-idp:"+settings.PoolRegion(id)+
			":${AWS::AccountId}:userpool/"+id)
	}
	return arns
}

// sidOf is a statement id for action type t: "QuarantineFile".
func sidOf(t investigation.ActionType) string {
	var b []byte
	up := true
	for _, c := range []byte(t) {
		switch {
		case c == '_':
			up = true
		case up:
			b, up = append(b, c-'a'+'A'), false
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// nonEmpty returns the strings of ss that are not "".
func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}
