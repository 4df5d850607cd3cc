package main

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/stack"
)

// keyedSources are the sources of keyedConfig that send an API key.
var keyedSources = []string{"splunk-prod", "okta"}

func TestOnlyKeyedRoutesRequireAnAPIKey(t *testing.T) {
	tmpl := shipped(t)
	for _, rt := range stack.Firebreak.Routes {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			m := tmpl.method(t, rt)
			got, _ := m.Properties["ApiKeyRequired"].(bool)
			if got != rt.APIKeyRequired {
				t.Errorf("ApiKeyRequired: got %v, want %v", got, rt.APIKeyRequired)
			}
		})
	}
}

func TestNoKeyedSourceMakesNoAPIKey(t *testing.T) {
	tmpl := shipped(t)
	for _, typ := range []string{
		"AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey",
	} {
		if got := len(tmpl.ofType(typ)); got != 0 {
			t.Errorf("%s resources: got %d, want 0", typ, got)
		}
	}
	if got, want := tmpl.env(t, "ingest", stack.EnvAPIKeySources), "{}"; got != want {
		t.Errorf("ingest's %s: got %v, want %q", stack.EnvAPIKeySources, got, want)
	}
}

func TestKeyedSourcesGetAnAPIKeyWhoseValueAWSGenerates(t *testing.T) {
	tmpl := keyed(t)
	var got []string
	for id, k := range tmpl.ofType("AWS::ApiGateway::ApiKey") {
		name, _ := k.Properties["Name"].(string)
		got = append(got, strings.TrimPrefix(name, stack.Firebreak.Name+"-"))
		if v, ok := k.Properties["Value"]; ok {
			t.Errorf("API key %s: got Value %v, want none", id, v)
		}
		if got, want := k.Properties["Enabled"], true; got != want {
			t.Errorf("API key %s: got Enabled %v, want %v", id, got, want)
		}
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(keyedSources)); !slices.Equal(got, want) {
		t.Errorf("API keys for sources: got %v, want %v", got, want)
	}
}

func TestKeyedSourcesShareOneThrottledUsagePlanOnTheStage(t *testing.T) {
	tmpl := keyed(t)
	planID, plan := tmpl.only(t, "AWS::ApiGateway::UsagePlan")
	apiID, _ := tmpl.only(t, "AWS::ApiGateway::RestApi")
	stageID, _ := tmpl.only(t, "AWS::ApiGateway::Stage")

	// the plan: on the stage, throttled, with a monthly quota
	want := map[string]any{
		"ApiStages": []any{map[string]any{
			"ApiId": map[string]any{"Ref": apiID},
			"Stage": map[string]any{"Ref": stageID},
			// no throttle per method: the plan's applies
			"Throttle": map[string]any{},
		}},
		"Throttle": map[string]any{
			"RateLimit":  float64(keyRateLimitPerSecond),
			"BurstLimit": float64(keyBurstLimit),
		},
		"Quota": map[string]any{"Limit": float64(keyRequestsPerMonth), "Period": "MONTH"},
	}
	got := make(map[string]any)
	for k := range want {
		got[k] = plan.Properties[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("usage plan (-want +got):\n%s", diff)
	}

	// every key in it
	var inPlan []string
	for _, pk := range tmpl.ofType("AWS::ApiGateway::UsagePlanKey") {
		if refTo(pk.Properties["UsagePlanId"]) != planID {
			t.Errorf("usage plan key in plan %v, want %s", pk.Properties["UsagePlanId"], planID)
		}
		if got, want := pk.Properties["KeyType"], "API_KEY"; got != want {
			t.Errorf("usage plan key type: got %v, want %v", got, want)
		}
		inPlan = append(inPlan, refTo(pk.Properties["KeyId"]))
	}
	slices.Sort(inPlan)
	keys := slices.Sorted(maps.Keys(tmpl.ofType("AWS::ApiGateway::ApiKey")))
	if !slices.Equal(inPlan, keys) {
		t.Errorf("keys in the usage plan: got %v, want %v", inPlan, keys)
	}
}

func TestIngestMapsEachAPIKeyIDToItsSource(t *testing.T) {
	tmpl := keyed(t)

	// the JSON object CloudFormation makes, each key id standing as
	// ref:<logical ID>
	var got map[string]string
	value := resolve(t, tmpl.env(t, "ingest", stack.EnvAPIKeySources))
	if err := json.Unmarshal([]byte(value), &got); err != nil {
		t.Fatalf("%s %q: %v", stack.EnvAPIKeySources, value, err)
	}

	// each key's Ref, mapped to the source it is named after
	want := make(map[string]string)
	for id, k := range tmpl.ofType("AWS::ApiGateway::ApiKey") {
		name, _ := k.Properties["Name"].(string)
		want["ref:"+id] = strings.TrimPrefix(name, stack.Firebreak.Name+"-")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", stack.EnvAPIKeySources, diff)
	}
}

func TestAPIKeyIDsAreOutput(t *testing.T) {
	tmpl := keyed(t)

	// each output but the stack's own, and what its value resolves to
	got := make(map[string]string)
	for name, o := range tmpl.Outputs {
		if !slices.Contains(stackOutputs, name) {
			out, _ := o.(map[string]any)
			got[name] = resolve(t, out["Value"])
		}
	}

	// one output per source's key, holding the key's id
	want := make(map[string]string)
	for id, k := range tmpl.ofType("AWS::ApiGateway::ApiKey") {
		name, _ := k.Properties["Name"].(string)
		source := strings.TrimPrefix(name, stack.Firebreak.Name+"-")
		want[constructID(source)+"APIKeyID"] = "ref:" + id
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

// env returns the value of the environment variable name of the function
// deployed for the described function fn.
func (c *cfnTemplate) env(t *testing.T, fn, name string) any {
	t.Helper()
	_, r := c.function(t, fn)
	env, _ := r.Properties["Environment"].(map[string]any)
	vars, _ := env["Variables"].(map[string]any)
	v, ok := vars[name]
	if !ok {
		t.Fatalf("function %s has no %s", fn, name)
	}
	return v
}

// resolve evaluates a template value made of strings, Refs and Fn::Joins
// as CloudFormation would, with a Ref to a logical ID standing as
// ref:<logical ID>.
func resolve(t *testing.T, v any) string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if id, ok := v["Ref"].(string); ok && len(v) == 1 {
			return "ref:" + id
		}
		join, ok := v["Fn::Join"].([]any)
		if !ok || len(join) != 2 {
			break
		}
		sep, _ := join[0].(string)
		parts, _ := join[1].([]any)
		s := make([]string, len(parts))
		for i, p := range parts {
			s[i] = resolve(t, p)
		}
		return strings.Join(s, sep)
	}
	t.Fatalf("resolve %v: not a string, Ref or Fn::Join", v)
	return ""
}
