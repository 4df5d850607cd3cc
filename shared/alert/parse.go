package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	msGraph{},
	sentinel{},
	securityHub{},
	ocsf{},
	splunk{},
	wazuh{},
	crowdStrike{},
	elastic{},
	entra{},
	okta{},
	googleWorkspace{},
	proofpoint{},
	generic{},
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

// Item is one alert item of a payload and what became of it: the alerts
// parsed from it, or the reason it was rejected.
//
// Index numbers the payload's items from 0 in document order, counting the
// items of every array and envelope. Path says where the item is, with
// array indices: "" for a payload that is one alert item, "[2]" for an
// element of a top-level array, "value[0]" for one of a list response,
// "detail.findings[1]" for one finding of an envelope, and
// "[0].detail.findings[1]" for a finding of an envelope in an array.
//
// Exactly one of Alerts and Err is set. Err is a *FieldError, wraps
// ErrNotJSON or is ErrEmpty; a *FieldError's Field is its path in the whole
// payload, without array indices, as for Parse.
type Item struct {
	Index  int
	Path   string
	Alerts []Alert
	Err    error
}

// A splitter is a parser whose payload items may be envelopes holding
// several alert items, such as a batch of findings. ParseEach splits every
// item of its format before parsing, so that a bad item in an envelope is
// rejected alone.
type splitter interface {
	// Split returns the parts of a payload item: those of an envelope, or
	// the item itself as the one part. An error rejects the whole item, as
	// when the envelope's list has the wrong type or is empty.
	Split(item []byte) ([]part, error)
}

// part is one alert item of an envelope, with the parser for its format.
type part struct {
	path   string // in the envelope, such as "detail.findings[0]"; "" for the item
	body   []byte
	parser parser
}

// Parse turns a received payload into normalized alerts, one per alert in
// the payload. It parses as ParseEach does and fails on the first item
// that fails.
//
// Each alert's Raw holds the exact bytes of the payload item it came from,
// without surrounding white space, in memory of its own. Time is in UTC.
// ID and Source are left for the caller.
//
// The error is ErrEmpty, wraps ErrNotJSON or ErrNotObject, or is an
// *UnknownFormatError or a *FieldError. When the payload is a list of
// items (an array, a list response or an envelope), an item's error is
// wrapped with the item's Index. Parse is safe for concurrent use and never panics.
func Parse(body []byte, format string) ([]Alert, error) {
	items, err := ParseEach(body, format)
	if err != nil {
		return nil, err
	}
	var alerts []Alert
	for _, it := range items {
		if it.Err != nil {
			return nil, it.wrappedErr()
		}
		alerts = append(alerts, it.Alerts...)
	}
	return alerts, nil
}

// wrappedErr returns the item's error, wrapped with its index when the item is
// one of a list.
func (it *Item) wrappedErr() error {
	if it.Path == "" {
		return it.Err
	}
	return fmt.Errorf("alert: item %d: %w", it.Index, it.Err)
}

// ParseEach turns a received payload into its alert items, each parsed on
// its own: a bad item is reported in its Item and does not stop the others.
//
// A payload is a JSON object, an array of them, or a list response that
// holds them in "value" (as Microsoft Graph and Azure return them). When
// format is empty the format is detected from the payload alone: it is
// that of the first item a parser claims, and every item is parsed in it.
// Otherwise the named parser is used whatever the payload looks like. An
// item may be an envelope of its format that holds several alert items,
// such as a batch of findings; each of those is an Item of its own.
//
// The error is for the payload as a whole, and then there are no items: it
// is ErrEmpty for an empty payload or list, wraps ErrNotJSON when the
// payload is not JSON and ErrNotObject when it is JSON but neither an
// object nor an array (or a list response's value is no array), and is
// an *UnknownFormatError when format names no parser or no item is of a
// supported format. ParseEach is safe for concurrent use and never panics.
func ParseEach(body []byte, format string) ([]Item, error) {
	// pick the parser the caller named, if any
	var p parser
	if format != "" {
		if p = lookup(format); p == nil {
			return nil, &UnknownFormatError{Format: format}
		}
	}

	// split the payload into items and find their format
	items, err := split(body)
	if err != nil {
		return nil, err
	}
	if p == nil {
		if p = detectFirst(items); p == nil {
			return nil, &UnknownFormatError{}
		}
	}

	// parse every item, and every part of an envelope, on its own
	var out []Item
	for _, it := range items {
		out = parseParts(out, p, it)
	}
	return out, nil
}

// Detect returns the name of the format of a payload, as ParseEach would
// detect it: for a list, the format of the first item a parser claims. It
// does not check that the payload holds the fields its format requires.
//
// The error is ErrEmpty, wraps ErrNotJSON or ErrNotObject, or is an
// *UnknownFormatError with an empty Format.
func Detect(body []byte) (string, error) {
	items, err := split(body)
	if err != nil {
		return "", err
	}
	p := detectFirst(items)
	if p == nil {
		return "", &UnknownFormatError{}
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

// detectFirst returns the parser of the first item any parser claims, or
// nil.
func detectFirst(items []bodyItem) parser {
	for _, it := range items {
		if p := detect(it); p != nil {
			return p
		}
	}
	return nil
}

// detect returns the first parser that claims item, or nil. Only a JSON
// object can be claimed.
func detect(item bodyItem) parser {
	top := item.top
	if top == nil {
		var ok bool
		if top, ok = topKeys(item.body); !ok {
			return nil
		}
	}
	for _, p := range parsers {
		if p.Detect(top) {
			return p
		}
	}
	return nil
}

// topKeys decodes the top-level keys of a JSON object, reporting false for
// anything else.
func topKeys(item []byte) (map[string]json.RawMessage, bool) {
	if len(item) == 0 || item[0] != '{' {
		return nil, false
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(item, &top) != nil {
		return nil, false
	}
	return top, true
}

// parseParts appends to out the items of one payload item: its parts when
// p splits envelopes, else the item itself.
func parseParts(out []Item, p parser, it bodyItem) []Item {
	// split an envelope into its parts
	parts := []part{{body: it.body, parser: p}}
	if s, ok := p.(splitter); ok {
		var err error
		if parts, err = s.Split(it.body); err != nil {
			err = prefixField(err, it.path)
			return append(out, Item{Index: len(out), Path: it.path, Err: err})
		}
	}

	// parse each part in its own format
	for _, pt := range parts {
		path := joinPath(it.path, pt.path)
		alerts, err := parseItem(pt.parser, pt.body)
		out = append(out, Item{
			Index:  len(out),
			Path:   path,
			Alerts: alerts,
			Err:    prefixField(err, path),
		})
	}
	return out
}

// listParts returns the elements of an envelope's list, at field in the
// item, as parts for p. The list must be a non-empty array; its elements
// are checked by p when it parses them.
func listParts(p parser, field string, list json.RawMessage) ([]part, error) {
	// the list is a JSON array of at least one item
	if isNull(list) {
		return nil, missing(p.Name(), field)
	}
	if list[0] != '[' {
		reason := "want an array, got " + jsonType(list)
		return nil, &FieldError{Format: p.Name(), Field: field, Reason: reason}
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(list, &elems); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotJSON, err)
	}
	if len(elems) == 0 {
		return nil, invalid(p.Name(), field, "at least one item", "none")
	}

	// each element is a part of its own
	parts := make([]part, len(elems))
	for i, e := range elems {
		path := field + "[" + strconv.Itoa(i) + "]"
		parts[i] = part{path: path, body: e, parser: p}
	}
	return parts, nil
}

// parseItem parses one payload item with p and keeps the item as the Raw
// of every alert that has none.
func parseItem(p parser, item []byte) ([]Alert, error) {
	if len(item) == 0 || item[0] != '{' {
		return nil, &FieldError{Format: p.Name(), Reason: "want an object, got " +
			jsonType(item)}
	}
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

// joinPath joins an item's path in the payload and a part's path in the
// item.
func joinPath(outer, inner string) string {
	if outer == "" || inner == "" {
		return outer + inner
	}
	return outer + "." + inner
}

// prefixField returns err with the field of a *FieldError prefixed by
// where its item is in the payload, indices left out; other errors as is.
func prefixField(err error, path string) error {
	// parsers return a *FieldError as is, never wrapped
	fe, ok := err.(*FieldError)
	prefix := fieldPath(path)
	if !ok || prefix == "" {
		return err
	}
	field := prefix
	if fe.Field != "" {
		field += "." + fe.Field
	}
	return &FieldError{Format: fe.Format, Field: field, Reason: fe.Reason}
}

// fieldPath turns an item path such as "[0].detail.findings[1]" into the
// form of FieldError.Field: "detail.findings".
func fieldPath(path string) string {
	var b strings.Builder
	depth := 0
	for _, c := range path {
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0:
			b.WriteRune(c)
		}
	}
	return strings.TrimPrefix(b.String(), ".")
}

// bodyItem is one item of a payload and where it is.
type bodyItem struct {
	path string
	body []byte
	top  map[string]json.RawMessage // body's top-level keys, if split read them
}

// OData's list response: the items in "value", beside annotations such as
// "@odata.context" and the next page's link.
const (
	listValueKey    = "value"
	listAnnotations = "@odata."
	listNextLink    = "nextLink" // Azure Resource Manager's next page
)

// split checks that body is JSON and returns its items: the body itself,
// trimmed of white space, the elements of a top-level array, or those of a
// list response's "value". Each item is a copy, not a slice of body, and
// is not empty.
func split(body []byte) ([]bodyItem, error) {
	// refuse an empty body and anything that is not JSON
	body = trimSpace(body)
	if len(body) == 0 {
		return nil, ErrEmpty
	}
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotJSON, err)
	}

	// an array holds one item per element, and so does a list response
	switch body[0] {
	case '[':
		return splitArray(raw, "")
	case '{':
	default:
		return nil, fmt.Errorf("%w: want a JSON object or an array of them, got %s",
			ErrNotObject, jsonType(raw))
	}
	top, _ := topKeys(raw)
	list, isList := listValue(top)
	if isList && (len(list) == 0 || list[0] != '[') {
		return nil, fmt.Errorf("%w: %s: want an array of alerts, got %s", ErrNotObject,
			listValueKey, jsonType(list))
	}
	if isList {
		return splitArray(list, listValueKey)
	}
	return []bodyItem{{body: raw, top: top}}, nil
}

// splitArray returns the elements of a JSON array as items, their paths
// under prefix.
func splitArray(array []byte, prefix string) ([]bodyItem, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(array, &elems); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotJSON, err)
	}
	if len(elems) == 0 {
		return nil, ErrEmpty
	}
	items := make([]bodyItem, len(elems))
	for i, e := range elems {
		items[i] = bodyItem{path: prefix + "[" + strconv.Itoa(i) + "]", body: e}
	}
	return items, nil
}

// listValue returns the "value" of a list response, given by its
// top-level keys, and reports whether the object is one: it has "value",
// an array unless the sender got it wrong, and its other keys are all
// OData annotations or a next page's link.
func listValue(top map[string]json.RawMessage) (json.RawMessage, bool) {
	list, ok := top[listValueKey]
	if !ok {
		return nil, false
	}
	for k := range top {
		if k != listValueKey && k != listNextLink && !strings.HasPrefix(k, listAnnotations) {
			return nil, false
		}
	}
	return list, true
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
// UTC. A time before 1970 is refused: no alert is that old, and a zero
// year is how some sources write "no time".
func parseTime(format, field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	switch {
	case err != nil:
		return time.Time{}, invalid(format, field, "an RFC 3339 time", quote(s))
	case t.Before(unixEpoch):
		return time.Time{}, invalid(format, field, "a time after 1970", quote(s))
	}
	return t.UTC(), nil
}

// unixEpoch is the earliest time an alert may carry.
var unixEpoch = time.Unix(0, 0)
