package sfn

import (
	"fmt"
	"sort"
	"strings"
)

// A template is a Parameters or ResultSelector payload template: JSON whose
// fields named "key.$" take their value from a path, under the name "key".
type template interface {
	eval(in any, s *step) (any, error)
}

type (
	literal   struct{ v any }
	pathField struct {
		key string
		p   *path
	}
	objectFields  []templateField
	arrayTemplate []template
)

// templateField is one field of an object template.
type templateField struct {
	key string
	t   template
}

// compileTemplate turns a decoded payload template into a template, reporting
// each field that cannot be compiled through problem. at is where v sits in
// the template, as a prefix of field names ("" at the top, "Payload." below).
func compileTemplate(v any, at string, problem func(format string, args ...any)) template {
	switch t := v.(type) {
	case map[string]any:
		return compileObject(t, at, problem)
	case []any:
		a := make(arrayTemplate, len(t))
		for i, e := range t {
			a[i] = compileTemplate(e, fmt.Sprintf("%s[%d].", strings.TrimSuffix(at, "."), i),
				problem)
		}
		return a
	}
	return literal{v}
}

func compileObject(m map[string]any, at string, problem func(string, ...any)) template {
	// visit fields in a fixed order so problems are reported deterministically
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	fields := make(objectFields, 0, len(m))
	for _, k := range keys {
		name, isPath := strings.CutSuffix(k, ".$")
		if !isPath {
			fields = append(fields, templateField{k, compileTemplate(m[k], at+k+".", problem)})
			continue
		}
		if _, dup := m[name]; dup {
			problem("field %q appears both with and without .$", at+name)
		}
		fields = append(fields, templateField{name, compilePathField(at+k, m[k], problem)})
	}
	return fields
}

// compilePathField compiles the value of a "key.$" field, which must be a path.
func compilePathField(key string, v any, problem func(string, ...any)) template {
	raw, ok := v.(string)
	switch {
	case !ok:
		problem("field %q must be a string holding a path", key)
		return literal{nil}
	case strings.HasPrefix(raw, "States."):
		c, err := parseIntrinsic(raw)
		if err != nil {
			problem("field %q: %v", key, err)
			return literal{nil}
		}
		return intrinsicField{key, c}
	}
	p, err := parsePath(raw)
	if err != nil {
		problem("field %q: %v", key, err)
		return literal{nil}
	}
	return pathField{key, p}
}

func (l literal) eval(any, *step) (any, error) {
	return cloneValue(l.v), nil
}

func (f pathField) eval(in any, s *step) (any, error) {
	v, ok := f.p.lookup(in, s)
	if !ok {
		input := in
		if f.p.context {
			input = s.contextObject()
		}
		return nil, runtimeErrorf("The JSONPath '%s' specified for the field '%s' "+
			"could not be found in the input '%s'", f.p.raw, f.key, encodeJSON(input))
	}
	return v, nil
}

func (o objectFields) eval(in any, s *step) (any, error) {
	m := make(map[string]any, len(o))
	for _, f := range o {
		v, err := f.t.eval(in, s)
		if err != nil {
			return nil, err
		}
		m[f.key] = v
	}
	return m, nil
}

func (a arrayTemplate) eval(in any, s *step) (any, error) {
	out := make([]any, len(a))
	for i, t := range a {
		v, err := t.eval(in, s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
