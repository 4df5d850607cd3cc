package sfn

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// fields reads one JSON object of a definition (a state, a retrier, a catcher,
// a choice rule) and records what is wrong with it instead of stopping at the
// first problem, so CreateStateMachine can report everything at once.
type fields struct {
	state string // the state the object belongs to
	what  string // the object within the state, e.g. "Retry[1]"; empty for the state
	raw   map[string]any
	v     *validator
}

// problem records a problem with the object.
func (f fields) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if f.what != "" {
		msg = f.what + ": " + msg
	}
	f.v.add(f.state, msg)
}

// has reports whether the object has key, even with a null value.
func (f fields) has(key string) bool {
	_, ok := f.raw[key]
	return ok
}

// allow reports every key of the object that is not in allowed.
func (f fields) allow(kind string, allowed ...string) {
	set := make(map[string]bool, len(allowed))
	for _, k := range allowed {
		set[k] = true
	}
	var unknown []string
	for k := range f.raw {
		if !set[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		f.problem("field %q is not supported in %s", k, kind)
	}
}

// string returns the string at key, or "" if it is absent or not a string.
func (f fields) string(key string) string {
	v, ok := f.raw[key]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		f.problem("field %q must be a string", key)
	}
	return s
}

// requiredString is string for a key that must be present and non-empty.
func (f fields) requiredString(key string) string {
	if !f.has(key) {
		f.problem("field %q is required", key)
		return ""
	}
	s := f.string(key)
	if _, isString := f.raw[key].(string); isString && s == "" {
		f.problem("field %q must not be empty", key)
	}
	return s
}

// bool returns the boolean at key, or false if it is absent.
func (f fields) bool(key string) bool {
	v, ok := f.raw[key]
	if !ok {
		return false
	}
	b, ok := v.(bool)
	if !ok {
		f.problem("field %q must be a boolean", key)
	}
	return b
}

// integer returns the integer at key, or def if it is absent. It reports a
// value that is not an integer or is below min.
func (f fields) integer(key string, def, min int64) int64 {
	v, ok := f.raw[key]
	if !ok {
		return def
	}
	i, ok := v.(int64)
	if !ok {
		f.problem("field %q must be an integer", key)
		return def
	}
	if i < min {
		f.problem("field %q must be at least %d, got %d", key, min, i)
		return def
	}
	return i
}

// number returns the number at key, or def if it is absent.
func (f fields) number(key string, def float64) float64 {
	v, ok := f.raw[key]
	if !ok {
		return def
	}
	switch n := v.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	}
	f.problem("field %q must be a number", key)
	return def
}

// seconds is integer for a duration in whole seconds, capped so that
// converting it to a time.Duration cannot overflow.
func (f fields) seconds(key string, min int64) time.Duration {
	const maxSeconds = math.MaxInt64 / int64(time.Second)
	s := f.integer(key, 0, min)
	if s > maxSeconds {
		f.problem("field %q must be at most %d, got %d", key, maxSeconds, s)
		return 0
	}
	return time.Duration(s) * time.Second
}

// strings returns the non-empty array of strings at key.
func (f fields) strings(key string) []string {
	arr, ok := f.raw[key].([]any)
	if !ok || len(arr) == 0 {
		f.problem("field %q must be a non-empty array of strings", key)
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			f.problem("field %q must be a non-empty array of strings", key)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// objects returns the array of objects at key, each as fields named what[i].
func (f fields) objects(key string) []fields {
	v, ok := f.raw[key]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		f.problem("field %q must be an array of objects", key)
		return nil
	}
	out := make([]fields, 0, len(arr))
	for i, e := range arr {
		obj, ok := e.(map[string]any)
		if !ok {
			f.problem("%s[%d] must be an object", key, i)
			continue
		}
		out = append(out, f.child(fmt.Sprintf("%s[%d]", key, i), obj))
	}
	return out
}

// child returns fields for an object nested in this one.
func (f fields) child(what string, raw map[string]any) fields {
	if f.what != "" {
		what = f.what + "." + what
	}
	return fields{state: f.state, what: what, raw: raw, v: f.v}
}

// path returns the Path at key, or nil if it is absent or invalid.
func (f fields) path(key string) *path {
	if !f.has(key) {
		return nil
	}
	s, ok := f.raw[key].(string)
	if !ok {
		f.problem("field %q must be a string holding a path", key)
		return nil
	}
	p, err := parsePath(s)
	if err != nil {
		f.problem("field %q: %v", key, err)
		return nil
	}
	return p
}

// referencePath returns the Reference Path at key, or nil if it is absent or
// invalid. Unlike a ResultPath, it may read the context object.
func (f fields) referencePath(key string) *path {
	p := f.path(key)
	if p != nil && !p.isReference() {
		f.problem("field %q: %q must be a reference path, naming one node through "+
			"field names and array indexes only", key, p.raw)
		return nil
	}
	return p
}

// ioPath returns the InputPath or OutputPath at key.
func (f fields) ioPath(key string) ioPath {
	if f.has(key) && f.raw[key] == nil {
		return ioPath{null: true}
	}
	return ioPath{p: f.path(key)}
}

// resultPath returns the ResultPath at key.
func (f fields) resultPath(key string) resultPath {
	v, ok := f.raw[key]
	switch {
	case !ok:
		return resultPath{}
	case v == nil:
		return resultPath{discard: true}
	}
	s, ok := v.(string)
	if !ok {
		f.problem("field %q must be a string or null", key)
		return resultPath{}
	}
	p, err := parseReferencePath(s)
	if err != nil {
		f.problem("field %q: %v", key, err)
		return resultPath{}
	}
	return resultPath{p: p}
}

// template returns the payload template at key, or nil if it is absent.
func (f fields) template(key string) template {
	v, ok := f.raw[key]
	if !ok {
		return nil
	}
	if _, ok := v.(map[string]any); !ok {
		f.problem("field %q must be an object", key)
		return nil
	}
	return compileTemplate(v, "", func(format string, args ...any) {
		f.problem("%s: %s", key, fmt.Sprintf(format, args...))
	})
}

// transition reads Next and End for a state that must have exactly one of them.
func (f fields) transition() (next string, end bool) {
	next, end = f.string("Next"), f.bool("End")
	switch {
	case f.has("Next") && end:
		f.problem("a state cannot have both Next and End")
	case !f.has("Next") && !end:
		f.problem("a non-terminal state needs Next or \"End\": true")
	}
	return next, end
}
