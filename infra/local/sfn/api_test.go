package sfn

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
)

const passMachine = `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`

// blocking returns a handler that runs until release is closed.
func blocking(release <-chan struct{}) lambda.Handler {
	return lambda.NewHandler(func(ctx context.Context) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
}

const blockingMachine = `{"StartAt": "T", "States": {"T": {"Type": "Task",
	"Resource": "arn:aws:lambda:us-east-1:000000000000:function:block", "End": true}}}`

// TestStartExecutionIsIdempotentWhileRunning follows the AWS API reference
// for StartExecution: the same name and input while the execution runs
// returns it again; a different input, or the same after it closed, is
// ExecutionAlreadyExists.
func TestStartExecutionIsIdempotentWhileRunning(t *testing.T) {
	// start an execution that blocks
	release := make(chan struct{})
	h := newHarness(t, map[string]lambda.Handler{"block": blocking(release)})
	ctx := context.Background()
	arn := h.create(t, "idempotent", blockingMachine)
	in := &sdk.StartExecutionInput{StateMachineArn: aws.String(arn),
		Name: aws.String("inv-42"), Input: aws.String(`{"id": 42}`)}
	first, err := h.client.StartExecution(ctx, in)
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}

	// the same request returns the same execution
	again, err := h.client.StartExecution(ctx, in)
	if err != nil {
		t.Fatalf("StartExecution again: %v", err)
	}
	got, want := aws.ToString(again.ExecutionArn), aws.ToString(first.ExecutionArn)
	if got != want {
		t.Errorf("execution ARN: got %s, want %s", got, want)
	}

	// a different input is refused
	other := *in
	other.Input = aws.String(`{"id": 43}`)
	_, err = h.client.StartExecution(ctx, &other)
	if !asAPIError[*types.ExecutionAlreadyExists](err) {
		t.Errorf("StartExecution with another input: got %v, want ExecutionAlreadyExists", err)
	}

	// once closed, even the same request is refused
	close(release)
	wantStatus(t, h.wait(t, aws.ToString(first.ExecutionArn)), types.ExecutionStatusSucceeded)
	_, err = h.client.StartExecution(ctx, in)
	if !asAPIError[*types.ExecutionAlreadyExists](err) {
		t.Errorf("StartExecution after close: got %v, want ExecutionAlreadyExists", err)
	}
}

// TestAPIErrorCodes follows the AWS API reference "Errors" section of each
// operation: the SDK receives the typed error for each failure.
func TestAPIErrorCodes(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	arn := h.create(t, "errors", passMachine)
	missingMachine := "arn:aws:states:us-east-1:000000000000:stateMachine:nope"
	missingExec := "arn:aws:states:us-east-1:000000000000:execution:errors:nope"
	tests := []struct {
		name  string
		call  func() error
		check func(error) bool
		want  string
	}{{
		name: "StartExecution on an unknown state machine",
		call: func() error {
			_, err := h.client.StartExecution(ctx, &sdk.StartExecutionInput{
				StateMachineArn: aws.String(missingMachine)})
			return err
		},
		check: asAPIError[*types.StateMachineDoesNotExist], want: "StateMachineDoesNotExist",
	}, {
		name: "DescribeExecution of an unknown execution",
		call: func() error {
			_, err := h.client.DescribeExecution(ctx, &sdk.DescribeExecutionInput{
				ExecutionArn: aws.String(missingExec)})
			return err
		},
		check: asAPIError[*types.ExecutionDoesNotExist], want: "ExecutionDoesNotExist",
	}, {
		name: "GetExecutionHistory of an unknown execution",
		call: func() error {
			_, err := h.client.GetExecutionHistory(ctx, &sdk.GetExecutionHistoryInput{
				ExecutionArn: aws.String(missingExec)})
			return err
		},
		check: asAPIError[*types.ExecutionDoesNotExist], want: "ExecutionDoesNotExist",
	}, {
		name: "StopExecution of an unknown execution",
		call: func() error {
			_, err := h.client.StopExecution(ctx, &sdk.StopExecutionInput{
				ExecutionArn: aws.String(missingExec)})
			return err
		},
		check: asAPIError[*types.ExecutionDoesNotExist], want: "ExecutionDoesNotExist",
	}, {
		name: "DescribeStateMachine with a malformed ARN",
		call: func() error {
			_, err := h.client.DescribeStateMachine(ctx, &sdk.DescribeStateMachineInput{
				StateMachineArn: aws.String("not-an-arn")})
			return err
		},
		check: asAPIError[*types.InvalidArn], want: "InvalidArn",
	}, {
		name: "CreateStateMachine with a bad definition",
		call: func() error {
			_, err := h.client.CreateStateMachine(ctx, &sdk.CreateStateMachineInput{
				Name: aws.String("bad"), Definition: aws.String(`{"StartAt": "X"}`),
				RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
			return err
		},
		check: asAPIError[*types.InvalidDefinition], want: "InvalidDefinition",
	}, {
		name: "CreateStateMachine with a bad name",
		call: func() error {
			_, err := h.client.CreateStateMachine(ctx, &sdk.CreateStateMachineInput{
				Name: aws.String("has space"), Definition: aws.String(passMachine),
				RoleArn: aws.String("arn:aws:iam::000000000000:role/r")})
			return err
		},
		check: asAPIError[*types.InvalidName], want: "InvalidName",
	}, {
		name: "CreateStateMachine reusing a name for another definition",
		call: func() error {
			_, err := h.client.CreateStateMachine(ctx, &sdk.CreateStateMachineInput{
				Name: aws.String("errors"), Definition: aws.String(blockingMachine),
				RoleArn: aws.String("arn:aws:iam::000000000000:role/test")})
			return err
		},
		check: asAPIError[*types.StateMachineAlreadyExists], want: "StateMachineAlreadyExists",
	}, {
		name: "StartExecution with input that is not JSON",
		call: func() error {
			_, err := h.client.StartExecution(ctx, &sdk.StartExecutionInput{
				StateMachineArn: aws.String(arn), Input: aws.String(`{"a":`)})
			return err
		},
		check: asAPIError[*types.InvalidExecutionInput], want: "InvalidExecutionInput",
	}, {
		name: "StartExecution with a bad name",
		call: func() error {
			_, err := h.client.StartExecution(ctx, &sdk.StartExecutionInput{
				StateMachineArn: aws.String(arn), Name: aws.String("a/b")})
			return err
		},
		check: asAPIError[*types.InvalidName], want: "InvalidName",
	}, {
		name: "ListExecutions with a bad status filter",
		call: func() error {
			_, err := h.client.ListExecutions(ctx, &sdk.ListExecutionsInput{
				StateMachineArn: aws.String(arn), StatusFilter: "DONE"})
			return err
		},
		check: asAPIError[*types.ValidationException], want: "ValidationException",
	}, {
		name: "GetExecutionHistory with a bad token",
		call: func() error {
			x := h.start(t, arn, `{}`)
			_, err := h.client.GetExecutionHistory(ctx, &sdk.GetExecutionHistoryInput{
				ExecutionArn: aws.String(x), NextToken: aws.String("garbage!")})
			return err
		},
		check: asAPIError[*types.InvalidToken], want: "InvalidToken",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !tt.check(err) {
				t.Errorf("got error %v, want %s", err, tt.want)
			}
		})
	}
}

// TestProtocolErrorShape follows the AWS docs "JSON 1.0 protocol" error
// responses: status 400 and a body of __type and message.
func TestProtocolErrorShape(t *testing.T) {
	e := mustNew(t, Options{})
	defer e.Close()
	tests := []struct {
		name, target, body, wantType string
	}{
		{"unknown operation", "AWSStepFunctions.DeleteEverything", `{}`,
			"UnknownOperationException"},
		{"malformed body", "AWSStepFunctions.StartExecution", `{"name": 7}`,
			"ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			req.Header.Set("X-Amz-Target", tt.target)
			req.Header.Set("Content-Type", contentTypeJSON)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			var body struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("decode %q: %v", rec.Body.String(), err)
			}
			ok := rec.Code == http.StatusBadRequest && body.Type == tt.wantType
			if !ok || body.Message == "" {
				t.Errorf("got %d %+v, want 400 with __type %s and a message",
					rec.Code, body, tt.wantType)
			}
		})
	}
}

// TestStateMachineAndExecutionListings follows the AWS API reference for
// DescribeStateMachine, ListStateMachines, ListExecutions (statusFilter,
// newest first) and DescribeExecution.
func TestStateMachineAndExecutionListings(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	arn := h.create(t, "listed", machine("C", `
		"C": {"Type": "Choice", "Choices": [
			{"Variable": "$.ok", "BooleanEquals": true, "Next": "Good"}], "Default": "Bad"},
		"Good": {"Type": "Succeed"},
		"Bad": {"Type": "Fail", "Error": "Bad"}`))

	// describe and list the state machine
	desc, err := h.client.DescribeStateMachine(ctx, &sdk.DescribeStateMachineInput{
		StateMachineArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeStateMachine: %v", err)
	}
	if aws.ToString(desc.Name) != "listed" || desc.Status != types.StateMachineStatusActive ||
		desc.Type != types.StateMachineTypeStandard || desc.CreationDate == nil {
		t.Errorf("DescribeStateMachine: got %+v, want listed, ACTIVE, STANDARD", desc)
	}
	machines, err := h.client.ListStateMachines(ctx, &sdk.ListStateMachinesInput{})
	if err != nil || len(machines.StateMachines) != 1 {
		t.Fatalf("ListStateMachines: got %+v, %v, want one state machine", machines, err)
	}

	// run one execution to each end
	good := h.wait(t, h.start(t, arn, `{"ok": true}`))
	bad := h.wait(t, h.start(t, arn, `{"ok": false}`))
	wantStatus(t, good, types.ExecutionStatusSucceeded)
	wantStatus(t, bad, types.ExecutionStatusFailed)
	dated := good.StartDate != nil && good.StopDate != nil
	if !dated || aws.ToString(good.Input) != `{"ok": true}` {
		t.Errorf("DescribeExecution: got %+v, want start and stop dates and the input", good)
	}

	// list them, all and filtered
	tests := []struct {
		filter types.ExecutionStatus
		want   []string
	}{
		{"", []string{aws.ToString(bad.ExecutionArn), aws.ToString(good.ExecutionArn)}},
		{types.ExecutionStatusFailed, []string{aws.ToString(bad.ExecutionArn)}},
		{types.ExecutionStatusRunning, []string{}},
	}
	for _, tt := range tests {
		out, err := h.client.ListExecutions(ctx, &sdk.ListExecutionsInput{
			StateMachineArn: aws.String(arn), StatusFilter: tt.filter})
		if err != nil {
			t.Fatalf("ListExecutions(%q): %v", tt.filter, err)
		}
		got := []string{}
		for _, x := range out.Executions {
			got = append(got, aws.ToString(x.ExecutionArn))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ListExecutions(%q) mismatch (-want +got):\n%s", tt.filter, diff)
		}
	}
}

// TestGetExecutionHistoryPagingAndOrder follows the AWS API reference for
// GetExecutionHistory: maxResults and nextToken page through the events,
// reverseOrder lists the newest first.
func TestGetExecutionHistoryPagingAndOrder(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	x := h.wait(t, h.start(t, h.create(t, "paged", machine("A", `
		"A": {"Type": "Pass", "Next": "B"},
		"B": {"Type": "Pass", "Next": "C"},
		"C": {"Type": "Succeed"}`)), `{}`))
	want := []string{"ExecutionStarted", "PassStateEntered", "PassStateExited",
		"PassStateEntered", "PassStateExited", "SucceedStateEntered", "SucceedStateExited",
		"ExecutionSucceeded"}

	// page through two events at a time
	var got []string
	in := &sdk.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn, MaxResults: 2}
	for pages := 0; ; pages++ {
		out, err := h.client.GetExecutionHistory(ctx, in)
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		got = append(got, eventTypes(out.Events)...)
		if out.NextToken == nil {
			break
		}
		if pages > len(want) {
			t.Fatal("GetExecutionHistory never returned the last page")
		}
		in.NextToken = out.NextToken
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged history mismatch (-want +got):\n%s", diff)
	}

	// the reverse order starts with the close
	out, err := h.client.GetExecutionHistory(ctx, &sdk.GetExecutionHistoryInput{
		ExecutionArn: x.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	if err != nil {
		t.Fatalf("GetExecutionHistory reversed: %v", err)
	}
	if got := eventTypes(out.Events); len(got) != 1 || got[0] != "ExecutionSucceeded" {
		t.Errorf("reversed first event: got %v, want [ExecutionSucceeded]", got)
	}
	entered := h.history(t, aws.ToString(x.ExecutionArn))[1].StateEnteredEventDetails
	if aws.ToString(entered.Name) != "A" || aws.ToString(entered.Input) != "{}" {
		t.Errorf("PassStateEntered details: got %+v, want name A and input {}", entered)
	}
}

// TestStopExecutionAborts follows the AWS API reference for StopExecution:
// a running execution becomes ABORTED with the given error and cause.
func TestStopExecutionAborts(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h := newHarness(t, map[string]lambda.Handler{"block": blocking(release)})
	ctx := context.Background()
	x := h.start(t, h.create(t, "stoppable", blockingMachine), `{}`)

	_, err := h.client.StopExecution(ctx, &sdk.StopExecutionInput{ExecutionArn: aws.String(x),
		Error: aws.String("Analyst.Stopped"), Cause: aws.String("false positive")})
	if err != nil {
		t.Fatalf("StopExecution: %v", err)
	}
	out := h.wait(t, x)
	wantStatus(t, out, types.ExecutionStatusAborted)
	gotError, gotCause := aws.ToString(out.Error), aws.ToString(out.Cause)
	if gotError != "Analyst.Stopped" || gotCause != "false positive" {
		t.Errorf("error, cause: got %q, %q, want Analyst.Stopped, false positive",
			gotError, gotCause)
	}
	events := eventTypes(h.history(t, x))
	if last := events[len(events)-1]; last != "ExecutionAborted" {
		t.Errorf("last event: got %s, want ExecutionAborted", last)
	}
}

// TestExecutionTimeout follows the ASL spec section "Top-level fields"
// (TimeoutSeconds): an execution running past it is TIMED_OUT.
func TestExecutionTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h := newHarness(t, map[string]lambda.Handler{"block": blocking(release)})
	def := strings.Replace(blockingMachine, `"StartAt"`, `"TimeoutSeconds": 60, "StartAt"`, 1)
	out := h.wait(t, h.start(t, h.create(t, "timed", def), `{}`))
	wantStatus(t, out, types.ExecutionStatusTimedOut)
	if got := aws.ToString(out.Error); got != errTimeout {
		t.Errorf("error: got %q, want %s", got, errTimeout)
	}
}

// TestCloseAbortsRunningExecutions checks the Engine.Close contract: running
// executions end as ABORTED and Close returns once their goroutines have.
func TestCloseAbortsRunningExecutions(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	e := mustNew(t, Options{Functions: map[string]lambda.Handler{"block": blocking(release)}})
	arn, err := e.CreateStateMachine(context.Background(), "closing", blockingMachine)
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	x, err := e.startExecution(arn, "", "")
	if err != nil {
		t.Fatalf("startExecution: %v", err)
	}
	e.Close()
	<-x.done
	if got := x.listItem().Status; got != statusAborted {
		t.Errorf("status after Close: got %s, want %s", got, statusAborted)
	}
	if _, err := e.startExecution(arn, "", ""); err == nil {
		t.Error("startExecution after Close: got nil error, want one")
	}
}
