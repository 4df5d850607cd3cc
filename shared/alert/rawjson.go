package alert

import (
	"encoding/json"
	"unicode/utf8"
)

// This file splits valid JSON into its values in place, without decoding
// or copying them: a walk that looks several levels into a document reads
// each byte once per level in a tight loop, instead of decoding the whole
// subtree at every level. The functions assume valid JSON, as decoding it
// once has checked; on anything else they stop early, and never panic.

// jsonMembers returns the members of a JSON object as topKeys does: keys
// decoded, the last of a repeated key winning, each value without the
// white space around it. The values are slices of obj. It reports false
// for anything but an object.
func jsonMembers(obj []byte) (map[string][]byte, bool) {
	if len(obj) == 0 || obj[0] != '{' {
		return nil, false
	}
	m := make(map[string][]byte)
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		end := StringEnd(obj, i)
		key, ok := jsonKey(obj[i:end])
		i = skipSpace(obj, end)
		if !ok || i >= len(obj) || obj[i] != ':' {
			return nil, false
		}
		i = skipSpace(obj, i+1)
		end = valueEnd(obj, i)
		if end <= i {
			return nil, false
		}
		m[key] = obj[i:end]
		i = skipComma(obj, end)
	}
	return m, true
}

// jsonElements returns the elements of a JSON array, each without the
// white space around it, as slices of arr.
func jsonElements(arr []byte) [][]byte {
	if len(arr) == 0 || arr[0] != '[' {
		return nil
	}
	var elems [][]byte
	for i := skipSpace(arr, 1); i < len(arr) && arr[i] != ']'; {
		end := valueEnd(arr, i)
		if end <= i {
			break
		}
		elems = append(elems, arr[i:end])
		i = skipComma(arr, end)
	}
	return elems
}

// jsonKey decodes a quoted object key. Keys that are plain ASCII, as
// nearly all are, need no decoder.
func jsonKey(quoted []byte) (string, bool) {
	if len(quoted) < 2 {
		return "", false
	}
	plain := quoted[1 : len(quoted)-1]
	for _, c := range plain {
		if c == '\\' || c >= utf8.RuneSelf {
			var k string
			err := json.Unmarshal(quoted, &k)
			return k, err == nil
		}
	}
	return string(plain), true
}

// skipSpace returns i moved past the JSON white space at b[i:].
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipComma returns i moved past white space, a comma between values and
// the white space after it.
func skipComma(b []byte, i int) int {
	i = skipSpace(b, i)
	if i < len(b) && b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	return i
}

// StringEnd returns the index just past the JSON string at b[i], which
// starts with its opening quote, or len(b) for one never closed.
func StringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the JSON value at b[i]: a string,
// an object or array with all it holds, or a literal.
func valueEnd(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = StringEnd(b, i) - 1
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of a literal, in its container
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return len(b)
}
