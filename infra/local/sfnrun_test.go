package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestSFNRunExitCodes follows issue 4's contract for firebreak sfn run: the
// output and exit 0 on success, {"error","cause"} and 1 on failure, the
// problems and 2 for an invalid definition, and a mocked test case chosen by
// --mock-config and --test-case for the state machine named by --name.
func TestSFNRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	input := write("input.json", `{"id": 1}`)
	mocks := write("mocks.json", `{"StateMachines": {"triage": {"TestCases": {"Happy":
		{"T": "Ok"}}}}, "MockedResponses": {"Ok": {"0": {"Return": {"verdict": "clean"}}}}}`)
	tests := []struct {
		name, definition string
		extra            []string
		wantCode         int
		wantOut          string
	}{
		{"success", `{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}`,
			nil, 0, "{\"id\":1}\n"},
		{"failure", `{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E",
			"Cause": "C"}}}`, nil, 1, "{\"cause\":\"C\",\"error\":\"E\"}\n"},
		{"invalid", `{"StartAt": "X", "States": {}}`, nil, 2, ""},
		{"mocked", `{"StartAt": "T", "States": {"T": {"Type": "Task",
			"Resource": "arn:aws:lambda:us-east-1:000000000000:function:triage", "End": true}}}`,
			[]string{"--name", "triage", "--mock-config", mocks, "--test-case", "Happy"}, 0,
			"{\"verdict\":\"clean\"}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run", "--definition", write(tt.name+".asl.json",
				tt.definition), "--input", input}, tt.extra...)
			var stdout, stderr bytes.Buffer
			err := runSFN(context.Background(), args, &stdout, &stderr)
			code := 0
			var exit exitError
			if errors.As(err, &exit) {
				code = int(exit)
			} else if err != nil {
				t.Fatalf("runSFN: %v", err)
			}
			if code != tt.wantCode || stdout.String() != tt.wantOut {
				t.Errorf("got exit %d and output %q, want %d and %q (stderr %q)",
					code, stdout.String(), tt.wantCode, tt.wantOut, stderr.String())
			}
		})
	}
}
