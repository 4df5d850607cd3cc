package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A parser turns the payloads of one alert format into alerts.
//
// Adding a format means writing a parser in its own file and listing it in
// parsers. Detect must be cheap and must not claim another format's
// payloads; Parse must not panic on any input.
type parser interface {
	// Name is the format's name, as callers pass it to Parse.
	Name() string

	// Detect reports whether a payload object, given by its top-level keys,
	// is in this format.
	Detect(top map[string]json.RawMessage) bool

	// Parse turns one payload item into its alerts. The item is valid JSON
	// but may be of any type or shape when the caller forced the format.
	// Parse may leave Raw empty; the caller then sets it to the item.
	Parse(item []byte) ([]Alert, error)
}

// parsers lists every supported format in detection order: the first
// parser whose Detect accepts a payload parses it.
var parsers = []parser{
	guardDuty{},
	ocsf{},
}

// Formats returns the names of the supported formats, sorted. Each is a
// valid format argument to Parse.
func Formats() []string {
	names := make([]string, len(parsers))
	for i, p := range parsers {
		names[i] = p.Name()
	}
	slices.Sort(names)
	return names
}

// Parse turns a received payload into normalized alerts, one per alert in
// the payload.
//
// When format is empty the format is detected from the payload alone;
// otherwise the named parser is used whatever the payload looks like. A
// payload is a JSON object or an array of them. An array's format is that
// of its first item, and every item is parsed in that format.
//
// Each alert's Raw holds the exact bytes of the payload item it came from,
// without surrounding white space, in memory of its own. Time is in UTC.
// ID and Source are left for the caller.
//
// The error is ErrEmpty, wraps ErrNotJSON, or is an *UnknownFormatError or
// a *FieldError; for an array, the error of an item is wrapped with its
// index. Parse is safe for concurrent use and never panics.
func Parse(body []byte, format string) ([]Alert, error) {
	// pick the parser the caller named, if any
	var forced parser
	if format != "" {
		if forced = lookup(format); forced == nil {
			return nil, &UnknownFormatError{Format: format}
		}
	}

	// split the payload into items: an object is one, an array many
	items, isArray, err := split(body)
	if err != nil {
		return nil, err
	}
	p := forced
	if p == nil {
		if p = detect(items[0]); p == nil {
			return nil, itemError(isArray, 0, &UnknownFormatError{})
		}
	}

	// parse every item in that format
	var alerts []Alert
	for i, item := range items {
		got, err := parseItem(p, item)
		if err != nil {
			return nil, itemError(isArray, i, err)
		}
		alerts = append(alerts, got...)
	}
	return alerts, nil
}

// Detect returns the name of the format of a payload, as Parse would detect
// it: for an array, the format of its first item. It does not check that
// the payload holds the fields its format requires.
//
// The error is ErrEmpty, wraps ErrNotJSON, or is an *UnknownFormatError
// with an empty Format.
func Detect(body []byte) (string, error) {
	items, isArray, err := split(body)
	if err != nil {
		return "", err
	}
	p := detect(items[0])
	if p == nil {
		return "", itemError(isArray, 0, &UnknownFormatError{})
	}
	return p.Name(), nil
}

// lookup returns the parser named format, or nil.
func lookup(format string) parser {
	for _, p := range parsers {
		if p.Name() == format {
			return p
		}
	}
	return nil
}

// detect returns the first parser that claims item, or nil. Only a JSON
// object can be claimed.
func detect(item []byte) parser {
	if item[0] != '{' {
		return nil
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(item, &top) != nil {
		return nil
	}
	for _, p := range parsers {
		if p.Detect(top) {
			return p
		}
	}
	return nil
}

// parseItem parses one payload item with p and keeps the item as the Raw
// of every alert that has none.
func parseItem(p parser, item []byte) ([]Alert, error) {
	alerts, err := p.Parse(item)
	if err != nil {
		return nil, err
	}
	if len(alerts) == 0 {
		return nil, ErrEmpty
	}
	for i := range alerts {
		if alerts[i].Raw == nil {
			alerts[i].Raw = item
		}
	}
	return alerts, nil
}

// itemError adds an array item's index to err; a lone object's error is
// returned as is, so its type is the outermost one.
func itemError(isArray bool, i int, err error) error {
	if !isArray {
		return err
	}
	return fmt.Errorf("alert: item %d: %w", i, err)
}

// split checks that body is JSON and returns its items: the body itself,
// trimmed of white space, or the elements of a top-level array. Each item
// is a copy, not a slice of body, and is not empty.
func split(body []byte) (items [][]byte, isArray bool, err error) {
	// refuse an empty body and anything that is not JSON
	body = trimSpace(body)
	if len(body) == 0 {
		return nil, false, ErrEmpty
	}
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrNotJSON, err)
	}
	if body[0] != '[' {
		return [][]byte{raw}, false, nil
	}

	// an array holds one item per element
	var elems []json.RawMessage
	if err := json.Unmarshal(body, &elems); err != nil {
		return nil, true, fmt.Errorf("%w: %w", ErrNotJSON, err)
	}
	if len(elems) == 0 {
		return nil, true, ErrEmpty
	}
	items = make([][]byte, len(elems))
	for i, e := range elems {
		items[i] = e
	}
	return items, true, nil
}

// trimSpace removes the white space JSON allows around a value.
func trimSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

// decode unmarshals a payload item into v, reporting a field of the wrong
// type as a *FieldError of format.
func decode(format string, item []byte, v any) error {
	err := json.Unmarshal(item, v)
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return typeError(format, te)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotJSON, err)
	}
	return nil
}

// rawString returns raw's value if raw is a JSON string, else "".
func rawString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// isNumber reports whether raw is a JSON number, not a string or other
// value that merely holds one.
func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

// jsonType names the JSON type of a raw value, for error messages.
func jsonType(raw json.RawMessage) string {
	switch {
	case isNull(raw):
		return "null"
	case isNumber(raw):
		return "number"
	case raw[0] == '"':
		return "string"
	case raw[0] == '{':
		return "object"
	case raw[0] == '[':
		return "array"
	}
	return "boolean"
}

// parseTime parses an RFC 3339 time from field of format and returns it in
// UTC.
func parseTime(format, field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, invalid(format, field, "an RFC 3339 time", quote(s))
	}
	return t.UTC(), nil
}
