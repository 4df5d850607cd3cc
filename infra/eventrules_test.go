package main

import (
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/stack"
)

// ruleTargets returns the names of the functions that s's event rules
// invoke, each once, sorted.
func ruleTargets(s stack.Stack) []string {
	set := make(map[string]bool)
	for _, er := range s.EventRules {
		set[er.Function] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// rule returns the EventBridge rule deployed for er and its logical ID.
func (c *cfnTemplate) rule(t *testing.T, er stack.EventRule) (string, cfnResource) {
	t.Helper()
	want := stack.Firebreak.Name + "-" + er.Name
	for id, r := range c.ofType("AWS::Events::Rule") {
		if r.Properties["Name"] == want {
			return id, r
		}
	}
	t.Fatalf("no AWS::Events::Rule named %s", want)
	return "", cfnResource{}
}

func TestEventRulesDeliverMatchingEventsToTheirFunction(t *testing.T) {
	tmpl := shipped(t)
	queueID, _ := tmpl.only(t, "AWS::SQS::Queue")
	for _, er := range stack.Firebreak.EventRules {
		t.Run(er.Name, func(t *testing.T) {
			_, r := tmpl.rule(t, er)
			fnID, _ := tmpl.function(t, er.Function)

			// on the default bus, matching exactly the described sources
			// and detail-types
			if bus, ok := r.Properties["EventBusName"]; ok {
				t.Errorf("EventBusName: got %v, want none (the default bus)", bus)
			}
			if got, want := r.Properties["State"], "ENABLED"; got != want {
				t.Errorf("State: got %v, want %v", got, want)
			}
			wantPattern := map[string]any{
				"source":      toAny(er.Sources),
				"detail-type": toAny(er.DetailTypes),
			}
			if diff := cmp.Diff(wantPattern, r.Properties["EventPattern"]); diff != "" {
				t.Errorf("EventPattern (-want +got):\n%s", diff)
			}

			// one target, the function, retried and then dead-lettered
			targets, _ := r.Properties["Targets"].([]any)
			if len(targets) != 1 {
				t.Fatalf("targets: got %d, want 1", len(targets))
			}
			target, _ := targets[0].(map[string]any)
			if !mentions(target["Arn"], fnID) || len(target) != 4 {
				t.Errorf("target: got %v, want %s's ARN, Id, DeadLetterConfig and "+
					"RetryPolicy only", target, fnID)
			}
			dlc, _ := target["DeadLetterConfig"].(map[string]any)
			if !mentions(dlc["Arn"], queueID) {
				t.Errorf("DeadLetterConfig: got %v, want the ARN of %s", dlc, queueID)
			}
			wantRetry := map[string]any{
				"MaximumEventAgeInSeconds": float64(eventMaxAgeHours * 3600),
				"MaximumRetryAttempts":     float64(eventRetryAttempts),
			}
			if diff := cmp.Diff(wantRetry, target["RetryPolicy"]); diff != "" {
				t.Errorf("RetryPolicy (-want +got):\n%s", diff)
			}
		})
	}
}

// toAny returns ss as the list a decoded template holds.
func toAny(ss []string) []any {
	l := make([]any, len(ss))
	for i, s := range ss {
		l[i] = s
	}
	return l
}

func TestEventRulesMayInvokeTheirFunctionOnly(t *testing.T) {
	tmpl := shipped(t)
	for _, er := range stack.Firebreak.EventRules {
		t.Run(er.Name, func(t *testing.T) {
			ruleID, _ := tmpl.rule(t, er)
			fnID, _ := tmpl.function(t, er.Function)
			var got []string
			for _, p := range tmpl.ofType("AWS::Lambda::Permission") {
				if mentions(p.Properties["SourceArn"], ruleID) {
					got = append(got, refTo(p.Properties["FunctionName"]))
					want := map[string]any{
						"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com",
					}
					gotP := map[string]any{
						"Action": p.Properties["Action"], "Principal": p.Properties["Principal"],
					}
					if diff := cmp.Diff(want, gotP); diff != "" {
						t.Errorf("permission (-want +got):\n%s", diff)
					}
				}
			}
			if want := []string{fnID}; !slices.Equal(got, want) {
				t.Errorf("functions the rule may invoke: got %v, want %v", got, want)
			}
		})
	}
}

func TestDeadLetterQueueIsEncryptedAndKeepsEventsTwoWeeks(t *testing.T) {
	tmpl := shipped(t)
	_, q := tmpl.only(t, "AWS::SQS::Queue")
	want := map[string]any{
		"SqsManagedSseEnabled":   true,
		"MessageRetentionPeriod": float64(14 * 24 * 3600),
	}
	got := make(map[string]any)
	for k := range want {
		got[k] = q.Properties[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("queue (-want +got):\n%s", diff)
	}
}

func TestDeadLetterQueueTakesEventsFromEventBridgeOverTLSOnly(t *testing.T) {
	tmpl := shipped(t)
	queueID, _ := tmpl.only(t, "AWS::SQS::Queue")
	_, p := tmpl.only(t, "AWS::SQS::QueuePolicy")
	if !mentions(p.Properties["Queues"], queueID) {
		t.Fatalf("queue policy on %v, want %s", p.Properties["Queues"], queueID)
	}
	doc, _ := p.Properties["PolicyDocument"].(map[string]any)
	list, _ := doc["Statement"].([]any)

	// EventBridge may send, for each rule; nobody may use plain HTTP
	var sendsFor []string
	deniesHTTP := false
	for _, e := range list {
		s, _ := e.(map[string]any)
		principal, _ := s["Principal"].(map[string]any)
		cond, _ := s["Condition"].(map[string]any)
		switch {
		case s["Effect"] == "Allow" && principal["Service"] == "events.amazonaws.com" &&
			slices.Contains(stringList(s["Action"]), "sqs:SendMessage"):
			arn, _ := cond["ArnEquals"].(map[string]any)
			sendsFor = append(sendsFor, refTo(arn["aws:SourceArn"]))
		case s["Effect"] == "Deny" && cmp.Equal(cond, map[string]any{
			"Bool": map[string]any{"aws:SecureTransport": "false"},
		}):
			deniesHTTP = true
		}
	}
	var rules []string
	for _, er := range stack.Firebreak.EventRules {
		id, _ := tmpl.rule(t, er)
		rules = append(rules, id)
	}
	slices.Sort(rules)
	slices.Sort(sendsFor)
	if !slices.Equal(sendsFor, rules) {
		t.Errorf("rules EventBridge may send for: got %v, want %v", sendsFor, rules)
	}
	if !deniesHTTP {
		t.Errorf("queue policy: got no Deny on aws:SecureTransport false, want one")
	}
}

func TestFunctionsSendWhatTheyFailOnAsynchronouslyToTheQueue(t *testing.T) {
	tmpl := shipped(t)
	queueID, _ := tmpl.only(t, "AWS::SQS::Queue")
	configs := tmpl.ofType("AWS::Lambda::EventInvokeConfig")
	for _, f := range stack.Firebreak.Functions {
		name := f.Name
		t.Run(name, func(t *testing.T) {
			fnID, _ := tmpl.function(t, name)
			var found int
			for _, c := range configs {
				if refTo(c.Properties["FunctionName"]) != fnID {
					continue
				}
				found++
				dest, _ := c.Properties["DestinationConfig"].(map[string]any)
				onFailure, _ := dest["OnFailure"].(map[string]any)
				if !mentions(onFailure["Destination"], queueID) {
					t.Errorf("on-failure destination: got %v, want %s", onFailure, queueID)
				}
				want := map[string]any{
					"MaximumEventAgeInSeconds": float64(asyncMaxAgeHours * 3600),
					"MaximumRetryAttempts":     float64(asyncRetryAttempts),
				}
				got := map[string]any{
					"MaximumEventAgeInSeconds": c.Properties["MaximumEventAgeInSeconds"],
					"MaximumRetryAttempts":     c.Properties["MaximumRetryAttempts"],
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("retries (-want +got):\n%s", diff)
				}
			}
			if found != 1 {
				t.Errorf("invoke configs: got %d, want 1", found)
			}
		})
	}
}

func TestEventTargetsStartInvestigationsButReadNoSecrets(t *testing.T) {
	tmpl := shipped(t)
	machineID, _ := tmpl.only(t, "AWS::StepFunctions::StateMachine")
	tableID, _ := tmpl.only(t, "AWS::DynamoDB::Table")
	queueID, _ := tmpl.only(t, "AWS::SQS::Queue")
	for _, name := range ruleTargets(stack.Firebreak) {
		t.Run(name, func(t *testing.T) {
			_, r := tmpl.function(t, name)
			sts := tmpl.statements(roleOf(r, "Role"))
			tests := []struct {
				action, resourceID string
				want               bool
			}{
				{"states:StartExecution", machineID, true},
				{"dynamodb:PutItem", tableID, true},
				{"dynamodb:UpdateItem", tableID, true},
				{"sqs:SendMessage", queueID, true},
				{"secretsmanager:GetSecretValue", "", false},
			}
			for _, tt := range tests {
				rs := allowed(sts, tt.action)
				got := slices.ContainsFunc(rs, func(res any) bool {
					return mentions(res, tt.resourceID)
				})
				if tt.resourceID == "" {
					got = len(rs) > 0
				}
				if got != tt.want {
					t.Errorf("%s on %s: got allowed %v, want %v (allowed on %v)",
						tt.action, tt.resourceID, got, tt.want, rs)
				}
			}
		})
	}
}
