package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak/shared/stack"
)

// contextMemberAccountIDs is the CDK context value listing the member
// accounts (comma-separated account ids) whose remediation role may put
// quarantined objects into this stack's quarantine, each under
// quarantine/<account>/ alone. Without it no member account may.
const contextMemberAccountIDs = "memberAccountIds"

// contextIsolationVPCID is the CDK context value naming the VPC to create
// the isolation security group in. Without it the stack has no isolation
// group: a VPC lookup would make synth reach AWS, and synth stays offline.
const contextIsolationVPCID = "isolationVpcId"

// The outbound rule that matches no packet, as CDK writes it for a group
// that allows no outbound traffic: ICMP type 252, code 86, which no host
// sends, to the broadcast address alone.
const (
	noTrafficCIDR     = "255.255.255.255/32"
	noTrafficICMPType = 252
	noTrafficICMPCode = 86
)

// How long the quarantine keeps what it holds: each object version is
// locked in governance mode for quarantineLockDays, so that no one short
// of an administrator who bypasses governance can delete evidence; it
// expires after quarantineKeepDays; its older versions after
// noncurrentKeepDays. Access logs are kept as long as the objects.
const (
	quarantineLockDays = 30
	quarantineKeepDays = 365
	noncurrentKeepDays = 90
)

// quarantine is where remediation puts what it takes out of reach: the
// bucket that holds quarantined objects and the security group that
// isolates an instance (nil without contextIsolationVPCID).
type quarantine struct {
	bucket awss3.Bucket
	group  awsec2.CfnSecurityGroup
}

// isolationGroupID is the isolation group's id, or "" without one.
func (q quarantine) isolationGroupID() *string {
	if q.group == nil {
		return jsii.String("")
	}
	return q.group.AttrGroupId()
}

// serverAccessLogsUseBucketPolicy is CDK's feature flag that lets S3
// deliver access logs under a bucket policy rather than an ACL, which a
// bucket whose owner owns every object refuses.
const serverAccessLogsUseBucketPolicy = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"

// grantObjects lets fn put an object into quarantine and read it back to
// restore it; no delete, no listing, nothing else of the bucket.
func (q quarantine) grantObjects(fn awslambda.Function) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject", "s3:GetObject"),
		Resources: jsii.Strings(*q.bucket.ArnForObjects(jsii.String("*"))),
	}))
}

// quarantineBucketName is the quarantine bucket's name in account and
// region: known to the member stacks, which grant their role the use of
// it from the main account's id alone.
func quarantineBucketName(s stack.Stack, account, region string) string {
	return strings.ToLower(s.Name) + "-quarantine-" + account + "-" + region
}

// quarantinePrefix is where a member account's remediation role may put
// and read quarantined objects: under the account's own id.
func quarantinePrefix(account string) string { return "quarantine/" + account + "/" }

// memberAccounts returns the member accounts the context lists
// (contextMemberAccountIDs), or an error naming one that is not a
// 12-digit account id.
func memberAccounts(scope constructs.Construct) ([]string, error) {
	raw, _ := scope.Node().TryGetContext(jsii.String(contextMemberAccountIDs)).(string)
	var out []string
	for _, a := range strings.Split(raw, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if !accountID.MatchString(a) {
			return nil, fmt.Errorf("context %s: got %q, want 12-digit AWS account ids, "+
				"comma-separated", contextMemberAccountIDs, a)
		}
		out = append(out, a)
	}
	return out, nil
}

// admitMembers lets the remediation role of each member account put
// quarantined objects into the bucket and read them back (to restore
// them), under the account's own prefix alone, and list that prefix, so
// that looking for a copy that is not there answers "not found".
func (q quarantine) admitMembers(members []string) {
	for _, a := range members {
		role := awsiam.NewAccountPrincipal(jsii.String(a)).WithConditions(&map[string]any{
			"ArnEquals": map[string]any{"aws:PrincipalArn": fmt.Sprintf(
				"arn:%s:iam::%s:role/%s", *awscdk.Aws_PARTITION(), a, remediationRoleName)},
		})
		q.bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("MemberQuarantine" + a),
			Principals: &[]awsiam.IPrincipal{role},
			Actions:    jsii.Strings("s3:PutObject", "s3:GetObject"),
			Resources: jsii.Strings(
				*q.bucket.ArnForObjects(jsii.String(quarantinePrefix(a) + "*"))),
		}))
		q.bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("MemberQuarantineList" + a),
			Principals: &[]awsiam.IPrincipal{role},
			Actions:    jsii.Strings("s3:ListBucket"),
			Resources:  jsii.Strings(*q.bucket.BucketArn()),
			Conditions: &map[string]any{"StringLike": map[string]any{
				"s3:prefix": quarantinePrefix(a) + "*"}},
		}))
	}
}

// newQuarantine creates the quarantine bucket, its access log bucket, and
// the isolation group when the context names a VPC.
func newQuarantine(st awscdk.Stack, s stack.Stack) quarantine {
	// the buckets under a scope of their own, so that the flag they need
	// holds whatever the app's context says
	scope := constructs.NewConstruct(st, jsii.String("Quarantine"))
	scope.Node().SetContext(jsii.String(serverAccessLogsUseBucketPolicy), true)
	logs := newBucket(scope, "AccessLogs", nil)
	bucket := newBucket(scope, "Bucket", &awss3.BucketProps{
		BucketName: jsii.String(quarantineBucketName(s, *awscdk.Aws_ACCOUNT_ID(),
			*awscdk.Aws_REGION())),
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("quarantine/"),
		ObjectLockEnabled:      jsii.Bool(true),
		ObjectLockDefaultRetention: awss3.ObjectLockRetention_Governance(
			awscdk.Duration_Days(jsii.Number(quarantineLockDays))),
	})
	return quarantine{bucket: bucket, group: newIsolationGroup(st, s)}
}

// newBucket creates a private bucket: public access blocked, encrypted,
// versioned, TLS only, its objects owned by the bucket owner, its versions
// expiring as the quarantine's do, kept when the stack is deleted. props
// adds to those.
func newBucket(
	scope constructs.Construct, id string, props *awss3.BucketProps,
) awss3.Bucket {
	if props == nil {
		props = &awss3.BucketProps{}
	}
	props.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
	props.Encryption = awss3.BucketEncryption_S3_MANAGED
	props.EnforceSSL = jsii.Bool(true)
	props.Versioned = jsii.Bool(true)
	props.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
	props.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	props.LifecycleRules = &[]*awss3.LifecycleRule{{
		Expiration: awscdk.Duration_Days(jsii.Number(quarantineKeepDays)),
		NoncurrentVersionExpiration: awscdk.Duration_Days(
			jsii.Number(noncurrentKeepDays)),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
	}}
	return awss3.NewBucket(scope, jsii.String(id), props)
}

// newIsolationGroup creates, in scope, the security group that isolates
// an instance, in the VPC the context names; nil when it names none. It
// has no inbound rule, and one outbound rule that matches no packet: a
// group without any outbound rule would allow all outbound traffic.
func newIsolationGroup(scope constructs.Construct, s stack.Stack) awsec2.CfnSecurityGroup {
	vpc, _ := scope.Node().TryGetContext(jsii.String(contextIsolationVPCID)).(string)
	if vpc == "" {
		return nil
	}
	return awsec2.NewCfnSecurityGroup(scope, jsii.String("IsolationSecurityGroup"),
		&awsec2.CfnSecurityGroupProps{
			VpcId:     jsii.String(vpc),
			GroupName: physicalName(s, "isolation"),
			GroupDescription: jsii.String(
				"Firebreak isolation: an instance in this group alone can reach nothing"),
			SecurityGroupEgress: &[]any{&awsec2.CfnSecurityGroup_EgressProperty{
				Description: jsii.String("Matches no packet: allows no traffic"),
				CidrIp:      jsii.String(noTrafficCIDR),
				IpProtocol:  jsii.String("icmp"),
				FromPort:    jsii.Number(noTrafficICMPType),
				ToPort:      jsii.Number(noTrafficICMPCode),
			}},
		})
}
