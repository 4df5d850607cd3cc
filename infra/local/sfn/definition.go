package sfn

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// maxNameLength is the Step Functions limit on state, state machine and
// execution names.
const maxNameLength = 80

// A state is one state of a definition. Each state type is its own
// implementation, so new types slot in without touching the others.
type state interface {
	// kind returns the state's Type, which also prefixes its history events
	// (TaskStateEntered, PassStateExited, …).
	kind() string

	// successors lists every state this one can transition to.
	successors() []string

	// run executes the state on its raw input. It returns the state output and
	// the next state's name, or "" when the execution ends here. An error ends
	// the execution: the state has already applied its own Retry and Catch.
	run(ctx context.Context, s *step, in any) (out any, next string, err error)
}

// branch is a set of states run from StartAt until one ends it: the whole
// state machine, a branch of a Parallel state or a Map state's item processor.
type branch struct {
	startAt string
	states  map[string]state
}

// definition is a parsed and validated state machine definition. It is
// immutable and shared by every execution of its state machine.
type definition struct {
	branch
	source  string        // the definition as created, which persisted executions keep
	timeout time.Duration // zero means no execution timeout
}

// validator collects the problems found while parsing a definition.
type validator struct {
	problems []Problem
	names    map[string]bool // every state name seen, which must be unique
}

func (v *validator) add(state, msg string) {
	v.problems = append(v.problems, Problem{State: state, Message: msg})
}

// parseDefinition parses and validates an ASL definition. Its error is a
// *ValidationError listing every problem found.
func parseDefinition(src string) (*definition, error) {
	v := &validator{names: map[string]bool{}}
	d := v.definition(src)
	if len(v.problems) > 0 {
		return nil, &ValidationError{Problems: v.problems}
	}
	return d, nil
}

func (v *validator) definition(src string) *definition {
	// decode the document
	doc, err := decodeJSON([]byte(src))
	if err != nil {
		v.add("", fmt.Sprintf("the definition is not valid JSON: %v", err))
		return nil
	}
	top, ok := doc.(map[string]any)
	if !ok {
		v.add("", "the definition must be a JSON object")
		return nil
	}

	// read the top-level fields
	f := fields{raw: top, v: v}
	f.allow("the top level of a definition",
		"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage")
	d := &definition{source: src, timeout: f.seconds("TimeoutSeconds", 1)}
	f.string("Comment")
	f.string("Version")
	if ql := f.string("QueryLanguage"); f.has("QueryLanguage") && ql != "JSONPath" {
		f.problem("QueryLanguage %q is not supported by the local engine yet; use JSONPath", ql)
	}

	// read the states
	d.branch = *v.branch(f)
	return d
}

// branch parses the StartAt and States of f: the top level, a Parallel
// branch or a Map state's ItemProcessor (or Iterator).
func (v *validator) branch(f fields) *branch {
	b := &branch{startAt: f.requiredString("StartAt"), states: map[string]state{}}

	// read every state, in name order so problems come out in a stable order
	raw, ok := f.raw["States"].(map[string]any)
	if !ok || len(raw) == 0 {
		f.problem("field \"States\" must be a non-empty object")
		return b
	}
	for _, name := range sortedKeys(raw) {
		if v.names[name] {
			v.add(name, "state names must be unique within the state machine")
		}
		v.names[name] = true
		if st := v.state(name, raw[name]); st != nil {
			b.states[name] = st
		}
	}

	// check that the states form one connected graph
	v.transitions(b, raw)
	return b
}

// state parses one state by its Type.
func (v *validator) state(name string, raw any) state {
	if len(name) > maxNameLength {
		v.add(name, fmt.Sprintf("state names must be at most %d characters", maxNameLength))
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		v.add(name, "a state must be a JSON object")
		return nil
	}
	f := fields{state: name, raw: obj, v: v}
	switch typ := f.requiredString("Type"); typ {
	case "Pass":
		return parsePass(f)
	case "Task":
		return parseTask(f)
	case "Choice":
		return parseChoice(f)
	case "Wait":
		return parseWait(f)
	case "Succeed":
		return parseSucceed(f)
	case "Fail":
		return parseFail(f)
	case "Parallel":
		return parseParallel(f)
	case "Map":
		return parseMap(f)
	case "":
	default:
		f.problem("unknown state type %q", typ)
	}
	return nil
}

// transitions checks that StartAt and every transition name a state and that
// every state is reachable from StartAt.
func (v *validator) transitions(d *branch, raw map[string]any) {
	// StartAt names a state
	if _, ok := raw[d.startAt]; d.startAt != "" && !ok {
		v.add("", fmt.Sprintf("StartAt %q does not name a state", d.startAt))
	}

	// every transition names a state
	for _, name := range sortedKeys(raw) {
		st, ok := d.states[name]
		if !ok {
			continue
		}
		for _, next := range st.successors() {
			if _, ok := raw[next]; !ok {
				v.add(name, fmt.Sprintf("transition to %q, which is not a state", next))
			}
		}
	}

	// every state is reachable; a state that failed to parse is not followed
	reached := map[string]bool{d.startAt: true}
	queue := []string{d.startAt}
	for len(queue) > 0 {
		st := d.states[queue[0]]
		queue = queue[1:]
		if st == nil {
			continue
		}
		for _, next := range st.successors() {
			if !reached[next] {
				reached[next] = true
				queue = append(queue, next)
			}
		}
	}
	if len(d.states) < len(raw) {
		return // an unparsed state hides what it reaches
	}
	for _, name := range sortedKeys(raw) {
		if !reached[name] {
			v.add(name, "the state is not reachable from StartAt")
		}
	}
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
