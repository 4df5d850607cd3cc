package sfn

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
)

// awsCLI runs the AWS CLI against the harness's endpoint and decodes its
// JSON output into v, if v is not nil.
func awsCLI(t *testing.T, h *harness, v any, args ...string) {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"stepfunctions", "--endpoint-url", h.url,
		"--region", "us-east-1", "--output", "json"}, args...)...)
	cmd.Env = []string{"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER="}
	for _, kv := range os.Environ() { // everything but the caller's AWS settings
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args[:1], " "), err, stderr.String())
	}
	if v != nil {
		if err := json.Unmarshal(stdout.Bytes(), v); err != nil {
			t.Fatalf("aws %s printed %q: %v", args[0], stdout.String(), err)
		}
	}
}

// TestAWSCLIDrivesTheEndpoint follows the AWS CLI reference for
// "aws stepfunctions": the CLI, an independent client, creates a state
// machine, starts an execution, completes its .waitForTaskToken task with
// send-task-success and reads the history. It fails, not skips, when the
// CLI is missing under CI=true.
func TestAWSCLIDrivesTheEndpoint(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI is needed by this test: %v", err)
		}
		t.Skipf("the AWS CLI is not installed: %v", err)
	}

	// create the state machine and start an execution
	approve, tokens := tokenSink()
	h := newHarness(t, map[string]lambda.Handler{"approve": approve})
	var created struct{ StateMachineArn string }
	awsCLI(t, h, &created, "create-state-machine", "--name", "cli",
		"--definition", callbackMachine(""),
		"--role-arn", "arn:aws:iam::000000000000:role/cli")
	var started struct{ ExecutionArn string }
	awsCLI(t, h, &started, "start-execution", "--state-machine-arn",
		created.StateMachineArn, "--input", `{"action": "reset-password"}`)

	// answer the task with send-task-success
	// "=" joins the token to its flag: a token may begin with "-", which
	// the CLI's parser would otherwise take for another option
	awsCLI(t, h, nil, "send-task-success", "--task-token="+receive(t, tokens),
		"--task-output", `{"approved": true}`)
	h.wait(t, started.ExecutionArn)

	// read the history
	var history struct {
		Events []struct {
			Type                           string
			ExecutionSucceededEventDetails *struct{ Output string }
		}
	}
	awsCLI(t, h, &history, "get-execution-history", "--execution-arn", started.ExecutionArn)
	last := history.Events[len(history.Events)-1]
	if last.Type != "ExecutionSucceeded" || last.ExecutionSucceededEventDetails == nil {
		t.Fatalf("last event: got %+v, want ExecutionSucceeded with details", last)
	}
	wantJSON(t, "output", last.ExecutionSucceededEventDetails.Output,
		`{"action": "reset-password", "decision": {"approved": true}}`)
}
