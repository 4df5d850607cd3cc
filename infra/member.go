package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak"
	awsremediation "github.com/firebreak/firebreak/shared/remediation/aws"
	"github.com/firebreak/firebreak/shared/settings"
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
	aws, err := settings.ParseAWSRemediation(firebreak.ConfigYAML)
	if err != nil {
		return nil, err
	}
	for _, ps := range remediationStatements(role, aws) {
		role.AddToPolicy(ps)
	}
	for _, ps := range mainQuarantine(s, main) {
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

// mainQuarantine lets the role put the objects it quarantines into the
// main account's quarantine bucket (in whichever region it runs) and read
// them back, under this account's prefix alone: the main stack's bucket
// policy admits the same (contextMemberAccountIDs).
func mainQuarantine(s stack.Stack, main string) []awsiam.PolicyStatement {
	buckets := fmt.Sprintf("arn:%s:s3:::%s", *awscdk.Aws_PARTITION(),
		quarantineBucketName(s, main, "*"))
	prefix := quarantinePrefix(*awscdk.Aws_ACCOUNT_ID())
	list := allow("QuarantineLook", []string{"s3:ListBucket"}, buckets)
	list.AddCondition(jsii.String("StringLike"), map[string]any{"s3:prefix": prefix + "*"})
	return []awsiam.PolicyStatement{
		allow("Quarantine", []string{"s3:PutObject", "s3:GetObject"}, buckets+"/"+prefix+"*"),
		list,
	}
}

// remediationStatements are what the AWS provider's actions need in a
// member account (awsremediation.Permissions, each on the narrowest
// resources IAM lets us name), and the denial that keeps the role from
// widening itself.
func remediationStatements(
	role awsiam.Role, aws settings.AWSRemediation,
) []awsiam.PolicyStatement {
	global := fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/*",
		*awscdk.Aws_PARTITION(), *awscdk.Aws_ACCOUNT_ID())
	return append(remediationPolicy(aws), deny("KeepOwnPolicy",
		[]string{"iam:PutRolePolicy", "iam:DeleteRolePolicy"}, *role.RoleArn(), global))
}

// remediationPolicy is awsremediation.AllPermissions as CDK statements,
// in the partition and account of the stack they are granted in.
func remediationPolicy(aws settings.AWSRemediation) []awsiam.PolicyStatement {
	here := strings.NewReplacer("${AWS::Partition}", *awscdk.Aws_PARTITION(),
		"${AWS::AccountId}", *awscdk.Aws_ACCOUNT_ID())
	var out []awsiam.PolicyStatement
	for _, st := range awsremediation.AllPermissions(aws) {
		resources := make([]string, len(st.Resources))
		for i, r := range st.Resources {
			resources[i] = here.Replace(r)
		}
		ps := allow(st.Sid, st.Actions, resources...)
		for op, kv := range st.Condition {
			cond := map[string]any{}
			for k, v := range kv {
				cond[k] = here.Replace(v)
			}
			ps.AddCondition(jsii.String(op), cond)
		}
		out = append(out, ps)
	}
	return out
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
