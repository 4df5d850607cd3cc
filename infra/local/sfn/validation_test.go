package sfn

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCreateStateMachineReportsEveryProblem follows the ASL spec sections
// "Structure of a State Machine", "Transitions", "Paths" and "Errors", as AWS
// validates them at CreateStateMachine: each problem is reported, naming its
// state, and unsupported features are refused up front.
func TestCreateStateMachineReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name       string
		definition string
		want       []Problem
	}{{
		name:       "not JSON",
		definition: `{"StartAt": `,
		want: []Problem{{Message: "the definition is not valid JSON: " +
			"decode JSON: unexpected EOF"}},
	}, {
		name:       "StartAt names no state",
		definition: machine("Nowhere", `"A": {"Type": "Succeed"}`),
		want: []Problem{
			{Message: `StartAt "Nowhere" does not name a state`},
			{State: "A", Message: "the state is not reachable from StartAt"},
		},
	}, {
		name: "Next names no state, and a state with neither Next nor End",
		definition: machine("A", `
			"A": {"Type": "Pass", "Next": "Gone"},
			"B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:0:function:f"}`),
		want: []Problem{
			{State: "B", Message: `a non-terminal state needs Next or "End": true`},
			{State: "A", Message: `transition to "Gone", which is not a state`},
			{State: "B", Message: "the state is not reachable from StartAt"},
		},
	}, {
		name: "unreachable state",
		definition: machine("A", `
			"A": {"Type": "Succeed"},
			"Orphan": {"Type": "Pass", "End": true}`),
		want: []Problem{{State: "Orphan", Message: "the state is not reachable from StartAt"}},
	}, {
		name: "paths that do not parse",
		definition: machine("A", `"A": {"Type": "Pass", "InputPath": "dataset",
			"ResultPath": "$.a[*]", "Parameters": {"x.$": "$.a["}, "End": true}`),
		want: []Problem{
			{State: "A", Message: `field "InputPath": path "dataset" must start with $ or $$`},
			{State: "A", Message: `Parameters: field "x.$": parse path "$.a[": ` +
				`not terminated at 5 in $.a[`},
			{State: "A", Message: `field "ResultPath": reference path "$.a[*]" ` +
				`may only name fields and indexes`},
		},
	}, {
		name: "Map and Parallel without their parts, and an unknown state type",
		definition: machine("M", `
			"M": {"Type": "Map", "Next": "P"},
			"P": {"Type": "Parallel", "Next": "X"},
			"X": {"Type": "Teleport"}`),
		want: []Problem{
			{State: "M", Message: "a Map state needs an ItemProcessor"},
			{State: "P", Message: "a Parallel state needs a non-empty Branches array"},
			{State: "X", Message: `unknown state type "Teleport"`},
		},
	}, {
		name: "state names are unique across branches",
		definition: machine("P", `"P": {"Type": "Parallel", "End": true, "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}},
			{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]}`),
		want: []Problem{
			{State: "A", Message: "state names must be unique within the state machine"},
		},
	}, {
		name: "a transition out of a branch",
		definition: machine("P", `"P": {"Type": "Parallel", "Next": "Done", "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Done"}}}]},
			"Done": {"Type": "Succeed"}`),
		want: []Problem{{State: "A", Message: `transition to "Done", which is not a state`}},
	}, {
		name: "ItemsPath must be a reference path; distributed Map is refused",
		definition: machine("M", `"M": {"Type": "Map", "ItemsPath": "$.a[*]", "End": true,
			"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"},
				"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}`),
		want: []Problem{
			{State: "M", Message: `field "ItemsPath": "$.a[*]" must be a reference path, ` +
				`naming one node through field names and array indexes only`},
			{State: "M", Message: `ItemProcessor: ProcessorConfig Mode "DISTRIBUTED" is not ` +
				`supported by the local engine; only INLINE`},
		},
	}, {
		name: "fields a state type does not have",
		definition: machine("A", `"A": {"Type": "Pass", "Resource": "x",
			"ResultSelector": {}, "End": true}`),
		want: []Problem{
			{State: "A", Message: `field "Resource" is not supported in a Pass state`},
			{State: "A", Message: `field "ResultSelector" is not supported in a Pass state`},
		},
	}, {
		name: "bad intrinsic calls, and a callback that passes no token",
		definition: machine("A", `"A": {"Type": "Task",
			"Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters": {"FunctionName": "f", "Payload": {"id.$": "States.UUID(1)",
				"n.$": "States.Nope()", "s.$": "States.Format('x', $.a"}},
			"HeartbeatSeconds": 10, "TimeoutSeconds": 5, "End": true}`),
		want: []Problem{
			{State: "A", Message: `Parameters: field "Payload.id.$": intrinsic function ` +
				`"States.UUID(1)": States.UUID takes at most 0 argument(s), got 1`},
			{State: "A", Message: `Parameters: field "Payload.n.$": intrinsic function ` +
				`"States.Nope()": unknown function "States.Nope"`},
			{State: "A", Message: `Parameters: field "Payload.s.$": intrinsic function ` +
				`"States.Format('x', $.a": missing ) after path "$.a"`},
			{State: "A", Message: "a .waitForTaskToken task must pass $$.Task.Token in " +
				"its Parameters"},
			{State: "A", Message: "HeartbeatSeconds must be smaller than TimeoutSeconds"},
		},
	}, {
		name: "Retry and Catch rules",
		definition: machine("A", `
			"A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:0:function:f",
				"Retry": [{"ErrorEquals": ["States.ALL"]},
					{"ErrorEquals": ["X"], "JitterStrategy": "SOME", "BackoffRate": 0.5}],
				"Catch": [{"ErrorEquals": []}],
				"End": true}`),
		want: []Problem{
			{State: "A", Message: "Retry[0]: States.ALL must appear alone and in the last entry"},
			{State: "A", Message: `Retry[1]: field "BackoffRate" must be at least 1.0, got 0.5`},
			{State: "A",
				Message: `Retry[1]: field "JitterStrategy" must be FULL or NONE, got "SOME"`},
			{State: "A",
				Message: `Catch[0]: field "ErrorEquals" must be a non-empty array of strings`},
			{State: "A", Message: `Catch[0]: field "Next" is required`},
		},
	}, {
		name: "choice rules",
		definition: machine("C", `
			"C": {"Type": "Choice", "Choices": [
				{"Variable": "$.a", "NumericEquals": "one", "Next": "D"},
				{"Variable": "$.a", "StringEquals": "x", "IsNull": true, "Next": "D"},
				{"Not": {"Variable": "$.a", "IsNull": true, "Next": "D"}, "Next": "D"}]},
			"D": {"Type": "Succeed"}`),
		want: []Problem{
			{State: "C", Message: `Choices[0]: field "NumericEquals" has a value of the ` +
				`wrong type: "one"`},
			{State: "C", Message: "Choices[1]: a choice rule needs exactly one operator, got 2"},
			{State: "C",
				Message: `Choices[2].Not: field "Next" is not supported in this choice rule`},
		},
	}, {
		name: "a fixed timeout and one from a path",
		definition: machine("A", `
			"A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:0:function:f",
				"TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t", "End": true}`),
		want: []Problem{{State: "A",
			Message: "a Task state takes one of TimeoutSeconds and TimeoutSecondsPath"}},
	}, {
		name: "JSONata is not supported yet",
		definition: `{"QueryLanguage": "JSONata", "StartAt": "A",
			"States": {"A": {"Type": "Succeed"}}}`,
		want: []Problem{{Message: `QueryLanguage "JSONata" is not supported by the local ` +
			`engine yet; use JSONPath`}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustNew(t, Options{})
			defer e.Close()
			_, err := e.CreateStateMachine(context.Background(), "invalid", tt.definition)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("CreateStateMachine: got error %v, want a *ValidationError", err)
			}
			if diff := cmp.Diff(tt.want, ve.Problems); diff != "" {
				t.Errorf("problems mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
