package intel

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reads STIX 2.1 patterns (STIX 2.1 part 9; 2.0 patterns too)
// far enough to take their indicators: it checks a pattern's whole syntax,
// and collects the equality comparisons ("=" or "==", not negated, with a
// string) that it holds anywhere, whatever joins them. No maintained Go
// library parses STIX patterns; the OASIS validator is Python over ANTLR.

// comparison is one equality comparison of a pattern: in
// [file:hashes.'SHA-256' = 'ab…'], Object "file", Path ["hashes",
// "SHA-256"] and Value "ab…".
type comparison struct {
	Object string
	Path   []string
	Value  string
}

// maxPatternDepth is how deeply a pattern may nest brackets and
// parentheses; deeper is refused rather than parsed on a deep stack.
const maxPatternDepth = 64

// patternComparisons returns the equality comparisons of a pattern, in the
// order written, or an error if the pattern is not well formed.
func patternComparisons(pattern string) ([]comparison, error) {
	toks, err := lex(pattern)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if err := p.observations(); err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.unexpected(t, "AND, OR or FOLLOWEDBY")
	}
	return p.found, nil
}

// tokenKind is the kind of one token of a pattern.
type tokenKind int

// Token kinds.
const (
	tokEOF     tokenKind = iota
	tokWord              // an identifier or a keyword: domain-name, hashes, AND
	tokName              // a double-quoted identifier of STIX 2.0: "SHA-256"
	tokString            // a string, its escapes undone
	tokLiteral           // a number, or a t'', h'' or b'' literal
	tokOp                // =, ==, !=, <>, <, <=, >, >=
	tokPunct             // one of [ ] ( ) : . , *
)

// token is one token of a pattern and the byte offset it starts at.
type token struct {
	kind tokenKind
	text string
	pos  int
}

// is reports whether t is the punctuation s.
func (t token) is(s string) bool { return t.kind == tokPunct && t.text == s }

// isKeyword reports whether t is the keyword kw, in any case.
func (t token) isKeyword(kw string) bool {
	return t.kind == tokWord && strings.EqualFold(t.text, kw)
}

// String names the token in an error.
func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of pattern"
	case tokString:
		return fmt.Sprintf("string %q", t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

// lex splits a pattern into tokens, ending with tokEOF.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		c := s[i]
		var t token
		var n int
		var err error
		switch {
		case unicode.IsSpace(r):
			i += size
			continue
		case strings.IndexByte("[]():.,*", c) >= 0:
			t, n = token{kind: tokPunct, text: s[i : i+1]}, 1
		case c == '\'':
			t.kind = tokString
			t.text, n, err = lexQuoted(s[i:], '\'')
		case c == '"':
			t.kind = tokName
			t.text, n, err = lexQuoted(s[i:], '"')
		case (c == 't' || c == 'h' || c == 'b') && strings.HasPrefix(s[i+1:], "'"):
			_, n, err = lexQuoted(s[i+1:], '\'')
			t, n = token{kind: tokLiteral, text: s[i : i+1+n]}, n+1
		case c == '_' || isLetter(c):
			t, n = token{kind: tokWord, text: s[i : i+wordLen(s[i:])]}, wordLen(s[i:])
		case isDigit(c) || c == '+' || c == '-':
			t.kind, n, err = tokLiteral, numberLen(s[i:]), nil
			t.text = s[i : i+n]
		case strings.IndexByte("=!<>", c) >= 0:
			t.kind = tokOp
			t.text, n, err = lexOp(s[i:])
		default:
			err = fmt.Errorf("unexpected %q", r)
		}
		if err != nil {
			return nil, fmt.Errorf("at offset %d: %w", i, err)
		}
		t.pos = i
		toks = append(toks, t)
		i += n
	}
	return append(toks, token{kind: tokEOF, pos: len(s)}), nil
}

// lexQuoted reads the quoted text that s starts with, quoted by q, and
// returns it unescaped and its length in s. In a string, \' stands for '
// and \\ for \; any other backslash is kept as written, as feeds write
// regular expressions carelessly. In a double-quoted name, "" stands for ".
func lexQuoted(s string, q byte) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == q && q == '"' && strings.HasPrefix(s[i+1:], `"`):
			b.WriteByte(q)
			i++
		case s[i] == q:
			return b.String(), i + 1, nil
		case s[i] == '\\' && q == '\'' && i+1 < len(s):
			if s[i+1] != '\'' && s[i+1] != '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s[i+1])
			i++
		default:
			b.WriteByte(s[i])
		}
	}
	return "", 0, fmt.Errorf("quote %c is not closed", q)
}

// lexOp reads the comparison operator s starts with.
func lexOp(s string) (string, int, error) {
	for _, op := range []string{"==", "!=", "<>", "<=", ">=", "=", "<", ">"} {
		if strings.HasPrefix(s, op) {
			return op, len(op), nil
		}
	}
	return "", 0, fmt.Errorf("unexpected %q", s[:1])
}

// wordLen returns the length of the identifier s starts with.
func wordLen(s string) int {
	n := 0
	for n < len(s) && (isLetter(s[n]) || isDigit(s[n]) || s[n] == '_' || s[n] == '-') {
		n++
	}
	return n
}

// numberLen returns the length of the number s starts with: a sign,
// digits and a fraction. A lone sign is one byte long, and is refused
// where the parser wants a literal only if it is not a number.
func numberLen(s string) int {
	n := 0
	if s[0] == '+' || s[0] == '-' {
		n++
	}
	for n < len(s) && (isDigit(s[n]) || s[n] == '.') {
		n++
	}
	return n
}

// isLetter reports whether c is an ASCII letter.
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parser reads a pattern's tokens by recursive descent. AND, OR and
// FOLLOWEDBY are read alike, as which binds tighter does not change which
// comparisons the pattern holds.
type parser struct {
	toks  []token
	at    int
	depth int
	found []comparison
}

// observations reads observation expressions joined by AND, OR or
// FOLLOWEDBY.
func (p *parser) observations() error {
	for {
		if err := p.observation(); err != nil {
			return err
		}
		if !p.keyword("AND", "OR", "FOLLOWEDBY") {
			return nil
		}
	}
}

// observation reads [comparisons] or (observations), then its qualifiers.
func (p *parser) observation() error {
	if err := p.enter(); err != nil {
		return err
	}
	defer p.leave()
	var err error
	switch t := p.next(); {
	case t.is("["):
		err = p.comparisons("]")
	case t.is("("):
		err = p.observations()
		if err == nil {
			err = p.expect(")")
		}
	default:
		return p.unexpected(t, `"[" or "("`)
	}
	if err != nil {
		return err
	}
	return p.qualifiers()
}

// qualifiers reads the qualifiers after an observation: START t'…' STOP
// t'…', WITHIN n SECONDS, REPEATS n TIMES.
func (p *parser) qualifiers() error {
	for {
		var err error
		switch {
		case p.keyword("START"):
			err = p.sequence(p.literal, p.keywordOf("STOP"), p.literal)
		case p.keyword("WITHIN"):
			err = p.sequence(p.literal, p.keywordOf("SECONDS"))
		case p.keyword("REPEATS"):
			err = p.sequence(p.literal, p.keywordOf("TIMES"))
		default:
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// comparisons reads comparisons joined by AND or OR, then the closing
// punctuation end.
func (p *parser) comparisons(end string) error {
	for {
		if err := p.comparison(); err != nil {
			return err
		}
		if !p.keyword("AND", "OR") {
			return p.expect(end)
		}
	}
}

// comparison reads one comparison, or (comparisons), and keeps it if it
// is an equality with a string.
func (p *parser) comparison() error {
	if err := p.enter(); err != nil {
		return err
	}
	defer p.leave()

	// a group, or a test of presence
	if p.punct("(") {
		return p.comparisons(")")
	}
	if p.keyword("EXISTS") {
		_, err := p.objectPath()
		return err
	}

	// a path, an operator and what it is compared with
	c, err := p.objectPath()
	if err != nil {
		return err
	}
	negated := p.keyword("NOT")
	switch op := p.next(); {
	case op.kind == tokOp:
		v, err := p.literalToken()
		if err != nil {
			return err
		}
		if (op.text == "=" || op.text == "==") && !negated && v.kind == tokString {
			c.Value = v.text
			p.found = append(p.found, c)
		}
		return nil
	case op.isKeyword("IN"):
		return p.set()
	case op.isKeyword("LIKE"), op.isKeyword("MATCHES"), op.isKeyword("ISSUBSET"),
		op.isKeyword("ISSUPERSET"):
		return p.sequence(p.stringLiteral)
	default:
		return p.unexpected(op, "a comparison operator")
	}
}

// objectPath reads an object path such as file:hashes.'SHA-256' or
// email-message:to_refs[*].value. Index steps are read, not kept.
func (p *parser) objectPath() (comparison, error) {
	// the object type
	var c comparison
	t := p.next()
	if t.kind != tokWord {
		return c, p.unexpected(t, "an object type")
	}
	c.Object = t.text
	if err := p.expect(":"); err != nil {
		return c, err
	}

	// its first property, then each step after it
	for first := true; ; first = false {
		switch {
		case first || p.punct("."):
			t := p.next()
			if t.kind != tokWord && t.kind != tokString && t.kind != tokName {
				return c, p.unexpected(t, "a property name")
			}
			c.Path = append(c.Path, t.text)
		case p.punct("["):
			if t := p.next(); !t.is("*") && t.kind != tokLiteral {
				return c, p.unexpected(t, "an index or *")
			}
			if err := p.expect("]"); err != nil {
				return c, err
			}
		default:
			return c, nil
		}
	}
}

// set reads a set of literals: ('a', 'b').
func (p *parser) set() error {
	if err := p.expect("("); err != nil {
		return err
	}
	if p.punct(")") {
		return nil
	}
	for {
		if err := p.literal(); err != nil {
			return err
		}
		if !p.punct(",") {
			return p.expect(")")
		}
	}
}

// literal reads a literal: a string, number, boolean or typed literal.
func (p *parser) literal() error {
	_, err := p.literalToken()
	return err
}

// literalToken reads a literal and returns it.
func (p *parser) literalToken() (token, error) {
	t := p.next()
	switch {
	case t.kind == tokString, t.kind == tokLiteral && t.text != "+" && t.text != "-",
		t.isKeyword("true"), t.isKeyword("false"):
		return t, nil
	}
	return t, p.unexpected(t, "a literal")
}

// stringLiteral reads a string.
func (p *parser) stringLiteral() error {
	if t := p.next(); t.kind != tokString {
		return p.unexpected(t, "a string")
	}
	return nil
}

// sequence runs each reader in turn, stopping at the first error.
func (p *parser) sequence(readers ...func() error) error {
	for _, read := range readers {
		if err := read(); err != nil {
			return err
		}
	}
	return nil
}

// keywordOf returns a reader of the keyword kw.
func (p *parser) keywordOf(kw string) func() error {
	return func() error {
		if t := p.next(); !t.isKeyword(kw) {
			return p.unexpected(t, kw)
		}
		return nil
	}
}

// peek returns the next token without reading it.
func (p *parser) peek() token { return p.toks[p.at] }

// next reads the next token; at the end it keeps returning tokEOF.
func (p *parser) next() token {
	t := p.toks[p.at]
	if t.kind != tokEOF {
		p.at++
	}
	return t
}

// keyword reads the next token if it is one of the keywords.
func (p *parser) keyword(kws ...string) bool {
	for _, kw := range kws {
		if p.peek().isKeyword(kw) {
			p.at++
			return true
		}
	}
	return false
}

// punct reads the next token if it is the punctuation s.
func (p *parser) punct(s string) bool {
	if p.peek().is(s) {
		p.at++
		return true
	}
	return false
}

// expect reads the punctuation s, or says what was found instead.
func (p *parser) expect(s string) error {
	if t := p.next(); !t.is(s) {
		return p.unexpected(t, fmt.Sprintf("%q", s))
	}
	return nil
}

// enter goes one bracket deeper, refusing to go past maxPatternDepth.
func (p *parser) enter() error {
	if p.depth++; p.depth > maxPatternDepth {
		return errNestedTooDeep
	}
	return nil
}

// leave comes back out of a bracket.
func (p *parser) leave() { p.depth-- }

var errNestedTooDeep = fmt.Errorf("nested more than %d deep", maxPatternDepth)

// unexpected says what token was found and what was wanted.
func (p *parser) unexpected(t token, want string) error {
	if t.kind == tokEOF {
		return fmt.Errorf("pattern ends where %s should be (unbalanced?)", want)
	}
	return fmt.Errorf("at offset %d: got %s, want %s", t.pos, t, want)
}
