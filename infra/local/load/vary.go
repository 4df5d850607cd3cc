// Package load replays alerts against a running local host at a chosen
// rate and concurrency, as a fleet of security tools would push them, and
// measures what came of them: throughput, latency percentiles, errors,
// investigations opened, alerts stored and alerts lost (answered 2xx but
// not stored).
//
// Its payloads are real samples from events/alerts, sent as they are or as
// variations of them (Vary): the same payload with its alert id, and the
// entity keys a scenario asks for, rewritten in place, so every parser is
// loaded with the shapes its tool really sends.
package load

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Payload is one request body to post, with what it normalizes to.
type Payload struct {
	Name string // the sample it varies, and its variation number
	Body []byte
	// SourceAlertID is the id the alert normalizes to; with the source it
	// is the alert's dedupe key.
	SourceAlertID string
}

// Template is a sample alert that variations are made from.
type Template struct {
	Name  string
	Body  []byte
	Alert alert.Alert
	// indicators are Alert's correlation refs, which every variation
	// must change where it rewrites their type.
	indicators []string
}

// NewTemplate normalizes body, a payload of one alert, as ingest would.
func NewTemplate(name string, body []byte) (Template, error) {
	alerts, err := alert.Parse(body, "")
	if err != nil {
		return Template{}, fmt.Errorf("%s: %w", name, err)
	}
	if len(alerts) != 1 {
		return Template{}, fmt.Errorf("%s: holds %d alerts, want one", name, len(alerts))
	}
	return Template{Name: name, Body: body, Alert: alerts[0],
		indicators: investigation.Indicators(alerts[0])}, nil
}

// Vary returns variation n of t: its alert id made unique to n, and every
// entity of the types in rewrite given a key unique to keyVariant, in
// place in the raw payload. Keys are rewritten where the payload spells
// them, in any case; a key the payload spells otherwise (a URL it
// normalized, a defanged domain) is caught by the check that follows:
// Vary normalizes the result and fails when the id, or a rewritten
// type's indicator, did not change.
func (t Template) Vary(n int, keyVariant int, rewrite ...alert.EntityType) (Payload, error) {
	body := t.Body
	for _, e := range t.Alert.Entities {
		if slices.Contains(rewrite, e.Type) {
			for _, spelling := range spellings(e) {
				body = rewriteKey(body, spelling, keyVariant)
			}
		}
	}
	var err error
	for _, id := range idSpellings(t.Alert.SourceAlertID) {
		var p Payload
		if p, err = t.checked(n, replaceFold(body, id, variant(id, n)), rewrite); err == nil {
			return p, nil
		}
	}
	return Payload{}, err
}

// rewriteKey rewrites key in body to its variant n, or, where body does
// not spell key whole (an ARN composed of an account and a name), the
// last of its parts that body spells.
func rewriteKey(body []byte, key string, n int) []byte {
	lower := bytes.ToLower(body)
	for _, s := range idSpellings(key) {
		if bytes.Contains(lower, []byte(strings.ToLower(s))) {
			return replaceFold(body, s, variant(s, n))
		}
	}
	return body
}

// idSpellings are the strings an alert id may stand as in its payload,
// most specific first: the id, then, for an id composed of several fields
// (a host and an event number, a product and a finding ARN), its parts
// split at ':' and '/', last first.
func idSpellings(id string) []string {
	out := []string{id}
	parts := strings.FieldsFunc(id, func(c rune) bool { return c == ':' || c == '/' })
	for i := len(parts) - 1; i >= 0 && len(parts) > 1; i-- {
		if len(parts[i]) >= 4 {
			out = append(out, parts[i])
		}
	}
	return out
}

// checked normalizes variation n's body and checks that what had to
// change did.
func (t Template) checked(n int, body []byte, rewrite []alert.EntityType) (Payload, error) {
	name := t.Name + "#" + strconv.Itoa(n)
	alerts, err := alert.Parse(body, t.Alert.Format)
	if err != nil || len(alerts) != 1 {
		return Payload{}, fmt.Errorf("variation %s does not normalize: %v", name, err)
	}
	a := alerts[0]
	if a.SourceAlertID == t.Alert.SourceAlertID {
		return Payload{}, fmt.Errorf("variation %s: its alert id %q did not change", name,
			a.SourceAlertID)
	}
	for _, e := range a.Entities {
		if slices.Contains(rewrite, e.Type) && slices.Contains(t.indicators, e.Ref()) {
			return Payload{}, fmt.Errorf("variation %s: %s kept its key", name, e.Ref())
		}
	}
	return Payload{Name: name, Body: body, SourceAlertID: a.SourceAlertID}, nil
}

// spellings are the strings an entity's key may stand as in its payload:
// the key, and for a URL its host, which the payload spells as the key
// does even where it spells the URL otherwise.
func spellings(e alert.Entity) []string {
	out := []string{e.Key}
	if e.Type == alert.EntityURL {
		if _, rest, ok := strings.Cut(e.Key, "://"); ok {
			host, _, _ := strings.Cut(rest, "/")
			out = append(out, host)
		}
	}
	return out
}

// replaceFold replaces every occurrence of old in b, in any case, by new.
func replaceFold(b []byte, old, new string) []byte {
	if old == "" {
		return b
	}
	lower, target := bytes.ToLower(b), []byte(strings.ToLower(old))
	if len(lower) != len(b) {
		return bytes.ReplaceAll(b, []byte(old), []byte(new)) // case folding moved bytes
	}
	var out bytes.Buffer
	for {
		i := bytes.Index(lower, target)
		if i < 0 {
			out.Write(b)
			return out.Bytes()
		}
		out.Write(b[:i])
		out.WriteString(new)
		b, lower = b[i+len(old):], lower[i+len(old):]
	}
}

// variant returns s with its last run of letters and digits (the most
// specific part of an id, a host or a user) rewritten to encode n, keeping
// each character's class: digits stay digits, hex stays hex, case stays.
// So an instance id stays an instance id, a UUID a UUID, a hash a hash of
// its length. An email is rewritten in its local part, a domain in its
// first label; one with no run of four there has "-v<n>" put after it.
// Distinct n give distinct variants; past what the run can tell apart
// (10^4 for the shortest) the variant has "-v<n>" put after it instead.
func variant(s string, n int) string {
	r, cut := []rune(s), specificPart(s)
	suffixed := string(r[:cut]) + "-v" + strconv.Itoa(n) + string(r[cut:])
	start, end := lastRun(r, cut)
	if end-start < 4 {
		return suffixed
	}
	// add n+1, digit by digit, to the run's characters, each within its
	// class: a bijection, so the variant never equals s
	kind, m := runKind(r[start:end]), n+1
	for i := end - 1; i >= start && m > 0; i-- {
		classes := class(r[i], kind)
		at := slices.Index(classes, r[i])
		r[i] = classes[(at+m)%len(classes)]
		m /= len(classes)
	}
	if m > 0 {
		return suffixed // n is past what the run can tell apart
	}
	return string(r)
}

// specificPart is the end, in runes, of the part of s that names one
// thing among its peers: the local part of an email, the first label of a
// domain name, all of anything else.
func specificPart(s string) int {
	if at := strings.IndexByte(s, '@'); at > 0 {
		return len([]rune(s[:at]))
	}
	if isDomain(s) {
		return len([]rune(s[:strings.IndexByte(s, '.')]))
	}
	return len([]rune(s))
}

// isDomain reports whether s looks like a domain name: labels of letters,
// digits and hyphens, two at least, the last of letters.
func isDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.IndexFunc(l, func(c rune) bool {
			return !(c == '-' || c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)))
		}) >= 0 {
			return false
		}
	}
	return strings.IndexFunc(labels[len(labels)-1], unicode.IsDigit) < 0
}

// lastRun returns the bounds of the last run of ASCII letters and digits
// in r[:end].
func lastRun(r []rune, end int) (int, int) {
	for end > 0 && !isAlnum(r[end-1]) {
		end--
	}
	start := end
	for start > 0 && isAlnum(r[start-1]) {
		start--
	}
	return start, end
}

func isAlnum(c rune) bool {
	return c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c))
}

// Kinds of run, which decide the classes its characters are rewritten in.
const (
	runDigits = iota
	runLowerHex
	runUpperHex
	runLetters
)

// runKind says whether r is all digits, hex in one case, or other.
func runKind(r []rune) int {
	kind := runDigits
	for _, c := range r {
		switch {
		case unicode.IsDigit(c):
		case strings.ContainsRune("abcdef", c) && kind != runUpperHex && kind != runLetters:
			kind = runLowerHex
		case strings.ContainsRune("ABCDEF", c) && kind != runLowerHex && kind != runLetters:
			kind = runUpperHex
		default:
			return runLetters
		}
	}
	return kind
}

// Character classes a rewritten character keeps to.
var (
	digits   = []rune("0123456789")
	lowerHex = []rune("0123456789abcdef")
	upperHex = []rune("0123456789ABCDEF")
	lowers   = []rune("abcdefghijklmnopqrstuvwxyz")
	uppers   = []rune("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
)

// class is the set c is rewritten within, in a run of kind.
func class(c rune, kind int) []rune {
	switch {
	case kind == runLowerHex:
		return lowerHex
	case kind == runUpperHex:
		return upperHex
	case unicode.IsDigit(c):
		return digits
	case unicode.IsLower(c):
		return lowers
	default:
		return uppers
	}
}
