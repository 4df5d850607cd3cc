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
		name: "unsupported and unknown state types",
		definition: machine("M", `
			"M": {"Type": "Map", "End": true},
			"P": {"Type": "Parallel", "End": true},
			"X": {"Type": "Teleport"}`),
		want: []Problem{
			{State: "M", Message: `state type "Map" is not supported by the local engine yet`},
			{State: "P",
				Message: `state type "Parallel" is not supported by the local engine yet`},
			{State: "X", Message: `unknown state type "Teleport"`},
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
		name: "intrinsic functions and callbacks are not supported yet",
		definition: machine("A", `"A": {"Type": "Task",
			"Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters": {"FunctionName": "f", "Payload": {"id.$": "States.UUID()"}},
			"End": true}`),
		want: []Problem{
			{State: "A", Message: `Parameters: field "Payload.id.$" uses intrinsic function ` +
				`"States.UUID()", which the local engine does not support yet`},
			{State: "A", Message: `resource "arn:aws:states:::lambda:invoke.waitForTaskToken": ` +
				`the waitForTaskToken integration pattern is not supported by the local ` +
				`engine yet`},
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
		name: "JSONata is not supported yet",
		definition: `{"QueryLanguage": "JSONata", "StartAt": "A",
			"States": {"A": {"Type": "Succeed"}}}`,
		want: []Problem{{Message: `QueryLanguage "JSONata" is not supported by the local ` +
			`engine yet; use JSONPath`}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Options{})
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
