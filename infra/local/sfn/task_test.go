package sfn

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
)

// RetryableError is a handler error type whose name a Retry matches, as
// Firebreak's handlers name their retryable failures.
type RetryableError struct{ Reason string }

func (e *RetryableError) Error() string { return "retryable: " + e.Reason }

// NotFoundError is a handler error type whose name a Catch matches.
type NotFoundError struct{ ID string }

func (e NotFoundError) Error() string { return "investigation " + e.ID + " not found" }

// flaky returns a handler that fails with RetryableError failures times and
// then succeeds, counting its calls.
func flaky(failures int64, calls *atomic.Int64) lambda.Handler {
	return lambda.NewHandler(func(in map[string]any) (map[string]any, error) {
		if calls.Add(1) <= failures {
			return nil, &RetryableError{Reason: "throttled"}
		}
		return map[string]any{"ok": true}, nil
	})
}

// retryMachine is one Task on function f with the given Retry field.
func retryMachine(retry string) string {
	return machine("T", `"T": {"Type": "Task",
		"Resource": "arn:aws:lambda:us-east-1:000000000000:function:f",
		"Retry": `+retry+`, "End": true}`)
}

// TestRetryBackoff follows the ASL spec section "Retrying after an error" and
// the AWS docs "Handling errors in Step Functions workflows" (Retry fields):
// attempts and the interval before each one, read from the fake clock.
func TestRetryBackoff(t *testing.T) {
	tests := []struct {
		name       string
		retry      string
		failures   int64
		random     float64 // what FULL jitter draws
		wantStatus types.ExecutionStatus
		wantCalls  int64
		wantSleeps []time.Duration
	}{{
		name:       "defaults: 1s interval, 3 attempts, backoff 2.0",
		retry:      `[{"ErrorEquals": ["RetryableError"]}]`,
		failures:   3,
		wantStatus: types.ExecutionStatusSucceeded,
		wantCalls:  4,
		wantSleeps: []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second},
	}, {
		name: "interval and backoff rate",
		retry: `[{"ErrorEquals": ["RetryableError"], "IntervalSeconds": 2,
			"BackoffRate": 3, "MaxAttempts": 4}]`,
		failures:   2,
		wantStatus: types.ExecutionStatusSucceeded,
		wantCalls:  3,
		wantSleeps: []time.Duration{2 * time.Second, 6 * time.Second},
	}, {
		name: "attempts run out",
		retry: `[{"ErrorEquals": ["RetryableError"], "IntervalSeconds": 1,
			"MaxAttempts": 2}]`,
		failures:   5,
		wantStatus: types.ExecutionStatusFailed,
		wantCalls:  3,
		wantSleeps: []time.Duration{1 * time.Second, 2 * time.Second},
	}, {
		name:       "MaxAttempts 0 never retries",
		retry:      `[{"ErrorEquals": ["RetryableError"], "MaxAttempts": 0}]`,
		failures:   1,
		wantStatus: types.ExecutionStatusFailed,
		wantCalls:  1,
	}, {
		name: "MaxDelaySeconds caps the interval",
		retry: `[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "BackoffRate": 10,
			"MaxAttempts": 3, "MaxDelaySeconds": 20}]`,
		failures:   3,
		wantStatus: types.ExecutionStatusSucceeded,
		wantCalls:  4,
		wantSleeps: []time.Duration{3 * time.Second, 20 * time.Second, 20 * time.Second},
	}, {
		name: "FULL jitter scales the interval by a random draw",
		retry: `[{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 4,
			"JitterStrategy": "FULL"}]`,
		failures:   2,
		random:     0.25,
		wantStatus: types.ExecutionStatusSucceeded,
		wantCalls:  3,
		wantSleeps: []time.Duration{1 * time.Second, 2 * time.Second},
	}, {
		name: "only the first matching retrier applies",
		retry: `[{"ErrorEquals": ["Other"], "IntervalSeconds": 9},
			{"ErrorEquals": ["RetryableError"], "IntervalSeconds": 5, "MaxAttempts": 1},
			{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 7}]`,
		failures:   2,
		wantStatus: types.ExecutionStatusFailed,
		wantCalls:  2,
		wantSleeps: []time.Duration{5 * time.Second},
	}, {
		name:       "a retrier for another error does not apply",
		retry:      `[{"ErrorEquals": ["Lambda.ServiceException"]}]`,
		failures:   1,
		wantStatus: types.ExecutionStatusFailed,
		wantCalls:  1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// run a task that fails the given number of times
			var calls atomic.Int64
			h := newHarness(t, map[string]lambda.Handler{"f": flaky(tt.failures, &calls)})
			h.engine.random = func() float64 { return tt.random }
			out := h.run(t, retryMachine(tt.retry), `{}`)

			// check the outcome, the attempts and the intervals
			wantStatus(t, out, tt.wantStatus)
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("calls: got %d, want %d", got, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantSleeps, h.clock.slept()); diff != "" {
				t.Errorf("retry intervals mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRetryHistoryRecordsEachAttempt follows the AWS docs "Execution history
// events": every attempt of a lambda:invoke Task is TaskScheduled, TaskStarted
// and TaskFailed or TaskSucceeded within one TaskStateEntered/Exited pair.
func TestRetryHistoryRecordsEachAttempt(t *testing.T) {
	var calls atomic.Int64
	h := newHarness(t, map[string]lambda.Handler{"f": flaky(1, &calls)})
	def := machine("T", `"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		"Parameters": {"FunctionName": "f", "Payload.$": "$"},
		"Retry": [{"ErrorEquals": ["RetryableError"]}], "End": true}`)
	arn := h.create(t, uniqueName(t), def)
	x := h.start(t, arn, `{"a": 1}`)
	wantStatus(t, h.wait(t, x), types.ExecutionStatusSucceeded)

	// check the event types and the failure's details
	events := h.history(t, x)
	want := []string{"ExecutionStarted", "TaskStateEntered",
		"TaskScheduled", "TaskStarted", "TaskFailed",
		"TaskScheduled", "TaskStarted", "TaskSucceeded",
		"TaskStateExited", "ExecutionSucceeded"}
	if diff := cmp.Diff(want, eventTypes(events)); diff != "" {
		t.Fatalf("event types mismatch (-want +got):\n%s", diff)
	}
	failed := events[4].TaskFailedEventDetails
	if got := aws.ToString(failed.Error); got != "RetryableError" {
		t.Errorf("TaskFailed error: got %q, want RetryableError", got)
	}
	wantJSON(t, "TaskFailed cause", aws.ToString(failed.Cause),
		`{"errorMessage": "retryable: throttled", "errorType": "RetryableError"}`)
	sched := events[2].TaskScheduledEventDetails
	got := aws.ToString(sched.ResourceType) + ":" + aws.ToString(sched.Resource)
	if got != "lambda:invoke" {
		t.Errorf("TaskScheduled resource: got %q, want lambda:invoke", got)
	}
	wantJSON(t, "TaskScheduled parameters", aws.ToString(sched.Parameters),
		`{"FunctionName": "f", "Payload": {"a": 1}}`)
	for i, ev := range events {
		if ev.Id != int64(i+1) || ev.PreviousEventId != int64(i) {
			t.Errorf("event %d: got id %d previous %d, want %d and %d",
				i, ev.Id, ev.PreviousEventId, i+1, i)
		}
	}
}

// TestCatch follows the ASL spec section "Fallback states" and the AWS docs
// "Handling error conditions using a Step Functions state machine": Catch
// matches the error by name, places {"Error", "Cause"} at its ResultPath and
// transitions to its Next.
func TestCatch(t *testing.T) {
	handlers := map[string]lambda.Handler{
		"notFound": lambda.NewHandler(func(in struct{ ID string }) (string, error) {
			return "", NotFoundError{ID: in.ID}
		}),
		"plain": lambda.NewHandler(func() error { return errors.New("boom") }),
		"wrapped": lambda.NewHandler(func() error {
			return fmt.Errorf("load: %w", NotFoundError{ID: "x"})
		}),
		"panics": lambda.NewHandler(func() error { panic("handler exploded") }),
		"nilDeref": lambda.NewHandler(func() error {
			var p *NotFoundError
			return errors.New(p.ID)
		}),
	}
	h := newHarness(t, handlers)
	tests := []struct {
		name      string
		function  string
		catch     string
		wantNext  string
		wantError string
		wantCause string // JSON; empty to skip
	}{{
		name:      "custom error type caught by its type name",
		function:  "notFound",
		catch:     handledBy("NotFoundError"),
		wantNext:  "Handled",
		wantError: "NotFoundError",
		wantCause: `{"errorMessage": "investigation inv-1 not found",
			"errorType": "NotFoundError"}`,
	}, {
		name:      "errors.New is named errorString",
		function:  "plain",
		catch:     handledBy("errorString"),
		wantNext:  "Handled",
		wantError: "errorString",
	}, {
		name:     "a wrapped error is named wrapError, not by what it wraps",
		function: "wrapped",
		catch: `[{"ErrorEquals": ["NotFoundError"], "Next": "Other"},
			{"ErrorEquals": ["wrapError"], "ResultPath": "$.error", "Next": "Handled"}]`,
		wantNext:  "Handled",
		wantError: "wrapError",
	}, {
		name:      "a panic is a task failure named by the panic value's type",
		function:  "panics",
		catch:     handledBy("string"),
		wantNext:  "Handled",
		wantError: "string",
	}, {
		name:      "a nil dereference panic is named errorString",
		function:  "nilDeref",
		catch:     handledBy("States.TaskFailed"),
		wantNext:  "Handled",
		wantError: "errorString",
	}, {
		name:      "an unknown function is Lambda.ResourceNotFoundException",
		function:  "missing",
		catch:     handledBy("Lambda.ResourceNotFoundException"),
		wantNext:  "Handled",
		wantError: "Lambda.ResourceNotFoundException",
	}, {
		name:     "the first matching catcher wins",
		function: "notFound",
		catch: `[{"ErrorEquals": ["Other"], "Next": "Other"},
			{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}]`,
		wantNext:  "Handled",
		wantError: "NotFoundError",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// run a task whose failure a catcher handles
			def := machine("T", `
				"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
					"Parameters": {"FunctionName": "`+tt.function+`", "Payload": {"ID": "inv-1"}},
					"Catch": `+tt.catch+`, "Next": "Other"},
				"Handled": {"Type": "Pass", "End": true,
					"Parameters": {"next": "Handled", "in.$": "$"}},
				"Other": {"Type": "Pass", "End": true,
					"Parameters": {"next": "Other", "in.$": "$"}}`)
			out := h.run(t, def, `{"investigation_id": "inv-1"}`)
			wantStatus(t, out, types.ExecutionStatusSucceeded)

			// the error output sits beside the state's input
			var got struct {
				Next string
				In   struct {
					InvestigationID string `json:"investigation_id"`
					Error           struct{ Error, Cause string }
				}
			}
			decode(t, aws.ToString(out.Output), &got)
			if got.Next != tt.wantNext || got.In.InvestigationID != "inv-1" {
				t.Fatalf("output: got %s, want next %s with the input kept",
					aws.ToString(out.Output), tt.wantNext)
			}
			if got.In.Error.Error != tt.wantError {
				t.Errorf("Error: got %q, want %q", got.In.Error.Error, tt.wantError)
			}
			if tt.wantCause != "" {
				wantJSON(t, "Cause", got.In.Error.Cause, tt.wantCause)
			}
		})
	}
}

// handledBy is a Catch field sending errorName to Handled with the error
// output at $.error.
func handledBy(errorName string) string {
	return `[{"ErrorEquals": ["` + errorName + `"], "ResultPath": "$.error", "Next": "Handled"}]`
}

// TestCatchDefaultResultPathReplacesInput follows the ASL spec section
// "Fallback states": without ResultPath the error output becomes the state
// output.
func TestCatchDefaultResultPathReplacesInput(t *testing.T) {
	h := newHarness(t, map[string]lambda.Handler{
		"f": lambda.NewHandler(func() error { return &RetryableError{Reason: "x"} }),
	})
	def := machine("T", `
		"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:f",
			"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "End": true},
		"Done": {"Type": "Succeed"}`)
	out := h.run(t, def, `{"dropped": true}`)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output), `{"Error": "RetryableError",
		"Cause": "{\"errorMessage\":\"retryable: x\",\"errorType\":\"RetryableError\"}"}`)
}

// TestPanicFailsTheExecutionNotTheProcess follows the AWS docs "AWS Lambda
// function errors in Go": a panic is reported as the function's error, here
// failing the execution with the panic value's type name and a stack trace.
func TestPanicFailsTheExecutionNotTheProcess(t *testing.T) {
	h := newHarness(t, map[string]lambda.Handler{
		"f": lambda.NewHandler(func() error { panic(fmt.Sprintf("bad %d", 42)) }),
	})
	out := h.run(t, machine("T", `"T": {"Type": "Task",
		"Resource": "arn:aws:lambda:us-east-1:000000000000:function:f", "End": true}`), `{}`)
	wantStatus(t, out, types.ExecutionStatusFailed)
	if got := aws.ToString(out.Error); got != "string" {
		t.Errorf("error: got %q, want string", got)
	}
	var cause struct {
		ErrorMessage string           `json:"errorMessage"`
		ErrorType    string           `json:"errorType"`
		StackTrace   []map[string]any `json:"stackTrace"`
	}
	decode(t, aws.ToString(out.Cause), &cause)
	named := cause.ErrorMessage == "bad 42" && cause.ErrorType == "string"
	if !named || len(cause.StackTrace) == 0 {
		t.Errorf("cause: got %s, want message \"bad 42\", type string and a stack trace",
			aws.ToString(out.Cause))
	}
}

// TestTaskTimeout follows the ASL spec section "Task State" (TimeoutSeconds):
// a task running past its timeout fails with States.Timeout, which
// States.TaskFailed does not match but States.Timeout does.
func TestTaskTimeout(t *testing.T) {
	block := lambda.NewHandler(func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	h := newHarness(t, map[string]lambda.Handler{"slow": block})
	def := machine("T", `
		"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": {"FunctionName": "slow"}, "TimeoutSeconds": 30,
			"Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"},
				{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Done"}],
			"End": true},
		"Wrong": {"Type": "Fail", "Error": "Wrong"},
		"Done": {"Type": "Pass", "OutputPath": "$.error.Error", "End": true}`)
	arn := h.create(t, uniqueName(t), def)
	x := h.start(t, arn, `{}`)
	out := h.wait(t, x)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output), `"States.Timeout"`)
	if got := eventTypes(h.history(t, x))[4]; got != "TaskTimedOut" {
		t.Errorf("event 5: got %s, want TaskTimedOut", got)
	}
}

// TestTaskTimeoutFromThePath follows the ASL spec section "Task State"
// (TimeoutSecondsPath): the timeout is the positive integer the path
// selects from the state's input; anything else fails the state with
// States.Runtime.
func TestTaskTimeoutFromThePath(t *testing.T) {
	block := lambda.NewHandler(func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	tests := []struct {
		input, wantStatus, wantError string
		slept                        []time.Duration
	}{
		{`{"limit": 45}`, "SUCCEEDED", "", []time.Duration{45 * time.Second}},
		{`{"limit": 0}`, "FAILED", "States.Runtime", nil},
		{`{"limit": "45"}`, "FAILED", "States.Runtime", nil},
		{`{}`, "FAILED", "States.Runtime", nil},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			h := newHarness(t, map[string]lambda.Handler{"slow": block})
			out := h.run(t, machine("T", `
				"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
					"Parameters": {"FunctionName": "slow"},
					"TimeoutSecondsPath": "$.limit",
					"Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Done"}],
					"End": true},
				"Done": {"Type": "Succeed"}`), tt.input)
			wantStatus(t, out, types.ExecutionStatus(tt.wantStatus))
			if got := aws.ToString(out.Error); got != tt.wantError {
				t.Errorf("error: got %q, want %q", got, tt.wantError)
			}
			if diff := cmp.Diff(tt.slept, h.clock.slept()); diff != "" {
				t.Errorf("waits mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestHandlerSeesLambdaContext follows the AWS docs "Using the Lambda context
// object to retrieve Go function information": the handler's context carries
// the request id and the invoked function's ARN.
func TestHandlerSeesLambdaContext(t *testing.T) {
	h := newHarness(t, map[string]lambda.Handler{
		"whoami": lambda.NewHandler(func(ctx context.Context) (map[string]string, error) {
			lc, ok := lambdacontext.FromContext(ctx)
			if !ok {
				return nil, errors.New("no lambda context")
			}
			return map[string]string{"arn": lc.InvokedFunctionArn,
				"hasRequestID": fmt.Sprint(lc.AwsRequestID != "")}, nil
		}),
	})
	out := h.run(t, machine("T", `"T": {"Type": "Task",
		"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "whoami"},
		"OutputPath": "$.Payload", "End": true}`), `{}`)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output), `{"hasRequestID": "true",
		"arn": "arn:aws:lambda:us-east-1:000000000000:function:whoami"}`)
}

// TestWaitUsesTheClock follows the ASL spec section "Wait State": Seconds,
// SecondsPath, Timestamp and TimestampPath, waited on the engine's clock.
func TestWaitUsesTheClock(t *testing.T) {
	tests := []struct {
		name  string
		wait  string
		input string
		want  time.Duration
	}{
		{"Seconds", `"Seconds": 10`, `{}`, 10 * time.Second},
		{"SecondsPath", `"SecondsPath": "$.delay"`, `{"delay": 7}`, 7 * time.Second},
		{"Timestamp", `"Timestamp": "2025-03-14T10:26:53Z"`, `{}`, time.Hour},
		{"TimestampPath", `"TimestampPath": "$.at"`, `{"at": "2025-03-14T09:27:53Z"}`,
			time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			out := h.run(t, machine("W", `"W": {"Type": "Wait", `+tt.wait+`, "End": true}`),
				tt.input)
			wantStatus(t, out, types.ExecutionStatusSucceeded)
			wantJSON(t, "output", aws.ToString(out.Output), tt.input)
			if diff := cmp.Diff([]time.Duration{tt.want}, h.clock.slept()); diff != "" {
				t.Errorf("waits mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFailState follows the ASL spec section "Fail State": the execution fails
// with the state's Error and Cause, or those its paths select.
func TestFailState(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name, state, input, wantError, wantCause string
	}{
		{"Error and Cause",
			`{"Type": "Fail", "Error": "Investigation.Failed", "Cause": "no data"}`,
			`{}`, "Investigation.Failed", "no data"},
		{"ErrorPath and CausePath", `{"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}`,
			`{"e": "E", "c": "C"}`, "E", "C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := h.run(t, machine("F", `"F": `+tt.state), tt.input)
			wantStatus(t, out, types.ExecutionStatusFailed)
			if aws.ToString(out.Error) != tt.wantError || aws.ToString(out.Cause) != tt.wantCause {
				t.Errorf("error, cause: got %q, %q, want %q, %q", aws.ToString(out.Error),
					aws.ToString(out.Cause), tt.wantError, tt.wantCause)
			}
		})
	}
}
