package intel

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPatternComparisonsTakesEveryEquality(t *testing.T) {
	sha := "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	tests := []struct {
		name    string
		pattern string
		want    []comparison
	}{
		{"one", "[domain-name:value = 'evil.example']",
			[]comparison{{"domain-name", []string{"value"}, "evil.example"}}},
		{"double equals", "[domain-name:value == 'evil.example']",
			[]comparison{{"domain-name", []string{"value"}, "evil.example"}}},
		{"or in one observation",
			"[file:hashes.'SHA-256' = '" + sha + "' OR file:hashes.MD5 = 'aa']",
			[]comparison{
				{"file", []string{"hashes", "SHA-256"}, sha},
				{"file", []string{"hashes", "MD5"}, "aa"},
			}},
		{"and in one observation", "[url:value = 'https://x.example/' AND url:value != 'b']",
			[]comparison{{"url", []string{"value"}, "https://x.example/"}}},
		{"observations joined",
			"[ipv4-addr:value = '192.0.2.1'] OR [ipv6-addr:value = '2001:db8::1'] " +
				"AND [email-addr:value = 'a@b.example'] FOLLOWEDBY [url:value = 'u']",
			[]comparison{
				{"ipv4-addr", []string{"value"}, "192.0.2.1"},
				{"ipv6-addr", []string{"value"}, "2001:db8::1"},
				{"email-addr", []string{"value"}, "a@b.example"},
				{"url", []string{"value"}, "u"},
			}},
		{"grouped", "([domain-name:value = 'a'] OR ([domain-name:value = 'b']))",
			[]comparison{
				{"domain-name", []string{"value"}, "a"},
				{"domain-name", []string{"value"}, "b"},
			}},
		{"parenthesised comparisons",
			"[(domain-name:value = 'a' OR domain-name:value = 'b') AND domain-name:x = 1]",
			[]comparison{
				{"domain-name", []string{"value"}, "a"},
				{"domain-name", []string{"value"}, "b"},
			}},
		{"escaped quote and backslash", `[file:name = 'it\'s a \\path']`,
			[]comparison{{"file", []string{"name"}, `it's a \path`}}},
		{"other backslash kept", `[url:value = 'a\.b']`,
			[]comparison{{"url", []string{"value"}, `a\.b`}}},
		{"stix 2.0 quoted name", `[file:hashes."SHA-256" = 'ab']`,
			[]comparison{{"file", []string{"hashes", "SHA-256"}, "ab"}}},
		{"index steps", "[email-message:to_refs[*].value = 'a' AND x:y[0].z = 'b']",
			[]comparison{
				{"email-message", []string{"to_refs", "value"}, "a"},
				{"x", []string{"y", "z"}, "b"},
			}},
		{"keywords in any case", "[a:b = 'x' or a:b = 'y'] and [a:c = 'z']",
			[]comparison{
				{"a", []string{"b"}, "x"},
				{"a", []string{"b"}, "y"},
				{"a", []string{"c"}, "z"},
			}},
		{"others passed over",
			"[url:value LIKE '%evil%' OR url:value MATCHES '^http' OR " +
				"ipv4-addr:value ISSUBSET '10.0.0.0/8' OR ipv4-addr:value ISSUPERSET 'x' OR " +
				"file:size > 10 OR file:size <= 1.5 OR file:name IN ('a', 'b') OR " +
				"file:name NOT IN () OR file:name NOT = 'c' OR file:name <> 'd' OR " +
				"file:mtime = t'2026-01-01T00:00:00Z' OR file:x = h'ff' OR " +
				"file:y = b'AQID' OR file:z = true OR EXISTS file:w OR file:v = -1]",
			nil},
		{"qualifiers",
			"[domain-name:value = 'a'] REPEATS 5 TIMES WITHIN 300 SECONDS " +
				"START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'",
			[]comparison{{"domain-name", []string{"value"}, "a"}}},
		{"whitespace of any kind", "\t[\n domain-name:value\u00a0=\r\n'a' ]\n",
			[]comparison{{"domain-name", []string{"value"}, "a"}}},
	}
	for _, tt := range tests {
		got, err := patternComparisons(tt.pattern)
		if err != nil {
			t.Errorf("%s: %s: got error %v", tt.name, tt.pattern, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: %s: comparisons (-want +got):\n%s", tt.name, tt.pattern, diff)
		}
	}
}

func TestPatternComparisonsRefusesMalformed(t *testing.T) {
	tests := []struct {
		pattern string
		want    string
	}{
		{"", `pattern ends where "[" or "(" should be (unbalanced?)`},
		{"[domain-name:value = 'a'", `pattern ends where "]" should be (unbalanced?)`},
		{"domain-name:value = 'a']", `at offset 0: got "domain-name", want "[" or "("`},
		{"[domain-name:value = 'a']]", `at offset 25: got "]", want AND, OR or FOLLOWEDBY`},
		{"([domain-name:value = 'a']", `pattern ends where ")" should be (unbalanced?)`},
		{"[domain-name:value = 'a)]", `at offset 21: quote ' is not closed`},
		{`[domain-name:value = 'a\']`, `at offset 21: quote ' is not closed`},
		{"[domain-name:value = ]", `at offset 21: got "]", want a literal`},
		{"[domain-name:value 'a']", `at offset 19: got string "a", want a comparison operator`},
		{"[domain-name = 'a']", `at offset 13: got "=", want ":"`},
		{"[domain-name:value = 'a' XOR b:c = 'd']",
			`at offset 25: got "XOR", want "]"`},
		{"[a:b = 'x'] OR", `pattern ends where "[" or "(" should be (unbalanced?)`},
		{"[a:b = 'x'] START 'y'", `pattern ends where STOP should be (unbalanced?)`},
		{"[a:b ! 'x']", `at offset 5: unexpected "!"`},
		{"[a:b = 'x'] ; [c:d = 'y']", `at offset 12: unexpected ';'`},
		{"[a:b = - ]", `at offset 7: got "-", want a literal`},
		{strings.Repeat("(", 100) + "[a:b = 'x']" + strings.Repeat(")", 100),
			"nested more than 64 deep"},
	}
	for _, tt := range tests {
		got, err := patternComparisons(tt.pattern)
		if err == nil {
			t.Errorf("%q: got %v and no error, want error %q", tt.pattern, got, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%q: got error %q, want %q", tt.pattern, err, tt.want)
		}
	}
}

// FuzzSTIXPattern feeds the pattern reader anything: it must never panic,
// and what it takes must be what the pattern holds.
func FuzzSTIXPattern(f *testing.F) {
	for _, p := range samplePatterns(f) {
		f.Add(p)
	}
	for _, p := range []string{
		"", "[", "]", "[]", "(", "'", `\`, "[a:b = '\\", "[a:b = 'x'] WITHIN",
		"[a:b[*] = 'x']", "[a:'b'.\"c\" = 'x']", "[a:b = t'", "h'", "+", "[a:b = +1.5]",
	} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		got, err := patternComparisons(pattern)
		if err != nil {
			if got != nil {
				t.Fatalf("%q: got %v with error %v", pattern, got, err)
			}
			return
		}
		if n := strings.Count(pattern, "="); len(got) > n {
			t.Fatalf("%q: got %d comparisons from %d '='", pattern, len(got), n)
		}
		for _, c := range got {
			if c.Object == "" || len(c.Path) == 0 {
				t.Fatalf("%q: got comparison %+v without object or path", pattern, c)
			}
		}
	})
}

// samplePatterns returns the patterns of the sample bundle's indicators.
func samplePatterns(tb testing.TB) []string {
	tb.Helper()
	b, err := os.ReadFile(sampleBundle)
	if err != nil {
		tb.Fatal(err)
	}
	var bundle struct {
		Objects []struct {
			Pattern string `json:"pattern"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		tb.Fatal(err)
	}
	var patterns []string
	for _, o := range bundle.Objects {
		if o.Pattern != "" {
			patterns = append(patterns, o.Pattern)
		}
	}
	return patterns
}
