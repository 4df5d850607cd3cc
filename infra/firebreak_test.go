package main

import (
	"encoding/json"
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
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

// synthesized is the one synthesis of stack.Firebreak that the template
// tests share: building seven functions and starting jsii take seconds.
var synthesized struct {
	once     sync.Once
	dir      string // holds the built functions and the cloud assembly
	assets   string
	template assertions.Template
	cfn      *cfnTemplate
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if synthesized.dir != "" {
		os.RemoveAll(synthesized.dir)
	}
	jsii.Close()
	os.Exit(code)
}

// firebreak returns the synthesized template of stack.Firebreak, building
// and synthesizing it on first use.
func firebreak(t *testing.T) *cfnTemplate {
	t.Helper()
	synthesized.once.Do(func() {
		synthesized.err = synthesize()
	})
	if synthesized.err != nil {
		t.Fatal(synthesized.err)
	}
	return synthesized.cfn
}

// synthesize builds every function of stack.Firebreak and synthesizes the
// stack from them, with the context cdk.json gives the CLI. A jsii panic,
// such as a dependency cycle found by Template_FromStack, becomes the
// error every template test reports.
func synthesize() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesize %s: %v", stack.Firebreak.Name, r)
		}
	}()

	// the functions, built as infra/build-functions.sh builds them
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "firebreak-infra-")
	if err != nil {
		return err
	}
	synthesized.dir = dir
	synthesized.assets = filepath.Join(dir, "functions")
	if err := buildFunctions(root, synthesized.assets, stack.Firebreak.Functions); err != nil {
		return err
	}

	// the stack, synthesized in process
	ctx, err := cdkContext(root)
	if err != nil {
		return err
	}
	ctx[contextAssetDir] = synthesized.assets
	app := awscdk.NewApp(&awscdk.AppProps{
		Context: &ctx,
		Outdir:  jsii.String(filepath.Join(dir, "cdk.out")),
	})
	st, err := NewStack(app, stack.Firebreak, store.TableSchema, root)
	if err != nil {
		return fmt.Errorf("new stack: %w", err)
	}
	synthesized.template = assertions.Template_FromStack(st, nil)

	// the template as plain Go values
	b, err := json.Marshal(synthesized.template.ToJSON())
	if err != nil {
		return fmt.Errorf("encode template: %w", err)
	}
	synthesized.cfn = new(cfnTemplate)
	if err := json.Unmarshal(b, synthesized.cfn); err != nil {
		return fmt.Errorf("decode template: %w", err)
	}
	return nil
}

// buildFunctions builds each function for Lambda into out/<name>/bootstrap,
// with the flags of infra/build-functions.sh.
func buildFunctions(root, out string, fns []stack.Function) error {
	for _, f := range fns {
		cmd := exec.Command("go", "build",
			"-tags", "lambda.norpc", "-trimpath", "-buildvcs=false", "-ldflags=-s -w",
			"-o", filepath.Join(out, f.Name, bootstrapFile), "./functions/"+f.Name)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
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
	Resources map[string]cfnResource `json:"Resources"`
	Outputs   map[string]any         `json:"Outputs"`
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
	Actions  []string
	Resource any
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
			sts = append(sts, statement{Actions: stringList(m["Action"]), Resource: m["Resource"]})
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
	firebreak(t)
	fb := stack.Firebreak
	tests := []struct {
		typ  string
		want int
	}{
		// no helper functions: log groups are made, not retention-managed
		{"AWS::Lambda::Function", len(fb.Functions)},
		{"Custom::LogRetention", 0},
		{"AWS::Logs::LogGroup", len(fb.Functions) + 1},
		{"AWS::DynamoDB::Table", 1},
		{"AWS::SecretsManager::Secret", 1},
		{"AWS::StepFunctions::StateMachine", 1},
		{"AWS::ApiGateway::RestApi", 1},
		{"AWS::ApiGateway::Method", len(fb.Routes)},
		{"AWS::ApiGateway::Stage", 1},
		// no account-wide CloudWatch role for API Gateway
		{"AWS::ApiGateway::Account", 0},
	}
	for _, tt := range tests {
		check(t, tt.typ, func() {
			synthesized.template.ResourceCountIs(jsii.String(tt.typ), jsii.Number(tt.want))
		})
	}
}

func TestFunctionsRunTheirBootstrapOnARM(t *testing.T) {
	tmpl := firebreak(t)
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
	tmpl := firebreak(t)
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

func TestFunctionsGetTheEnvironmentTheyRead(t *testing.T) {
	tmpl := firebreak(t)
	tableID, _ := tmpl.only(t, "AWS::DynamoDB::Table")
	machineID, _ := tmpl.only(t, "AWS::StepFunctions::StateMachine")
	secretID, _ := tmpl.only(t, "AWS::SecretsManager::Secret")
	values := map[string]any{
		stack.EnvTableName:        map[string]any{"Ref": tableID},
		stack.EnvStateMachineARN:  map[string]any{"Ref": machineID},
		stack.EnvSourceSecretsARN: map[string]any{"Ref": secretID},
		stack.EnvLogLevel:         "INFO",
	}
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
	tmpl := firebreak(t)
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
		"SSESpecification": map[string]any{"SSEEnabled": true},
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
	tmpl := firebreak(t)
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
	tmpl := firebreak(t)
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
	tmpl := firebreak(t)
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
	tmpl := firebreak(t)
	machineID, _ := tmpl.only(t, "AWS::StepFunctions::StateMachine")
	secretID, _ := tmpl.only(t, "AWS::SecretsManager::Secret")
	for _, f := range stack.Firebreak.Functions {
		t.Run(f.Name, func(t *testing.T) {
			_, r := tmpl.function(t, f.Name)
			sts := tmpl.statements(roleOf(r, "Role"))
			tests := []struct {
				action, resourceID string
				want               bool
			}{
				{"states:StartExecution", machineID, f.StartsExecutions},
				{"secretsmanager:GetSecretValue", secretID, f.ReadsSourceSecrets},
			}
			for _, tt := range tests {
				rs := allowed(sts, tt.action)
				if got := len(rs) > 0; got != tt.want {
					t.Errorf("%s allowed: got %v, want %v", tt.action, got, tt.want)
				}
				for _, res := range rs {
					if refTo(res) != tt.resourceID {
						t.Errorf("%s on %v: want only %s", tt.action, res, tt.resourceID)
					}
				}
			}
		})
	}
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
	tmpl := firebreak(t)
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
	tmpl := firebreak(t)
	for _, rt := range stack.Firebreak.Routes {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			fnID, _ := tmpl.function(t, rt.Function)
			var found int
			for _, m := range tmpl.ofType("AWS::ApiGateway::Method") {
				p := m.Properties
				if p["HttpMethod"] != rt.Method || tmpl.path(p["ResourceId"]) != rt.Path {
					continue
				}
				found++
				in, _ := p["Integration"].(map[string]any)
				if got, want := in["Type"], "AWS_PROXY"; got != want {
					t.Errorf("integration type: got %v, want %v", got, want)
				}
				if !mentions(in["Uri"], fnID) {
					t.Errorf("integration URI: got %v, want one naming %s", in["Uri"], fnID)
				}
			}
			if found != 1 {
				t.Errorf("methods for the route: got %d, want 1", found)
			}
		})
	}
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

func TestAPIStageIsThrottledAndTracesNoData(t *testing.T) {
	tmpl := firebreak(t)
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

func TestAPIURLIsTheOnlyOutput(t *testing.T) {
	tmpl := firebreak(t)
	got, want := slices.Sorted(maps.Keys(tmpl.Outputs)), []string{"APIURL"}
	if !slices.Equal(got, want) {
		t.Fatalf("outputs: got %v, want %v", got, want)
	}
	apiID, _ := tmpl.only(t, "AWS::ApiGateway::RestApi")
	out, _ := tmpl.Outputs["APIURL"].(map[string]any)
	if !mentions(out["Value"], apiID) {
		t.Errorf("APIURL value: got %v, want one naming %s", out["Value"], apiID)
	}
}

func TestNewStackRejectsInconsistentDescriptions(t *testing.T) {
	firebreak(t) // for the built functions
	tests := []struct {
		name    string
		change  func(s *stack.Stack)
		wantErr string
	}{
		{"route to no function", func(s *stack.Stack) {
			s.Routes = append(s.Routes, stack.Route{Method: "GET", Path: "/x", Function: "nope"})
		}, `route GET /x: no function "nope"`},
		{"substitution to no function", func(s *stack.Stack) {
			s.StateMachine.Substitutions["TriageFunctionArn"] = "nope"
		}, `substitution TriageFunctionArn: no function "nope"`},
		{"placeholder without substitution", func(s *stack.Stack) {
			delete(s.StateMachine.Substitutions, "TriageFunctionArn")
		}, "${TriageFunctionArn} has no substitution"},
		{"environment the app cannot set", func(s *stack.Stack) {
			s.Functions[0].Env = append(s.Functions[0].Env, "FIREBREAK_NOPE")
		}, "environment variable FIREBREAK_NOPE"},
		{"function not built", func(s *stack.Stack) {
			s.Functions = append(s.Functions, stack.Function{Name: "unbuilt"})
		}, "function unbuilt"},
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cloneStack(stack.Firebreak)
			tt.change(&s)
			app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{
				contextAssetDir: synthesized.assets,
			}})
			_, err := NewStack(app, s, store.TableSchema, root)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewStack: got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// cloneStack copies s deeply enough that a test may change the copy's
// functions, routes and substitutions.
func cloneStack(s stack.Stack) stack.Stack {
	s.Functions = slices.Clone(s.Functions)
	for i := range s.Functions {
		s.Functions[i].Env = slices.Clone(s.Functions[i].Env)
	}
	s.Routes = slices.Clone(s.Routes)
	s.StateMachine.Substitutions = maps.Clone(s.StateMachine.Substitutions)
	return s
}
