package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/config"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

// built holds the functions of stack.Firebreak, built once for every
// synthesis the tests make: building the functions takes seconds.
var built struct {
	once   sync.Once
	dir    string // holds the built functions and the cloud assemblies
	assets string
	err    error
}

// synthesis is one synthesized stack that template tests share.
type synthesis struct {
	once sync.Once
	cfn  *cfnTemplate
	err  error
}

// The syntheses of stack.Firebreak the template tests read: with the
// shipped firebreak.yaml, and with keyedConfig.
var shippedSynthesis, keyedSynthesis synthesis

// keyedConfig is a firebreak.yaml with two sources that send an API key
// and, between them, one that only signs.
var keyedConfig = []byte(`
sources:
  - name: splunk-prod
    api_key: true
  - name: demo
  - name: okta
    api_key: true
policies:
  - name: everything-else
    when: "true"
    automation: "off"
`)

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	jsii.Close()
	os.Exit(code)
}

// shipped returns the template of stack.Firebreak with the shipped
// firebreak.yaml, synthesizing it on first use.
func shipped(t *testing.T) *cfnTemplate {
	t.Helper()
	return shippedSynthesis.get(t, "shipped", firebreak.ConfigYAML)
}

// keyed returns the template of stack.Firebreak with keyedConfig,
// synthesizing it on first use.
func keyed(t *testing.T) *cfnTemplate {
	t.Helper()
	return keyedSynthesis.get(t, "keyed", keyedConfig)
}

// get returns the template of stack.Firebreak with the firebreak.yaml
// document configYAML, synthesizing it into the cloud assembly name on
// first use.
func (sy *synthesis) get(t *testing.T, name string, configYAML []byte) *cfnTemplate {
	t.Helper()
	sy.once.Do(func() {
		sy.cfn, sy.err = synthesize(name, configYAML)
	})
	if sy.err != nil {
		t.Fatal(sy.err)
	}
	return sy.cfn
}

// functions returns the folder of the built functions, building every
// function of stack.Firebreak on first use.
func functions(t *testing.T) string {
	t.Helper()
	assets, err := builtFunctions()
	if err != nil {
		t.Fatal(err)
	}
	return assets
}

// builtFunctions returns the folder of the built functions, building them
// on first use.
func builtFunctions() (string, error) {
	built.once.Do(func() {
		built.err = build()
	})
	return built.assets, built.err
}

// build builds every function of stack.Firebreak as
// infra/build-functions.sh does.
func build() error {
	dir, err := os.MkdirTemp("", "firebreak-infra-")
	if err != nil {
		return err
	}
	built.dir = dir
	built.assets = filepath.Join(dir, "functions")
	return buildFunctions(repositoryRoot(), built.assets, stack.Firebreak.Functions)
}

// repositoryRoot is the folder holding cdk.json: the tests run in infra/.
func repositoryRoot() string {
	root, err := filepath.Abs("..")
	if err != nil {
		panic(err)
	}
	return root
}

// synthesize synthesizes stack.Firebreak with the firebreak.yaml document
// configYAML from the built functions, with the context cdk.json gives the
// CLI. A jsii panic, such as a dependency cycle found by
// Template_FromStack, becomes the error every template test reports.
func synthesize(name string, configYAML []byte) (cfn *cfnTemplate, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesize %s: %v", stack.Firebreak.Name, r)
		}
	}()

	app, err := testApp(name, nil)
	if err != nil {
		return nil, err
	}
	st, err := NewStack(app, stack.Firebreak, store.TableSchema, configYAML, repositoryRoot())
	if err != nil {
		return nil, fmt.Errorf("new stack: %w", err)
	}
	return decode(st)
}

// testApp returns an app with the built functions, the context of
// cdk.json and extra, and cdk-nag's checks, which synthesizes into the
// cloud assembly name.
func testApp(name string, extra map[string]any) (awscdk.App, error) {
	// the functions, built as infra/build-functions.sh builds them
	assets, err := builtFunctions()
	if err != nil {
		return nil, err
	}

	// the app, synthesized in process
	ctx, err := cdkContext(repositoryRoot())
	if err != nil {
		return nil, err
	}
	ctx[contextAssetDir] = assets
	maps.Copy(ctx, extra)
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: &ctx,
		Outdir:  jsii.String(filepath.Join(built.dir, name+".out")),
	})
	checkApp(app)
	return app, nil
}

// decode synthesizes st, with cdk-nag's checks if its app has them, and
// returns its template and the checks' findings.
func decode(st awscdk.Stack) (*cfnTemplate, error) {
	template := assertions.Template_FromStack(st, nil)

	// the template as plain Go values
	b, err := json.Marshal(template.ToJSON())
	if err != nil {
		return nil, fmt.Errorf("encode template: %w", err)
	}
	cfn := &cfnTemplate{assert: template, findings: nagFindings(st)}
	if err := json.Unmarshal(b, cfn); err != nil {
		return nil, fmt.Errorf("decode template: %w", err)
	}
	return cfn, nil
}

// nagFindings are cdk-nag's error and warning annotations on st, each as
// "<construct path>: <rule>[<finding>]", without the rule's explanation.
func nagFindings(st awscdk.Stack) []string {
	annotations := assertions.Annotations_FromStack(st)
	rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	var found []string
	for _, list := range [][]*cxapi.SynthesisMessage{
		*annotations.FindError(jsii.String("*"), rule),
		*annotations.FindWarning(jsii.String("*"), rule),
	} {
		for _, m := range list {
			rule, _, _ := strings.Cut(fmt.Sprint(m.Entry.Data), ": ")
			found = append(found, *m.Id+": "+rule)
		}
	}
	return found
}

// buildFunctions builds each function for Lambda into out/<name>/bootstrap,
// with the flags of infra/build-functions.sh.
func buildFunctions(root, out string, fns []stack.Function) error {
	return buildFunctionsFor(root, out, fns, "arm64")
}

// buildFunctionsFor builds each function as buildFunctions does, for the
// architecture arch.
func buildFunctionsFor(root, out string, fns []stack.Function, arch string) error {
	for _, f := range fns {
		cmd := exec.Command("go", "build",
			"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w",
			"-o", filepath.Join(out, f.Name, bootstrapFile), "./functions/"+f.Name)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("build function %s (./functions/%s): %w\n%s",
				f.Name, f.Name, err, b)
		}
	}
	return nil
}

// cdkContext returns the context of cdk.json, so the test synthesizes
// with the feature flags the CLI sets.
func cdkContext(root string) (map[string]any, error) {
	b, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		return nil, fmt.Errorf("read cdk.json: %w", err)
	}
	var c struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode cdk.json: %w", err)
	}
	if c.Context == nil {
		c.Context = make(map[string]any)
	}
	return c.Context, nil
}

// cfnTemplate is the part of a CloudFormation template the tests read.
type cfnTemplate struct {
	Resources  map[string]cfnResource `json:"Resources"`
	Outputs    map[string]any         `json:"Outputs"`
	Parameters map[string]any         `json:"Parameters"`

	assert   assertions.Template // the same template, for CDK's assertions
	findings []string            // cdk-nag's, unsuppressed
}

// cfnResource is one resource of a template.
type cfnResource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy"`
}

// ofType returns the resources of type typ, keyed by logical ID.
func (c *cfnTemplate) ofType(typ string) map[string]cfnResource {
	rs := make(map[string]cfnResource)
	for id, r := range c.Resources {
		if r.Type == typ {
			rs[id] = r
		}
	}
	return rs
}

// only returns the one resource of type typ and its logical ID.
func (c *cfnTemplate) only(t *testing.T, typ string) (string, cfnResource) {
	t.Helper()
	rs := c.ofType(typ)
	if len(rs) != 1 {
		t.Fatalf("%s resources: got %d, want 1", typ, len(rs))
	}
	for id, r := range rs {
		return id, r
	}
	panic("unreachable")
}

// named returns the logical ID of the one resource of type typ whose
// construct ID is id: CDK makes the logical ID from the construct path,
// id and an eight-digit hash.
func (c *cfnTemplate) named(t *testing.T, typ, id string) string {
	t.Helper()
	var found []string
	for lid := range c.ofType(typ) {
		if len(lid) == len(id)+8 && strings.HasPrefix(lid, id) {
			found = append(found, lid)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s named %s: got %v, want one", typ, id, found)
	}
	return found[0]
}

// function returns the Lambda function deployed for the described function
// name and its logical ID.
func (c *cfnTemplate) function(t *testing.T, name string) (string, cfnResource) {
	t.Helper()
	want := stack.Firebreak.Name + "-" + name
	for id, r := range c.ofType("AWS::Lambda::Function") {
		if r.Properties["FunctionName"] == want {
			return id, r
		}
	}
	t.Fatalf("no AWS::Lambda::Function named %s", want)
	return "", cfnResource{}
}

// statement is one IAM policy statement, its actions as a list.
type statement struct {
	Sid, Effect string
	Actions     []string
	Resource    any
}

// statements returns the statements of every policy attached to the role
// with logical ID roleID.
func (c *cfnTemplate) statements(roleID string) []statement {
	var sts []statement
	for _, p := range c.ofType("AWS::IAM::Policy") {
		if !mentions(p.Properties["Roles"], roleID) {
			continue
		}
		doc, _ := p.Properties["PolicyDocument"].(map[string]any)
		list, _ := doc["Statement"].([]any)
		for _, s := range list {
			m, _ := s.(map[string]any)
			sid, _ := m["Sid"].(string)
			effect, _ := m["Effect"].(string)
			sts = append(sts, statement{Sid: sid, Effect: effect,
				Actions: stringList(m["Action"]), Resource: m["Resource"]})
		}
	}
	return sts
}

// roleOf returns the logical ID of the role a function or state machine
// assumes, from its property prop.
func roleOf(r cfnResource, prop string) string {
	return refTo(r.Properties[prop])
}

// allowed reports the resources of the statements that allow action.
func allowed(sts []statement, action string) []any {
	var rs []any
	for _, s := range sts {
		if slices.Contains(s.Actions, action) {
			rs = append(rs, s.Resource)
		}
	}
	return rs
}

// stringList returns a template value that is a string or a list of
// strings as a list.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var ss []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				ss = append(ss, s)
			}
		}
		return ss
	}
	return nil
}

// refTo returns the logical ID that v, a Ref or Fn::GetAtt, points at, or
// "" for any other value.
func refTo(v any) string {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ""
	}
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) > 0 {
		id, _ := att[0].(string)
		return id
	}
	return ""
}

// mentions reports whether v refers to the logical ID id anywhere inside it.
func mentions(v any, id string) bool {
	if refTo(v) == id {
		return true
	}
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			if mentions(e, id) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if mentions(e, id) {
				return true
			}
		}
	}
	return false
}

// check runs an assertions call, which panics when the template does not
// match, and reports the mismatch as a test error.
func check(t *testing.T, what string, assert func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assert()
}

func TestStackHasOneResourcePerDescribedPart(t *testing.T) {
	tmpl := shipped(t)
	fb := stack.Firebreak
	tests := []struct {
		typ  string
		want int
	}{
		// no helper functions: log groups are made, not retention-managed
		{"AWS::Lambda::Function", len(fb.Functions)},
		{"Custom::LogRetention", 0},
		// the functions', the state machine's and the API's access logs
		{"AWS::Logs::LogGroup", len(fb.Functions) + 2},
		{"AWS::DynamoDB::Table", 1},
		// the sources' signing secrets and the link-signing secret
		{"AWS::SecretsManager::Secret", 2},
		{"AWS::StepFunctions::StateMachine", 1},
		{"AWS::ApiGateway::RestApi", 1},
		{"AWS::ApiGateway::Method", len(fb.Routes)},
		{"AWS::ApiGateway::Stage", 1},
		// no account-wide CloudWatch role for API Gateway
		{"AWS::ApiGateway::Account", 0},
		// the shipped firebreak.yaml has no source with an API key
		{"AWS::ApiGateway::ApiKey", 0},
		{"AWS::ApiGateway::UsagePlan", 0},
		{"AWS::Events::Rule", len(fb.EventRules)},
		{"AWS::SQS::Queue", 1},
		{"AWS::Lambda::EventInvokeConfig", len(fb.Functions)},
		{"AWS::ApiGateway::RequestValidator", 1},
		{"AWS::ApiGateway::Model", 1},
		{"AWS::ApiGateway::Authorizer", 1},
		{"AWS::Cognito::UserPool", 1},
		{"AWS::Cognito::UserPoolClient", 1},
		// approvals and alarms, under one key
		{"AWS::SNS::Topic", 2},
		{"AWS::KMS::Key", 1},
		// the quarantine and its access logs
		{"AWS::S3::Bucket", 2},
		// none without the context's isolationVpcId
		{"AWS::EC2::SecurityGroup", 0},
		// failed executions, dead letters, pending approvals, and a 5xx
		// on each route
		{"AWS::CloudWatch::Alarm", 3 + len(fb.Routes)},
		{"AWS::CloudWatch::Dashboard", 1},
	}
	for _, tt := range tests {
		check(t, tt.typ, func() {
			tmpl.assert.ResourceCountIs(jsii.String(tt.typ), jsii.Number(tt.want))
		})
	}
}

func TestFunctionsRunTheirBootstrapOnARM(t *testing.T) {
	tmpl := shipped(t)
	for _, f := range stack.Firebreak.Functions {
		t.Run(f.Name, func(t *testing.T) {
			_, r := tmpl.function(t, f.Name)
			want := map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"MemorySize":    float64(f.MemoryMB),
				"Timeout":       float64(f.TimeoutSec),
				"Description":   f.Description,
			}
			got := make(map[string]any)
			for k := range want {
				got[k] = r.Properties[k]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("properties (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFunctionsLogToTheirOwnRetainedLogGroup(t *testing.T) {
	tmpl := shipped(t)
	for _, f := range stack.Firebreak.Functions {
		t.Run(f.Name, func(t *testing.T) {
			_, r := tmpl.function(t, f.Name)
			cfg, _ := r.Properties["LoggingConfig"].(map[string]any)
			logs, ok := tmpl.Resources[refTo(cfg["LogGroup"])]
			if !ok || logs.Type != "AWS::Logs::LogGroup" {
				t.Fatalf("LoggingConfig: got %v, want a Ref to a log group", cfg)
			}
			if got, want := logs.Properties["RetentionInDays"], float64(90); got != want {
				t.Errorf("RetentionInDays: got %v, want %v", got, want)
			}
			if got, want := logs.DeletionPolicy, "Retain"; got != want {
				t.Errorf("log group DeletionPolicy: got %q, want %q", got, want)
			}
		})
	}
}

func TestFunctionsAreTracedLogJSONAndAreCappedAsDescribed(t *testing.T) {
	tmpl := shipped(t)
	for _, f := range stack.Firebreak.Functions {
		t.Run(f.Name, func(t *testing.T) {
			_, r := tmpl.function(t, f.Name)
			cfg, _ := r.Properties["LoggingConfig"].(map[string]any)
			want := map[string]any{
				"TracingConfig":  map[string]any{"Mode": "Active"},
				"LogFormat":      "JSON",
				"AppLogLevel":    logLevel,
				"SystemLogLevel": "INFO",
			}
			got := map[string]any{
				"TracingConfig":  r.Properties["TracingConfig"],
				"LogFormat":      cfg["LogFormat"],
				"AppLogLevel":    cfg["ApplicationLogLevel"],
				"SystemLogLevel": cfg["SystemLogLevel"],
			}
			if f.ReservedConcurrency > 0 {
				want["Reserved"] = float64(f.ReservedConcurrency)
			}
			if v, ok := r.Properties["ReservedConcurrentExecutions"]; ok {
				got["Reserved"] = v
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("properties (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFunctionsGetTheEnvironmentTheyRead(t *testing.T) {
	tmpl := shipped(t)
	tableID, _ := tmpl.only(t, "AWS::DynamoDB::Table")
	machineID, _ := tmpl.only(t, "AWS::StepFunctions::StateMachine")
	secretID := tmpl.named(t, "AWS::SecretsManager::Secret", "SourceSecrets")
	apiID, _ := tmpl.only(t, "AWS::ApiGateway::RestApi")
	values := map[string]any{
		stack.EnvTableName:        map[string]any{"Ref": tableID},
		stack.EnvStateMachineARN:  map[string]any{"Ref": machineID},
		stack.EnvSourceSecretsARN: map[string]any{"Ref": secretID},
		stack.EnvLinkSigningSecretARN: map[string]any{"Ref": tmpl.named(t,
			"AWS::SecretsManager::Secret", "LinkSigningSecret")},
		stack.EnvApprovalsTopicARN: map[string]any{"Ref": tmpl.named(t, "AWS::SNS::Topic",
			"ApprovalsTopic")},
		stack.EnvAPIKeySources:    "{}", // the shipped firebreak.yaml has no keyed source
		stack.EnvLogLevel:         "INFO",
		stack.EnvVirusTotalSecret: "", // the shipped firebreak.yaml asks no outside service
		stack.EnvQuarantineBucket: map[string]any{"Ref": tmpl.named(t, "AWS::S3::Bucket",
			"QuarantineBucket")},
		stack.EnvIsolationGroupID:    "", // the shipped app is given no isolation VPC
		stack.EnvRemediationRoleName: remediationRoleName,
		// the shipped firebreak.yaml's base_url is on this machine: links
		// point at the API itself
		stack.EnvApprovalBaseURL: map[string]any{"Fn::Join": []any{"", []any{"https://",
			map[string]any{"Ref": apiID}, ".execute-api.", map[string]any{"Ref": "AWS::Region"},
			".", map[string]any{"Ref": "AWS::URLSuffix"}, "/" + apiStage}}},
	}
	// the analysts' sign-in: the pool, its client and domain, and the API
	poolID, _ := tmpl.only(t, "AWS::Cognito::UserPool")
	clientID, _ := tmpl.only(t, "AWS::Cognito::UserPoolClient")
	domainID, _ := tmpl.only(t, "AWS::Cognito::UserPoolDomain")
	values[stack.EnvSignInIssuer] = map[string]any{"Fn::GetAtt": []any{poolID, "ProviderURL"}}
	values[stack.EnvSignInClientID] = map[string]any{"Ref": clientID}
	values[stack.EnvSignInDomainURL] = map[string]any{"Fn::Join": []any{"", []any{"https://",
		map[string]any{"Ref": domainID}, ".auth.", map[string]any{"Ref": "AWS::Region"},
		".amazoncognito.com"}}}
	values[stack.EnvSignInCallbackURL] = map[string]any{"Fn::Join": []any{"", []any{
		"https://", map[string]any{"Ref": apiID}, ".execute-api.",
		map[string]any{"Ref": "AWS::Region"}, ".", map[string]any{"Ref": "AWS::URLSuffix"},
		"/" + apiStage + "/auth/callback"}}}
	for _, f := range stack.Firebreak.Functions {
		t.Run(f.Name, func(t *testing.T) {
			_, r := tmpl.function(t, f.Name)
			env, _ := r.Properties["Environment"].(map[string]any)
			got, _ := env["Variables"].(map[string]any)
			want := make(map[string]any)
			for _, name := range f.Env {
				want[name] = values[name]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("environment (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTableFollowsTheSchema(t *testing.T) {
	tmpl := shipped(t)
	_, r := tmpl.only(t, "AWS::DynamoDB::Table")
	s := store.TableSchema

	// keys and indexes from the schema, everything else as settled
	key := func(pk, sk string) []any {
		return []any{
			map[string]any{"AttributeName": pk, "KeyType": "HASH"},
			map[string]any{"AttributeName": sk, "KeyType": "RANGE"},
		}
	}
	var indexes []any
	for _, ix := range s.Indexes {
		indexes = append(indexes, map[string]any{
			"IndexName":  ix.Name,
			"KeySchema":  key(ix.PartitionKey, ix.SortKey),
			"Projection": map[string]any{"ProjectionType": "ALL"},
		})
	}
	want := map[string]any{
		"KeySchema":              key(s.PartitionKey, s.SortKey),
		"GlobalSecondaryIndexes": indexes,
		"BillingMode":            "PAY_PER_REQUEST",
		"TimeToLiveSpecification": map[string]any{
			"AttributeName": s.TTLAttribute, "Enabled": true,
		},
		"PointInTimeRecoverySpecification": map[string]any{
			"PointInTimeRecoveryEnabled": true,
		},
		"SSESpecification":          map[string]any{"SSEEnabled": true},
		"DeletionProtectionEnabled": true,
	}

	got := make(map[string]any)
	for k := range want {
		got[k] = r.Properties[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	if got, want := r.DeletionPolicy, "Retain"; got != want {
		t.Errorf("table DeletionPolicy: got %q, want %q", got, want)
	}
}

func TestStateMachineRunsTheASLFileWithFunctionARNs(t *testing.T) {
	tmpl := shipped(t)
	_, r := tmpl.only(t, "AWS::StepFunctions::StateMachine")
	sm := stack.Firebreak.StateMachine

	// what CloudFormation makes of DefinitionString and its substitutions,
	// with each function's ARN standing as arn:test:<logical ID>
	definition, ok := r.Properties["DefinitionString"].(string)
	if !ok {
		t.Fatalf("DefinitionString: got %T, want a plain string", r.Properties["DefinitionString"])
	}
	subs, _ := r.Properties["DefinitionSubstitutions"].(map[string]any)
	gotKeys := slices.Sorted(maps.Keys(subs))
	if wantKeys := slices.Sorted(maps.Keys(sm.Substitutions)); !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("DefinitionSubstitutions keys: got %v, want %v", gotKeys, wantKeys)
	}
	got := substitute(t, definition, func(p string) string {
		return "arn:test:" + refTo(subs[p])
	})

	// the ASL file with each placeholder replaced by its function's ARN
	asl, err := os.ReadFile(filepath.Join("..", sm.DefinitionFile))
	if err != nil {
		t.Fatal(err)
	}
	want := substitute(t, string(asl), func(p string) string {
		id, _ := tmpl.function(t, sm.Substitutions[p])
		return "arn:test:" + id
	})

	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("definition after substitution (-want +got):\n%s", diff)
	}
}

// substitute replaces each ${X} in the JSON text definition by arn(X) and
// returns the parsed result.
func substitute(t *testing.T, definition string, arn func(string) string) any {
	t.Helper()
	s := placeholder.ReplaceAllStringFunc(definition, func(m string) string {
		return arn(placeholder.FindStringSubmatch(m)[1])
	})
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("parse definition: %v", err)
	}
	return v
}

func TestStateMachineIsTracedAndLogsNoExecutionData(t *testing.T) {
	tmpl := shipped(t)
	_, r := tmpl.only(t, "AWS::StepFunctions::StateMachine")
	logs, _ := r.Properties["LoggingConfiguration"].(map[string]any)
	tests := []struct {
		name      string
		got, want any
	}{
		{"StateMachineName", r.Properties["StateMachineName"], "Firebreak-investigation"},
		{"StateMachineType", r.Properties["StateMachineType"], "STANDARD"},
		{"TracingConfiguration", r.Properties["TracingConfiguration"],
			map[string]any{"Enabled": true}},
		{"LoggingConfiguration.Level", logs["Level"], "ALL"},
		{"LoggingConfiguration.IncludeExecutionData", logs["IncludeExecutionData"], false},
	}
	for _, tt := range tests {
		if !cmp.Equal(tt.got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestStateMachineMayInvokeOnlyItsSteps(t *testing.T) {
	tmpl := shipped(t)
	_, r := tmpl.only(t, "AWS::StepFunctions::StateMachine")
	sts := tmpl.statements(roleOf(r, "RoleArn"))

	// every function the role may invoke, by logical ID
	var got []string
	for _, res := range allowed(sts, "lambda:InvokeFunction") {
		for id, fn := range tmpl.ofType("AWS::Lambda::Function") {
			if mentions(res, id) {
				got = append(got, fn.Properties["FunctionName"].(string))
			}
		}
	}
	var want []string
	for _, name := range stack.Firebreak.StateMachine.Substitutions {
		want = append(want, stack.Firebreak.Name+"-"+name)
	}
	got = slices.Compact(slices.Sorted(slices.Values(got)))
	want = slices.Compact(slices.Sorted(slices.Values(want)))
	if !slices.Equal(got, want) {
		t.Errorf("functions the state machine may invoke: got %v, want %v", got, want)
	}
}

func TestOnlyDescribedFunctionsStartExecutionsOrReadSecrets(t *testing.T) {
	tmpl := shipped(t)
	machineID, _ := tmpl.only(t, "AWS::StepFunctions::StateMachine")
	secretID := tmpl.named(t, "AWS::SecretsManager::Secret", "SourceSecrets")
	linkSecretID := tmpl.named(t, "AWS::SecretsManager::Secret", "LinkSigningSecret")
	for _, f := range stack.Firebreak.Functions {
		t.Run(f.Name, func(t *testing.T) {
			_, r := tmpl.function(t, f.Name)
			sts := tmpl.statements(roleOf(r, "Role"))
			readsLinkSecret := slices.Contains(f.Env, stack.EnvLinkSigningSecretARN)
			tests := []struct {
				action, resourceID string
				want               bool
			}{
				{"states:StartExecution", machineID, f.StartsExecutions},
				{"states:SendTaskSuccess", machineID, f.SendsTaskResults},
				{"states:StopExecution", machineID, f.StopsExecutions},
				{"secretsmanager:GetSecretValue", secretID,
					f.ReadsSourceSecrets || readsLinkSecret},
			}
			for _, tt := range tests {
				rs := allowed(sts, tt.action)
				if got := len(rs) > 0; got != tt.want {
					t.Errorf("%s allowed: got %v, want %v", tt.action, got, tt.want)
				}
				for _, res := range rs {
					if refTo(res) != tt.resourceID && !namesStateMachine(res, machineID, f) &&
						!(readsLinkSecret && refTo(res) == linkSecretID) &&
						!(f.StopsExecutions && namesExecutions(res, machineID)) {
						t.Errorf("%s on %v: want only %s", tt.action, res, tt.resourceID)
					}
				}
			}
		})
	}
}

// namesStateMachine reports whether res is the state machine's ARN built
// from its name, as the grant of a step the state machine invokes is.
func namesStateMachine(res any, machineID string, f stack.Function) bool {
	steps := slices.Collect(maps.Values(stack.Firebreak.StateMachine.Substitutions))
	b, _ := json.Marshal(res)
	name := ":stateMachine:" + stack.Firebreak.Name + "-" + stack.Firebreak.StateMachine.Name
	return slices.Contains(steps, f.Name) && machineID != "" &&
		strings.Contains(string(b), name+`"`)
}

// namesExecutions reports whether res is the ARN of the state machine's
// executions, as StateMachine.GrantExecution builds it from its ARN.
func namesExecutions(res any, machineID string) bool {
	b, _ := json.Marshal(res)
	return strings.Contains(string(b), ":execution:") && strings.Contains(string(b), machineID)
}

// readActions are the DynamoDB actions grantReadData allows.
var readActions = []string{
	"dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable",
	"dynamodb:GetItem", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
	"dynamodb:Query", "dynamodb:Scan",
}

// writeActions are the DynamoDB actions grantReadWriteData adds.
var writeActions = []string{
	"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem",
	"dynamodb:UpdateItem",
}

func TestFunctionsTouchTheTableAsDescribed(t *testing.T) {
	tmpl := shipped(t)
	tableID, _ := tmpl.only(t, "AWS::DynamoDB::Table")
	want := map[stack.Access][]string{
		stack.NoAccess:  nil,
		stack.ReadOnly:  readActions,
		stack.ReadWrite: slices.Sorted(slices.Values(slices.Concat(readActions, writeActions))),
	}
	for _, f := range stack.Firebreak.Functions {
		t.Run(f.Name, func(t *testing.T) {
			_, r := tmpl.function(t, f.Name)
			var got []string
			for _, s := range tmpl.statements(roleOf(r, "Role")) {
				for _, a := range s.Actions {
					if strings.HasPrefix(a, "dynamodb:") || mentions(s.Resource, tableID) {
						got = append(got, a)
					}
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(want[f.Table], got); diff != "" {
				t.Errorf("table actions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoutesProxyToTheirFunctions(t *testing.T) {
	tmpl := shipped(t)
	for _, rt := range stack.Firebreak.Routes {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			fnID, _ := tmpl.function(t, rt.Function)
			m := tmpl.method(t, rt)
			in, _ := m.Properties["Integration"].(map[string]any)
			if got, want := in["Type"], "AWS_PROXY"; got != want {
				t.Errorf("integration type: got %v, want %v", got, want)
			}
			if !mentions(in["Uri"], fnID) {
				t.Errorf("integration URI: got %v, want one naming %s", in["Uri"], fnID)
			}
		})
	}
}

// method returns the one API Gateway method serving the route rt.
func (c *cfnTemplate) method(t *testing.T, rt stack.Route) cfnResource {
	t.Helper()
	var found []cfnResource
	for _, m := range c.ofType("AWS::ApiGateway::Method") {
		p := m.Properties
		if p["HttpMethod"] == rt.Method && c.path(p["ResourceId"]) == strings.TrimSuffix(rt.Path,
			"/") {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("methods for %s %s: got %d, want 1", rt.Method, rt.Path, len(found))
	}
	return found[0]
}

// path returns the path of the API Gateway resource that ref points at,
// following its parents up to the API's root.
func (c *cfnTemplate) path(ref any) string {
	r, ok := c.Resources[refTo(ref)]
	if !ok || r.Type != "AWS::ApiGateway::Resource" {
		return "" // the root resource
	}
	part, _ := r.Properties["PathPart"].(string)
	return c.path(r.Properties["ParentId"]) + "/" + part
}

func TestAPIStageIsTracedAndLogsAccessAsJSON(t *testing.T) {
	tmpl := shipped(t)
	_, r := tmpl.only(t, "AWS::ApiGateway::Stage")
	if got := r.Properties["TracingEnabled"]; got != true {
		t.Errorf("TracingEnabled: got %v, want true", got)
	}
	settings, _ := r.Properties["AccessLogSetting"].(map[string]any)
	logs, ok := tmpl.Resources[refTo(settings["DestinationArn"])]
	if !ok || logs.Type != "AWS::Logs::LogGroup" {
		t.Fatalf("AccessLogSetting.DestinationArn: got %v, want a log group", settings)
	}
	var format map[string]any
	if err := json.Unmarshal([]byte(settings["Format"].(string)), &format); err != nil {
		t.Fatalf("access log format: got %q, want JSON: %v", settings["Format"], err)
	}
	for _, field := range []string{"requestId", "ip", "httpMethod", "resourcePath", "status"} {
		if _, ok := format[field]; !ok {
			t.Errorf("access log format: got no %q, want one", field)
		}
	}
}

func TestPOSTRoutesValidateTheirBodyAndPathParametersAreRequired(t *testing.T) {
	tmpl := shipped(t)
	validatorID, v := tmpl.only(t, "AWS::ApiGateway::RequestValidator")
	modelID, _ := tmpl.only(t, "AWS::ApiGateway::Model")
	if v.Properties["ValidateRequestBody"] != true ||
		v.Properties["ValidateRequestParameters"] != true {
		t.Errorf("validator: got %v, want bodies and parameters validated", v.Properties)
	}
	for _, rt := range stack.Firebreak.Routes {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			m := tmpl.method(t, rt)
			if got := refTo(m.Properties["RequestValidatorId"]); got != validatorID {
				t.Errorf("RequestValidatorId: got %q, want %q", got, validatorID)
			}
			models, _ := m.Properties["RequestModels"].(map[string]any)
			if got, want := refTo(models["application/json"]), ""; rt.Method == "POST" {
				if got != modelID {
					t.Errorf("RequestModels: got %v, want %s", models, modelID)
				}
			} else if got != want {
				t.Errorf("RequestModels: got %v, want none", models)
			}
			params, _ := m.Properties["RequestParameters"].(map[string]any)
			for _, p := range placeholderParam.FindAllStringSubmatch(rt.Path, -1) {
				if got := params["method.request.path."+p[1]]; got != true {
					t.Errorf("path parameter %s required: got %v, want true", p[1], got)
				}
			}
		})
	}
}

func TestAPIStageIsThrottledAndTracesNoData(t *testing.T) {
	tmpl := shipped(t)
	_, r := tmpl.only(t, "AWS::ApiGateway::Stage")
	want := []any{map[string]any{
		"HttpMethod":           "*",
		"ResourcePath":         "/*",
		"DataTraceEnabled":     false,
		"MetricsEnabled":       true,
		"ThrottlingRateLimit":  float64(apiRateLimitPerSecond),
		"ThrottlingBurstLimit": float64(apiBurstLimit),
	}}
	if diff := cmp.Diff(want, r.Properties["MethodSettings"]); diff != "" {
		t.Errorf("MethodSettings (-want +got):\n%s", diff)
	}
}

// stackOutputs are the outputs of the stack whatever firebreak.yaml says.
var stackOutputs = []string{
	"APIURL", "ActionCenterClientID", "ActionCenterURL", "AlarmsTopicARN",
	"AnalystsUserPoolID", "SignInDomainURL",
}

func TestOutputsAreTheAPIURLSignInAndAlarms(t *testing.T) {
	tmpl := shipped(t)
	got, want := slices.Sorted(maps.Keys(tmpl.Outputs)), stackOutputs
	if !slices.Equal(got, want) {
		t.Fatalf("outputs: got %v, want %v", got, want)
	}
	apiID, _ := tmpl.only(t, "AWS::ApiGateway::RestApi")
	for _, name := range []string{"APIURL", "ActionCenterURL"} {
		out, _ := tmpl.Outputs[name].(map[string]any)
		if !mentions(out["Value"], apiID) {
			t.Errorf("%s value: got %v, want one naming %s", name, out["Value"], apiID)
		}
	}
	domainID, _ := tmpl.only(t, "AWS::Cognito::UserPoolDomain")
	out, _ := tmpl.Outputs["SignInDomainURL"].(map[string]any)
	if !mentions(out["Value"], domainID) {
		t.Errorf("SignInDomainURL value: got %v, want one naming %s", out["Value"], domainID)
	}
}

func TestNewStackRejectsInconsistentDescriptions(t *testing.T) {
	assets := functions(t)
	tests := []struct {
		name    string
		change  func(s *stack.Stack)
		config  []byte // firebreak.yaml; nil for the shipped one
		wantErr string
	}{
		{"route to no function", func(s *stack.Stack) {
			s.Routes = append(s.Routes, stack.Route{Method: "GET", Path: "/x", Function: "nope"})
		}, nil, `route GET /x: no function "nope"`},
		{"substitution to no function", func(s *stack.Stack) {
			s.StateMachine.Substitutions["TriageFunctionArn"] = "nope"
		}, nil, `substitution TriageFunctionArn: no function "nope"`},
		{"placeholder without substitution", func(s *stack.Stack) {
			delete(s.StateMachine.Substitutions, "TriageFunctionArn")
		}, nil, "${TriageFunctionArn} has no substitution"},
		{"environment the app cannot set", func(s *stack.Stack) {
			s.Functions[0].Env = append(s.Functions[0].Env, "FIREBREAK_NOPE")
		}, nil, "environment variable FIREBREAK_NOPE"},
		{"function not built", func(s *stack.Stack) {
			s.Functions = append(s.Functions, stack.Function{Name: "unbuilt"})
		}, nil, "function unbuilt"},
		{"event rule to no function", func(s *stack.Stack) {
			s.EventRules[0].Function = "nope"
		}, nil, fmt.Sprintf(`event rule %s: no function "nope"`, stack.Firebreak.EventRules[0].Name)},
		{"event rule that matches nothing", func(s *stack.Stack) {
			s.EventRules[0].DetailTypes = nil
		}, nil, "needs at least one source and one detail-type"},
		{"event rules with one construct ID", func(s *stack.Stack) {
			s.EventRules[1].Name = strings.ReplaceAll(s.EventRules[0].Name, "-", "_")
		}, nil, "the names make the same construct ID"},
		{"keyed source without a keyed route", func(s *stack.Stack) {
			for i := range s.Routes {
				s.Routes[i].APIKeyRequired = false
			}
		}, keyedConfig, "source splunk-prod: api_key is set but no route requires an API key"},
		{"keyed sources with one construct ID", func(*stack.Stack) {}, []byte(`
sources:
  - {name: splunk-prod, api_key: true}
  - {name: splunk_prod, api_key: true}
`), `sources "splunk-prod" and "splunk_prod": the names make the same construct ID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cloneStack(stack.Firebreak)
			tt.change(&s)
			cfg := tt.config
			if cfg == nil {
				cfg = firebreak.ConfigYAML
			}
			app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
				contextAssetDir: assets,
			}})
			_, err := NewStack(app, s, store.TableSchema, cfg, repositoryRoot())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewStack: got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewStackFailsOnABadConfigWithItsLine(t *testing.T) {
	assets := functions(t)
	tests := []struct {
		name     string
		config   string
		wantLine int
		wantErr  string
	}{
		{"policy that does not compile", `
sources:
  - name: demo
policies:
  - name: broken
    when: alert.severity_id >=
    playbook: general
    automation: full
`, 6, "broken"},
		{"key the format does not have", `
sources:
  - name: demo
    api_keys: true
`, 4, "api_keys"},
		{"source listed twice", `
sources:
  - name: demo
  - name: demo
`, 0, `"demo" is listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
				contextAssetDir: assets,
			}})
			_, err := NewStack(app, stack.Firebreak, store.TableSchema, []byte(tt.config),
				repositoryRoot())

			// the caller gets firebreak.yaml's own error, to print as is
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("NewStack: got error %v, want a *config.Error", err)
			}
			if ce.File != firebreak.ConfigFile || ce.Line != tt.wantLine {
				t.Errorf("error at %s:%d, want %s:%d", ce.File, ce.Line,
					firebreak.ConfigFile, tt.wantLine)
			}
			wantPrefix := fmt.Sprintf("%s:%d: ", firebreak.ConfigFile, tt.wantLine)
			if got := err.Error(); !strings.HasPrefix(got, wantPrefix) ||
				!strings.Contains(got, tt.wantErr) {
				t.Errorf("error: got %q, want %q…%q", got, wantPrefix, tt.wantErr)
			}
		})
	}
}

// cloneStack copies s deeply enough that a test may change the copy's
// functions, routes, event rules and substitutions.
func cloneStack(s stack.Stack) stack.Stack {
	s.Functions = slices.Clone(s.Functions)
	for i := range s.Functions {
		s.Functions[i].Env = slices.Clone(s.Functions[i].Env)
	}
	s.Routes = slices.Clone(s.Routes)
	s.EventRules = slices.Clone(s.EventRules)
	s.StateMachine.Substitutions = maps.Clone(s.StateMachine.Substitutions)
	return s
}

func TestApprovalLinksPointAtTheAPIUnlessBaseURLIsOffThisMachine(t *testing.T) {
	for base, want := range map[string]bool{
		"":                                  true,
		"http://127.0.0.1:3000":             true,
		"http://localhost:8080/center":      true,
		"http://[::1]:3000":                 true,
		"https://firebreak.example.com":     false,
		"https://10.0.0.5/firebreak":        false,
		"https://center.security.corp:8443": false,
	} {
		if got := loopback(base); got != want {
			t.Errorf("loopback(%q) = %v, want %v", base, got, want)
		}
	}
}
