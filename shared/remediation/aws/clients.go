package aws

import (
	"context"
	"fmt"
	"sync"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/route53resolver"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
)

// IAM lists the IAM operations the provider calls. *iam.Client satisfies it.
type IAM interface {
	GetAccessKeyLastUsed(context.Context, *iam.GetAccessKeyLastUsedInput,
		...func(*iam.Options)) (*iam.GetAccessKeyLastUsedOutput, error)
	ListAccessKeys(context.Context, *iam.ListAccessKeysInput, ...func(*iam.Options)) (
		*iam.ListAccessKeysOutput, error)
	UpdateAccessKey(context.Context, *iam.UpdateAccessKeyInput, ...func(*iam.Options)) (
		*iam.UpdateAccessKeyOutput, error)
	GetUserPolicy(context.Context, *iam.GetUserPolicyInput, ...func(*iam.Options)) (
		*iam.GetUserPolicyOutput, error)
	PutUserPolicy(context.Context, *iam.PutUserPolicyInput, ...func(*iam.Options)) (
		*iam.PutUserPolicyOutput, error)
	DeleteUserPolicy(context.Context, *iam.DeleteUserPolicyInput, ...func(*iam.Options)) (
		*iam.DeleteUserPolicyOutput, error)
	GetRolePolicy(context.Context, *iam.GetRolePolicyInput, ...func(*iam.Options)) (
		*iam.GetRolePolicyOutput, error)
	PutRolePolicy(context.Context, *iam.PutRolePolicyInput, ...func(*iam.Options)) (
		*iam.PutRolePolicyOutput, error)
	DeleteRolePolicy(context.Context, *iam.DeleteRolePolicyInput, ...func(*iam.Options)) (
		*iam.DeleteRolePolicyOutput, error)
}

// EC2 lists the EC2 operations the provider calls. *ec2.Client satisfies it.
type EC2 interface {
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (
		*ec2.DescribeInstancesOutput, error)
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput,
		...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	ModifyNetworkInterfaceAttribute(context.Context, *ec2.ModifyNetworkInterfaceAttributeInput,
		...func(*ec2.Options)) (*ec2.ModifyNetworkInterfaceAttributeOutput, error)
	CreateTags(context.Context, *ec2.CreateTagsInput, ...func(*ec2.Options)) (
		*ec2.CreateTagsOutput, error)
	DeleteTags(context.Context, *ec2.DeleteTagsInput, ...func(*ec2.Options)) (
		*ec2.DeleteTagsOutput, error)
	DescribeSnapshots(context.Context, *ec2.DescribeSnapshotsInput, ...func(*ec2.Options)) (
		*ec2.DescribeSnapshotsOutput, error)
	CreateSnapshot(context.Context, *ec2.CreateSnapshotInput, ...func(*ec2.Options)) (
		*ec2.CreateSnapshotOutput, error)
}

// S3 lists the S3 operations the provider calls. *s3.Client satisfies it.
type S3 interface {
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (
		*s3.HeadObjectOutput, error)
	CopyObject(context.Context, *s3.CopyObjectInput, ...func(*s3.Options)) (
		*s3.CopyObjectOutput, error)
	DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (
		*s3.DeleteObjectOutput, error)
}

// WAF lists the WAFv2 operations the provider calls. *wafv2.Client
// satisfies it.
type WAF interface {
	GetIPSet(context.Context, *wafv2.GetIPSetInput, ...func(*wafv2.Options)) (
		*wafv2.GetIPSetOutput, error)
	UpdateIPSet(context.Context, *wafv2.UpdateIPSetInput, ...func(*wafv2.Options)) (
		*wafv2.UpdateIPSetOutput, error)
}

// DNSFirewall lists the Route 53 Resolver operations the provider calls.
// *route53resolver.Client satisfies it.
type DNSFirewall interface {
	ListFirewallDomains(context.Context, *route53resolver.ListFirewallDomainsInput,
		...func(*route53resolver.Options)) (*route53resolver.ListFirewallDomainsOutput, error)
	UpdateFirewallDomains(context.Context, *route53resolver.UpdateFirewallDomainsInput,
		...func(*route53resolver.Options)) (*route53resolver.UpdateFirewallDomainsOutput, error)
}

// Cognito lists the Cognito user pool operations the provider calls.
// *cognitoidentityprovider.Client satisfies it.
type Cognito interface {
	AdminGetUser(context.Context, *cognitoidentityprovider.AdminGetUserInput,
		...func(*cognitoidentityprovider.Options)) (
		*cognitoidentityprovider.AdminGetUserOutput, error)
	AdminResetUserPassword(context.Context, *cognitoidentityprovider.AdminResetUserPasswordInput,
		...func(*cognitoidentityprovider.Options)) (
		*cognitoidentityprovider.AdminResetUserPasswordOutput, error)
	AdminUserGlobalSignOut(context.Context, *cognitoidentityprovider.AdminUserGlobalSignOutInput,
		...func(*cognitoidentityprovider.Options)) (
		*cognitoidentityprovider.AdminUserGlobalSignOutOutput, error)
	AdminSetUserMFAPreference(context.Context,
		*cognitoidentityprovider.AdminSetUserMFAPreferenceInput,
		...func(*cognitoidentityprovider.Options)) (
		*cognitoidentityprovider.AdminSetUserMFAPreferenceOutput, error)
	AdminDisableUser(context.Context, *cognitoidentityprovider.AdminDisableUserInput,
		...func(*cognitoidentityprovider.Options)) (
		*cognitoidentityprovider.AdminDisableUserOutput, error)
	AdminEnableUser(context.Context, *cognitoidentityprovider.AdminEnableUserInput,
		...func(*cognitoidentityprovider.Options)) (
		*cognitoidentityprovider.AdminEnableUserOutput, error)
}

// Clients are the AWS clients of one account and region.
type Clients struct {
	IAM         IAM
	EC2         EC2
	S3          S3
	WAF         WAF
	DNSFirewall DNSFirewall
	Cognito     Cognito
}

// ClientsFunc returns the clients for an account and region. The provider
// calls it the first time it acts in an account and region and keeps what
// it returns; it does not keep an error. It must be safe for concurrent
// use.
type ClientsFunc func(ctx context.Context, account, region string) (*Clients, error)

// roleSessionName names the sessions of the remediation role, as member
// accounts' CloudTrail records them.
const roleSessionName = "firebreak-remediation"

// AssumeRoleClients returns a ClientsFunc that builds every client from
// cfg in the region asked for. In account own, or when account is "", the
// clients use cfg's credentials; in any other account, the credentials of
// arn:<partition>:iam::<account>:role/<roleName>, assumed with cfg's STS
// client and cached per account until shortly before they expire.
//
// When cfg has a BaseEndpoint (a local or test endpoint), S3 is addressed
// by path, since such an endpoint serves no bucket host names.
func AssumeRoleClients(cfg sdk.Config, own, roleName string) ClientsFunc {
	stsClient := sts.NewFromConfig(cfg)
	var mu sync.Mutex
	creds := map[string]sdk.CredentialsProvider{}
	credsOf := func(account string) sdk.CredentialsProvider {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := creds[account]; ok {
			return c
		}
		role := fmt.Sprintf("arn:%s:iam::%s:role/%s", partitionOf(cfg.Region), account,
			roleName)
		c := sdk.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, role,
			func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = roleSessionName }))
		creds[account] = c
		return c
	}
	return func(_ context.Context, account, region string) (*Clients, error) {
		c := cfg.Copy()
		if region != "" {
			c.Region = region
		}
		if account != "" && account != own {
			if roleName == "" {
				return nil, permanent("account %s is not the provider's own and no "+
					"remediation role is configured", account)
			}
			c.Credentials = credsOf(account)
		}
		return clientsFrom(c), nil
	}
}

// clientsFrom builds every client from cfg.
func clientsFrom(cfg sdk.Config) *Clients {
	pathStyle := cfg.BaseEndpoint != nil
	return &Clients{
		IAM: iam.NewFromConfig(cfg),
		EC2: ec2.NewFromConfig(cfg),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = pathStyle
		}),
		WAF:         wafv2.NewFromConfig(cfg),
		DNSFirewall: route53resolver.NewFromConfig(cfg),
		Cognito:     cognitoidentityprovider.NewFromConfig(cfg),
	}
}

// partitionOf returns the partition of region: aws-cn, aws-us-gov or aws.
func partitionOf(region string) string {
	switch {
	case len(region) > 3 && region[:3] == "cn-":
		return "aws-cn"
	case len(region) > 7 && region[:7] == "us-gov-":
		return "aws-us-gov"
	}
	return "aws"
}

// scope is an account and region the provider acts in.
type scope struct{ account, region string }

// in returns the clients for account and region, "" meaning the
// provider's own account and its default region.
func (p *Provider) in(ctx context.Context, account, region string) (*Clients, error) {
	sc := scope{account: account, region: region}
	if sc.region == "" {
		sc.region = p.opts.Region
	}
	mine, err := p.isOwn(ctx, account)
	if err != nil {
		return nil, err
	}
	if mine {
		sc.account = ""
	}
	p.mu.Lock()
	c, ok := p.cache[sc]
	p.mu.Unlock()
	if ok {
		return c, nil
	}

	// build outside the lock: the STS call happens at first use
	c, err = p.clients(ctx, sc.account, sc.region)
	if err != nil {
		return nil, fmt.Errorf("make AWS clients for account %q in %s: %w",
			sc.account, sc.region, err)
	}
	p.mu.Lock()
	p.cache[sc] = c
	p.mu.Unlock()
	return c, nil
}

// isOwn reports whether account is the provider's own: "" is.
func (p *Provider) isOwn(ctx context.Context, account string) (bool, error) {
	if account == "" {
		return true, nil
	}
	own, err := p.ownAccount(ctx)
	return account == own, err
}

// ownAccount returns the provider's own account: Options.Account, else
// what STS says the credentials belong to, asked until it answers.
func (p *Provider) ownAccount(ctx context.Context) (string, error) {
	p.mu.Lock()
	own, whoami := p.opts.Account, p.whoami
	p.mu.Unlock()
	if own != "" || whoami == nil {
		return own, nil
	}
	own, err := whoami(ctx)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	p.opts.Account = own
	p.mu.Unlock()
	return own, nil
}

// callerAccount returns a function asking STS which account c's
// credentials belong to.
func callerAccount(c *sts.Client) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return "", fail("sts:GetCallerIdentity", err)
		}
		return sdk.ToString(out.Account), nil
	}
}
