package sfn

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// greet is the Lambda function of the AWS docs' path examples.
func greet(_ context.Context, in struct {
	Who string `json:"who"`
}) (string, error) {
	return "Hello, " + in.Who + "!", nil
}

// TestInputOutputProcessing follows "Processing input and output in Step
// Functions" (AWS docs): InputPath, Parameters, ResultSelector, ResultPath and
// OutputPath, including the docs' example "Manipulating state data with paths"
// and the ASL spec section "Input and Output Processing".
func TestInputOutputProcessing(t *testing.T) {
	h := newHarness(t, map[string]lambda.Handler{"HelloFunction": lambda.NewHandler(greet)})
	helloARN := h.engine.FunctionARN("HelloFunction")
	tests := []struct {
		name  string
		state string // the one state, named S
		input string
		want  string
	}{{
		name:  "InputPath selects a node of the input",
		state: `{"Type": "Pass", "InputPath": "$.dataset2", "End": true}`,
		input: `{"comment": "Example for InputPath.", "dataset1": {"val1": 1, "val2": 2},
			"dataset2": {"val1": "a", "val2": "b"}}`,
		want: `{"val1": "a", "val2": "b"}`,
	}, {
		name: "Parameters mixes static values and paths",
		state: `{"Type": "Pass", "End": true, "Parameters": {
			"comment": "Selecting what I care about.",
			"MyDetails": {"size.$": "$.product.details.size",
				"exists.$": "$.product.availability", "StaticValue": "foo"}}}`,
		input: `{"comment": "Example for Parameters.", "product": {"details":
			{"color": "blue", "size": "small", "material": "cotton"},
			"availability": "in stock", "sku": "2317", "cost": "$23"}}`,
		want: `{"comment": "Selecting what I care about.",
			"MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"}}`,
	}, {
		name: "Parameters path with an indefinite query yields an array",
		state: `{"Type": "Pass", "End": true,
			"Parameters": {"first.$": "$.vals[0]", "last3.$": "$.vals[-3:]"}}`,
		input: `{"flagged": 7, "vals": [0, 10, 20, 30, 40, 50]}`,
		want:  `{"first": 0, "last3": [30, 40, 50]}`,
	}, {
		name: "Parameters reads the context object with $$",
		state: `{"Type": "Pass", "End": true, "Parameters": {
			"execution.$": "$$.Execution.Name", "state.$": "$$.State.Name",
			"input.$": "$$.Execution.Input.a", "machineFound.$": "$$.StateMachine.Id"}}`,
		input: `{"a": 1}`,
		want:  `{"execution": "exec-1", "state": "S", "input": 1, "machineFound": "MACHINE"}`,
	}, {
		name:  "ResultPath places the result inside the input",
		state: `{"Type": "Pass", "Result": "done", "ResultPath": "$.taskresult", "End": true}`,
		input: `{"comment": "This is a test.", "who": "AWS Step Functions"}`,
		want:  `{"comment": "This is a test.", "who": "AWS Step Functions", "taskresult": "done"}`,
	}, {
		name:  "ResultPath creates missing objects",
		state: `{"Type": "Pass", "Result": 1, "ResultPath": "$.a.b.c", "End": true}`,
		input: `{"x": true}`,
		want:  `{"x": true, "a": {"b": {"c": 1}}}`,
	}, {
		name:  "ResultPath null discards the result",
		state: `{"Type": "Pass", "Result": "ignored", "ResultPath": null, "End": true}`,
		input: `{"keep": "me"}`,
		want:  `{"keep": "me"}`,
	}, {
		name:  "ResultPath $ replaces the input by default",
		state: `{"Type": "Pass", "Result": {"only": "result"}, "End": true}`,
		input: `{"keep": "me"}`,
		want:  `{"only": "result"}`,
	}, {
		name:  "OutputPath selects the output",
		state: `{"Type": "Pass", "OutputPath": "$.a", "End": true}`,
		input: `{"a": {"b": 1}, "c": 2}`,
		want:  `{"b": 1}`,
	}, {
		name:  "InputPath and OutputPath null yield empty objects",
		state: `{"Type": "Pass", "InputPath": null, "End": true}`,
		input: `{"a": 1}`,
		want:  `{}`,
	}, {
		name: "Task paths: the docs' example of manipulating state data",
		state: `{"Type": "Task", "Resource": "` + helloARN + `", "InputPath": "$.lambda",
			"ResultPath": "$.data.lambdaresult", "OutputPath": "$.data", "End": true}`,
		input: `{"comment": "An input comment.", "data": {"val1": 23, "val2": 17},
			"extra": "foo", "lambda": {"who": "AWS Step Functions"}}`,
		want: `{"val1": 23, "val2": 17, "lambdaresult": "Hello, AWS Step Functions!"}`,
	}, {
		name: "ResultSelector picks the Payload of lambda:invoke",
		state: `{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": {"FunctionName": "HelloFunction", "Payload": {"who.$": "$.name"}},
			"ResultSelector": {"greeting.$": "$.Payload", "code.$": "$.StatusCode"},
			"ResultPath": "$.result", "End": true}`,
		input: `{"name": "Firebreak"}`,
		want:  `{"name": "Firebreak", "result": {"greeting": "Hello, Firebreak!", "code": 200}}`,
	}, {
		name: "lambda:invoke accepts a function ARN with a qualifier",
		state: `{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": {"FunctionName": "` + helloARN + `:$LATEST",
				"Payload": {"who": "you"}}, "OutputPath": "$.Payload", "End": true}`,
		input: `{}`,
		want:  `"Hello, you!"`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// run the one-state machine
			arn := h.create(t, uniqueName(t), machine("S", `"S": `+tt.state))
			x, err := h.client.StartExecution(context.Background(), &sdkStart{
				StateMachineArn: aws.String(arn), Name: aws.String("exec-1"),
				Input: aws.String(tt.input)})
			if err != nil {
				t.Fatalf("StartExecution: %v", err)
			}
			out := h.wait(t, aws.ToString(x.ExecutionArn))

			// compare the output, with the machine's ARN in place of MACHINE
			wantStatus(t, out, types.ExecutionStatusSucceeded)
			want := replaceAll(tt.want, `"MACHINE"`, `"`+arn+`"`)
			wantJSON(t, "output", aws.ToString(out.Output), want)
		})
	}
}

// TestPathErrors follows the AWS docs "Error names" (States.Runtime,
// States.ResultPathMatchFailure): a path that matches nothing, or a ResultPath
// that cannot be applied, fails the execution.
func TestPathErrors(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name      string
		state     string
		input     string
		wantError string
	}{{
		name:      "InputPath matching nothing is States.Runtime",
		state:     `{"Type": "Pass", "InputPath": "$.missing", "End": true}`,
		input:     `{"a": 1}`,
		wantError: errRuntime,
	}, {
		name:      "Parameters path matching nothing is States.Runtime",
		state:     `{"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true}`,
		input:     `{"a": 1}`,
		wantError: errRuntime,
	}, {
		name:      "OutputPath matching nothing is States.Runtime",
		state:     `{"Type": "Pass", "OutputPath": "$.missing", "End": true}`,
		input:     `{"a": 1}`,
		wantError: errRuntime,
	}, {
		name:      "ResultPath into a string is States.ResultPathMatchFailure",
		state:     `{"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": true}`,
		input:     `{"a": "text"}`,
		wantError: errResultPathMatchFailure,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := h.run(t, machine("S", `"S": `+tt.state), tt.input)
			wantStatus(t, out, types.ExecutionStatusFailed)
			if got := aws.ToString(out.Error); got != tt.wantError {
				t.Errorf("error: got %q, want %q", got, tt.wantError)
			}
		})
	}
}
