package sfn

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// intrinsicInput is the input of the intrinsic-function examples, holding
// the values the AWS documentation's examples use.
const intrinsicInput = `{"name": "Arnav", "someString": "{\"number\": 20}",
	"someJson": {"name": "Foo", "zebra": "stripe"},
	"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5, "index": 5,
	"dupes": [1, 2, 3, 3, 3, 3, 3, 3, 4], "plain": "Data to encode",
	"encoded": "RGF0YSB0byBlbmNvZGU=", "Data": "input data", "Algorithm": "SHA-1",
	"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
	"value1": 111, "step": -1, "csv": "1,2,3,4,5", "mixed": "This.is+a,test=string"}`

// TestIntrinsicFunctions follows the AWS Step Functions documentation,
// "Intrinsic functions for JSONPath states", using its examples' inputs and
// outputs, and the ASL spec section "Intrinsic Functions" for the argument
// syntax (string literals, escapes, paths and nested calls).
func TestIntrinsicFunctions(t *testing.T) {
	tests := []struct {
		call string
		want string
	}{
		{`States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Arnav."`},
		{`States.Format('\{\} is {} {}', 'literal', true)`, `"{} is literal true"`},
		{`States.Format('{} items', States.ArrayLength($.inputArray))`, `"9 items"`},
		{`States.StringToJson($.someString)`, `{"number": 20}`},
		{`States.JsonToString($.someJson)`, `"{\"name\":\"Foo\",\"zebra\":\"stripe\"}"`},
		{`States.Array('Foo', 2020, $.someJson, null)`,
			`["Foo", 2020, {"name": "Foo", "zebra": "stripe"}, null]`},
		{`States.ArrayPartition($.inputArray, 4)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{`States.ArrayContains($.inputArray, $.lookingFor)`, `true`},
		{`States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{`States.ArrayGetItem($.inputArray, $.index)`, `6`},
		{`States.ArrayLength($.inputArray)`, `9`},
		{`States.ArrayUnique($.dupes)`, `[1,2,3,4]`},
		{`States.Base64Encode($.plain)`, `"RGF0YSB0byBlbmNvZGU="`},
		{`States.Base64Decode($.encoded)`, `"Data to encode"`},
		{`States.Hash($.Data, $.Algorithm)`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{`States.JsonMerge($.json1, $.json2, false)`,
			`{"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}`},
		{`States.MathAdd($.value1, $.step)`, `110`},
		{`States.StringSplit($.csv, ',')`, `["1","2","3","4","5"]`},
		{`States.StringSplit($.mixed, '.+,=')`, `["This","is","a","test","string"]`},
		{`States.MathRandom(7, 8)`, `7`},
		{`States.ArrayGetItem($['inputArray'], 0)`, `1`},
		// "Input validation": a non-integer argument is rounded to the nearest integer
		{`States.MathAdd(1.6, 2)`, `4`},
		{`States.ArrayPartition($.inputArray, 3.6)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{`States.ArrayRange(1.2, 5.7, 2)`, `[1,3,5]`},
		{`States.MathRandom(6.6, 7.6)`, `7`},
	}
	h := newHarness(t, nil)
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			def := machine("P", `"P": {"Type": "Pass", "Parameters": {"r.$": `+
				quoteJSON(tt.call)+`}, "OutputPath": "$.r", "End": true}`)
			out := h.run(t, def, intrinsicInput)
			wantStatus(t, out, types.ExecutionStatusSucceeded)
			wantJSON(t, "output", aws.ToString(out.Output), tt.want)
		})
	}
}

// TestIntrinsicUUIDAndRandom follows the same documentation for the
// functions whose output is random: States.UUID returns a version 4 UUID and
// States.MathRandom a number in [start, end).
func TestIntrinsicUUIDAndRandom(t *testing.T) {
	h := newHarness(t, nil)
	out := h.run(t, machine("P", `"P": {"Type": "Pass", "Parameters": {
		"id.$": "States.UUID()", "n.$": "States.MathRandom(1, 999)",
		"seeded.$": "States.MathRandom(1, 999, 42)"}, "End": true}`), `{}`)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	var got struct {
		ID     string `json:"id"`
		N      int    `json:"n"`
		Seeded int    `json:"seeded"`
	}
	decode(t, aws.ToString(out.Output), &got)
	v4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if !v4.MatchString(got.ID) {
		t.Errorf("States.UUID(): got %q, want a version 4 UUID", got.ID)
	}
	if got.N < 1 || got.N >= 999 || got.Seeded < 1 || got.Seeded >= 999 {
		t.Errorf("States.MathRandom(1, 999): got %d and %d, want both in [1, 999)",
			got.N, got.Seeded)
	}
}

// TestIntrinsicFailureIsCatchable follows the AWS documentation "Error
// names": a function given bad arguments fails with States.IntrinsicFailure,
// which Catch handles.
func TestIntrinsicFailureIsCatchable(t *testing.T) {
	h := newHarness(t, nil)
	out := h.run(t, machine("M", `"M": {"Type": "Map", "ItemsPath": "$.xs",
		"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass",
			"Parameters": {"r.$": "States.ArrayGetItem($.a, 99)"}, "End": true}}},
		"Catch": [{"ErrorEquals": ["States.IntrinsicFailure"], "Next": "Caught"}],
		"End": true}, "Caught": {"Type": "Succeed"}`), `{"xs": [{"a": [1]}]}`)
	wantStatus(t, out, types.ExecutionStatusSucceeded)
	var got struct{ Error string }
	decode(t, aws.ToString(out.Output), &got)
	if got.Error != errIntrinsicFailure {
		t.Errorf("caught error: got %q, want %s", got.Error, errIntrinsicFailure)
	}
}

// quoteJSON returns s as a JSON string literal.
func quoteJSON(s string) string {
	return encodeJSON(s)
}
