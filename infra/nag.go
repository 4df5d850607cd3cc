package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// checkApp runs cdk-nag's AwsSolutions checks on every stack of app when
// it is synthesized: an unsuppressed finding is an error annotation, which
// fails `cdk synth` and the template tests.
func checkApp(app awscdk.App) {
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Verbose: jsii.Bool(true),
	}), nil)
}

// suppression is one cdk-nag rule set aside for a construct, with the
// reason, and optionally only for the findings appliesTo names: an IAM
// action or resource as cdk-nag prints it, or between slashes a regular
// expression ("/^Resource::<Table[0-9A-F]{8}\.Arn>$/").
type suppression struct {
	id, reason string
	appliesTo  []string
}

// suppress sets aside rules for c and its children.
func suppress(c constructs.IConstruct, ss ...suppression) {
	list := make([]*cdknag.NagPackSuppression, 0, len(ss))
	for _, s := range ss {
		p := &cdknag.NagPackSuppression{Id: jsii.String(s.id), Reason: jsii.String(s.reason)}
		if len(s.appliesTo) > 0 {
			applies := make([]any, len(s.appliesTo))
			for i, a := range s.appliesTo {
				applies[i] = a
				if strings.HasPrefix(a, "/") {
					applies[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(a)}
				}
			}
			p.AppliesTo = &applies
		}
		list = append(list, p)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(true))
}

// Why each cdk-nag finding of Firebreak's stacks is set aside. Each is
// applied where its cause is made, to that construct alone.
var (
	// the investigation steps, when they ask AWS
	nagAWSInventory = suppression{id: "AwsSolutions-IAM5", reason: "the AWS data source " +
		"only reads (CloudTrail LookupEvents, EC2 DescribeInstances, IAM Get/List of users, " +
		"keys and instance profiles) about whatever principal or instance an alert names, " +
		"which no resource list can know in advance; LookupEvents and DescribeInstances " +
		"take no resource-level permissions", appliesTo: []string{"Resource::*"}}

	// every function: its execution role
	nagLambdaLogging = suppression{id: "AwsSolutions-IAM4", reason: "AWSLambdaBasicExecutionRole " +
		"allows only creating and writing log streams; the function writes to its own log group",
		appliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/" +
			"AWSLambdaBasicExecutionRole"}}
	nagTracing = suppression{id: "AwsSolutions-IAM5", reason: "X-Ray's PutTraceSegments and " +
		"PutTelemetryRecords have no resource-level permissions: IAM accepts only *",
		appliesTo: []string{"Resource::*"}}

	// a function that reads the table queries its secondary indexes
	nagTableIndexes = suppression{id: "AwsSolutions-IAM5", reason: "The action center's " +
		"access patterns query the table's secondary indexes, whose ARNs are <table>/index/*",
		appliesTo: []string{`/^Resource::<Table[0-9A-F]{8}\.Arn>\/index\/\*$/`}}

	// the state machine's role
	nagStateMachineLogging = suppression{id: "AwsSolutions-IAM5", reason: "Step Functions' " +
		"log delivery (logs:CreateLogDelivery and the rest) and X-Ray accept only *",
		appliesTo: []string{"Resource::*"}}
	nagStepVersions = suppression{id: "AwsSolutions-IAM5", reason: "grantInvoke covers the " +
		"step's versions and aliases (<function ARN>:*), and no other function",
		appliesTo: []string{`/^Resource::<[A-Za-z0-9]+Function[0-9A-F]{8}\.Arn>:\*$/`}}

	// the alert intake's routes
	nagSignedRoute = []suppression{
		{id: "AwsSolutions-APIG4", reason: "Alert sources are SIEMs and security tools, not " +
			"people: the ingest function checks each request's HMAC signature, and API " +
			"Gateway the API key of a keyed route"},
		{id: "AwsSolutions-COG4", reason: "Alert sources cannot sign in to Cognito; they sign " +
			"each request (HMAC) or send an API key"},
	}

	// the action center's routes and the analysts' sign-in
	nagAnalystRoute = suppression{id: "AwsSolutions-COG4", reason: "The analysts' Lambda " +
		"authorizer verifies the user pool's ID tokens (RS256 signature against the pool's " +
		"JWKS, issuer, app client, token use, expiry) from the Authorization header or the " +
		"session cookie; a Cognito authorizer cannot read a cookie, which a browser following " +
		"an approval link sends"}
	nagSignInRoute = []suppression{
		{id: "AwsSolutions-APIG4", reason: "The sign-in routes are how an analyst without a " +
			"session gets one: they redirect to the user pool's hosted UI and back, checking " +
			"the flow's state and PKCE verifier"},
		{id: "AwsSolutions-COG4", reason: "The sign-in routes come before any token: they " +
			"obtain the ID token from the user pool's hosted UI"},
	}
	// the API's stage
	nagStage = []suppression{
		{id: "AwsSolutions-APIG6", reason: "Execution logs would need the account-wide API " +
			"Gateway logging role and can log payloads; the stage writes JSON access logs"},
		{id: "AwsSolutions-APIG3", reason: "Sources are authenticated by signature or API " +
			"key and analysts by Cognito, and the stage and usage plan are throttled; AWS's " +
			"common WAF rule set would block alert batches over 8 KB. An operator may " +
			"associate a web ACL of their own"},
	}

	// what the environment of a function grants (resources.grant)
	nagTopicKey = suppression{id: "AwsSolutions-IAM5", reason: "Publishing to a topic " +
		"encrypted with a customer managed key needs kms:GenerateDataKey*, on that key alone",
		appliesTo: []string{"Action::kms:GenerateDataKey*"}}
	nagQuarantineObjects = suppression{id: "AwsSolutions-IAM5", reason: "Quarantined objects " +
		"are named by the investigation that takes them, unknown at deploy; the bucket is " +
		"the quarantine alone",
		appliesTo: []string{`/^Resource::<QuarantineBucket[0-9A-F]{8}\.Arn>\/\*$/`}}
	nagExecutions = suppression{id: "AwsSolutions-IAM5", reason: "An execution is named " +
		"by the investigation it runs, unknown at deploy; the grant covers the executions " +
		"of the investigation state machine alone",
		appliesTo: []string{`/^Resource::arn:<AWS::Partition>:states:<AWS::Region>:` +
			`<AWS::AccountId>:execution:.+:\*$/`}}
	nagMemberRoles = suppression{id: "AwsSolutions-IAM5", reason: "Member accounts join " +
		"after deploy; each trusts only this account's remediators by role name",
		appliesTo: []string{"Resource::arn:<AWS::Partition>:iam::*:role/" + remediationRoleName}}

	// the member account's remediation role
	nagRemediation = suppression{id: "AwsSolutions-IAM5", reason: "Remediation acts on the " +
		"instances, users, roles, objects and interfaces an investigation finds, unknown " +
		"at deploy; each statement is limited to this account (S3 by s3:ResourceAccount) " +
		"and to the resource type its actions touch, IP sets, domain lists and user pools " +
		"to those firebreak.yaml names; EC2's Describe calls take only *",
		appliesTo: memberResources}

	// the dead-letter queue and the secrets
	nagDeadLetterQueue = suppression{id: "AwsSolutions-SQS3", reason: "This queue is the " +
		"dead-letter queue of Lambda's asynchronous invocations and EventBridge's targets"}
	nagSourceSecrets = suppression{id: "AwsSolutions-SMG4", reason: "Each source's signing " +
		"secret is shared with a tool outside AWS, which must change it at the same time; " +
		"rotation is by hand (README, Deploying)"}
	nagLinkSecret = suppression{id: "AwsSolutions-SMG4", reason: "Rotating the link-signing " +
		"key would void approval links in flight until verification also accepts the " +
		"previous version (AWSPREVIOUS); rotation is by hand until then"}
)

// memberResources are the wildcard resources of the member account's
// remediation role, as cdk-nag prints them.
var memberResources = []string{
	"Resource::*",
	"Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:network-interface/*",
	"Resource::arn:<AWS::Partition>:s3:::*",
	"Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:instance/*",
	"Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:security-group/*",
	"Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:volume/*",
	"Resource::arn:<AWS::Partition>:ec2:*::snapshot/*",
	"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*",
	"Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*",
	"Resource::arn:<AWS::Partition>:s3:::*/*",
	"Resource::arn:<AWS::Partition>:wafv2:*:<AWS::AccountId>:*/ipset/*/*",
	"Resource::arn:<AWS::Partition>:route53resolver:*:<AWS::AccountId>:" +
		"firewall-domain-list/*",
	"Resource::arn:<AWS::Partition>:cognito-idp:*:<AWS::AccountId>:userpool/*",
	// the main account's quarantine, in any region, under this account's prefix
	`/^Resource::arn:<AWS::Partition>:s3:::firebreak-quarantine-[0-9]{12}-\*` +
		`(\/quarantine\/<AWS::AccountId>\/\*)?$/`,
}
