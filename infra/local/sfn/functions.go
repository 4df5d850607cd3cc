package sfn

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strings"
)

// Limits on intrinsic functions, from the AWS Step Functions documentation.
const (
	maxArrayRangeItems   = 1000  // States.ArrayRange
	maxIntrinsicStrChars = 10000 // States.Base64Encode/Decode and States.Hash input
)

// intrinsicFunc is one intrinsic function: how many arguments it takes
// (maxArgs -1 for any number) and what it does with their values.
type intrinsicFunc struct {
	minArgs, maxArgs int
	call             func(c *intrinsic, args []any) (any, error)
}

// checkArity checks a call's argument count.
func (f *intrinsicFunc) checkArity(n int) error {
	switch {
	case n < f.minArgs && f.minArgs == f.maxArgs:
		return fmt.Errorf("takes %d argument(s), got %d", f.minArgs, n)
	case n < f.minArgs:
		return fmt.Errorf("takes at least %d argument(s), got %d", f.minArgs, n)
	case f.maxArgs >= 0 && n > f.maxArgs:
		return fmt.Errorf("takes at most %d argument(s), got %d", f.maxArgs, n)
	}
	return nil
}

// intrinsicFuncs are the intrinsic functions of the JSONPath query language.
var intrinsicFuncs map[string]*intrinsicFunc

func init() {
	intrinsicFuncs = map[string]*intrinsicFunc{
		"States.Format":         {1, -1, format},
		"States.StringToJson":   {1, 1, stringToJSON},
		"States.JsonToString":   {1, 1, jsonToString},
		"States.Array":          {0, -1, array},
		"States.ArrayPartition": {2, 2, arrayPartition},
		"States.ArrayContains":  {2, 2, arrayContains},
		"States.ArrayRange":     {3, 3, arrayRange},
		"States.ArrayGetItem":   {2, 2, arrayGetItem},
		"States.ArrayLength":    {1, 1, arrayLength},
		"States.ArrayUnique":    {1, 1, arrayUnique},
		"States.Base64Encode":   {1, 1, base64Encode},
		"States.Base64Decode":   {1, 1, base64Decode},
		"States.Hash":           {2, 2, hashData},
		"States.JsonMerge":      {3, 3, jsonMerge},
		"States.MathRandom":     {2, 3, mathRandom},
		"States.MathAdd":        {2, 2, mathAdd},
		"States.StringSplit":    {2, 2, stringSplit},
		"States.UUID":           {0, 0, uuid},
	}
}

// format fills each {} of a template with the next argument. Escaped
// braces in a literal template, \{ and \}, stay as braces.
func format(c *intrinsic, args []any) (any, error) {
	// split the template into its literal parts
	tmpl, ok := args[0].(string)
	if !ok {
		return nil, errors.New("the template must be a string")
	}
	parts := strings.Split(tmpl, "{}")
	if lit, ok := c.args[0].(stringArg); ok {
		parts = splitPlaceholders(lit.raw)
	}
	if len(parts)-1 != len(args)-1 {
		return nil, fmt.Errorf("the template has %d placeholder(s) for %d argument(s)",
			len(parts)-1, len(args)-1)
	}

	// join them with the arguments
	var b strings.Builder
	for i, part := range parts {
		b.WriteString(part)
		if i < len(args)-1 {
			v, err := formatValue(args[i+1])
			if err != nil {
				return nil, err
			}
			b.WriteString(v)
		}
	}
	return b.String(), nil
}

// splitPlaceholders splits a raw template literal at its unescaped {} and
// unescapes each part.
func splitPlaceholders(raw string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(raw); i++ {
		switch {
		case raw[i] == '\\' && i+1 < len(raw):
			cur.WriteByte(raw[i+1])
			i++
		case raw[i] == '{' && i+1 < len(raw) && raw[i+1] == '}':
			parts = append(parts, cur.String())
			cur.Reset()
			i++
		default:
			cur.WriteByte(raw[i])
		}
	}
	return append(parts, cur.String())
}

// formatValue renders a States.Format argument: strings as they are, other
// scalars as JSON.
func formatValue(v any) (string, error) {
	switch t := v.(type) {
	case string:
		return t, nil
	case map[string]any, []any:
		return "", errors.New("States.Format arguments must be strings, numbers, " +
			"booleans or null")
	}
	return encodeJSON(v), nil
}

func stringToJSON(_ *intrinsic, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, errors.New("the argument must be a string")
	}
	return decodeJSON([]byte(s))
}

func jsonToString(_ *intrinsic, args []any) (any, error) {
	return encodeJSON(args[0]), nil
}

func array(_ *intrinsic, args []any) (any, error) {
	return append([]any{}, args...), nil
}

func arrayPartition(_ *intrinsic, args []any) (any, error) {
	arr, ok := args[0].([]any)
	size, okSize := integral(args[1])
	if !ok || !okSize || size < 1 {
		return nil, errors.New("want an array and a positive integer chunk size")
	}
	out := []any{}
	for i := 0; i < len(arr); i += int(size) {
		out = append(out, append([]any{}, arr[i:min(i+int(size), len(arr))]...))
	}
	return out, nil
}

func arrayContains(_ *intrinsic, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, errors.New("the first argument must be an array")
	}
	want := encodeJSON(args[1])
	for _, e := range arr {
		if encodeJSON(e) == want {
			return true, nil
		}
	}
	return false, nil
}

func arrayRange(_ *intrinsic, args []any) (any, error) {
	start, ok1 := integral(args[0])
	end, ok2 := integral(args[1])
	step, ok3 := integral(args[2])
	if !ok1 || !ok2 || !ok3 || step == 0 {
		return nil, errors.New("want integers start, end and a non-zero step")
	}
	n := (float64(end)-float64(start))/float64(step) + 1 // no overflow in floats
	if n > maxArrayRangeItems {
		return nil, fmt.Errorf("the range has more than %d items", maxArrayRangeItems)
	}
	out := []any{}
	for v := start; len(out) < int(max(n, 0)); v += step {
		out = append(out, v)
	}
	return out, nil
}

func arrayGetItem(_ *intrinsic, args []any) (any, error) {
	arr, ok := args[0].([]any)
	i, okIndex := args[1].(int64)
	if !ok || !okIndex || i < 0 || i >= int64(len(arr)) {
		return nil, errors.New("want an array and an index within it")
	}
	return arr[i], nil
}

func arrayLength(_ *intrinsic, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, errors.New("the argument must be an array")
	}
	return int64(len(arr)), nil
}

func arrayUnique(_ *intrinsic, args []any) (any, error) {
	arr, ok := args[0].([]any)
	if !ok {
		return nil, errors.New("the argument must be an array")
	}
	seen := map[string]bool{}
	out := []any{}
	for _, e := range arr {
		if k := encodeJSON(e); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// limitedString returns args[0] as a string of at most maxIntrinsicStrChars.
func limitedString(args []any) (string, error) {
	s, ok := args[0].(string)
	if !ok {
		return "", errors.New("the argument must be a string")
	}
	if len([]rune(s)) > maxIntrinsicStrChars {
		return "", fmt.Errorf("the input is over %d characters", maxIntrinsicStrChars)
	}
	return s, nil
}

func base64Encode(_ *intrinsic, args []any) (any, error) {
	s, err := limitedString(args)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func base64Decode(_ *intrinsic, args []any) (any, error) {
	s, err := limitedString(args)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode base64: %w", err)
	}
	return string(b), nil
}

// hashes are the algorithms States.Hash accepts.
var hashes = map[string]func() hash.Hash{
	"MD5": md5.New, "SHA-1": sha1.New, "SHA-256": sha256.New,
	"SHA-384": sha512.New384, "SHA-512": sha512.New,
}

func hashData(_ *intrinsic, args []any) (any, error) {
	data, ok := args[0].(string)
	if !ok {
		data = encodeJSON(args[0])
	}
	if len([]rune(data)) > maxIntrinsicStrChars {
		return nil, fmt.Errorf("the input is over %d characters", maxIntrinsicStrChars)
	}
	alg, _ := args[1].(string)
	newHash, ok := hashes[alg]
	if !ok {
		return nil, fmt.Errorf("unknown algorithm %s; want MD5, SHA-1, SHA-256, "+
			"SHA-384 or SHA-512", encodeJSON(args[1]))
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// jsonMerge merges two objects shallowly, the second's fields winning; deep
// merging is not supported, as on Step Functions.
func jsonMerge(_ *intrinsic, args []any) (any, error) {
	a, ok1 := args[0].(map[string]any)
	b, ok2 := args[1].(map[string]any)
	deep, ok3 := args[2].(bool)
	switch {
	case !ok1 || !ok2 || !ok3:
		return nil, errors.New("want two objects and a boolean")
	case deep:
		return nil, errors.New("only a shallow merge (false) is supported")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = cloneValue(v)
	}
	for k, v := range b {
		out[k] = cloneValue(v)
	}
	return out, nil
}

// mathRandom returns an integer in [start, end), seeded when asked.
func mathRandom(_ *intrinsic, args []any) (any, error) {
	start, ok1 := integral(args[0])
	end, ok2 := integral(args[1])
	if !ok1 || !ok2 || end <= start {
		return nil, errors.New("want integers start < end")
	}
	r := rand.Int64N
	if len(args) == 3 {
		seed, ok := args[2].(int64)
		if !ok {
			return nil, errors.New("the seed must be an integer")
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0)).Int64N
	}
	return start + r(end-start), nil
}

// mathAdd adds two integers within the 32-bit range Step Functions allows.
func mathAdd(_ *intrinsic, args []any) (any, error) {
	a, ok1 := integral(args[0])
	b, ok2 := integral(args[1])
	if !ok1 || !ok2 || a < math.MinInt32 || a > math.MaxInt32 ||
		b < math.MinInt32 || b > math.MaxInt32 {
		return nil, errors.New("want two integers between -2147483648 and 2147483647")
	}
	return a + b, nil
}

// integral returns a number as an integer, rounding a fraction to the
// nearest integer (halves away from zero), as the Step Functions
// documentation says the integer arguments of States.ArrayPartition,
// States.ArrayRange, States.MathRandom and States.MathAdd are.
func integral(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if r := math.Round(n); math.Abs(r) < 1<<53 {
			return int64(r), true
		}
	}
	return 0, false
}

// stringSplit splits a string at any of the delimiter's characters,
// dropping empty parts.
func stringSplit(_ *intrinsic, args []any) (any, error) {
	s, ok1 := args[0].(string)
	delims, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return nil, errors.New("want a string and a string of delimiters")
	}
	out := []any{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool {
		return strings.ContainsRune(delims, r)
	}) {
		out = append(out, part)
	}
	return out, nil
}

func uuid(*intrinsic, []any) (any, error) {
	return newUUID(), nil
}
