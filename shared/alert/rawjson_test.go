package alert

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestJSONMembersSplitAsTheDecoderDoes(t *testing.T) {
	docs := [][]byte{
		[]byte(`{}`),
		[]byte(` { "a" : 1 , "b":[ 1, {"c":"}]\""} ] ,"a":true,"d\u00e9":null}`),
		[]byte(`{"k\"q":"v\\","e":"","n":-1.5e3,"o":{"p":[[],{}]}}`),
		[]byte("{\"Type\":\"host\",\n\t\"x\":\"\\u00e9\"}"),
	}
	for _, s := range samples(t) {
		docs = append(docs, readSample(t, s.format, s.name))
	}
	for _, doc := range docs {
		checkMembers(t, bytes.TrimSpace(doc))
	}
}

// checkMembers compares jsonMembers and jsonElements with the decoder on
// v and on every value v holds.
func checkMembers(t *testing.T, v []byte) {
	t.Helper()
	switch {
	case len(v) > 0 && v[0] == '[':
		var want []json.RawMessage
		if err := json.Unmarshal(v, &want); err != nil {
			t.Fatal(err)
		}
		got := jsonElements(v)
		if len(got) != len(want) {
			t.Fatalf("jsonElements(%.40s): got %d elements, want %d", v, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("element %d of %.40s: got %s, want %s", i, v, got[i], want[i])
			}
			checkMembers(t, got[i])
		}
	case len(v) > 0 && v[0] == '{':
		want, _ := topKeys(v)
		got, ok := jsonMembers(v)
		if !ok || len(got) != len(want) {
			t.Fatalf("jsonMembers(%.40s): got %d members, want %d", v, len(got), len(want))
		}
		for k, w := range want {
			if !bytes.Equal(got[k], w) {
				t.Errorf("member %q of %.40s: got %s, want %s", k, v, got[k], w)
			}
			checkMembers(t, got[k])
		}
	}
}

func TestJSONMembersRefuseWhatIsNoObject(t *testing.T) {
	for _, s := range []string{``, `[]`, `"{"`, `1`, `{"a"}`, `{"a":}`, `{"a"1}`} {
		if m, ok := jsonMembers([]byte(s)); ok {
			t.Errorf("jsonMembers(%q): got members %v, want none", s, m)
		}
	}
	for _, s := range []string{`[`, `[,]`, `[:`, `{}`} {
		_ = jsonElements([]byte(s)) // must return, without panicking
	}
}
