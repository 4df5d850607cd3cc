package sfn

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// TestParallelState follows the ASL spec section "Parallel State": each
// branch runs on a copy of the effective input, the result is the array of
// branch outputs in branch order, and a failing branch fails the state,
// whose Catch handles it.
func TestParallelState(t *testing.T) {
	tests := []struct {
		name, branches, input, want string
	}{{
		name: "outputs in branch order",
		branches: `{"StartAt": "L", "States": {"L": {"Type": "Pass",
				"Parameters": {"lookup.$": "$.id"}, "End": true}}},
			{"StartAt": "U", "States": {"U": {"Type": "Pass", "Result": "updated",
				"End": true}}}`,
		input: `{"id": 7}`,
		want:  `{"id": 7, "results": [{"lookup": 7}, "updated"]}`,
	}, {
		name: "a failing branch is caught on the Parallel state",
		branches: `{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom",
				"Cause": "branch 0"}}},
			{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": true}}}`,
		input: `{"id": 7}`,
		want:  `{"id": 7, "results": {"Error": "Boom", "Cause": "branch 0"}}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			out := h.run(t, machine("P", `"P": {"Type": "Parallel", "ResultPath": "$.results",
				"Branches": [`+tt.branches+`], "Next": "Done",
				"Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.results",
					"Next": "Done"}]}, "Done": {"Type": "Succeed"}`), tt.input)
			wantStatus(t, out, types.ExecutionStatusSucceeded)
			wantJSON(t, "output", aws.ToString(out.Output), tt.want)
		})
	}
}

// TestMapState follows the ASL spec section "Map State" and the AWS docs
// "Map state in Inline mode" example: ItemsPath selects the items,
// ItemSelector builds each iteration's input with $$.Map.Item.Index and
// $$.Map.Item.Value, and the result is the outputs in item order. The
// older Parameters and Iterator fields work the same way.
func TestMapState(t *testing.T) {
	input := `{"ship-date": "2016-03-14T01:59:00Z", "detail": {"delivery-partner": "UQS",
		"shipped": [{"prod": "R31", "dest-code": 9511, "quantity": 1344},
			{"prod": "S39", "dest-code": 9511, "quantity": 40}]}}`
	want := `[{"ContextIndex": 0, "ContextValue": {"prod": "R31", "dest-code": 9511,
			"quantity": 1344}, "ContextPartner": "UQS"},
		{"ContextIndex": 1, "ContextValue": {"prod": "S39", "dest-code": 9511,
			"quantity": 40}, "ContextPartner": "UQS"}]`
	tests := []struct{ name, selector, processor string }{
		{"ItemSelector and ItemProcessor", "ItemSelector", "ItemProcessor"},
		{"the older Parameters and Iterator", "Parameters", "Iterator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			out := h.run(t, machine("M", `"M": {"Type": "Map", "ItemsPath": "$.detail.shipped",
				"MaxConcurrency": 1, "`+tt.selector+`": {
					"ContextIndex.$": "$$.Map.Item.Index",
					"ContextValue.$": "$$.Map.Item.Value",
					"ContextPartner.$": "$.detail.delivery-partner"},
				"`+tt.processor+`": {"StartAt": "Ship", "States": {
					"Ship": {"Type": "Pass", "End": true}}},
				"End": true}`), input)
			wantStatus(t, out, types.ExecutionStatusSucceeded)
			wantJSON(t, "output", aws.ToString(out.Output), want)
		})
	}
}

// TestMapToleratedFailures follows the AWS docs "Setting failure thresholds
// for Distributed Map states", applied here to inline Map: failures up to
// ToleratedFailureCount or ToleratedFailurePercentage leave the error output
// in the failed items' places; one more fails the state with
// States.ExceedToleratedFailureThreshold.
func TestMapToleratedFailures(t *testing.T) {
	tests := []struct {
		name, tolerance string
		wantStatus      types.ExecutionStatus
		wantError       string
	}{
		{"no tolerance fails on the first failure", ``, types.ExecutionStatusFailed, "Bad"},
		{"a count of 2 tolerates both failures", `"ToleratedFailureCount": 2,`,
			types.ExecutionStatusSucceeded, ""},
		{"a count of 1 does not", `"ToleratedFailureCount": 1,`,
			types.ExecutionStatusFailed, errToleratedFailure},
		{"50 percent of 4 tolerates 2", `"ToleratedFailurePercentage": 50,`,
			types.ExecutionStatusSucceeded, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			out := h.run(t, machine("M", `"M": {"Type": "Map", `+tt.tolerance+`
				"ItemProcessor": {"StartAt": "C", "States": {
					"C": {"Type": "Choice", "Choices": [{"Variable": "$", "BooleanEquals": true,
						"Next": "Bad"}], "Default": "Good"},
					"Bad": {"Type": "Fail", "Error": "Bad", "Cause": "bad item"},
					"Good": {"Type": "Succeed"}}},
				"End": true}`), `[false, true, false, true]`)
			wantStatus(t, out, tt.wantStatus)
			if tt.wantStatus == types.ExecutionStatusSucceeded {
				wantJSON(t, "output", aws.ToString(out.Output), `[false,
					{"Error": "Bad", "Cause": "bad item"}, false,
					{"Error": "Bad", "Cause": "bad item"}]`)
			} else if got := aws.ToString(out.Error); got != tt.wantError {
				t.Errorf("error: got %q, want %q", got, tt.wantError)
			}
		})
	}
}

// TestMapHistoryAndRetry follows the AWS API reference for
// GetExecutionHistory (MapStateStarted carries the length, each iteration
// its index) and the ASL spec "Retrying after an error", which applies to
// Map states as to Tasks.
func TestMapHistoryAndRetry(t *testing.T) {
	calls := 0
	flakyOnce := lambda.NewHandler(func(ctx context.Context, in int) (int, error) {
		calls++
		if calls == 1 {
			return 0, &RetryableError{Reason: "first call"}
		}
		return in * 10, nil
	})
	h := newHarness(t, map[string]lambda.Handler{"f": flakyOnce})
	arn := h.create(t, "map-history", machine("M", `"M": {"Type": "Map",
		"MaxConcurrency": 1, "Retry": [{"ErrorEquals": ["RetryableError"]}],
		"ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task",
			"Resource": "arn:aws:lambda:us-east-1:000000000000:function:f", "End": true}}},
		"End": true}`))
	x := h.start(t, arn, `[1, 2]`)
	out := h.wait(t, x)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output), `[10, 20]`)

	var lengths []int32
	var iterations int
	for _, ev := range h.history(t, x) {
		if d := ev.MapStateStartedEventDetails; d != nil {
			lengths = append(lengths, d.Length)
		}
		if ev.Type == types.HistoryEventTypeMapIterationSucceeded {
			iterations++
		}
	}
	if len(lengths) != 2 || lengths[0] != 2 || iterations != 2 {
		t.Errorf("history: got MapStateStarted lengths %v and %d successful iterations, "+
			"want [2 2] and 2", lengths, iterations)
	}
}
