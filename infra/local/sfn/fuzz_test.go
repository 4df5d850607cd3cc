package sfn

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/firebreak/firebreak/shared/stack"
)

// FuzzCreateStateMachine follows the ASL spec as a whole: whatever the
// definition, CreateStateMachine never panics and either accepts it or
// returns a *ValidationError with at least one problem.
func FuzzCreateStateMachine(f *testing.F) {
	// seed with the deployed definition and small ones using each state type
	src, err := os.ReadFile(filepath.Join(repoRoot, stack.Firebreak.StateMachine.DefinitionFile))
	if err != nil {
		f.Fatalf("read state machine: %v", err)
	}
	f.Add(string(src))
	f.Add(passMachine)
	f.Add(blockingMachine)
	f.Add(choiceMachine(`{"And": [{"Variable": "$.a", "IsPresent": true},
		{"Not": {"Variable": "$.b", "StringMatches": "x*\\*"}}], "Next": "Yes"}`))
	f.Add(machine("W", `"W": {"Type": "Wait", "TimestampPath": "$$.Execution.Input.t",
		"Next": "F"}, "F": {"Type": "Fail", "ErrorPath": "$.e"}`))

	e := mustNew(f, Options{})
	defer e.Close()
	f.Fuzz(func(t *testing.T, definition string) {
		_, err := e.CreateStateMachine(context.Background(), "fuzz", definition)
		var ve *ValidationError
		var ae *APIError
		switch {
		case err == nil, errors.As(err, &ae):
		case errors.As(err, &ve) && len(ve.Problems) > 0:
		default:
			t.Fatalf("CreateStateMachine: got %v, want nil or problems", err)
		}
	})
}

// FuzzPath follows the ASL spec section "Paths": any path either fails to
// parse or evaluates against any input without panicking, and a Reference
// Path that parses can be set.
func FuzzPath(f *testing.F) {
	for _, p := range []string{"$", "$.a.b", "$.a[0]", "$.vals[-3:]", "$..x", "$['a b']",
		"$$.Execution.Input", "$.a[?(@.b > 1)]", "$.a[*].b", "$.a[1,2]"} {
		f.Add(p, `{"a": [{"b": 1}, {"b": 2}], "vals": [1, 2, 3, 4]}`)
	}
	f.Fuzz(func(t *testing.T, raw, input string) {
		in, err := decodeJSON([]byte(input))
		if err != nil {
			return
		}
		s := &step{x: &execution{machine: &stateMachine{}, value: in}}
		if p, err := parsePath(raw); err == nil {
			p.lookup(in, s)
		}
		if p, err := parseReferencePath(raw); err == nil {
			_, _ = resultPath{p: p}.apply(in, "result")
		}
		_ = compileTemplate(map[string]any{"x.$": raw}, "", func(string, ...any) {})
	})
}

// FuzzIntrinsic follows the ASL spec section "Intrinsic Functions": any
// string either fails to parse as a call or evaluates against any input
// without panicking, returning a value or a *statesError.
func FuzzIntrinsic(f *testing.F) {
	for _, c := range []string{"States.Format('{} and {}', $.a, 'x')",
		"States.Format('\\{\\}', $$.Execution.Name)", "States.StringToJson($.s)",
		"States.Array(1, 2.5, true, null, 'x', $.a[0])", "States.ArrayRange(1, 9, 2)",
		"States.ArrayPartition($.a, 2)", "States.Hash($.s, 'SHA-256')",
		"States.JsonMerge($.o, $.o, false)", "States.MathAdd(States.ArrayLength($.a), -1)",
		"States.StringSplit($.s, ',')", "States.Base64Decode(States.Base64Encode($.s))",
		"States.MathRandom(1, 10, 3)", "States.UUID()", "States.ArrayGetItem($['a'], 1)"} {
		f.Add(c, `{"a": [1, 2, 3], "s": "{\"k\": 1}", "o": {"k": "v"}}`)
	}
	f.Fuzz(func(t *testing.T, src, input string) {
		in, err := decodeJSON([]byte(input))
		if err != nil {
			return
		}
		c, err := parseIntrinsic(src)
		if err != nil {
			return
		}
		s := &step{x: &execution{machine: &stateMachine{}, value: in}}
		if _, err := c.eval(in, s); err != nil {
			var se *statesError
			if !errors.As(err, &se) {
				t.Fatalf("eval %q: got error %T %v, want a *statesError", src, err, err)
			}
		}
	})
}
