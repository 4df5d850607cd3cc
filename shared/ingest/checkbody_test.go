package ingest_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/firebreak/firebreak/shared/ingest"
)

func TestCheckBodyRefusesRepeatedKeysAndUTF16Only(t *testing.T) {
	utf16le := func(s string) string {
		var b strings.Builder
		for _, u := range utf16.Encode([]rune(s)) {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
		return b.String()
	}
	tests := []struct {
		name   string
		body   string
		reason string // "" for a body CheckBody lets through
	}{
		{"one key in each of two objects", `[{"a":1},{"a":2}]`, ""},
		{"a key again in a nested object", `{"a":{"b":1,"a":2},"b":2}`, ""},
		{"a key again after an array", `{"a":[1,{"a":1}],"b":[{"b":[]}]}`, ""},
		{"a value that spells a key", `{"a":"a","b":"a"}`, ""},
		{"keys that differ in case", `{"title":1,"Title":2}`, ""},
		{"a key twice", `{"a":1,"b":2,"a":3}`, `the key "a" twice`},
		{"a key twice in a nested object", `{"a":{"c":1,"c":2}}`, `the key "c" twice`},
		{"a key twice in an array's object", `{"a":[{"x":1},{"x":1,"x":1}]}`, `the key "x" twice`},
		{"the empty key twice", `{"":1,"":2}`, `the key "" twice`},
		{"a key twice, once escaped", `{"ab":1,"a\u0062":2}`, `the key "ab" twice`},
		{"UTF-16LE", utf16le(`{"a":1}`), "UTF-16"},
		{"UTF-16LE with its byte order mark", "\xff\xfe" + utf16le(`{"a":1}`), "UTF-16"},
		{"UTF-16BE with its byte order mark", "\xfe\xff\x00{\x00}", "UTF-16"},
		{"one byte", "1", ""},
	}
	for _, tt := range tests {
		err := ingest.CheckBody([]byte(tt.body))
		var rej *ingest.Rejection
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%s: got %v, want the body let through", tt.name, err)
		case tt.reason == "":
		case !errors.As(err, &rej) || rej.Status != http.StatusBadRequest ||
			!strings.Contains(rej.Reason, tt.reason):
			t.Errorf("%s: got %v, want a 400 saying %q", tt.name, err, tt.reason)
		}
	}
}

// BenchmarkCheckBody measures the checks every body gets before it is
// parsed, on bodies at the size limit.
func BenchmarkCheckBody(b *testing.B) {
	var manyKeys strings.Builder
	manyKeys.WriteString("{")
	for i := 0; manyKeys.Len() < ingest.MaxBodyBytes-32; i++ {
		fmt.Fprintf(&manyKeys, `"key-%d":%d,`, i, i)
	}
	manyKeys.WriteString(`"last":0}`)
	bodies := map[string]string{
		"keys":    manyKeys.String(),
		"strings": `{"pad":"` + strings.Repeat("x", ingest.MaxBodyBytes-10) + `"}`,
		"arrays":  "[" + strings.Repeat("[0],", ingest.MaxBodyBytes/4-2) + "[0]]",
	}
	for name, body := range bodies {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if err := ingest.CheckBody([]byte(body)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzCheckBodyAgreesWithTheDecoder checks the byte scan of CheckBody
// against json.Decoder's tokens on valid JSON: both refuse the same
// nesting and the same repeated keys.
func FuzzCheckBodyAgreesWithTheDecoder(f *testing.F) {
	for _, seed := range []string{`{"a":1,"a":2}`, `[{"a":1},{"a":[{"a":{"b":1}}]}]`,
		`{"a":"{\"a\":1}","b":"\\"}`, `{"t\u0069tle":1,"title":2}`, strings.Repeat("[", 65) +
			strings.Repeat("]", 65), `{"a":{"":1},"":{"":[]}}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) || !utf8.Valid(body) || bytes.HasPrefix(body, []byte("\uFEFF")) ||
			len(body) > ingest.MaxBodyBytes || len(body) >= 2 && (body[0] == 0 || body[1] == 0) {
			return
		}
		got, want := ingest.CheckBody(body), tokenCheck(body)
		if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
			t.Errorf("CheckBody(%q) = %v, want %v as the decoder's tokens say", body, got, want)
		}
	})
}

// tokenCheck finds too deep nesting and repeated keys in valid JSON with
// json.Decoder's tokens, as the reference CheckBody's scan must agree
// with.
func tokenCheck(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	var open []map[string]bool
	wantKey := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(open) == ingest.MaxJSONDepth {
				return fmt.Errorf("JSON is nested deeper than %d levels", ingest.MaxJSONDepth)
			}
			var keys map[string]bool
			if tok == json.Delim('{') {
				keys = map[string]bool{}
			}
			open, wantKey = append(open, keys), keys != nil
			continue
		case json.Delim('}'), json.Delim(']'):
			open = open[:len(open)-1]
		default:
			if k, ok := tok.(string); ok && wantKey {
				if open[len(open)-1][k] {
					return fmt.Errorf("JSON object holds the key %q twice", cutKey(k))
				}
				open[len(open)-1][k], wantKey = true, false
				continue
			}
		}
		wantKey = len(open) > 0 && open[len(open)-1] != nil
	}
}

// cutKey shortens a key as the intake's reasons quote it.
func cutKey(s string) string {
	if len(s) <= 64 {
		return s
	}
	return strings.ToValidUTF8(s[:64], "") + "…"
}
