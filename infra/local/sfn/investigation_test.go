package sfn

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/stack"
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

// investigationStep is what a test's step handlers return.
type investigationStep struct {
	approved     int
	investigateN int64 // RetryableError failures before Investigate succeeds
	triageErr    error
}

// investigationFunctions are small stand-ins for Firebreak's step handlers.
func investigationFunctions(s investigationStep,
	finalized *atomic.Value) map[string]lambda.Handler {
	type ref struct {
		InvestigationID string `json:"investigation_id"`
	}
	var investigateCalls atomic.Int64
	return map[string]lambda.Handler{
		"triage": lambda.NewHandler(func(in ref) (map[string]any, error) {
			if s.triageErr != nil {
				return nil, s.triageErr
			}
			return map[string]any{"investigation_id": in.InvestigationID,
				"playbook": "phishing"}, nil
		}),
		"investigate": lambda.NewHandler(func(in ref) (map[string]int, error) {
			if investigateCalls.Add(1) <= s.investigateN {
				return nil, &RetryableError{Reason: "provider throttled"}
			}
			return map[string]int{"malicious": 1, "suspicious": 2}, nil
		}),
		"decide": lambda.NewHandler(func(in ref) (map[string]int, error) {
			return map[string]int{"approved": s.approved, "pending_approval": 0}, nil
		}),
		"remediate": lambda.NewHandler(func(in ref) (map[string]int, error) {
			return map[string]int{"succeeded": s.approved, "failed": 0}, nil
		}),
		"finalize": lambda.NewHandler(func(in map[string]any) (map[string]string, error) {
			finalized.Store(in)
			status := "no_threats_found"
			switch {
			case in["error"] != nil:
				status = "failed"
			case in["remediation"] != nil:
				status = "remediated"
			}
			return map[string]string{"status": status}, nil
		}),
	}
}

// TestInvestigationStateMachineRuns runs infra/statemachine/investigation.asl.json,
// the file CDK deploys, with the stack's substitutions. It follows the AWS docs
// "Invoke Lambda with Step Functions" (lambda:invoke, Payload, ResultSelector)
// and "Handling errors in Step Functions workflows" (Retry, Catch).
func TestInvestigationStateMachineRuns(t *testing.T) {
	tests := []struct {
		name        string
		step        investigationStep
		wantStates  []string
		wantSleeps  []time.Duration
		wantOutput  string
		wantFinalIn string
	}{{
		name: "approved actions are remediated",
		step: investigationStep{approved: 2},
		wantStates: []string{"Triage", "Investigate", "Decide", "AnythingToRemediate",
			"Remediate", "Finalize"},
		wantOutput: `{"status": "remediated"}`,
		wantFinalIn: `{"investigation_id": "inv-1", "playbook": "phishing",
			"verdicts": {"malicious": 1, "suspicious": 2},
			"actions": {"approved": 2, "pending_approval": 0},
			"remediation": {"succeeded": 2, "failed": 0}}`,
	}, {
		name:       "nothing approved skips Remediate",
		step:       investigationStep{approved: 0},
		wantStates: []string{"Triage", "Investigate", "Decide", "AnythingToRemediate", "Finalize"},
		wantOutput: `{"status": "no_threats_found"}`,
	}, {
		name:       "a RetryableError is retried with backoff",
		step:       investigationStep{approved: 0, investigateN: 2},
		wantStates: []string{"Triage", "Investigate", "Decide", "AnythingToRemediate", "Finalize"},
		wantSleeps: []time.Duration{2 * time.Second, 4 * time.Second},
		wantOutput: `{"status": "no_threats_found"}`,
	}, {
		name:       "a failed step is caught and the investigation finalized",
		step:       investigationStep{triageErr: errors.New("alert store unavailable")},
		wantStates: []string{"Triage", "Finalize"},
		wantOutput: `{"status": "failed"}`,
		wantFinalIn: `{"investigation_id": "inv-1", "error": {"Error": "errorString",
			"Cause": "{\"errorMessage\":\"alert store unavailable\",` +
			`\"errorType\":\"errorString\"}"}}`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// run the deployed definition against the stand-in handlers
			var finalized atomic.Value
			h := newHarness(t, investigationFunctions(tt.step, &finalized))
			arn := h.create(t, stack.Firebreak.StateMachine.Name,
				investigationDefinition(t, h.engine))
			x := h.start(t, arn, `{"investigation_id": "inv-1"}`)
			out := h.wait(t, x)

			// check the outcome, the path taken and the retry intervals
			wantStatus(t, out, types.ExecutionStatusSucceeded)
			wantJSON(t, "output", aws.ToString(out.Output), tt.wantOutput)
			if diff := cmp.Diff(tt.wantStates, enteredStates(h.history(t, x))); diff != "" {
				t.Errorf("states entered mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSleeps, h.clock.slept()); diff != "" {
				t.Errorf("retry intervals mismatch (-want +got):\n%s", diff)
			}
			if tt.wantFinalIn != "" {
				wantJSON(t, "Finalize input", encodeJSON(finalized.Load()), tt.wantFinalIn)
			}
		})
	}
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
