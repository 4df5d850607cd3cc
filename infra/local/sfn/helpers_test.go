package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
)

// fakeClock is a Clock whose Sleep returns at once after moving the clock
// forward, recording every duration it was asked to wait.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.mu.Unlock()
	return ctx.Err()
}

// slept returns the durations passed to Sleep so far.
func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// harness is an engine behind a real HTTP server, reached through the real
// aws-sdk-go-v2 Step Functions client.
type harness struct {
	engine *Engine
	client *sdk.Client
	clock  *fakeClock
	url    string
}

// newHarness starts an engine with the functions and a fake clock.
func newHarness(t testing.TB, functions map[string]lambda.Handler) *harness {
	t.Helper()
	return newHarnessWith(t, Options{Functions: functions})
}

// newHarnessWith starts an engine with opts, a fake clock unless opts has
// a clock, behind an HTTP server closed with the test.
func newHarnessWith(t testing.TB, opts Options) *harness {
	t.Helper()
	clock, _ := opts.Clock.(*fakeClock)
	if opts.Clock == nil {
		clock = newFakeClock()
		opts.Clock = clock
	}
	opts.Region, opts.AccountID = "us-east-1", "000000000000"
	e := mustNew(t, opts)
	h := serve(t, e)
	h.clock = clock
	return h
}

// serve puts e behind an HTTP server, reached through the SDK client.
func serve(t testing.TB, e *Engine) *harness {
	t.Helper()
	srv := httptest.NewServer(e)
	t.Cleanup(func() {
		srv.Close()
		e.Close()
	})
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	client := sdk.NewFromConfig(cfg, func(o *sdk.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
	return &harness{engine: e, client: client, url: srv.URL}
}

// create creates a state machine from definition through the API.
func (h *harness) create(t testing.TB, name, definition string) string {
	t.Helper()
	out, err := h.client.CreateStateMachine(context.Background(), &sdk.CreateStateMachineInput{
		Name:       aws.String(name),
		Definition: aws.String(definition),
		RoleArn:    aws.String("arn:aws:iam::000000000000:role/test"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine(%s): %v", name, err)
	}
	return aws.ToString(out.StateMachineArn)
}

// start starts an execution and returns its ARN.
func (h *harness) start(t testing.TB, machineARN, input string) string {
	t.Helper()
	out, err := h.client.StartExecution(context.Background(), &sdk.StartExecutionInput{
		StateMachineArn: aws.String(machineARN),
		Input:           aws.String(input),
	})
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	return aws.ToString(out.ExecutionArn)
}

// wait polls DescribeExecution until the execution is no longer running.
func (h *harness) wait(t testing.TB, executionARN string) *sdk.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := h.client.DescribeExecution(context.Background(),
			&sdk.DescribeExecutionInput{ExecutionArn: aws.String(executionARN)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running after 10s", executionARN)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// run creates a state machine, runs it on input and waits for it to close.
func (h *harness) run(t testing.TB, definition, input string) *sdk.DescribeExecutionOutput {
	t.Helper()
	arn := h.create(t, uniqueName(t), definition)
	return h.wait(t, h.start(t, arn, input))
}

// history reads an execution's whole history, page by page.
func (h *harness) history(t testing.TB, executionARN string) []types.HistoryEvent {
	t.Helper()
	var events []types.HistoryEvent
	p := sdk.NewGetExecutionHistoryPaginator(h.client, &sdk.GetExecutionHistoryInput{
		ExecutionArn: aws.String(executionARN),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		events = append(events, page.Events...)
	}
	return events
}

// eventTypes returns the types of events, in order.
func eventTypes(events []types.HistoryEvent) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = string(ev.Type)
	}
	return out
}

var nameSeq struct {
	sync.Mutex
	n int
}

// uniqueName returns a state machine name no other test uses.
func uniqueName(t testing.TB) string {
	nameSeq.Lock()
	defer nameSeq.Unlock()
	nameSeq.n++
	return "machine-" + time.Now().Format("150405") + "-" + strconv.Itoa(nameSeq.n)
}

// wantJSON fails the test unless got and want are the same JSON document.
func wantJSON(t testing.TB, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: got %q, which is not JSON: %v", what, got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: want %q, which is not JSON: %v", what, want, err)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}

// wantStatus fails the test unless the execution closed with status.
func wantStatus(t testing.TB, out *sdk.DescribeExecutionOutput, status types.ExecutionStatus) {
	t.Helper()
	if out.Status != status {
		t.Fatalf("status: got %s, want %s (error %q, cause %q)", out.Status, status,
			aws.ToString(out.Error), aws.ToString(out.Cause))
	}
}

// machine wraps states in a definition that starts at the first state named.
func machine(startAt, states string) string {
	return `{"StartAt": "` + startAt + `", "States": {` + states + `}}`
}

// asAPIError reports whether err is the typed SDK error T.
func asAPIError[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// sdkStart is the StartExecution input, shortened for tables.
type sdkStart = sdk.StartExecutionInput

// replaceAll is strings.ReplaceAll, kept short for tables.
func replaceAll(s, old, new string) string {
	return strings.ReplaceAll(s, old, new)
}

// decode unmarshals JSON into v or fails the test.
func decode(t testing.TB, data string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(data), v); err != nil {
		t.Fatalf("decode %q: %v", data, err)
	}
}

// mustNew returns a new Engine or fails the test.
func mustNew(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}
