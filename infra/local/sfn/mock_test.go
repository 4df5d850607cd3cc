package sfn

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// mockConfig follows the AWS docs "Using mocked service integrations for
// testing in Step Functions Local": a test case maps states to mocked
// responses, and a response's attempts are keyed by number or range.
const mockConfig = `{
  "StateMachines": {"triage": {"TestCases": {
    "HappyPath": {"Triage": "MockedTriageSuccess"},
    "RetryPath": {"Triage": "MockedTriageRetry"}}}},
  "MockedResponses": {
    "MockedTriageSuccess": {"0": {"Return": {"StatusCode": 200,
      "Payload": {"verdict": "malicious"}}}},
    "MockedTriageRetry": {
      "0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
      "2": {"Return": {"StatusCode": 200, "Payload": {"verdict": "clean"}}}}}}`

// TestMockedServiceIntegrations follows the same AWS docs: StartExecution on
// "<state machine ARN>#<test case>" answers the mocked states from the
// configuration, through Retry, without invoking the function.
func TestMockedServiceIntegrations(t *testing.T) {
	mocks, err := ParseMockConfig([]byte(mockConfig))
	if err != nil {
		t.Fatalf("ParseMockConfig: %v", err)
	}
	var calls atomic.Int64
	triage := lambda.NewHandler(func() (map[string]string, error) {
		calls.Add(1)
		return map[string]string{"verdict": "real"}, nil
	})
	h := newHarnessWith(t, Options{MockConfig: mocks,
		Functions: map[string]lambda.Handler{"triage": triage}})
	arn := h.create(t, "triage", machine("Triage", `"Triage": {"Type": "Task",
		"Resource": "arn:aws:states:::lambda:invoke",
		"Parameters": {"FunctionName": "triage", "Payload.$": "$"},
		"Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2}],
		"OutputPath": "$.Payload", "End": true}`))

	tests := []struct{ machineARN, want string }{
		{arn + "#HappyPath", `{"verdict": "malicious"}`},
		{arn + "#RetryPath", `{"verdict": "clean"}`},
		{arn, `{"verdict": "real"}`},
	}
	for _, tt := range tests {
		out := h.wait(t, h.start(t, tt.machineARN, `{}`))
		wantStatus(t, out, types.ExecutionStatusSucceeded)
		wantJSON(t, tt.machineARN+" output", aws.ToString(out.Output), tt.want)
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("function calls: got %d, want 1 (only the unmocked run)", got)
	}

	// a test case the configuration lacks is refused
	_, err = h.engine.RunExecution(context.Background(), arn+"#Nope", "", "{}")
	if got := errorCode(err); got != codeValidation {
		t.Errorf("unknown test case: got %v, want %s", err, codeValidation)
	}
}

// TestParseMockConfigRejectsBadFiles follows the same AWS docs' format rules.
func TestParseMockConfigRejectsBadFiles(t *testing.T) {
	for _, bad := range []string{
		`{"MockedResponses": {"R": {"1-0": {"Return": 1}}}}`,
		`{"MockedResponses": {"R": {"0": {}}}}`,
		`{"StateMachines": {"m": {"TestCases": {"c": {"S": "Missing"}}}}}`,
		`{"Unknown": true}`,
	} {
		if _, err := ParseMockConfig([]byte(bad)); err == nil {
			t.Errorf("ParseMockConfig(%s): got nil error, want one", bad)
		}
	}
}
