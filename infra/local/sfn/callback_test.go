package sfn

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// callbackMachine asks function "approve" for approval with the task token
// and waits for the answer; a rejection is caught.
func callbackMachine(heartbeat string) string {
	return machine("Ask", `"Ask": {"Type": "Task",
		"Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters": {"FunctionName": "approve",
			"Payload": {"action.$": "$.action", "token.$": "$$.Task.Token"}},
		`+heartbeat+`"ResultPath": "$.decision", "Next": "Done",
		"Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.rejection",
			"Next": "Done"}]},
		"Done": {"Type": "Succeed"}`)
}

// tokenSink is a Lambda handler that hands each task token it receives to
// the test, as an approval request does.
func tokenSink() (lambda.Handler, <-chan string) {
	tokens := make(chan string, 8)
	h := lambda.NewHandler(func(in struct {
		Token string `json:"token"`
	}) error {
		tokens <- in.Token
		return nil
	})
	return h, tokens
}

// receive waits for the next token.
func receive(t testing.TB, tokens <-chan string) string {
	t.Helper()
	select {
	case tok := <-tokens:
		return tok
	case <-time.After(10 * time.Second):
		t.Fatal("no task token reached the function within 10s")
		return ""
	}
}

// TestCallbackTaskToken follows the AWS docs "Wait for a Callback with Task
// Token" and the API reference of SendTaskSuccess and SendTaskFailure: the
// task passes $$.Task.Token to the function, waits, and continues with the
// output sent, or fails with the error sent. A token answered once, or one
// the engine never issued, is refused with TaskDoesNotExist or InvalidToken.
func TestCallbackTaskToken(t *testing.T) {
	approve, tokens := tokenSink()
	h := newHarness(t, map[string]lambda.Handler{"approve": approve})
	ctx := context.Background()
	arn := h.create(t, "callback", callbackMachine(""))

	// SendTaskSuccess continues the execution with its output
	x := h.start(t, arn, `{"action": "isolate-host"}`)
	token := receive(t, tokens)
	_, err := h.client.SendTaskSuccess(ctx, &sdk.SendTaskSuccessInput{
		TaskToken: aws.String(token), Output: aws.String(`{"approved": true}`)})
	if err != nil {
		t.Fatalf("SendTaskSuccess: %v", err)
	}
	out := h.wait(t, x)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output),
		`{"action": "isolate-host", "decision": {"approved": true}}`)

	// the same token again is no longer valid
	_, err = h.client.SendTaskSuccess(ctx, &sdk.SendTaskSuccessInput{
		TaskToken: aws.String(token), Output: aws.String(`{}`)})
	if !asAPIError[*types.TaskDoesNotExist](err) {
		t.Errorf("SendTaskSuccess twice: got %v, want TaskDoesNotExist", err)
	}

	// SendTaskFailure fails the task with its error, which Catch handles
	x = h.start(t, arn, `{"action": "disable-user"}`)
	_, err = h.client.SendTaskFailure(ctx, &sdk.SendTaskFailureInput{
		TaskToken: aws.String(receive(t, tokens)), Error: aws.String("Rejected"),
		Cause: aws.String("analyst said no")})
	if err != nil {
		t.Fatalf("SendTaskFailure: %v", err)
	}
	out = h.wait(t, x)
	wantJSON(t, "output", aws.ToString(out.Output), `{"action": "disable-user",
		"rejection": {"Error": "Rejected", "Cause": "analyst said no"}}`)

	// a token the engine never issued is invalid
	_, err = h.client.SendTaskHeartbeat(ctx, &sdk.SendTaskHeartbeatInput{
		TaskToken: aws.String("not-a-token")})
	if !asAPIError[*types.InvalidToken](err) {
		t.Errorf("SendTaskHeartbeat with a made-up token: got %v, want InvalidToken", err)
	}
}

// TestCallbackHeartbeatTimeout follows the AWS docs "Wait for a Callback with
// Task Token" (HeartbeatSeconds) and "Error names": with no heartbeat in
// time the task fails with States.HeartbeatTimeout, and answering its token
// afterwards is TaskTimedOut.
func TestCallbackHeartbeatTimeout(t *testing.T) {
	approve, tokens := tokenSink()
	h := newHarness(t, map[string]lambda.Handler{"approve": approve})
	arn := h.create(t, "heartbeat", callbackMachine(`"HeartbeatSeconds": 60,`))
	out := h.wait(t, h.start(t, arn, `{"action": "block-url"}`))
	wantStatus(t, out, types.ExecutionStatusFailed)
	if got := aws.ToString(out.Error); got != errHeartbeat {
		t.Errorf("error: got %q, want %s", got, errHeartbeat)
	}
	_, err := h.client.SendTaskSuccess(context.Background(), &sdk.SendTaskSuccessInput{
		TaskToken: aws.String(receive(t, tokens)), Output: aws.String(`{}`)})
	if !asAPIError[*types.TaskTimedOut](err) {
		t.Errorf("SendTaskSuccess after the timeout: got %v, want TaskTimedOut", err)
	}
}

// TestWaitingExecutionSurvivesRestart follows the durability
// requirement: an execution waiting on a task token outlives its engine;
// a new engine on the same state directory resumes it, accepts the same
// token and completes it, keeping the history from before the restart.
func TestWaitingExecutionSurvivesRestart(t *testing.T) {
	// start an execution and let it wait on its token
	dir := t.TempDir()
	approve, tokens := tokenSink()
	functions := map[string]lambda.Handler{"approve": approve}
	first := newHarnessWith(t, Options{StateDir: dir, Functions: functions})
	arn := first.create(t, "durable", callbackMachine(""))
	x := first.start(t, arn, `{"action": "quarantine-file"}`)
	token := receive(t, tokens)
	waitForEvent(t, first, x, types.HistoryEventTypeTaskSubmitted)
	first.engine.Close()

	// a new engine resumes it and accepts the token
	second := newHarnessWith(t, Options{StateDir: dir, Functions: functions})
	_, err := second.client.SendTaskSuccess(context.Background(), &sdk.SendTaskSuccessInput{
		TaskToken: aws.String(token), Output: aws.String(`{"approved": true}`)})
	if err != nil {
		t.Fatalf("SendTaskSuccess after the restart: %v", err)
	}
	out := second.wait(t, x)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output),
		`{"action": "quarantine-file", "decision": {"approved": true}}`)

	// the function was not asked again, and the history spans the restart
	select {
	case tok := <-tokens:
		t.Errorf("the function got a token again after the restart: %.10s…", tok)
	default:
	}
	events := eventTypes(second.history(t, x))
	if events[0] != "ExecutionStarted" || events[len(events)-1] != "ExecutionSucceeded" {
		t.Errorf("history: got %v, want it to run from ExecutionStarted to "+
			"ExecutionSucceeded", events)
	}
}

// waitForEvent polls the history until an event of type typ appears.
func waitForEvent(t testing.TB, h *harness, x string, typ types.HistoryEventType) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, ev := range h.history(t, x) {
			if ev.Type == typ {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %s event within 10s", typ)
}
