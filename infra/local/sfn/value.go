package sfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The engine holds JSON values as decoded here: map[string]any, []any, string,
// bool, nil, int64 for integers that fit and float64 for every other number.
// Keeping integers exact matters because ids and counts pass through states.

// decodeJSON parses exactly one JSON document.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode JSON: data after the document")
	}
	return normalize(v), nil
}

// normalize replaces every json.Number in v by an int64 or a float64.
func normalize(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64() // the decoder accepted it, so it is a number
		return f
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
	}
	return v
}

// encodeJSON renders v compactly without HTML escaping, as Step Functions
// shows inputs and outputs.
func encodeJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Values come from decodeJSON, which cannot produce NaN or Inf.
		return "null"
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// cloneValue returns a deep copy of v, so that setting a ResultPath never
// changes a value that history or another state still holds.
func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = cloneValue(e)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, e := range t {
			s[i] = cloneValue(e)
		}
		return s
	}
	return v
}
