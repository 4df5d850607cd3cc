package awsdata

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// CloudTrail lists the CloudTrail operations the source calls.
// *cloudtrail.Client satisfies it.
type CloudTrail interface {
	LookupEvents(context.Context, *cloudtrail.LookupEventsInput, ...func(*cloudtrail.Options)) (
		*cloudtrail.LookupEventsOutput, error)
}

// IAM lists the IAM operations the source calls. *iam.Client satisfies it.
type IAM interface {
	GetUser(context.Context, *iam.GetUserInput, ...func(*iam.Options)) (
		*iam.GetUserOutput, error)
	ListMFADevices(context.Context, *iam.ListMFADevicesInput, ...func(*iam.Options)) (
		*iam.ListMFADevicesOutput, error)
	ListAttachedUserPolicies(context.Context, *iam.ListAttachedUserPoliciesInput,
		...func(*iam.Options)) (*iam.ListAttachedUserPoliciesOutput, error)
	ListAccessKeys(context.Context, *iam.ListAccessKeysInput, ...func(*iam.Options)) (
		*iam.ListAccessKeysOutput, error)
	GetAccessKeyLastUsed(context.Context, *iam.GetAccessKeyLastUsedInput,
		...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
	GetInstanceProfile(context.Context, *iam.GetInstanceProfileInput, ...func(*iam.Options)) (
		*iam.GetInstanceProfileOutput, error)
}

// EC2 lists the EC2 operations the source calls. *ec2.Client satisfies it.
type EC2 interface {
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (
		*ec2.DescribeInstancesOutput, error)
}

// Clients are the AWS clients the source asks in one account and region.
type Clients struct {
	CloudTrail CloudTrail
	IAM        IAM
	EC2        EC2
}

// ClientsFunc returns the clients for an account and region. Account is ""
// when an entity names none, meaning the account the caller runs in.
//
// A Source calls it the first time it asks about an account and region and
// keeps the clients it returns; it does not keep an error, so the next
// question calls again. It must be safe for concurrent use.
type ClientsFunc func(ctx context.Context, account, region string) (Clients, error)

// ConfigClients returns a ClientsFunc that builds every client from cfg, in
// the region asked for (cfg's region when that is ""), whatever the account.
// cfg's credentials reach only the account they belong to; reading other
// accounts takes a ClientsFunc that assumes a role in each, which comes
// with the remediation role.
func ConfigClients(cfg aws.Config) ClientsFunc {
	return func(_ context.Context, _, region string) (Clients, error) {
		inRegion := func(r *string) {
			if region != "" {
				*r = region
			}
		}
		return Clients{
			CloudTrail: cloudtrail.NewFromConfig(cfg,
				func(o *cloudtrail.Options) { inRegion(&o.Region) }),
			IAM: iam.NewFromConfig(cfg, func(o *iam.Options) { inRegion(&o.Region) }),
			EC2: ec2.NewFromConfig(cfg, func(o *ec2.Options) { inRegion(&o.Region) }),
		}, nil
	}
}

// Actions are the IAM actions the source calls: what a function that asks
// it must be allowed. None of them supports resource-level permissions
// beyond "*" for the calls made (CloudTrail LookupEvents, EC2
// DescribeInstances) or needs more than read access.
var Actions = []string{
	"cloudtrail:LookupEvents",
	"ec2:DescribeInstances",
	"iam:GetAccessKeyLastUsed",
	"iam:GetInstanceProfile",
	"iam:GetUser",
	"iam:ListAccessKeys",
	"iam:ListAttachedUserPolicies",
	"iam:ListMFADevices",
}
