package sfn

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// An intrinsic is a parsed intrinsic function call, such as
// States.Format('{} of {}', $.done, $$.Execution.Input.total): a function
// name and its arguments, each a literal, a path or another call.
type intrinsic struct {
	name string
	fn   *intrinsicFunc
	args []intrinsicArg
}

// intrinsicArg is one argument of an intrinsic call.
type intrinsicArg interface {
	eval(in any, s *step) (any, error)
}

// stringArg is a quoted string literal; raw keeps its escapes, which
// States.Format needs to tell a placeholder {} from an escaped \{\}.
type stringArg struct {
	value string
	raw   string
}

// valueArg is a number, true, false or null literal.
type valueArg struct{ v any }

// pathArg is a path argument, read from the input or the context object.
type pathArg struct{ p *path }

func (a stringArg) eval(any, *step) (any, error) { return a.value, nil }
func (a valueArg) eval(any, *step) (any, error)  { return a.v, nil }

func (a pathArg) eval(in any, s *step) (any, error) {
	v, ok := a.p.lookup(in, s)
	if !ok {
		return nil, &statesError{name: errRuntime, cause: fmt.Sprintf(
			"The JSONPath %s in an intrinsic function could not be found in the input", a.p.raw)}
	}
	return v, nil
}

// eval calls the function on its evaluated arguments.
func (c *intrinsic) eval(in any, s *step) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(in, s)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	v, err := c.fn.call(c, args)
	if err != nil {
		return nil, &statesError{name: errIntrinsicFailure,
			cause: fmt.Sprintf("Invalid arguments in %s: %v", c.name, err)}
	}
	return v, nil
}

// maxIntrinsicDepth bounds how deeply calls may nest, so that a hostile
// definition cannot exhaust the stack.
const maxIntrinsicDepth = 10

// parseIntrinsic parses an intrinsic function call and checks that the
// function exists and takes as many arguments as it is given.
func parseIntrinsic(src string) (*intrinsic, error) {
	p := &intrinsicParser{src: src}
	c, err := p.call(0)
	if err != nil {
		return nil, fmt.Errorf("intrinsic function %q: %w", src, err)
	}
	p.skipSpace()
	if p.pos != len(p.src) {
		return nil, fmt.Errorf("intrinsic function %q: unexpected %q after the call",
			src, p.src[p.pos:])
	}
	return c, nil
}

// intrinsicParser is a recursive-descent parser over one call's source.
type intrinsicParser struct {
	src string
	pos int
}

func (p *intrinsicParser) skipSpace() {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
}

// call parses Name(arg, …) at the current position.
func (p *intrinsicParser) call(depth int) (*intrinsic, error) {
	if depth > maxIntrinsicDepth {
		return nil, fmt.Errorf("calls nest deeper than %d", maxIntrinsicDepth)
	}

	// the function name, which must be known
	start := p.pos
	for p.pos < len(p.src) && (isNameByte(p.src[p.pos])) {
		p.pos++
	}
	name := p.src[start:p.pos]
	fn, ok := intrinsicFuncs[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	if p.pos >= len(p.src) || p.src[p.pos] != '(' {
		return nil, fmt.Errorf("expected ( after %s", name)
	}
	p.pos++

	// the arguments, then their count
	c := &intrinsic{name: name, fn: fn}
	args, err := p.args(depth)
	if err != nil {
		return nil, err
	}
	c.args = args
	if err := fn.checkArity(len(args)); err != nil {
		return nil, fmt.Errorf("%s %w", name, err)
	}
	return c, nil
}

func isNameByte(b byte) bool {
	return b == '.' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// args parses a comma-separated argument list up to and including ).
func (p *intrinsicParser) args(depth int) ([]intrinsicArg, error) {
	var args []intrinsicArg
	p.skipSpace()
	if p.pos < len(p.src) && p.src[p.pos] == ')' {
		p.pos++
		return args, nil
	}
	for {
		p.skipSpace()
		a, err := p.arg(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		p.skipSpace()
		if p.pos >= len(p.src) {
			return nil, fmt.Errorf("missing )")
		}
		switch p.src[p.pos] {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return args, nil
		default:
			return nil, fmt.Errorf("unexpected %q in the arguments", p.src[p.pos])
		}
	}
}

// arg parses one argument.
func (p *intrinsicParser) arg(depth int) (intrinsicArg, error) {
	if p.pos >= len(p.src) {
		return nil, fmt.Errorf("missing argument")
	}
	switch c := p.src[p.pos]; {
	case c == '\'':
		return p.stringLiteral()
	case c == '$':
		return p.pathArgument()
	case strings.HasPrefix(p.src[p.pos:], "States."):
		return p.call(depth + 1)
	default:
		return p.valueLiteral()
	}
}

// stringLiteral parses '…', where \' \{ \} and \\ escape those characters.
func (p *intrinsicParser) stringLiteral() (intrinsicArg, error) {
	p.pos++ // the opening quote
	var value, raw strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\'':
			p.pos++
			return stringArg{value: value.String(), raw: raw.String()}, nil
		case c == '\\':
			if p.pos+1 >= len(p.src) || !strings.ContainsRune(`'{}\`, rune(p.src[p.pos+1])) {
				return nil, fmt.Errorf("bad escape in a string literal at offset %d", p.pos)
			}
			value.WriteByte(p.src[p.pos+1])
			raw.WriteString(p.src[p.pos : p.pos+2])
			p.pos += 2
		default:
			value.WriteByte(c)
			raw.WriteByte(c)
			p.pos++
		}
	}
	return nil, fmt.Errorf("unterminated string literal")
}

// pathArgument parses a path up to the , or ) that ends the argument,
// skipping those inside brackets or quotes.
func (p *intrinsicParser) pathArgument() (intrinsicArg, error) {
	start, depth, quote := p.pos, 0, byte(0)
	for ; p.pos < len(p.src); p.pos++ {
		c := p.src[p.pos]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case (c == ']' || c == ')') && depth > 0:
			depth--
		case depth == 0 && (c == ',' || c == ')'):
			return p.compilePath(strings.TrimRight(p.src[start:p.pos], " "))
		}
	}
	return nil, fmt.Errorf("missing ) after path %q", p.src[start:])
}

func (p *intrinsicParser) compilePath(raw string) (intrinsicArg, error) {
	path, err := parsePath(raw)
	if err != nil {
		return nil, err
	}
	return pathArg{path}, nil
}

// valueLiteral parses a number, true, false or null.
func (p *intrinsicParser) valueLiteral() (intrinsicArg, error) {
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] != ',' && p.src[p.pos] != ')' &&
		!unicode.IsSpace(rune(p.src[p.pos])) {
		p.pos++
	}
	tok := p.src[start:p.pos]
	switch tok {
	case "true":
		return valueArg{true}, nil
	case "false":
		return valueArg{false}, nil
	case "null":
		return valueArg{nil}, nil
	}
	if i, err := strconv.ParseInt(tok, 10, 64); err == nil {
		return valueArg{i}, nil
	}
	if f, err := strconv.ParseFloat(tok, 64); err == nil && !strings.ContainsAny(tok, "xXpP_") {
		return valueArg{f}, nil
	}
	return nil, fmt.Errorf("bad argument %q: want a 'string', number, boolean, null, "+
		"path or call", tok)
}

// intrinsicField is a "key.$" field whose value is an intrinsic call.
type intrinsicField struct {
	key string
	c   *intrinsic
}

func (f intrinsicField) eval(in any, s *step) (any, error) {
	return f.c.eval(in, s)
}
