package sfn

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// choiceMachine is a Choice state with one rule leading to Yes and a Default
// leading to No; each branch outputs its own name.
func choiceMachine(rule string) string {
	return machine("C", `
		"C": {"Type": "Choice", "Choices": [`+rule+`], "Default": "No"},
		"Yes": {"Type": "Pass", "Result": "Yes", "End": true},
		"No": {"Type": "Pass", "Result": "No", "End": true}`)
}

// TestChoiceOperators follows the ASL spec section "Choice State" (Choice
// Rules, comparison operators and their …Path variants, And/Or/Not, the type
// tests) and the AWS docs "Choice workflow state" examples.
func TestChoiceOperators(t *testing.T) {
	h := newHarness(t, nil)
	tests := []struct {
		name  string
		rule  string // a top-level rule without Next
		input string
		want  string // Yes or No
	}{
		{"StringEquals matches",
			`"Variable": "$.s", "StringEquals": "abc"`, `{"s": "abc"}`, "Yes"},
		{"StringEquals differs", `"Variable": "$.s", "StringEquals": "abc"`, `{"s": "abd"}`, "No"},
		{"StringLessThan", `"Variable": "$.s", "StringLessThan": "b"`, `{"s": "a"}`, "Yes"},
		{"StringGreaterThan", `"Variable": "$.s", "StringGreaterThan": "b"`, `{"s": "a"}`, "No"},
		{"StringLessThanEquals equal",
			`"Variable": "$.s", "StringLessThanEquals": "a"`, `{"s": "a"}`, "Yes"},
		{"StringGreaterThanEquals",
			`"Variable": "$.s", "StringGreaterThanEquals": "a"`, `{"s": "b"}`, "Yes"},
		{"StringEqualsPath",
			`"Variable": "$.s", "StringEqualsPath": "$.t"`, `{"s": "x", "t": "x"}`, "Yes"},
		{"StringLessThanPath",
			`"Variable": "$.s", "StringLessThanPath": "$.t"`, `{"s": "b", "t": "a"}`, "No"},
		{"StringMatches wildcard",
			`"Variable": "$.f", "StringMatches": "log-*.txt"`, `{"f": "log-2024-01.txt"}`, "Yes"},
		{"StringMatches anchors",
			`"Variable": "$.f", "StringMatches": "log-*.txt"`, `{"f": "a-log-1.txt"}`, "No"},
		{"StringMatches escaped star",
			`"Variable": "$.f", "StringMatches": "a\\*b"`, `{"f": "a*b"}`, "Yes"},
		{"StringMatches escaped star is literal",
			`"Variable": "$.f", "StringMatches": "a\\*b"`, `{"f": "axxb"}`, "No"},
		{"NumericEquals integer", `"Variable": "$.n", "NumericEquals": 3`, `{"n": 3}`, "Yes"},
		{"NumericEquals integer and float",
			`"Variable": "$.n", "NumericEquals": 3.0`, `{"n": 3}`, "Yes"},
		{"NumericLessThan", `"Variable": "$.n", "NumericLessThan": 3`, `{"n": 2.5}`, "Yes"},
		{"NumericGreaterThan zero",
			`"Variable": "$.n", "NumericGreaterThan": 0`, `{"n": 0}`, "No"},
		{"NumericGreaterThan positive",
			`"Variable": "$.n", "NumericGreaterThan": 0`, `{"n": 2}`, "Yes"},
		{"NumericLessThanEquals",
			`"Variable": "$.n", "NumericLessThanEquals": 2`, `{"n": 2}`, "Yes"},
		{"NumericGreaterThanEquals",
			`"Variable": "$.n", "NumericGreaterThanEquals": 2`, `{"n": 1}`, "No"},
		{"NumericEqualsPath",
			`"Variable": "$.n", "NumericEqualsPath": "$.m"`, `{"n": 7, "m": 7}`, "Yes"},
		{"NumericGreaterThanPath",
			`"Variable": "$.n", "NumericGreaterThanPath": "$.m"`, `{"n": 7, "m": 9}`, "No"},
		{"NumericEquals on a string is false",
			`"Variable": "$.n", "NumericEquals": 3`, `{"n": "3"}`, "No"},
		{"BooleanEquals", `"Variable": "$.b", "BooleanEquals": true`, `{"b": true}`, "Yes"},
		{"BooleanEquals false", `"Variable": "$.b", "BooleanEquals": true`, `{"b": false}`, "No"},
		{"BooleanEqualsPath",
			`"Variable": "$.b", "BooleanEqualsPath": "$.c"`, `{"b": false, "c": false}`, "Yes"},
		{"TimestampEquals",
			`"Variable": "$.t", "TimestampEquals": "2024-01-01T00:00:00Z"`,
			`{"t": "2024-01-01T00:00:00Z"}`, "Yes"},
		{"TimestampEquals across offsets",
			`"Variable": "$.t", "TimestampEquals": "2024-01-01T01:00:00+01:00"`,
			`{"t": "2024-01-01T00:00:00Z"}`, "Yes"},
		{"TimestampLessThan",
			`"Variable": "$.t", "TimestampLessThan": "2024-01-01T00:00:00Z"`,
			`{"t": "2023-12-31T23:59:59Z"}`, "Yes"},
		{"TimestampGreaterThan",
			`"Variable": "$.t", "TimestampGreaterThan": "2024-01-01T00:00:00Z"`,
			`{"t": "2023-12-31T23:59:59Z"}`, "No"},
		{"TimestampLessThanEquals",
			`"Variable": "$.t", "TimestampLessThanEquals": "2024-01-01T00:00:00Z"`,
			`{"t": "2024-01-01T00:00:00Z"}`, "Yes"},
		{"TimestampGreaterThanEquals",
			`"Variable": "$.t", "TimestampGreaterThanEquals": "2024-01-01T00:00:00Z"`,
			`{"t": "2025-01-01T00:00:00Z"}`, "Yes"},
		{"TimestampGreaterThanPath",
			`"Variable": "$.t", "TimestampGreaterThanPath": "$.u"`,
			`{"t": "2025-01-01T00:00:00Z", "u": "2024-01-01T00:00:00Z"}`, "Yes"},
		{"Timestamp on a non-timestamp is false",
			`"Variable": "$.t", "TimestampEquals": "2024-01-01T00:00:00Z"`,
			`{"t": "yesterday"}`, "No"},
		{"IsPresent on a present null",
			`"Variable": "$.x", "IsPresent": true`, `{"x": null}`, "Yes"},
		{"IsPresent on a missing field", `"Variable": "$.x", "IsPresent": true`, `{}`, "No"},
		{"IsPresent false on a missing field",
			`"Variable": "$.x", "IsPresent": false`, `{}`, "Yes"},
		{"IsNull", `"Variable": "$.x", "IsNull": true`, `{"x": null}`, "Yes"},
		{"IsNull on a value", `"Variable": "$.x", "IsNull": true`, `{"x": 0}`, "No"},
		{"IsString", `"Variable": "$.x", "IsString": true`, `{"x": "s"}`, "Yes"},
		{"IsNumeric", `"Variable": "$.x", "IsNumeric": true`, `{"x": 1.5}`, "Yes"},
		{"IsNumeric false", `"Variable": "$.x", "IsNumeric": false`, `{"x": "1.5"}`, "Yes"},
		{"IsBoolean", `"Variable": "$.x", "IsBoolean": true`, `{"x": false}`, "Yes"},
		{"IsTimestamp",
			`"Variable": "$.x", "IsTimestamp": true`, `{"x": "2016-03-14T01:59:00Z"}`, "Yes"},
		{"IsTimestamp on a date",
			`"Variable": "$.x", "IsTimestamp": true`, `{"x": "2016-03-14"}`, "No"},
		{"And all true", `"And": [{"Variable": "$.n", "NumericGreaterThanEquals": 20},
			{"Variable": "$.n", "NumericLessThan": 30}]`, `{"n": 25}`, "Yes"},
		{"And one false", `"And": [{"Variable": "$.n", "NumericGreaterThanEquals": 20},
			{"Variable": "$.n", "NumericLessThan": 30}]`, `{"n": 30}`, "No"},
		{"Or one true", `"Or": [{"Variable": "$.s", "StringEquals": "a"},
			{"Variable": "$.s", "StringEquals": "b"}]`, `{"s": "b"}`, "Yes"},
		{"Not",
			`"Not": {"Variable": "$.type", "StringEquals": "Private"}`,
			`{"type": "Public"}`, "Yes"},
		{"Nested And inside Not", `"Not": {"And": [{"Variable": "$.a", "IsPresent": true},
			{"Variable": "$.a", "BooleanEquals": true}]}`, `{"a": true}`, "No"},
		{"Variable through the context object",
			`"Variable": "$$.State.Name", "StringEquals": "C"`, `{}`, "Yes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := h.run(t, choiceMachine(`{`+tt.rule+`, "Next": "Yes"}`), tt.input)
			wantStatus(t, out, types.ExecutionStatusSucceeded)
			wantJSON(t, "branch", aws.ToString(out.Output), `"`+tt.want+`"`)
		})
	}
}

// TestChoiceFailures follows the ASL spec section "Choice State": with no
// Default and no match the error is States.NoChoiceMatched, and a Variable
// that is not in the input is a run-time error.
func TestChoiceFailures(t *testing.T) {
	h := newHarness(t, nil)
	noDefault := machine("C", `
		"C": {"Type": "Choice", "Choices": [
			{"Variable": "$.n", "NumericEquals": 1, "Next": "Yes"}]},
		"Yes": {"Type": "Succeed"}`)
	tests := []struct {
		name      string
		input     string
		wantError string
	}{
		{"no rule matches and no Default", `{"n": 2}`, errNoChoiceMatched},
		{"Variable missing from the input", `{}`, errRuntime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := h.run(t, noDefault, tt.input)
			wantStatus(t, out, types.ExecutionStatusFailed)
			if got := aws.ToString(out.Error); got != tt.wantError {
				t.Errorf("error: got %q, want %q", got, tt.wantError)
			}
		})
	}
}

// TestChoiceKeepsInputAndAppliesOutputPath follows the ASL spec section
// "Choice State": a Choice passes its effective input on, through OutputPath.
func TestChoiceKeepsInputAndAppliesOutputPath(t *testing.T) {
	h := newHarness(t, nil)
	def := machine("C", `
		"C": {"Type": "Choice", "InputPath": "$.in", "OutputPath": "$.keep",
			"Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "Done"}]},
		"Done": {"Type": "Succeed"}`)
	out := h.run(t, def, `{"in": {"go": true, "keep": {"k": 1}}}`)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	wantJSON(t, "output", aws.ToString(out.Output), `{"k": 1}`)
}
