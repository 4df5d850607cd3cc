package sfn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// path is a compiled JSONPath from a definition. It reads the state's input
// when it starts with $ and the context object when it starts with $$.
type path struct {
	raw      string
	expr     jp.Expr
	context  bool
	definite bool // selects at most one node: no wildcard, slice, union, filter or descent
}

// parsePath compiles an ASL Path.
func parsePath(raw string) (*path, error) {
	// strip the context object's extra $
	src, context := raw, false
	if strings.HasPrefix(raw, "$$") {
		src, context = raw[1:], true
	}
	if !strings.HasPrefix(src, "$") {
		return nil, fmt.Errorf("path %q must start with $ or $$", raw)
	}

	// let ojg parse the JSONPath proper; Step Functions also accepts dotted
	// names ojg does not, such as $.detail.delivery-partner
	expr, err := jp.ParseString(src)
	if err != nil {
		var err2 error
		if expr, err2 = jp.ParseString(bracketNames(src)); err2 != nil {
			return nil, fmt.Errorf("parse path %q: %w", raw, err)
		}
	}
	return &path{raw: raw, expr: expr, context: context, definite: isDefinite(expr)}, nil
}

// parseReferencePath compiles an ASL Reference Path: a path that names a single
// node of the input through field names and array indexes only, as ResultPath
// requires.
func parseReferencePath(raw string) (*path, error) {
	p, err := parsePath(raw)
	if err != nil {
		return nil, err
	}
	if p.context {
		return nil, fmt.Errorf("reference path %q cannot read the context object", raw)
	}
	if !p.isReference() {
		return nil, fmt.Errorf("reference path %q may only name fields and indexes", raw)
	}
	return p, nil
}

// isReference reports whether p is a Reference Path: after the root, only
// field names and array indexes, so it names at most one node.
func (p *path) isReference() bool {
	for _, f := range p.expr[1:] {
		switch f.(type) {
		case jp.Child, jp.Nth:
		default:
			return false
		}
	}
	return true
}

// isDefinite reports whether expr selects at most one node.
func isDefinite(expr jp.Expr) bool {
	for _, f := range expr {
		switch f.(type) {
		case jp.Root, jp.At, jp.Bracket, jp.Child, jp.Nth:
		default:
			return false
		}
	}
	return true
}

// lookup selects from in, or from the step's context object for a $$ path.
// A definite path yields its one node and whether it exists; any other path
// yields the array of every node it matches and true.
func (p *path) lookup(in any, s *step) (any, bool) {
	data := in
	if p.context {
		data = s.contextObject()
	}
	if p.definite {
		return p.expr.FirstFound(data)
	}
	nodes := p.expr.Get(data)
	if nodes == nil {
		nodes = []any{}
	}
	return nodes, true
}

// eval is lookup for a path that must match: a path selecting nothing fails the
// execution with States.Runtime, naming field, the definition field it came from.
func (p *path) eval(in any, s *step, field string) (any, error) {
	v, ok := p.lookup(in, s)
	if !ok {
		return nil, runtimeErrorf("Invalid path '%s' : No results for path: %s in %s: %s",
			p.raw, p.raw, field, encodeJSON(in))
	}
	return v, nil
}

// ioPath is an InputPath or OutputPath: absent means $, null means {}.
type ioPath struct {
	null bool
	p    *path
}

// apply selects the part of v that the path names.
func (f ioPath) apply(v any, s *step, field string) (any, error) {
	switch {
	case f.null:
		return map[string]any{}, nil
	case f.p == nil:
		return v, nil
	}
	return f.p.eval(v, s, field)
}

// resultPath is a ResultPath: absent means $ (the result replaces the input),
// null discards the result and keeps the input.
type resultPath struct {
	discard bool
	p       *path
}

// apply places result into a copy of the state's input.
func (r resultPath) apply(in, result any) (any, error) {
	// discard the result, or let it replace the input
	if r.discard {
		return in, nil
	}
	if r.p == nil || len(r.p.expr) == 1 {
		return result, nil
	}

	// set the result into a copy, creating missing objects on the way
	out := cloneValue(in)
	if err := setAt(r.p.expr, out, result); err != nil {
		return nil, &statesError{name: errResultPathMatchFailure, cause: fmt.Sprintf(
			"Unable to apply ResultPath %s to input %s: %v", r.p.raw, encodeJSON(in), err)}
	}
	return out, nil
}

// setAt sets value at expr in data, which must be an object or array.
func setAt(expr jp.Expr, data, value any) error {
	switch data.(type) {
	case map[string]any, []any:
		return expr.SetOne(data, value)
	}
	return errors.New("the input is neither an object nor an array")
}

// bracketNames rewrites each dotted name of a path that is not a plain
// identifier into bracket notation: $.a-b.c becomes $['a-b'].c. Brackets
// and what they hold are copied as they are.
func bracketNames(src string) string {
	var b strings.Builder
	for i := 0; i < len(src); {
		// copy a bracket through its closing ], minding quotes
		if src[i] == '[' {
			j := closingBracket(src, i)
			b.WriteString(src[i:j])
			i = j
			continue
		}

		// rewrite a dotted name that needs it
		if src[i] == '.' && i+1 < len(src) && !strings.ContainsRune(".*[", rune(src[i+1])) {
			j := i + 1
			for j < len(src) && src[j] != '.' && src[j] != '[' {
				j++
			}
			if name := src[i+1 : j]; !isIdentifier(name) {
				b.WriteString("['" + strings.ReplaceAll(name, "'", "\\'") + "']")
				i = j
				continue
			}
		}
		b.WriteByte(src[i])
		i++
	}
	return b.String()
}

// closingBracket returns the index just past the ] closing the [ at i.
func closingBracket(src string, i int) int {
	quote := byte(0)
	for j := i + 1; j < len(src); j++ {
		switch c := src[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ']':
			return j + 1
		}
	}
	return len(src)
}

// isIdentifier reports whether name is letters, digits and underscores.
func isIdentifier(name string) bool {
	for _, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return name != ""
}
