package alert

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// Errors of Parse and Detect.
//
// Every error they return is caused by their input: the payload or the
// format the caller named. None is transient, so retrying the same input
// gives the same error, and an HTTP layer answers each with 400 and the
// error's message. A caller can branch on ErrEmpty, ErrNotJSON and
// ErrNotObject with errors.Is, and on *UnknownFormatError and *FieldError
// with errors.As.
var (
	// ErrEmpty reports a payload that holds no alert: an empty body, one of
	// only white space, or an empty JSON array.
	ErrEmpty = errors.New("alert: payload holds no alert")

	// ErrNotJSON reports a payload that is not well-formed JSON, nested too
	// deeply included. The error returned wraps both ErrNotJSON and the
	// decoder's *json.SyntaxError, whose Offset locates the fault.
	ErrNotJSON = errors.New("alert: payload is not JSON")

	// ErrNotObject reports a payload that is JSON but holds no alert
	// object: null, a string, a number or a boolean, or a list response
	// whose "value" is not an array. The error returned wraps it and says
	// what the payload holds.
	ErrNotObject = errors.New("alert: payload holds no alert object")
)

// UnknownFormatError reports a format no parser handles.
//
// Format is the name the caller asked for. It is empty when the caller let
// the payload be detected and the payload matched no supported format. The
// message lists the supported formats, so it can be shown to the sender.
type UnknownFormatError struct {
	Format string
}

// Error says which format is unknown and lists the supported ones.
func (e *UnknownFormatError) Error() string {
	supported := strings.Join(Formats(), ", ")
	if e.Format == "" {
		return "payload matches no supported alert format (supported: " +
			supported + ")"
	}
	return fmt.Sprintf("unknown alert format %s (supported: %s)",
		quote(e.Format), supported)
}

// FieldError reports a payload of a recognized format that lacks a field
// the format requires, or holds a field of the wrong type or out of range.
//
// Format names the parser. Field is the field's path in the payload, such
// as "detail.id"; array indices are left out, and Field is empty when the
// payload as a whole has the wrong type. Reason says what is wrong, such as
// "missing" or "want an integer, got string".
type FieldError struct {
	Format string
	Field  string
	Reason string
}

// Error returns "<format> alert: <field>: <reason>".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Format + " alert: " + e.Reason
	}
	return e.Format + " alert: " + e.Field + ": " + e.Reason
}

// missing returns the error for a required field that is absent or empty.
func missing(format, field string) *FieldError {
	return &FieldError{Format: format, Field: field, Reason: "missing"}
}

// invalid returns the error for a field whose value is out of range or
// malformed: want says what a valid value looks like, got is the value as
// it should be shown, quoted if it is a string.
func invalid(format, field, want, got string) *FieldError {
	reason := "want " + want + ", got " + clip(got)
	return &FieldError{Format: format, Field: field, Reason: reason}
}

// typeError turns the decoder's type mismatch into a *FieldError naming the
// field and both types.
func typeError(format string, te *json.UnmarshalTypeError) *FieldError {
	reason := "want " + typeName(te.Type) + ", got " + clip(te.Value)
	return &FieldError{Format: format, Field: te.Field, Reason: reason}
}

// typeName describes a Go type in JSON terms, with an article.
func typeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a " + t.String()
}

// maxQuoted bounds how much of a payload's value an error message repeats,
// so a huge field cannot make a huge error.
const maxQuoted = 64

// clip shortens s to maxQuoted bytes, marking the cut.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:maxQuoted] + "…"
}

// quote returns s clipped and Go-quoted, safe to put in a message.
func quote(s string) string {
	return fmt.Sprintf("%q", clip(s))
}
