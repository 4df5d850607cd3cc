package sfn

import (
	"context"
	"regexp"
	"strings"
)

// choiceState picks the next state by the first of its rules that matches the
// effective input, or its Default.
type choiceState struct {
	inputPath   ioPath
	outputPath  ioPath
	choices     []choice
	defaultNext string
}

// choice is a top-level Choice rule and where it leads.
type choice struct {
	rule rule
	next string
}

func parseChoice(f fields) state {
	f.allow("a Choice state", "Type", "Comment", "InputPath", "OutputPath", "Choices", "Default")
	c := &choiceState{
		inputPath:   f.ioPath("InputPath"),
		outputPath:  f.ioPath("OutputPath"),
		defaultNext: f.string("Default"),
	}
	rules := f.objects("Choices")
	if len(rules) == 0 {
		f.problem("a Choice state needs a non-empty Choices array")
	}
	for _, r := range rules {
		ch := choice{rule: parseRule(r, true), next: r.requiredString("Next")}
		c.choices = append(c.choices, ch)
	}
	return c
}

func (c *choiceState) kind() string { return "Choice" }

func (c *choiceState) successors() []string {
	var out []string
	for _, ch := range c.choices {
		out = append(out, optional(ch.next)...)
	}
	return append(out, optional(c.defaultNext)...)
}

func (c *choiceState) run(_ context.Context, s *step, in any) (any, string, error) {
	// select the effective input
	eff, err := c.inputPath.apply(in, s, "InputPath")
	if err != nil {
		return nil, "", err
	}

	// follow the first rule that matches, else Default
	next := c.defaultNext
	for _, ch := range c.choices {
		ok, err := ch.rule.eval(eff, s)
		if err != nil {
			return nil, "", err
		}
		if ok {
			next = ch.next
			break
		}
	}
	if next == "" {
		return nil, "", &statesError{name: errNoChoiceMatched, cause: "No Matches!"}
	}

	// select the output
	out, err := c.outputPath.apply(eff, s, "OutputPath")
	return out, next, err
}

// A rule is a Boolean expression over a state's effective input.
type rule interface {
	eval(in any, s *step) (bool, error)
}

type (
	andRule []rule
	orRule  []rule
	notRule struct{ r rule }

	// comparison compares the Variable with a literal or, for the …Path
	// operators, with another node of the input.
	comparison struct {
		variable  *path
		op        operator
		value     any
		valuePath *path
	}

	// typeTest is IsPresent, IsNull, IsString, IsNumeric, IsBoolean or IsTimestamp.
	typeTest struct {
		variable *path
		test     func(v any, present bool) bool
		want     bool
	}

	// stringMatch is StringMatches: the Variable against a * wildcard pattern.
	stringMatch struct {
		variable *path
		pattern  *regexp.Regexp
	}
)

// operator is a comparison operator: the type its operands must have and how
// the three-way comparison of two such operands decides it.
type operator struct {
	kind   valueKind
	decide func(c int) bool
}

type valueKind int

const (
	kindString valueKind = iota
	kindNumber
	kindBoolean
	kindTimestamp
)

func eq(c int) bool { return c == 0 }
func lt(c int) bool { return c < 0 }
func gt(c int) bool { return c > 0 }
func le(c int) bool { return c <= 0 }
func ge(c int) bool { return c >= 0 }

// operators maps each comparison operator without its Path suffix.
var operators = map[string]operator{
	"StringEquals":               {kindString, eq},
	"StringLessThan":             {kindString, lt},
	"StringGreaterThan":          {kindString, gt},
	"StringLessThanEquals":       {kindString, le},
	"StringGreaterThanEquals":    {kindString, ge},
	"NumericEquals":              {kindNumber, eq},
	"NumericLessThan":            {kindNumber, lt},
	"NumericGreaterThan":         {kindNumber, gt},
	"NumericLessThanEquals":      {kindNumber, le},
	"NumericGreaterThanEquals":   {kindNumber, ge},
	"BooleanEquals":              {kindBoolean, eq},
	"TimestampEquals":            {kindTimestamp, eq},
	"TimestampLessThan":          {kindTimestamp, lt},
	"TimestampGreaterThan":       {kindTimestamp, gt},
	"TimestampLessThanEquals":    {kindTimestamp, le},
	"TimestampGreaterThanEquals": {kindTimestamp, ge},
}

// typeTests maps each type-test operator to its test of a node that may be absent.
var typeTests = map[string]func(v any, present bool) bool{
	"IsPresent": func(_ any, present bool) bool { return present },
	"IsNull":    func(v any, present bool) bool { return present && v == nil },
	"IsString": func(v any, present bool) bool {
		_, ok := v.(string)
		return present && ok
	},
	"IsNumeric": func(v any, present bool) bool {
		_, ok := number(v)
		return present && ok
	},
	"IsBoolean": func(v any, present bool) bool {
		_, ok := v.(bool)
		return present && ok
	},
	"IsTimestamp": func(v any, present bool) bool {
		_, ok := parseTimestamp(v)
		return present && ok
	},
}

// ruleOperator returns the one operator key of a rule object.
func ruleOperator(f fields) (string, bool) {
	var found []string
	for k := range f.raw {
		base := strings.TrimSuffix(k, "Path")
		_, isCmp := operators[base]
		_, isTest := typeTests[k]
		switch {
		case isCmp, isTest, k == "StringMatches", k == "And", k == "Or", k == "Not":
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		f.problem("a choice rule needs exactly one operator, got %d", len(found))
		return "", false
	}
	return found[0], true
}

// parseRule parses a choice rule; a top-level rule also carries Next.
func parseRule(f fields, top bool) rule {
	// find the operator and the fields that may go with it
	op, ok := ruleOperator(f)
	if !ok {
		return andRule{}
	}
	allowed := []string{op, "Comment"}
	if top {
		allowed = append(allowed, "Next")
	}
	if op != "And" && op != "Or" && op != "Not" {
		allowed = append(allowed, "Variable")
	}
	f.allow("this choice rule", allowed...)

	// build the rule for the operator
	switch op {
	case "And", "Or":
		return parseCompound(f, op)
	case "Not":
		inner, ok := f.raw["Not"].(map[string]any)
		if !ok {
			f.problem("field \"Not\" must be an object")
			return andRule{}
		}
		return notRule{parseRule(f.child("Not", inner), false)}
	}
	variable := f.path("Variable")
	if variable == nil && !f.has("Variable") {
		f.problem("field \"Variable\" is required")
	}
	return parseComparison(f, op, variable)
}

func parseCompound(f fields, op string) rule {
	subs := f.objects(op)
	if len(subs) == 0 {
		f.problem("field %q must be a non-empty array of rules", op)
	}
	rules := make([]rule, 0, len(subs))
	for _, sub := range subs {
		rules = append(rules, parseRule(sub, false))
	}
	if op == "And" {
		return andRule(rules)
	}
	return orRule(rules)
}

// parseComparison parses a rule that tests the Variable.
func parseComparison(f fields, op string, variable *path) rule {
	v := f.raw[op]
	if test, ok := typeTests[op]; ok {
		want, isBool := v.(bool)
		if !isBool {
			f.problem("field %q must be a boolean", op)
		}
		return typeTest{variable: variable, test: test, want: want}
	}
	if op == "StringMatches" {
		pattern, isString := v.(string)
		if !isString {
			f.problem("field \"StringMatches\" must be a string")
		}
		return stringMatch{variable: variable, pattern: wildcardPattern(pattern)}
	}
	if base, isPath := strings.CutSuffix(op, "Path"); isPath {
		return comparison{variable: variable, op: operators[base], valuePath: f.path(op)}
	}
	o := operators[op]
	if _, ok := compareValues(o.kind, v, v); !ok {
		f.problem("field %q has a value of the wrong type: %s", op, encodeJSON(v))
	}
	return comparison{variable: variable, op: o, value: v}
}

func (r andRule) eval(in any, s *step) (bool, error) {
	for _, sub := range r {
		ok, err := sub.eval(in, s)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (r orRule) eval(in any, s *step) (bool, error) {
	for _, sub := range r {
		ok, err := sub.eval(in, s)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

func (r notRule) eval(in any, s *step) (bool, error) {
	ok, err := r.r.eval(in, s)
	return !ok && err == nil, err
}

func (c comparison) eval(in any, s *step) (bool, error) {
	// read both operands; a missing one is an error, not a mismatch
	v, err := variableValue(c.variable, in, s)
	if err != nil {
		return false, err
	}
	other := c.value
	if c.valuePath != nil {
		if other, err = c.valuePath.eval(in, s, "a choice rule"); err != nil {
			return false, err
		}
	}

	// operands of the wrong type compare false
	cmp, ok := compareValues(c.op.kind, v, other)
	return ok && c.op.decide(cmp), nil
}

func (t typeTest) eval(in any, s *step) (bool, error) {
	v, present := t.variable.lookup(in, s)
	return t.test(v, present) == t.want, nil
}

func (m stringMatch) eval(in any, s *step) (bool, error) {
	v, err := variableValue(m.variable, in, s)
	if err != nil {
		return false, err
	}
	str, ok := v.(string)
	return ok && m.pattern.MatchString(str), nil
}

// variableValue reads a rule's Variable, which must exist.
func variableValue(variable *path, in any, s *step) (any, error) {
	v, ok := variable.lookup(in, s)
	if !ok {
		return nil, runtimeErrorf("Invalid path '%s': The choice state's condition path "+
			"references an invalid value.", variable.raw)
	}
	return v, nil
}

// compareValues compares a and b as values of kind. It reports false when
// either is not of that kind.
func compareValues(kind valueKind, a, b any) (int, bool) {
	switch kind {
	case kindString:
		x, ok1 := a.(string)
		y, ok2 := b.(string)
		return strings.Compare(x, y), ok1 && ok2
	case kindNumber:
		return compareNumbers(a, b)
	case kindBoolean:
		x, ok1 := a.(bool)
		y, ok2 := b.(bool)
		if x == y {
			return 0, ok1 && ok2
		}
		return 1, ok1 && ok2
	case kindTimestamp:
		x, ok1 := parseTimestamp(a)
		y, ok2 := parseTimestamp(b)
		return x.Compare(y), ok1 && ok2
	}
	return 0, false
}

// compareNumbers compares two numbers exactly when both are integers.
func compareNumbers(a, b any) (int, bool) {
	x, xInt := a.(int64)
	y, yInt := b.(int64)
	if xInt && yInt {
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	fx, ok1 := number(a)
	fy, ok2 := number(b)
	switch {
	case !ok1 || !ok2:
		return 0, false
	case fx < fy:
		return -1, true
	case fx > fy:
		return 1, true
	}
	return 0, true
}

// number returns v as a float64 if it is a JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// wildcardPattern compiles a StringMatches pattern: * matches any run of
// characters, \* a literal star and \\ a literal backslash.
func wildcardPattern(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '\\'):
			i++
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case c == '*':
			b.WriteString(`.*`)
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}
