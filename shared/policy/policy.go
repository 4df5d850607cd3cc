// Package policy decides, for a normalized alert, whether it starts an
// automated investigation, with which playbook and automation level.
//
// A policy is an ordered list of rules, each with a CEL expression over the
// normalized alert (the variable `alert`, with the alert's JSON field
// names: alert.severity_id, alert.format, alert.entities, …). The first
// rule whose expression is true decides; an alert no rule matches is
// stored and not investigated. Rules come from firebreak.yaml (see
// shared/config).
package policy

import (
	"encoding/json"
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Decision is what policy decided for one alert.
type Decision struct {
	Rule        string
	Investigate bool
	Playbook    string
	Automation  investigation.Level
}

// Rule is one policy rule: when its expression holds for an alert, the
// alert is investigated with Playbook at Automation, or only stored when
// Automation is LevelOff.
type Rule struct {
	Name       string
	When       string
	Playbook   string
	Automation investigation.Level

	program cel.Program
}

// Policy is an ordered list of compiled rules. The zero Policy matches
// nothing.
type Policy []Rule

// environment declares what an expression may refer to.
var environment = func() *cel.Env {
	env, err := cel.NewEnv(cel.Variable("alert", cel.MapType(cel.StringType, cel.DynType)))
	if err != nil {
		panic(fmt.Sprintf("policy: build CEL environment: %v", err)) // a fixed declaration
	}
	return env
}()

// ExpressionError is a rule whose expression does not compile or does not
// yield a boolean.
type ExpressionError struct {
	Rule   string
	Field  string // name, when, playbook or automation
	Reason string
}

func (e *ExpressionError) Error() string {
	return fmt.Sprintf("policy %q: %s: %s", e.Rule, e.Field, e.Reason)
}

// Compile checks and compiles rules into a Policy. Each rule needs a name
// and a known automation level; a rule that investigates needs a playbook.
// A bad rule gives an *ExpressionError naming it.
func Compile(rules []Rule) (Policy, error) {
	p := make(Policy, len(rules))
	for i, r := range rules {
		if err := checkRule(r); err != nil {
			return nil, err
		}
		prg, err := compile(r.When)
		if err != nil {
			return nil, &ExpressionError{Rule: r.Name, Field: "when", Reason: err.Error()}
		}
		r.program = prg
		p[i] = r
	}
	return p, nil
}

func checkRule(r Rule) error {
	switch {
	case r.Name == "":
		return &ExpressionError{Rule: "(unnamed)", Field: "name", Reason: "required"}
	case r.When == "":
		return &ExpressionError{Rule: r.Name, Field: "when", Reason: "an expression is required"}
	}
	switch r.Automation {
	case investigation.LevelOff:
		return nil
	case investigation.LevelFull, investigation.LevelSemi, investigation.LevelSemiCritical:
		if r.Playbook == "" {
			return &ExpressionError{Rule: r.Name, Field: "playbook",
				Reason: "required unless automation is off"}
		}
		return nil
	}
	return &ExpressionError{Rule: r.Name, Field: "automation", Reason: fmt.Sprintf(
		"%q is not one of full, semi, semi-critical, off", r.Automation)}
}

// compile parses, type-checks and plans one expression, which must yield
// a boolean.
func compile(expr string) (cel.Program, error) {
	ast, iss := environment.Compile(expr)
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	if t := ast.OutputType(); t != cel.BoolType && t != cel.DynType {
		return nil, fmt.Errorf("yields %s, want bool", t)
	}
	return environment.Program(ast)
}

// Decide returns the decision of the first rule that holds for a. A rule
// whose expression fails on a (a field the alert lacks, say) does not
// hold; errors.Join of those failures is returned beside the decision, for
// the caller to log.
func (p Policy) Decide(a alert.Alert) (Decision, error) {
	vars := map[string]any{"alert": asMap(a)}
	var errs []error
	for _, r := range p {
		out, _, err := r.program.Eval(vars)
		if err != nil {
			errs = append(errs, fmt.Errorf("policy %q: %w", r.Name, err))
			continue
		}
		if hold, ok := out.Value().(bool); ok && hold {
			return Decision{Rule: r.Name, Investigate: r.Automation != investigation.LevelOff,
				Playbook: r.Playbook, Automation: r.Automation}, errors.Join(errs...)
		}
	}
	return Decision{Rule: "none", Automation: investigation.LevelOff}, errors.Join(errs...)
}

// asMap gives the alert to CEL with its JSON field names, raw payload left
// out, and its lists present even when empty, so expressions need no has().
func asMap(a alert.Alert) map[string]any {
	a.Raw = nil
	if a.Entities == nil {
		a.Entities = []alert.Entity{}
	}
	b, _ := json.Marshal(a)
	var m map[string]any
	json.Unmarshal(b, &m)
	if _, ok := m["threat_names"]; !ok {
		m["threat_names"] = []any{}
	}
	return m
}
