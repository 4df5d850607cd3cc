package alert

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// runForcedFieldCases runs each case through Parse with the format named,
// as a sender forcing ?format= would, so that a case may remove a key the
// format is detected by, and checks its *FieldError.
//
// A path's first step may be a key with dots in it, as Kibana writes its
// fields: "_source/kibana.alert.uuid" sets the key "kibana.alert.uuid" of
// "_source", and "kibana.alert.uuid" the top-level one when the sample has
// that key or lacks the objects a nested path needs.
func runForcedFieldCases(t *testing.T, format string, tests []fieldCase) {
	t.Helper()
	for _, tt := range tests {
		name := tt.sample + ":" + tt.path + "=" + valueName(tt.value)
		t.Run(name, func(t *testing.T) {
			// break the sample
			doc := decodeSample(t, format, tt.sample)
			field := setPathOrKey(t, doc, tt.path, tt.value)
			body, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}

			// expect the field to be named
			if tt.field != "" {
				field = tt.field
			}
			_, err = Parse(body, format)
			checkFieldError(t, err, format, field)
		})
	}
}

// setPathOrKey sets the value at path in doc, where path is "container/
// dotted.key", a dotted key the object has, or a path for setPath. It
// returns the field a *FieldError should name.
func setPathOrKey(t *testing.T, doc any, path string, v any) string {
	t.Helper()
	obj, ok := doc.(map[string]any)
	container, key, nested := strings.Cut(path, "/")
	if ok && nested {
		if obj, ok = obj[container].(map[string]any); !ok {
			t.Fatalf("path %s: no object %s", path, container)
		}
		setKey(obj, key, v)
		return container + "." + key
	}
	if _, literal := obj[path]; ok && (literal || !hasContainers(doc, path)) {
		setKey(obj, path, v)
		return path
	}
	setPath(t, doc, path, v)
	return stripIndices(path)
}

// hasContainers reports whether every object on a dotted path but the
// last is in doc, so that setPath can set it.
func hasContainers(doc any, path string) bool {
	steps := pathSteps(path)
	cur := doc
	for _, step := range steps[:len(steps)-1] {
		switch node := cur.(type) {
		case map[string]any:
			cur = node[step]
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n >= len(node) {
				return false
			}
			cur = node[n]
		default:
			return false
		}
	}
	switch cur.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// setKey sets or, for nil, deletes a key of obj.
func setKey(obj map[string]any, key string, v any) {
	if v == nil {
		delete(obj, key)
		return
	}
	obj[key] = v
}

// parseOne parses body, detecting its format, and returns its one alert.
func parseOne(t *testing.T, body string) Alert {
	t.Helper()
	alerts, err := Parse([]byte(body), "")
	if err != nil {
		t.Fatalf("Parse: got error %v, want none", err)
	}
	if len(alerts) != 1 {
		t.Fatalf("Parse: got %d alerts, want 1", len(alerts))
	}
	return alerts[0]
}

// refs returns the entities' refs, "type:key", in order.
func refs(entities []Entity) []string {
	var out []string
	for _, e := range entities {
		out = append(out, e.Ref())
	}
	return out
}

// eicarSHA256 is the SHA-256 of the EICAR test file.
const eicarSHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

// jsonMarshalString returns v as JSON text.
func jsonMarshalString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}
