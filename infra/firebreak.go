package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/awsdata"
	"github.com/firebreak/firebreak/shared/config"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

// Where the app finds the functions' bootstrap binaries: the CDK context
// value contextAssetDir, else defaultAssetDir, relative to the repository
// root unless absolute.
const (
	contextAssetDir = "assetDir"
	defaultAssetDir = "build/functions"
	bootstrapFile   = "bootstrap"
)

// contextAPIGatewayLogsRole is the CDK context value that, when "true",
// makes the stack set the account's API Gateway CloudWatch Logs role,
// which the API's access logs need once per account and region.
const contextAPIGatewayLogsRole = "apiGatewayLogsRole"

// What the deployed stack is set to, beyond the description.
const (
	logLevel     = "INFO"
	logRetention = awslogs.RetentionDays_THREE_MONTHS

	apiStage              = "v1"
	apiRateLimitPerSecond = 50
	apiBurstLimit         = 100

	// sourceDemo is the one ingest source whose signing secret CDK
	// generates. Secrets of other sources are added to the same JSON
	// object out of band; CloudFormation leaves them alone.
	sourceDemo         = "demo"
	sourceSecretLength = 64
)

// placeholder matches a ${Name} substitution in the ASL file.
var placeholder = regexp.MustCompile(`\$\{(\w+)\}`)

// resources are what the functions' environment and permissions point at.
type resources struct {
	team    analysts
	table   awsdynamodb.Table
	secret  awssecretsmanager.Secret
	machine awsstepfunctions.StateMachine
	// apiKeySources is the JSON object {"<API key id>": "<source>"}.
	apiKeySources *string
	approvals     approvals
	quarantine    quarantine
	// readsAWS is true when firebreak.yaml has investigations ask AWS.
	readsAWS bool
	// machineARN is the state machine's ARN built from its name, for the
	// grants of the steps it invokes: a reference to the state machine
	// would make it depend on itself through them.
	machineARN *string
	// steps are the functions the state machine invokes.
	steps map[string]bool
	// virusTotalSecret names the secret of a VirusTotal API key; "" when
	// firebreak.yaml asks no outside intelligence.
	virusTotalSecret string
	// awsRemediation is firebreak.yaml's remediation.aws: what the AWS
	// provider's actions change besides what investigations name.
	awsRemediation settings.AWSRemediation
	// remediatesInAWS is true when firebreak.yaml routes actions to the
	// AWS provider; without it no function may act on AWS resources.
	remediatesInAWS bool
	// remediationSecrets name the secrets of the Microsoft and webhook
	// providers, and notificationSecrets those of the Slack and Teams
	// webhooks: only the names firebreak.yaml sets.
	remediationSecrets  []string
	notificationSecrets []string
}

// NewStack adds to scope the stack that s describes, with a table shaped by
// schema and the sources and their API keys that configYAML, a
// firebreak.yaml document, lists. root is the repository root:
// s.StateMachine.DefinitionFile and a relative asset directory are
// resolved against it.
//
// NewStack returns an error, and the app must not be synthesized, when
// configYAML is not a valid firebreak.yaml (a *config.Error, with its
// line), a function's bootstrap binary is missing, or the description
// names something the stack does not have: a route's, an event rule's or a
// substitution's function, an ASL placeholder without a substitution, an
// environment variable the app cannot set, a keyed source without a route
// that requires an API key.
func NewStack(
	scope constructs.Construct, s stack.Stack, schema store.Schema, configYAML []byte,
	root string,
) (awscdk.Stack, error) {
	// check firebreak.yaml and read what lies on disk before making any
	// construct
	in, err := readInputs(scope, s, configYAML, root)
	if err != nil {
		return nil, err
	}

	// the functions, then what they point at: the table, the sources'
	// secrets and API keys, and the state machine, which invokes some of
	// them
	st := awscdk.NewStack(scope, jsii.String(s.Name), &awscdk.StackProps{
		Description: jsii.String("Firebreak: automated security investigation and remediation"),
	})
	dlq := newDeadLetterQueue(st)
	fns := newFunctions(st, s, in.assets, dlq)
	keys := newSourceKeys(st, s, in.config.Sources)

	// the REST API, which the analysts' sign-in comes back to
	api := newRestAPI(st, s)
	team := newAnalysts(st, s, api, in.config.Approvals.BaseURL)
	r := resources{
		team:             team,
		table:            newTable(st, schema),
		secret:           newSourceSecrets(st),
		apiKeySources:    apiKeySources(st, keys),
		approvals:        newApprovals(st, s),
		quarantine:       newQuarantine(st, s),
		readsAWS:         in.config.Investigation.Asks(settings.SourceAWS),
		machineARN:       machineARNByName(s),
		virusTotalSecret: in.config.Investigation.VirusTotalSecret,
		awsRemediation:   in.config.AWSRemediation,
		remediatesInAWS:  routesTo(in.config.Remediation, settings.ProviderAWS),
		remediationSecrets: nonEmpty(in.config.Remediation.Microsoft.Secret,
			in.config.Remediation.Webhook.Secret),
		notificationSecrets: nonEmpty(in.config.Notifications.SlackWebhookSecret,
			in.config.Notifications.TeamsWebhookSecret),
		steps: map[string]bool{},
	}
	for _, name := range s.StateMachine.Substitutions {
		r.steps[name] = true
	}
	if r.machine, err = newStateMachine(st, s, in.definition, fns); err != nil {
		return nil, err
	}
	if r.remediatesInAWS {
		r.quarantine.admitMembers(in.members)
	}

	// each function's environment and permissions
	for _, f := range s.Functions {
		if err := r.wire(fns[f.Name], f); err != nil {
			return nil, fmt.Errorf("function %s: %w", f.Name, err)
		}
	}

	// the routes of the REST API in front of the functions, the keyed
	// sources' usage plan on it, and the EventBridge rules that deliver
	// findings
	if err := newRoutes(st, s, api, fns); err != nil {
		return nil, err
	}
	newUsagePlan(st, s, api, keys)
	pointLinks(s, fns, api, in.config.Approvals.BaseURL)
	if err := newEventRules(st, s, fns, dlq); err != nil {
		return nil, err
	}

	// what an operator watches, and what they read after a deploy
	newMonitoring(st, s, monitored{machine: r.machine, dlq: dlq, fns: fns, key: r.approvals.key})
	outputs(st, api, team, keys, in.config.Approvals.BaseURL)
	return st, nil
}

// pointLinks sets the address approval links start with on the functions
// that list stack.EnvApprovalBaseURL: firebreak.yaml's approvals.base_url
// when it names an address off this machine (a custom domain), else the
// REST API's own. That address is joined from the API's id and stage name,
// not taken from its deployment, which depends on the functions.
func pointLinks(s stack.Stack, fns map[string]awslambda.Function, api awsapigateway.RestApi,
	base string) {
	url := jsii.String(base)
	if loopback(base) {
		url = siteURL(api, "", "")
	}
	for _, f := range s.Functions {
		if slices.Contains(f.Env, stack.EnvApprovalBaseURL) {
			fns[f.Name].AddEnvironment(jsii.String(stack.EnvApprovalBaseURL), url, nil)
		}
	}
}

// loopback reports whether base is an address on this machine, as the
// shipped firebreak.yaml's is: a deployed stack cannot be reached there.
func loopback(base string) bool {
	u, err := neturl.Parse(base)
	if err != nil || base == "" {
		return true
	}
	h := u.Hostname()
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// outputs replaces CDK's own output of the API's URL by one of a stable
// name, adds the action center's address (the API's own, or base,
// firebreak.yaml's approvals.base_url, when that names a custom domain),
// and what an operator configures the analysts' sign-in and the keyed
// sources with.
func outputs(st awscdk.Stack, api awsapigateway.RestApi, team analysts, keys []sourceKey,
	base string) {
	api.Node().TryRemoveChild(jsii.String("Endpoint"))
	awscdk.NewCfnOutput(st, jsii.String("APIURL"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of Firebreak's REST API"),
		Value:       api.Url(),
	})
	center := siteURL(api, "", "/")
	if !loopback(base) {
		center = siteURL(api, base, "/")
	}
	awscdk.NewCfnOutput(st, jsii.String("ActionCenterURL"), &awscdk.CfnOutputProps{
		Description: jsii.String("The action center: open it in a browser and sign in"),
		Value:       center,
	})
	outputAnalysts(st, team)
	outputKeyIDs(st, keys)
}

// inputs is what a stack is built from besides its description.
type inputs struct {
	config     config.Config
	definition string // the state machine's ASL
	assets     string // the folder holding <name>/bootstrap for each function
	// members are the member accounts the context lists, which may put
	// objects into the quarantine (contextMemberAccountIDs)
	members []string
}

// readInputs parses the firebreak.yaml document configYAML and reads the
// ASL file and the functions' binaries, checking each against s.
func readInputs(
	scope constructs.Construct, s stack.Stack, configYAML []byte, root string,
) (inputs, error) {
	// firebreak.yaml's own error already says file, line and reason
	cfg, err := config.Parse(configYAML, firebreak.ConfigFile)
	if err != nil {
		return inputs{}, err
	}
	if err := checkKeyedSources(s, cfg.Sources); err != nil {
		return inputs{}, err
	}

	// the state machine and the functions, as built
	definition, err := readDefinition(root, s.StateMachine)
	if err != nil {
		return inputs{}, err
	}
	assets := assetDir(scope, root)
	if err := checkBootstraps(assets, s.Functions); err != nil {
		return inputs{}, err
	}
	members, err := memberAccounts(scope)
	if err != nil {
		return inputs{}, err
	}
	return inputs{config: cfg, definition: definition, assets: assets, members: members}, nil
}

// readDefinition reads the state machine's ASL file and checks that every
// placeholder in it has a substitution.
func readDefinition(root string, sm stack.StateMachine) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, sm.DefinitionFile))
	if err != nil {
		return "", fmt.Errorf("read state machine definition: %w", err)
	}
	if !json.Valid(b) {
		return "", fmt.Errorf("state machine definition %s: not JSON", sm.DefinitionFile)
	}
	for _, m := range placeholder.FindAllStringSubmatch(string(b), -1) {
		if _, ok := sm.Substitutions[m[1]]; !ok {
			return "", fmt.Errorf("state machine definition %s: ${%s} has no substitution",
				sm.DefinitionFile, m[1])
		}
	}
	return string(b), nil
}

// assetDir returns the folder holding <name>/bootstrap for each function.
func assetDir(scope constructs.Construct, root string) string {
	dir := defaultAssetDir
	v := scope.Node().TryGetContext(jsii.String(contextAssetDir))
	if s, ok := v.(string); ok && s != "" {
		dir = s
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(root, dir)
}

// checkBootstraps reports the first function whose bootstrap binary is
// missing, so synth fails with its name rather than a jsii stack trace.
func checkBootstraps(assets string, fns []stack.Function) error {
	for _, f := range fns {
		path := filepath.Join(assets, f.Name, bootstrapFile)
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("function %s: %w (build it with infra/build-functions.sh)",
				f.Name, err)
		}
	}
	return nil
}

// constructID turns a described name (a function, workflow, source or
// event rule) into a construct ID prefix of letters and digits: "ingest"
// becomes "Ingest", "guardduty-findings" "GuarddutyFindings".
func constructID(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, "")
}

// physicalName is the deployed name of a described thing (a function, the
// workflow, an event rule, a source's API key): the stack's name, a dash,
// routesTo reports whether firebreak.yaml's remediation section sends any
// action to the provider called name.
func routesTo(set settings.Remediation, name string) bool {
	for _, r := range set.Providers {
		if r.Name == name {
			return true
		}
	}
	return false
}

// nonEmpty returns the names that are set.
func nonEmpty(names ...string) []string {
	var out []string
	for _, n := range names {
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// grantSecrets lets fn read each secret named (by name or ARN), under a
// construct id made of prefix and the secret's position.
func grantSecrets(fn awslambda.Function, prefix string, names []string) {
	for i, name := range names {
		id := jsii.String(fmt.Sprintf("%s%d", prefix, i))
		var secret awssecretsmanager.ISecret
		if strings.HasPrefix(name, "arn:") {
			secret = awssecretsmanager.Secret_FromSecretCompleteArn(fn, id, jsii.String(name))
		} else {
			secret = awssecretsmanager.Secret_FromSecretNameV2(fn, id, jsii.String(name))
		}
		secret.GrantRead(fn, nil)
	}
}

// grantVirusTotal lets fn read the VirusTotal API key's secret, which the
// team creates: by ARN, or by name with the suffix Secrets Manager adds.
func (r resources) grantVirusTotal(fn awslambda.Function) {
	id := jsii.String("VirusTotalSecret")
	var secret awssecretsmanager.ISecret
	if strings.HasPrefix(r.virusTotalSecret, "arn:") {
		secret = awssecretsmanager.Secret_FromSecretCompleteArn(fn, id,
			jsii.String(r.virusTotalSecret))
	} else {
		secret = awssecretsmanager.Secret_FromSecretNameV2(fn, id,
			jsii.String(r.virusTotalSecret))
	}
	secret.GrantRead(fn, nil)
}

// machineARNByName returns the ARN the state machine of s gets from its
// physical name.
func machineARNByName(s stack.Stack) *string {
	return jsii.String(fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s",
		*awscdk.Aws_PARTITION(), *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID(),
		*physicalName(s, s.StateMachine.Name)))
}

// and the described name.
func physicalName(s stack.Stack, name string) *string {
	return jsii.String(s.Name + "-" + name)
}

// newTable creates the single table from schema: on demand, encrypted with
// the AWS managed key, recoverable to a point in time, protected from
// deletion, and kept when the stack is deleted.
func newTable(st awscdk.Stack, schema store.Schema) awsdynamodb.Table {
	t := awsdynamodb.NewTable(st, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey: stringKey(schema.PartitionKey),
		SortKey:      stringKey(schema.SortKey),
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:   awsdynamodb.TableEncryption_AWS_MANAGED,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		TimeToLiveAttribute: jsii.String(schema.TTLAttribute),
		DeletionProtection:  jsii.Bool(true),
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
	for _, ix := range schema.Indexes {
		t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   stringKey(ix.PartitionKey),
			SortKey:        stringKey(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return t
}

// stringKey is a string key attribute, or nil for a key the schema leaves
// out.
func stringKey(name string) *awsdynamodb.Attribute {
	if name == "" {
		return nil
	}
	return &awsdynamodb.Attribute{
		Name: jsii.String(name),
		Type: awsdynamodb.AttributeType_STRING,
	}
}

// newSourceSecrets creates the secret holding the ingest sources' signing
// secrets as a JSON object {"<source>": "<secret>"}.
func newSourceSecrets(st awscdk.Stack) awssecretsmanager.Secret {
	secret := awssecretsmanager.NewSecret(st, jsii.String("SourceSecrets"),
		&awssecretsmanager.SecretProps{
			Description: jsii.String(
				`Firebreak ingest sources' signing secrets: {"<source>": "<secret>"}`),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				SecretStringTemplate: jsii.String("{}"),
				GenerateStringKey:    jsii.String(sourceDemo),
				ExcludePunctuation:   jsii.Bool(true),
				PasswordLength:       jsii.Number(sourceSecretLength),
			},
		})
	suppress(secret, nagSourceSecrets)
	return secret
}

// newFunctions creates one Lambda function per described function, keyed
// by name. An asynchronous invocation that still fails after Lambda's
// retries ends in dlq.
func newFunctions(
	st awscdk.Stack, s stack.Stack, assets string, dlq awssqs.Queue,
) map[string]awslambda.Function {
	fns := make(map[string]awslambda.Function, len(s.Functions))
	for _, f := range s.Functions {
		fn := newFunction(st, s, f, assets)
		fn.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
			OnFailure:     awslambdadestinations.NewSqsDestination(dlq),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(asyncMaxAgeHours)),
			RetryAttempts: jsii.Number(asyncRetryAttempts),
		})
		fns[f.Name] = fn
	}
	return fns
}

// newFunction creates the Lambda function f with its own log group, traced
// with X-Ray and logging JSON at logLevel. Its environment and permissions
// come later, from resources.wire.
func newFunction(
	st awscdk.Stack, s stack.Stack, f stack.Function, assets string,
) awslambda.Function {
	id := constructID(f.Name)
	logs := awslogs.NewLogGroup(st, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	var reserved *float64
	if f.ReservedConcurrency > 0 {
		reserved = jsii.Number(f.ReservedConcurrency)
	}
	fn := awslambda.NewFunction(st, jsii.String(id+"Function"), &awslambda.FunctionProps{
		FunctionName: physicalName(s, f.Name),
		Description:  jsii.String(f.Description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String(bootstrapFile),
		Code:         awslambda.Code_FromAsset(jsii.String(filepath.Join(assets, f.Name)), nil),
		MemorySize:   jsii.Number(f.MemoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(f.TimeoutSec)),
		Role:         functionRole(st, s, f),

		ReservedConcurrentExecutions: reserved,
		Tracing:                      awslambda.Tracing_ACTIVE,
		LogGroup:                     logs,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2:        awslambda.ApplicationLogLevel(logLevel),
		SystemLogLevelV2:             awslambda.SystemLogLevel_INFO,
	})
	suppress(fn.Role(), nagLambdaLogging, nagTracing)
	return fn
}

// newStateMachine creates the investigation workflow from its ASL
// definition, with each placeholder substituted by its function's ARN, and
// lets it invoke exactly those functions.
func newStateMachine(
	st awscdk.Stack, s stack.Stack, definition string, fns map[string]awslambda.Function,
) (awsstepfunctions.StateMachine, error) {
	// the function behind each placeholder, in a stable order
	placeholders := slices.Sorted(maps.Keys(s.StateMachine.Substitutions))
	subs := make(map[string]*string, len(placeholders))
	steps := make([]awslambda.Function, 0, len(placeholders))
	for _, p := range placeholders {
		name := s.StateMachine.Substitutions[p]
		fn, ok := fns[name]
		if !ok {
			return nil, fmt.Errorf("state machine substitution %s: no function %q", p, name)
		}
		subs[p] = fn.FunctionArn()
		steps = append(steps, fn)
	}

	// the workflow; its log leaves out execution data, which holds alert
	// content
	id := constructID(s.StateMachine.Name)
	logs := awslogs.NewLogGroup(st, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	sm := awsstepfunctions.NewStateMachine(st, jsii.String(id+"StateMachine"),
		&awsstepfunctions.StateMachineProps{
			StateMachineName:        physicalName(s, s.StateMachine.Name),
			StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
			DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(&definition),
			DefinitionSubstitutions: &subs,
			TracingEnabled:          jsii.Bool(true),
			Logs: &awsstepfunctions.LogOptions{
				Destination:          logs,
				Level:                awsstepfunctions.LogLevel_ALL,
				IncludeExecutionData: jsii.Bool(false),
			},
		})

	// the workflow may invoke its steps and no other function
	for _, fn := range steps {
		fn.GrantInvoke(sm)
	}
	suppress(sm.Role(), nagStateMachineLogging, nagStepVersions)
	return sm, nil
}

// wire sets the environment f reads and grants it what its description
// asks for.
func (r resources) wire(fn awslambda.Function, f stack.Function) error {
	// the environment, read once at cold start
	for _, name := range f.Env {
		if name == stack.EnvApprovalBaseURL {
			continue // set by pointLinks once the API exists
		}
		v, err := r.envValue(name)
		if err != nil {
			return err
		}
		fn.AddEnvironment(jsii.String(name), v, nil)
	}

	// the table, as far as the function may touch it
	switch f.Table {
	case stack.NoAccess:
	case stack.ReadOnly:
		r.table.GrantReadData(fn)
		suppress(fn.Role(), nagTableIndexes)
	case stack.ReadWrite:
		r.table.GrantReadWriteData(fn)
		suppress(fn.Role(), nagTableIndexes)
	default:
		return fmt.Errorf("unknown table access %d", f.Table)
	}

	// starting investigations, answering their waits, reading the sources' secrets
	switch {
	case f.StartsExecutions && r.steps[f.Name]:
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("states:StartExecution"), Resources: &[]*string{r.machineARN}}))
	case f.StartsExecutions:
		r.machine.GrantStartExecution(fn)
	}
	if f.SendsTaskResults {
		r.machine.GrantTaskResponse(fn)
	}
	if f.StopsExecutions {
		r.machine.GrantExecution(fn, jsii.String("states:StopExecution"))
		suppress(fn.Role(), nagExecutions)
	}
	if f.ReadsAWSInventory && r.readsAWS {
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings(awsdata.Actions...), Resources: jsii.Strings("*")}))
		suppress(fn.Role(), nagAWSInventory)
	}
	if f.ReadsSourceSecrets {
		r.secret.GrantRead(fn, nil)
	}

	// what the environment names: approvals, quarantine, member accounts
	for _, name := range f.Env {
		r.grant(fn, name)
	}
	return nil
}

// grant lets fn use what the environment variable name points at, for
// the variables whose need is the grant (see stack.EnvApprovalsTopicARN).
func (r resources) grant(fn awslambda.Function, name string) {
	switch name {
	case stack.EnvApprovalsTopicARN:
		r.approvals.topic.GrantPublish(fn)
		suppress(fn.Role(), nagTopicKey)
		// whoever announces approvals also posts to Slack and Teams
		grantSecrets(fn, "NotificationSecret", r.notificationSecrets)
	case stack.EnvLinkSigningSecretARN:
		r.approvals.linkSecret.GrantRead(fn, nil)
	case stack.EnvQuarantineBucket:
		if !r.remediatesInAWS {
			return
		}
		r.quarantine.grantObjects(fn)
		suppress(fn.Role(), nagQuarantineObjects)
	case stack.EnvVirusTotalSecret:
		if r.virusTotalSecret != "" {
			r.grantVirusTotal(fn)
		}
	case stack.EnvRemediationRoleName:
		// whoever remediates reads the other providers' credentials
		grantSecrets(fn, "RemediationSecret", r.remediationSecrets)
		if !r.remediatesInAWS {
			return
		}
		grantAssumeMemberRole(fn)
		suppress(fn.Role(), nagMemberRoles)
		// and, in this account, what the member role may do there
		r.grantRemediation(fn)
	}
}

// grantRemediation lets fn do in this account what the AWS provider's
// actions need, as the member role does in a member account, except
// deleting from the quarantine, which keeps evidence.
func (r resources) grantRemediation(fn awslambda.Function) {
	for _, ps := range remediationPolicy(r.awsRemediation) {
		fn.AddToRolePolicy(ps)
	}
	fn.AddToRolePolicy(deny("KeepQuarantine",
		[]string{"s3:DeleteObject", "s3:DeleteObjectVersion"},
		*r.quarantine.bucket.ArnForObjects(jsii.String("*"))))
	suppress(fn.Role(), nagRemediation)
}

// envValue is the value of the environment variable name, pointing at the
// resource it names.
func (r resources) envValue(name string) (*string, error) {
	switch name {
	case stack.EnvTableName:
		return r.table.TableName(), nil
	case stack.EnvStateMachineARN:
		return r.machine.StateMachineArn(), nil
	case stack.EnvSourceSecretsARN:
		return r.secret.SecretArn(), nil
	case stack.EnvAPIKeySources:
		return r.apiKeySources, nil
	case stack.EnvLogLevel:
		return jsii.String(logLevel), nil
	case stack.EnvApprovalsTopicARN:
		return r.approvals.topic.TopicArn(), nil
	case stack.EnvLinkSigningSecretARN:
		return r.approvals.linkSecret.SecretArn(), nil
	case stack.EnvQuarantineBucket:
		return r.quarantine.bucket.BucketName(), nil
	case stack.EnvIsolationGroupID:
		return r.quarantine.isolationGroupID(), nil
	case stack.EnvRemediationRoleName:
		return jsii.String(remediationRoleName), nil
	case stack.EnvVirusTotalSecret:
		return jsii.String(r.virusTotalSecret), nil
	case stack.EnvSignInIssuer:
		return r.team.pool.UserPoolProviderUrl(), nil
	case stack.EnvSignInClientID:
		return r.team.client.UserPoolClientId(), nil
	case stack.EnvSignInDomainURL:
		return r.team.domain.BaseUrl(nil), nil
	case stack.EnvSignInCallbackURL:
		return r.team.callback, nil
	}
	return nil, fmt.Errorf("environment variable %s: the CDK app has no value for it", name)
}

// newRoutes adds to api a Lambda proxy integration per route. Routes of
// the action center (analystRoute) admit only the analysts the
// authorizer verifies; the others authenticate in their function
// (signatures, the sign-in's own flow) or with an API key.
func newRoutes(
	st awscdk.Stack, s stack.Stack, api awsapigateway.RestApi,
	fns map[string]awslambda.Function,
) error {
	check := newRequestChecks(st, api)
	authorizer, err := newAnalystsAuthorizer(st, s, api, fns)
	if err != nil {
		return err
	}

	// one method per route; ResourceForPath makes the path's resources,
	// {id} included
	for _, rt := range s.Routes {
		fn, ok := fns[rt.Function]
		if !ok {
			return fmt.Errorf("route %s %s: no function %q", rt.Method, rt.Path, rt.Function)
		}
		integration := awsapigateway.NewLambdaIntegration(fn,
			&awsapigateway.LambdaIntegrationOptions{Proxy: jsii.Bool(true)})
		m := api.Root().ResourceForPath(jsii.String(rt.Path)).
			AddMethod(jsii.String(rt.Method), integration, methodOptions(rt, check, authorizer))
		switch {
		case analystRoute(rt):
			suppress(m, nagAnalystRoute)
		case under(rt.Path, signInPath):
			suppress(m, nagSignInRoute...)
		default:
			suppress(m, nagSignedRoute...)
		}
	}
	suppress(api.DeploymentStage(), nagStage...)
	return nil
}

// newRestAPI creates the REST API and its one stage: throttled, traced,
// its access logged as JSON, request and response bodies never logged.
func newRestAPI(st awscdk.Stack, s stack.Stack) awsapigateway.RestApi {
	access := awslogs.NewLogGroup(st, jsii.String("APIAccessLogs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	return awsapigateway.NewRestApi(st, jsii.String("API"), &awsapigateway.RestApiProps{
		RestApiName:    jsii.String(s.Name),
		Description:    jsii.String("Firebreak: alert intake and the action center's API"),
		EndpointTypes:  &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		CloudWatchRole: jsii.Bool(createsAPIGatewayLogsRole(st)),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(apiStage),
			ThrottlingRateLimit:  jsii.Number(apiRateLimitPerSecond),
			ThrottlingBurstLimit: jsii.Number(apiBurstLimit),
			DataTraceEnabled:     jsii.Bool(false),
			MetricsEnabled:       jsii.Bool(true),
			TracingEnabled:       jsii.Bool(true),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(access),
			AccessLogFormat:      accessLogFormat(),
		},
	})
}

// createsAPIGatewayLogsRole reports whether the context asks for the
// account's API Gateway CloudWatch Logs role. API Gateway writes access
// logs only in an account that has one; the role is an account setting,
// shared by every API of the region, so the stack creates it only when
// asked (contextAPIGatewayLogsRole).
func createsAPIGatewayLogsRole(st awscdk.Stack) bool {
	v := st.Node().TryGetContext(jsii.String(contextAPIGatewayLogsRole))
	return v == true || v == "true"
}

// accessLogFormat is one JSON object per request: who, what, when and the
// outcome, never a body or a header that could carry a secret.
func accessLogFormat() awsapigateway.AccessLogFormat {
	return awsapigateway.AccessLogFormat_JsonWithStandardFields(
		&awsapigateway.JsonWithStandardFieldProps{
			Caller: jsii.Bool(true), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true),
			Protocol: jsii.Bool(true), RequestTime: jsii.Bool(true),
			ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
			Status: jsii.Bool(true), User: jsii.Bool(true),
		})
}

// requestChecks are what API Gateway checks a request against before
// invoking a function.
type requestChecks struct {
	validator awsapigateway.RequestValidator
	body      awsapigateway.Model // a POST body: a JSON object or array
}

// newRequestChecks creates the API's one request validator, checking
// bodies and required path parameters, and the model of a POST body. The
// functions still parse and check what they read; API Gateway only turns
// away what no function could take, before it costs an invocation.
func newRequestChecks(st awscdk.Stack, api awsapigateway.RestApi) requestChecks {
	validator := api.AddRequestValidator(jsii.String("RequestValidator"),
		&awsapigateway.RequestValidatorOptions{
			ValidateRequestBody:       jsii.Bool(true),
			ValidateRequestParameters: jsii.Bool(true),
		})
	body := api.AddModel(jsii.String("JSONBody"), &awsapigateway.ModelOptions{
		ContentType: jsii.String("application/json"),
		Description: jsii.String("An alert or a batch of alerts: a JSON object or array"),
		Schema: &awsapigateway.JsonSchema{
			Schema: awsapigateway.JsonSchemaVersion_DRAFT4,
			Type: &[]awsapigateway.JsonSchemaType{
				awsapigateway.JsonSchemaType_OBJECT, awsapigateway.JsonSchemaType_ARRAY,
			},
		},
	})
	return requestChecks{validator: validator, body: body}
}

// methodOptions are the options of the method serving rt: its validation,
// and who may call it.
func methodOptions(
	rt stack.Route, check requestChecks, authorizer awsapigateway.RequestAuthorizer,
) *awsapigateway.MethodOptions {
	// the path's parameters are required; a POST carries a JSON body
	params := make(map[string]*bool)
	for _, m := range placeholderParam.FindAllStringSubmatch(rt.Path, -1) {
		params["method.request.path."+m[1]] = jsii.Bool(true)
	}
	opts := &awsapigateway.MethodOptions{
		ApiKeyRequired:    jsii.Bool(rt.APIKeyRequired),
		RequestValidator:  check.validator,
		RequestParameters: &params,
	}
	if rt.Method == http.MethodPost {
		opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": check.body}
	}

	// the action center's API is for signed-in analysts only
	if analystRoute(rt) {
		opts.AuthorizationType = awsapigateway.AuthorizationType_CUSTOM
		opts.Authorizer = authorizer
	}
	return opts
}

// placeholderParam matches a {name} path parameter of a route.
var placeholderParam = regexp.MustCompile(`\{(\w+)\}`)
