package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/workflow"
)

// repoRoot is the repository root, relative to this package.
const repoRoot = "../../.."

// investigationDefinition returns the deployed ASL file with every
// ${Placeholder} replaced by the ARN of its function, as CDK's
// DefinitionSubstitutions would.
func investigationDefinition(t testing.TB, e *Engine) string {
	t.Helper()
	sm := stack.Firebreak.StateMachine
	src, err := os.ReadFile(filepath.Join(repoRoot, sm.DefinitionFile))
	if err != nil {
		t.Fatalf("read state machine: %v", err)
	}
	def := string(src)
	for placeholder, function := range sm.Substitutions {
		def = strings.ReplaceAll(def, "${"+placeholder+"}", e.FunctionARN(function))
	}
	return def
}

// The states an investigation passes through, in pieces a test joins.
var (
	// roundStates are the states of one round.
	roundStates = []string{"GatherThreatInfo", "DetermineOrigin", "IdentifyAffected",
		"HuntOtherInstances", "ExpandScope", "WidenAgain"}
	// decided are the states after the last round when nothing waits for
	// a person: one Remediate runs whatever Decide approved, and the
	// Approvals map has nothing to ask.
	decided = []string{"Decide", "RemediateApproved", "Approvals", "Finalize"}
)

// roundSteps are the functions one round calls, in order.
var roundSteps = []string{"gatherthreatinfo", "determineorigin", "identifyaffected",
	"huntotherinstances", "expandscope"}

// script is how a test case has the stand-in step handlers answer.
type script struct {
	// expansions are ExpandScope's answers in turn, each completed with the
	// investigation and, when its Round is zero, the round it was handed.
	// Past the last one, ExpandScope finds nothing new.
	expansions []workflow.ExpandOutput
	approved   int // actions Decide approves and Remediate runs
	waiting    int // actions Decide makes wait for a person
	// expiry is the approval timeout Decide passes on; zero: seven days
	expiry    time.Duration
	throttled map[string]int   // RetryableError failures of a function before it answers
	broken    map[string]error // the error a function fails with, every time
}

// standIns are stand-ins for Firebreak's step handlers. They take and give
// the input and output types of shared/workflow, answer as their script
// says and keep every payload they are handed.
type standIns struct {
	script
	tokens chan string // the task tokens requestscopeapproval was handed

	mu       sync.Mutex
	calls    []stepCall
	failures map[string]int // RetryableError failures so far, per function
}

// stepCall is one payload a stand-in was handed.
type stepCall struct {
	function string
	payload  json.RawMessage
}

func newStandIns(sc script) *standIns {
	return &standIns{script: sc, tokens: make(chan string, 4), failures: map[string]int{}}
}

// functions returns the stand-ins by function name, as the stack names them.
func (s *standIns) functions() map[string]lambda.Handler {
	fns := map[string]lambda.Handler{
		"triage": standIn(s, "triage", func(in workflow.Input) workflow.TriageOutput {
			return workflow.TriageOutput{InvestigationID: in.InvestigationID,
				Playbook: "phishing", Round: 1}
		}),
		"expandscope": standIn(s, "expandscope", s.expand),
		"requestscopeapproval": standIn(s, "requestscopeapproval",
			func(in workflow.ScopeApprovalInput) struct{} {
				s.tokens <- in.TaskToken
				return struct{}{}
			}),
		"decide": standIn(s, "decide", func(workflow.Input) workflow.DecideOutput {
			out := workflow.DecideOutput{Approved: s.approved, Waiting: []workflow.DecidedItem{}}
			for i := range s.waiting {
				out.Waiting = append(out.Waiting, workflow.DecidedItem{ID: fmt.Sprint("wait-", i+1)})
			}
			out.PendingApproval = s.waiting
			expiry := 7 * 24 * time.Hour
			if s.expiry > 0 {
				expiry = s.expiry
			}
			out.ApprovalTimeoutSeconds = int64(expiry / time.Second)
			return out
		}),
		"remediate": standIn(s, "remediate",
			func(in workflow.RemediateInput) workflow.RemediateOutput {
				if in.ActionID == "" {
					return workflow.RemediateOutput{Succeeded: s.approved} // every approved one
				}
				return workflow.RemediateOutput{Succeeded: 1}
			}),
		"finalize": standIn(s, "finalize", s.finalize),
		"requestapproval": standIn(s, "requestapproval",
			func(in workflow.ApprovalInput) struct{} {
				s.tokens <- in.TaskToken
				return struct{}{}
			}),
		"expireapproval": standIn(s, "expireapproval",
			func(workflow.ActionInput) workflow.ExpireOutput {
				return workflow.ExpireOutput{Status: "expired"}
			}),
	}
	for _, name := range roundSteps[:4] {
		fns[name] = standIn(s, name, func(workflow.RoundInput) workflow.StepOutput {
			return workflow.StepOutput{Examined: 3, Malicious: 1}
		})
	}
	return fns
}

// standIn returns the handler of function: it keeps the payload, fails as
// the script says, and otherwise decodes the payload as In and answers.
func standIn[In, Out any](s *standIns, function string, answer func(In) Out) lambda.Handler {
	return lambda.NewHandler(func(payload json.RawMessage) (Out, error) {
		var in In
		if err := s.handle(function, payload); err != nil {
			var zero Out
			return zero, err
		}
		if err := json.Unmarshal(payload, &in); err != nil {
			var zero Out
			return zero, fmt.Errorf("decode %s payload: %w", function, err)
		}
		return answer(in), nil
	})
}

// handle keeps the payload function was handed and returns the failure the
// script sets for this call, if any.
func (s *standIns) handle(function string, payload json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, stepCall{function, payload})
	if err := s.broken[function]; err != nil {
		return err
	}
	if s.failures[function] < s.throttled[function] {
		s.failures[function]++
		return &workflow.RetryableError{Err: errors.New("provider throttled")}
	}
	return nil
}

// expand is ExpandScope: the next scripted answer, or nothing new.
func (s *standIns) expand(in workflow.ExpandInput) workflow.ExpandOutput {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out workflow.ExpandOutput
	if len(s.expansions) > 0 {
		out, s.expansions = s.expansions[0], s.expansions[1:]
	}
	out.InvestigationID = in.InvestigationID
	if out.Round == 0 {
		out.Round = in.Round
	}
	return out
}

// finalize is Finalize: failed after a caught error, else remediated when
// Decide approved something.
func (s *standIns) finalize(in workflow.FinalizeInput) workflow.FinalizeOutput {
	status := investigation.StatusNoThreatsFound
	switch {
	case in.State.Error != nil:
		status = investigation.StatusFailed
	case s.approved > 0:
		status = investigation.StatusRemediated
	}
	return workflow.FinalizeOutput{InvestigationID: in.State.InvestigationID, Status: status}
}

// payloads returns what the named functions were handed, in order, each as
// "function payload" with the payload compact and its keys sorted.
func (s *standIns) payloads(t testing.TB, functions ...string) []string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.calls {
		if !slices.Contains(functions, c.function) {
			continue
		}
		var v any
		decode(t, string(c.payload), &v)
		out = append(out, c.function+" "+encodeJSON(v))
	}
	return out
}

// finalInput returns the state Finalize was last handed ("null" if none)
// and the state machine ARN handed with it.
func (s *standIns) finalInput(t testing.TB) (state, machineARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.calls) - 1; i >= 0; i-- {
		if s.calls[i].function == "finalize" {
			var in struct {
				State           json.RawMessage `json:"state"`
				StateMachineARN string          `json:"state_machine_arn"`
			}
			decode(t, string(s.calls[i].payload), &in)
			return string(in.State), in.StateMachineARN
		}
	}
	return "null", ""
}

// roundPayloads are the payloads of one round's steps for round n.
func roundPayloads(n int) []string {
	var out []string
	for _, f := range roundSteps {
		out = append(out, fmt.Sprintf(`%s {"investigation_id":"inv-1","round":%d}`, f, n))
	}
	return out
}

// withToken returns lines with every TOKEN replaced by token.
func withToken(lines []string, token string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.ReplaceAll(l, "TOKEN", token)
	}
	return out
}

// longWait is a wait the holdClock holds: longer than any retry interval,
// shorter than the scope approval's timeout.
const longWait = time.Hour

// holdClock is a fakeClock that holds every wait of longWait or more until
// release is closed. A fakeClock alone would time the scope approval out
// the moment it is asked for, since a task's TimeoutSeconds is a wait on
// the engine's clock.
type holdClock struct {
	*fakeClock
	release chan struct{}
}

func (c *holdClock) Sleep(ctx context.Context, d time.Duration) error {
	if d >= longWait {
		select {
		case <-c.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.fakeClock.Sleep(ctx, d)
}

// startInvestigation starts the deployed definition on investigation inv-1
// against s, on a holdClock, and returns the harness, the execution and
// the clock.
func startInvestigation(t *testing.T, s *standIns) (*harness, string, *holdClock) {
	t.Helper()
	clock := &holdClock{fakeClock: newFakeClock(), release: make(chan struct{})}
	h := newHarnessWith(t, Options{Functions: s.functions(), Clock: clock})
	h.clock = clock.fakeClock // what the clock waited, held waits once they pass
	arn := h.create(t, stack.Firebreak.StateMachine.Name, investigationDefinition(t, h.engine))
	return h, h.start(t, arn, `{"investigation_id": "inv-1"}`), clock
}

// investigationWant is what a finished investigation should show.
type investigationWant struct {
	states  []string        // the states entered, in order
	waits   []time.Duration // the clock's waits: retry intervals and timeouts
	output  string          // the execution's output
	finalIn string          // the payload Finalize was handed
}

// check waits for execution x to succeed and compares it with w.
func (w investigationWant) check(t *testing.T, h *harness, x string, s *standIns) {
	t.Helper()
	out := h.wait(t, x)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output), w.output)
	if diff := cmp.Diff(w.states, enteredStates(h.history(t, x))); diff != "" {
		t.Errorf("states entered mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(w.waits, h.clock.slept()); diff != "" {
		t.Errorf("waits on the clock mismatch (-want +got):\n%s", diff)
	}
	state, machineARN := s.finalInput(t)
	wantJSON(t, "Finalize input state", state, w.finalIn)
	if want := stateMachineOf(x); machineARN != want {
		t.Errorf("Finalize got state machine %q, want %q from the context object", machineARN,
			want)
	}
}

// stateMachineOf returns the ARN of the state machine execution x runs.
func stateMachineOf(x string) string {
	arn := strings.Replace(x, ":execution:", ":stateMachine:", 1)
	return arn[:strings.LastIndex(arn, ":")]
}

// TestInvestigationRunsOneRoundToFinalize runs infra/statemachine/
// investigation.asl.json, the file CDK deploys, with the stack's
// substitutions, for investigations whose first round finds nothing new. It
// follows the AWS docs "Invoke Lambda with Step Functions" (lambda:invoke,
// Payload, ResultSelector) and "Handling errors in Step Functions
// workflows" (Retry, Catch).
func TestInvestigationRunsOneRoundToFinalize(t *testing.T) {
	oneRound := slices.Concat([]string{"Triage"}, roundStates)
	tests := []struct {
		name   string
		script script
		want   investigationWant
	}{{
		name:   "an approved action is remediated",
		script: script{approved: 1},
		want: investigationWant{
			states: slices.Concat(oneRound, decided),
			output: `{"investigation_id": "inv-1", "status": "remediated"}`,
			finalIn: `{"investigation_id": "inv-1", "round": 1, "continue": false,
				"needs_approval": false, "hosts": 0,
				"actions": {"approved": 1, "pending_approval": 0,
					"waiting": [],
					"approval_timeout_seconds": 604800},
				"remediation": {"succeeded": 1, "failed": 0}}`,
		},
	}, {
		name:   "nothing approved remediates nothing",
		script: script{approved: 0},
		want: investigationWant{
			states: slices.Concat(oneRound, decided),
			output: `{"investigation_id": "inv-1", "status": "no_threats_found"}`,
			finalIn: `{"investigation_id": "inv-1", "round": 1, "continue": false,
				"needs_approval": false, "hosts": 0,
				"actions": {"approved": 0, "pending_approval": 0, "waiting": [],
					"approval_timeout_seconds": 604800},
				"remediation": {"succeeded": 0, "failed": 0}}`,
		},
	}, {
		name:   "a RetryableError is retried with backoff",
		script: script{throttled: map[string]int{"identifyaffected": 2}},
		want: investigationWant{
			states: slices.Concat(oneRound, decided),
			waits:  []time.Duration{2 * time.Second, 4 * time.Second},
			output: `{"investigation_id": "inv-1", "status": "no_threats_found"}`,
			finalIn: `{"investigation_id": "inv-1", "round": 1, "continue": false,
				"needs_approval": false, "hosts": 0,
				"actions": {"approved": 0, "pending_approval": 0, "waiting": [],
					"approval_timeout_seconds": 604800},
				"remediation": {"succeeded": 0, "failed": 0}}`,
		},
	}, {
		name: "a failed step is caught and Finalize gets the error",
		script: script{broken: map[string]error{
			"determineorigin": errors.New("threat intelligence unavailable")}},
		want: investigationWant{
			states: []string{"Triage", "GatherThreatInfo", "DetermineOrigin", "Finalize"},
			output: `{"investigation_id": "inv-1", "status": "failed"}`,
			finalIn: `{"investigation_id": "inv-1", "round": 1,
				"last_step": {"examined": 3, "found": 0},
				"error": {"Error": "errorString",
					"Cause": "{\"errorMessage\":\"threat intelligence unavailable\",` +
				`\"errorType\":\"errorString\"}"}}`,
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIns(tt.script)
			h, x, _ := startInvestigation(t, s)
			tt.want.check(t, h, x, s)
		})
	}
}

// TestInvestigationRepeatsRoundsWhileExpansionFindsMore checks that an
// ExpandScope answering continue with the next round runs the four steps
// again on that round, and that the round ExpandScope ends with goes on to
// Decide.
func TestInvestigationRepeatsRoundsWhileExpansionFindsMore(t *testing.T) {
	s := newStandIns(script{approved: 1,
		expansions: []workflow.ExpandOutput{{Continue: true, Round: 2, Hosts: 3}}})
	h, x, _ := startInvestigation(t, s)
	investigationWant{
		states: slices.Concat([]string{"Triage"}, roundStates, roundStates, decided),
		output: `{"investigation_id": "inv-1", "status": "remediated"}`,
		finalIn: `{"investigation_id": "inv-1", "round": 2, "continue": false,
			"needs_approval": false, "hosts": 0,
			"actions": {"approved": 1, "pending_approval": 0,
				"waiting": [],
					"approval_timeout_seconds": 604800},
				"remediation": {"succeeded": 1, "failed": 0}}`,
	}.check(t, h, x, s)

	// each step was handed the investigation and, in a round, its round
	want := slices.Concat([]string{`triage {"investigation_id":"inv-1"}`},
		roundPayloads(1), roundPayloads(2),
		[]string{`decide {"investigation_id":"inv-1"}`,
			`remediate {"investigation_id":"inv-1"}`})
	got := s.payloads(t, slices.Concat([]string{"triage", "decide", "remediate"},
		roundSteps)...)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payloads mismatch (-want +got):\n%s", diff)
	}
}

// awaitScopeRequest waits until execution x has handed requestscopeapproval
// its task token and waits for the answer, and returns the token.
func awaitScopeRequest(t *testing.T, h *harness, x string, s *standIns) string {
	t.Helper()
	token := receive(t, s.tokens)
	if token == "" {
		t.Fatal("requestscopeapproval: got an empty task_token, want the task's token")
	}
	waitForEvent(t, h, x, types.HistoryEventTypeTaskSubmitted)
	return token
}

// wideExpansion has ExpandScope ask for approval to widen to 12 hosts, and
// find nothing new once asked again.
var wideExpansion = []workflow.ExpandOutput{{NeedsApproval: true, Hosts: 12}, {Hosts: 12}}

// TestInvestigationWideExpansionWaitsForApproval follows the AWS docs "Wait
// for a Callback with Task Token": an ExpandScope that needs approval has
// requestscopeapproval handed the round, the hosts and $$.Task.Token, and
// the execution stays RUNNING until the token is answered; then ExpandScope
// runs again on the same round.
func TestInvestigationWideExpansionWaitsForApproval(t *testing.T) {
	ctx := context.Background()
	s := newStandIns(script{expansions: wideExpansion})
	h, x, _ := startInvestigation(t, s)

	// the execution waits on the token requestscopeapproval was handed
	token := awaitScopeRequest(t, h, x, s)
	d, err := h.client.DescribeExecution(ctx,
		&sdk.DescribeExecutionInput{ExecutionArn: aws.String(x)})
	if err != nil {
		t.Fatalf("DescribeExecution: %v", err)
	}
	if d.Status != types.ExecutionStatusRunning {
		t.Errorf("status while waiting for approval: got %s, want %s", d.Status,
			types.ExecutionStatusRunning)
	}
	waiting := slices.Concat([]string{"Triage"}, roundStates, []string{"AwaitScopeApproval"})
	if diff := cmp.Diff(waiting, enteredStates(h.history(t, x))); diff != "" {
		t.Errorf("states entered while waiting mismatch (-want +got):\n%s", diff)
	}

	// the analyst approves, as the action center's API answers
	_, err = h.client.SendTaskSuccess(ctx, &sdk.SendTaskSuccessInput{
		TaskToken: aws.String(token), Output: aws.String(`{"approved":true}`)})
	if err != nil {
		t.Fatalf("SendTaskSuccess: %v", err)
	}
	investigationWant{
		states: slices.Concat(waiting, []string{"ExpandScope", "WidenAgain"}, decided),
		output: `{"investigation_id": "inv-1", "status": "no_threats_found"}`,
		finalIn: `{"investigation_id": "inv-1", "round": 1, "continue": false,
			"needs_approval": false, "hosts": 12,
			"actions": {"approved": 0, "pending_approval": 0, "waiting": [],
					"approval_timeout_seconds": 604800},
				"remediation": {"succeeded": 0, "failed": 0}}`,
	}.check(t, h, x, s)

	// the request named the round and hosts, and carried the task's token
	want := withToken([]string{
		`expandscope {"investigation_id":"inv-1","round":1}`,
		`requestscopeapproval {"hosts":12,"investigation_id":"inv-1","round":1,` +
			`"task_token":"TOKEN"}`,
		`expandscope {"investigation_id":"inv-1","round":1}`,
	}, token)
	got := s.payloads(t, "expandscope", "requestscopeapproval")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payloads mismatch (-want +got):\n%s", diff)
	}
}

// TestInvestigationUnansweredScopeApprovalExpires follows the ASL spec
// section "Task State" (TimeoutSeconds) and "Error names": a scope approval
// nobody answers fails with States.Timeout after seven days, which is
// caught into ScopeExpired, whose ExpandScope call says scope_expired; the
// investigation then goes on to Decide, and a late answer is refused.
func TestInvestigationUnansweredScopeApprovalExpires(t *testing.T) {
	s := newStandIns(script{expansions: wideExpansion})
	h, x, clock := startInvestigation(t, s)

	// seven days pass without an answer
	token := awaitScopeRequest(t, h, x, s)
	close(clock.release)
	investigationWant{
		states: slices.Concat([]string{"Triage"}, roundStates,
			[]string{"AwaitScopeApproval", "ScopeExpired", "WidenAgain"}, decided),
		waits:  []time.Duration{604800 * time.Second},
		output: `{"investigation_id": "inv-1", "status": "no_threats_found"}`,
		finalIn: `{"investigation_id": "inv-1", "round": 1, "continue": false,
			"needs_approval": false, "hosts": 12,
			"actions": {"approved": 0, "pending_approval": 0, "waiting": [],
					"approval_timeout_seconds": 604800},
				"remediation": {"succeeded": 0, "failed": 0}}`,
	}.check(t, h, x, s)

	// the wait timed out, and ExpandScope was told so
	if got := timedOutErrors(h.history(t, x)); !slices.Equal(got, []string{errTimeout}) {
		t.Errorf("TaskTimedOut errors: got %q, want [%s]", got, errTimeout)
	}
	want := withToken([]string{
		`expandscope {"investigation_id":"inv-1","round":1}`,
		`requestscopeapproval {"hosts":12,"investigation_id":"inv-1","round":1,` +
			`"task_token":"TOKEN"}`,
		`expandscope {"investigation_id":"inv-1","round":1,"scope_expired":true}`,
	}, token)
	got := s.payloads(t, "expandscope", "requestscopeapproval")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payloads mismatch (-want +got):\n%s", diff)
	}

	// an analyst answering after the expiry is refused
	_, err := h.client.SendTaskSuccess(context.Background(), &sdk.SendTaskSuccessInput{
		TaskToken: aws.String(token), Output: aws.String(`{"approved":true}`)})
	if !asAPIError[*types.TaskTimedOut](err) {
		t.Errorf("SendTaskSuccess after the expiry: got %v, want TaskTimedOut", err)
	}
}

// timedOutErrors returns the errors of the TaskTimedOut events, in order.
func timedOutErrors(events []types.HistoryEvent) []string {
	var out []string
	for _, ev := range events {
		if d := ev.TaskTimedOutEventDetails; d != nil {
			out = append(out, aws.ToString(d.Error))
		}
	}
	return out
}

// enteredStates returns the names of the states entered, in order.
func enteredStates(events []types.HistoryEvent) []string {
	var out []string
	for _, ev := range events {
		if d := ev.StateEnteredEventDetails; d != nil {
			out = append(out, aws.ToString(d.Name))
		}
	}
	return out
}

// TestInvestigationDefinitionRequiresSubstitutions checks that the raw file,
// placeholders unreplaced, still validates: the placeholders sit where
// function names go and only fail when a task runs.
func TestInvestigationDefinitionRequiresSubstitutions(t *testing.T) {
	e := mustNew(t, Options{})
	defer e.Close()
	src, err := os.ReadFile(filepath.Join(repoRoot, stack.Firebreak.StateMachine.DefinitionFile))
	if err != nil {
		t.Fatalf("read state machine: %v", err)
	}
	if _, err := e.CreateStateMachine(context.Background(), "raw", string(src)); err != nil {
		t.Errorf("CreateStateMachine(raw file): got %v, want nil", err)
	}
}

// awaitApprovalRequest waits until execution x has handed requestapproval
// its task token and waits for the answer, and returns the token.
func awaitApprovalRequest(t *testing.T, h *harness, x string, s *standIns) string {
	t.Helper()
	token := receive(t, s.tokens)
	if token == "" {
		t.Fatal("requestapproval: got an empty task_token, want the task's token")
	}
	waitForEvent(t, h, x, types.HistoryEventTypeTaskSubmitted)
	return token
}

// remediateApproved is RemediateApproved's call, which runs every
// approved action before the Approvals map asks about the waiting ones.
const remediateApproved = `remediate {"investigation_id":"inv-1"}`

// waitedStates are the states after the last round when one action waits.
var waitedStates = []string{"Decide", "RemediateApproved", "Approvals", "RequestApproval"}

// TestInvestigationActionWaitsForItsApproval checks the Map's iteration of
// an action that waits: RequestApproval is handed the action and its
// token, and the decision the token is answered with decides whether
// Remediate runs.
func TestInvestigationActionWaitsForItsApproval(t *testing.T) {
	for _, tt := range []struct {
		decision   string
		after      []string
		remediated bool
	}{
		{"approved", []string{"Approved", "Remediate", "Finalize"}, true},
		{"rejected", []string{"Approved", "ActionDone", "Finalize"}, false},
	} {
		t.Run(tt.decision, func(t *testing.T) {
			s := newStandIns(script{waiting: 1})
			h, x, _ := startInvestigation(t, s)
			token := awaitApprovalRequest(t, h, x, s)
			_, err := h.client.SendTaskSuccess(context.Background(), &sdk.SendTaskSuccessInput{
				TaskToken: aws.String(token),
				Output:    aws.String(`{"decision":"` + tt.decision + `"}`)})
			if err != nil {
				t.Fatalf("SendTaskSuccess: %v", err)
			}
			out := h.wait(t, x)
			wantStatus(t, out, types.ExecutionStatusSucceeded)
			states := slices.Concat([]string{"Triage"}, roundStates, waitedStates, tt.after)
			if diff := cmp.Diff(states, enteredStates(h.history(t, x))); diff != "" {
				t.Errorf("states entered mismatch (-want +got):\n%s", diff)
			}
			want := withToken([]string{remediateApproved, `requestapproval {"action_id":"wait-1",` +
				`"investigation_id":"inv-1","task_token":"TOKEN"}`}, token)
			if tt.remediated {
				want = append(want, `remediate {"action_id":"wait-1","investigation_id":"inv-1"}`)
			}
			got := s.payloads(t, "requestapproval", "remediate", "expireapproval")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("payloads mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInvestigationUnansweredActionApprovalExpires checks that the wait
// for an action's decision times out after the expiry Decide passes on
// (TimeoutSecondsPath), which expires the action (a rejection) and runs no
// remediation.
func TestInvestigationUnansweredActionApprovalExpires(t *testing.T) {
	s := newStandIns(script{waiting: 1, expiry: 72 * time.Hour})
	h, x, clock := startInvestigation(t, s)
	token := awaitApprovalRequest(t, h, x, s)
	close(clock.release)
	out := h.wait(t, x)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	states := slices.Concat([]string{"Triage"}, roundStates, waitedStates,
		[]string{"ApprovalExpired", "Finalize"})
	if diff := cmp.Diff(states, enteredStates(h.history(t, x))); diff != "" {
		t.Errorf("states entered mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{72 * time.Hour}, h.clock.slept()); diff != "" {
		t.Errorf("waits on the clock mismatch (-want +got):\n%s", diff)
	}
	want := withToken([]string{remediateApproved,
		`requestapproval {"action_id":"wait-1","investigation_id":"inv-1","task_token":"TOKEN"}`,
		`expireapproval {"action_id":"wait-1","investigation_id":"inv-1"}`}, token)
	got := s.payloads(t, "requestapproval", "remediate", "expireapproval")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payloads mismatch (-want +got):\n%s", diff)
	}
}

// TestInvestigationActionDecidedBeforeGoesOnToRemediate checks that a
// RequestApproval retried after the action was decided, which fails with
// DecidedBeforeError, goes on to Remediate instead of waiting for an
// answer nobody will send.
func TestInvestigationActionDecidedBeforeGoesOnToRemediate(t *testing.T) {
	s := newStandIns(script{waiting: 1, broken: map[string]error{
		"requestapproval": &workflow.DecidedBeforeError{Status: "approved"}}})
	h, x, _ := startInvestigation(t, s)
	out := h.wait(t, x)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	states := slices.Concat([]string{"Triage"}, roundStates, waitedStates,
		[]string{"Remediate", "Finalize"})
	if diff := cmp.Diff(states, enteredStates(h.history(t, x))); diff != "" {
		t.Errorf("states entered mismatch (-want +got):\n%s", diff)
	}
	got := s.payloads(t, "remediate")
	want := []string{remediateApproved,
		`remediate {"action_id":"wait-1","investigation_id":"inv-1"}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("payloads mismatch (-want +got):\n%s", diff)
	}
}
