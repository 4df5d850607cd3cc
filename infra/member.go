package main

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak/shared/stack"
)

// contextMainAccountID is the CDK context value naming the account the
// main stack runs in. The app adds the member stack only when it is set.
const contextMainAccountID = "mainAccountId"

// remediationRoleName is the name of the role the member stack creates in
// each member account, which the main stack's remediating functions
// assume; the same name everywhere, so a function needs only an account
// id to build its ARN.
const remediationRoleName = "FirebreakRemediation"

// remediatorRolePrefix starts the name of the role of every main-stack
// function that assumes the remediation role (one that lists
// stack.EnvRemediationRoleName). The member role trusts exactly the roles
// of that name in the main account; the region ends the name, since role
// names are global to an account and the stack may run in several
// regions.
const remediatorRolePrefix = "-remediator-"

// accountID matches a 12-digit AWS account id.
var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// remediator reports whether f assumes the remediation role.
func remediator(f stack.Function) bool {
	return slices.Contains(f.Env, stack.EnvRemediationRoleName)
}

// functionRole returns the execution role of f: nil, for CDK's own, unless
// f is a remediator, whose role has the name the member role trusts.
func functionRole(st awscdk.Stack, s stack.Stack, f stack.Function) awsiam.IRole {
	if !remediator(f) {
		return nil
	}
	return awsiam.NewRole(st, jsii.String(constructID(f.Name)+"Role"), &awsiam.RoleProps{
		RoleName:  jsii.String(s.Name + remediatorRolePrefix + f.Name + "-" + *awscdk.Aws_REGION()),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(
			jsii.String("service-role/AWSLambdaBasicExecutionRole"))},
	})
}

// grantAssumeMemberRole lets fn assume the remediation role in any member
// account; which accounts trust it is up to each member stack.
func grantAssumeMemberRole(fn awslambda.Function) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("sts:AssumeRole"),
		Resources: jsii.Strings(fmt.Sprintf("arn:%s:iam::*:role/%s",
			*awscdk.Aws_PARTITION(), remediationRoleName)),
	}))
}

// NewMemberStack adds to scope the stack of one member account: the role
// the main stack's remediators assume there, holding only what the
// remediation actions do, and the account's isolation security group when
// the context names a VPC (contextIsolationVPCID). It has no assets and
// needs no bootstrap, so its template also serves as a StackSet's.
//
// NewMemberStack returns an error when the context's main account id
// (contextMainAccountID) is not a 12-digit account id.
func NewMemberStack(scope constructs.Construct, s stack.Stack) (awscdk.Stack, error) {
	main, _ := scope.Node().TryGetContext(jsii.String(contextMainAccountID)).(string)
	if !accountID.MatchString(main) {
		return nil, fmt.Errorf("context %s: got %q, want a 12-digit AWS account id",
			contextMainAccountID, main)
	}
	st := awscdk.NewStack(scope, jsii.String(s.Name+"Member"), &awscdk.StackProps{
		Description: jsii.String("Firebreak member account: the role Firebreak remediates with"),
		Synthesizer: awscdk.NewBootstraplessSynthesizer(nil),
	})
	role := awsiam.NewRole(st, jsii.String("RemediationRole"), &awsiam.RoleProps{
		RoleName:           jsii.String(remediationRoleName),
		Description:        jsii.String("Assumed by Firebreak's remediation in account " + main),
		AssumedBy:          remediatorsOf(s, main),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	for _, ps := range remediationStatements(role) {
		role.AddToPolicy(ps)
	}
	suppress(role, nagRemediation)
	newIsolationGroup(st, s)
	return st, nil
}

// remediatorsOf is the principal of the main account's remediators: the
// account, on condition that the caller's role has a remediator's name.
func remediatorsOf(s stack.Stack, main string) awsiam.IPrincipal {
	pattern := fmt.Sprintf("arn:%s:iam::%s:role/%s%s*",
		*awscdk.Aws_PARTITION(), main, s.Name, remediatorRolePrefix)
	return awsiam.NewAccountPrincipal(jsii.String(main)).WithConditions(&map[string]any{
		"ArnLike": map[string]any{"aws:PrincipalArn": pattern},
	})
}

// remediationStatements are what the remediation actions do in a member
// account, each on the narrowest resources IAM lets us name, and the
// denials that keep the role from widening itself.
func remediationStatements(role awsiam.Role) []awsiam.PolicyStatement {
	here := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s:*:%s:%s",
			*awscdk.Aws_PARTITION(), service, *awscdk.Aws_ACCOUNT_ID(), resource)
	}
	global := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s::%s:%s",
			*awscdk.Aws_PARTITION(), service, *awscdk.Aws_ACCOUNT_ID(), resource)
	}
	return []awsiam.PolicyStatement{
		// isolate an instance: swap its security groups
		allow("IsolateInstance", []string{"ec2:ModifyInstanceAttribute"},
			here("ec2", "instance/*"), here("ec2", "security-group/*")),
		// keep evidence: snapshot its volumes, tagged as Firebreak's
		allow("SnapshotVolume", []string{"ec2:CreateSnapshot"},
			here("ec2", "volume/*"), fmt.Sprintf("arn:%s:ec2:*::snapshot/*",
				*awscdk.Aws_PARTITION())),
		withCondition(allow("TagSnapshot", []string{"ec2:CreateTags"},
			fmt.Sprintf("arn:%s:ec2:*::snapshot/*", *awscdk.Aws_PARTITION())),
			"StringEquals", "ec2:CreateAction", "CreateSnapshot"),
		withCondition(allow("TagIsolated", []string{"ec2:CreateTags"},
			here("ec2", "instance/*"), here("ec2", "volume/*")),
			"ForAllValues:StringLike", "aws:TagKeys", "firebreak:*"),
		// contain a credential: disable a key, attach a deny policy
		allow("ContainUser", []string{"iam:UpdateAccessKey", "iam:PutUserPolicy"},
			global("iam", "user/*")),
		allow("ContainRole", []string{"iam:PutRolePolicy"}, global("iam", "role/*")),
		deny("KeepOwnPolicy", []string{"iam:PutRolePolicy"},
			*role.RoleArn(), global("iam", "role/aws-service-role/*")),
		// quarantine an object of this account's buckets
		withCondition(allow("QuarantineObject",
			[]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, "arn:"+
				*awscdk.Aws_PARTITION()+":s3:::*/*"),
			"StringEquals", "s3:ResourceAccount", *awscdk.Aws_ACCOUNT_ID()),
		// block an address or a domain
		allow("BlockAddress", []string{"wafv2:GetIPSet", "wafv2:UpdateIPSet"},
			here("wafv2", "*/ipset/*/*")),
		allow("BlockDomain", []string{"route53resolver:UpdateFirewallDomains"},
			here("route53resolver", "firewall-domain-list/*")),
		// contain an app user: sign out, disable, and undo
		allow("ContainAppUser", []string{
			"cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminDisableUser",
			"cognito-idp:AdminEnableUser",
		}, here("cognito-idp", "userpool/*")),
	}
}

// allow and deny are statements with an id, actions and resources.
func allow(sid string, actions []string, resources ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(sid), Actions: jsii.Strings(actions...),
		Resources: jsii.Strings(resources...),
	})
}

func deny(sid string, actions []string, resources ...string) awsiam.PolicyStatement {
	ps := allow(sid, actions, resources...)
	ps.SetEffect(awsiam.Effect_DENY)
	return ps
}

// withCondition adds one condition to ps and returns it.
func withCondition(ps awsiam.PolicyStatement, op, key, value string) awsiam.PolicyStatement {
	ps.AddCondition(jsii.String(op), map[string]any{key: value})
	return ps
}
