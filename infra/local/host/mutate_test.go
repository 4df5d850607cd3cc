package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/ingest"
)

// wrongValues are the JSON values a mutation puts in place of a field:
// one of each type.
var wrongValues = []any{"x", json.Number("7"), true, nil, map[string]any{}, []any{}}

// outOfRange are the numbers a mutation puts in place of a number: beyond
// any float, beyond any integer, negative, and negative zero.
var outOfRange = []any{json.Number("1e400"), json.Number("123456789012345678901234567890"),
	json.Number("-1"), json.Number("-0")}

// mutation is a sample with one field's value replaced.
type mutation struct {
	sample string // its path under events/alerts
	format string // the sample's format, its folder's name
	path   []any  // where the field is: object keys and array indices
	value  any    // what replaced it
	body   []byte // the mutated sample
	field  string // the path as a FieldError names it: keys only, dotted
	err    error  // what the parser said of it, once parsed
}

// String names the mutation in a failure.
func (m mutation) String() string {
	v, _ := json.Marshal(m.value)
	return fmt.Sprintf("%s with %s = %s", m.sample, pathString(m.path), v)
}

// mutations returns every mutation of every sample: each object, array
// and leaf below the top, replaced by each value of another JSON type,
// and each number by numbers out of range.
func mutations(t *testing.T) []mutation {
	t.Helper()
	files, err := filepath.Glob("../../../events/alerts/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("find the samples: %v (%d files)", err, len(files))
	}
	var out []mutation
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := decodeNumbers(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sample := strings.TrimPrefix(f, "../../../events/alerts/")
		format := filepath.Base(filepath.Dir(f))
		for _, p := range nodes(doc, nil) {
			old := valueAt(doc, p)
			values := wrongValues
			if jsonKind(old) == "number" {
				values = append(slices.Clone(wrongValues), outOfRange...)
			}
			for _, v := range values {
				if jsonKind(v) == jsonKind(old) && !slices.Contains(outOfRange, v) {
					continue
				}
				body, err := json.Marshal(replaced(doc, p, v))
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, mutation{sample: sample, format: format, path: p, value: v,
					body: body, field: keysOnly(p)})
			}
		}
	}
	return out
}

// decodeNumbers decodes JSON keeping numbers as written.
func decodeNumbers(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	err := dec.Decode(&doc)
	return doc, err
}

// nodes returns the path of every value below v, parents first.
func nodes(v any, at []any) [][]any {
	var out [][]any
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			p := append(append([]any(nil), at...), k)
			out = append(append(out, p), nodes(c, p)...)
		}
	case []any:
		for i, c := range x {
			p := append(append([]any(nil), at...), i)
			out = append(append(out, p), nodes(c, p)...)
		}
	}
	return out
}

// valueAt returns the value at path p of v.
func valueAt(v any, p []any) any {
	for _, step := range p {
		switch x := v.(type) {
		case map[string]any:
			v = x[step.(string)]
		case []any:
			v = x[step.(int)]
		}
	}
	return v
}

// replaced returns a copy of v with the value at path p replaced by nv;
// only the containers along p are copied.
func replaced(v any, p []any, nv any) any {
	if len(p) == 0 {
		return nv
	}
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, c := range x {
			m[k] = c
		}
		k := p[0].(string)
		m[k] = replaced(x[k], p[1:], nv)
		return m
	case []any:
		s := append([]any(nil), x...)
		i := p[0].(int)
		s[i] = replaced(x[i], p[1:], nv)
		return s
	}
	return v
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	}
	return "array"
}

// keysOnly writes a path as FieldError.Field does: keys dotted, indices
// left out.
func keysOnly(p []any) string {
	var keys []string
	for _, step := range p {
		if k, ok := step.(string); ok {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ".")
}

// pathString writes a path with its indices, as a reader finds it.
func pathString(p []any) string {
	var b strings.Builder
	for _, step := range p {
		if i, ok := step.(int); ok {
			b.WriteString("[" + strconv.Itoa(i) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(step.(string))
	}
	return b.String()
}

// parse parses a mutation as the intake would with its format forced,
// keeping the error, and a panic as an error that says so.
func (m *mutation) parse() {
	defer func() {
		if r := recover(); r != nil {
			m.err = fmt.Errorf("panic: %v", r)
		}
	}()
	_, m.err = alert.Parse(m.body, m.format)
}

// parseAll parses every mutation, on every processor.
func parseAll(muts []mutation) {
	var wg sync.WaitGroup
	n := runtime.GOMAXPROCS(0)
	for w := range n {
		wg.Go(func() {
			for i := w; i < len(muts); i += n {
				muts[i].parse()
			}
		})
	}
	wg.Wait()
}

// namesField reports whether a parser's error names the mutated field:
// the field itself, one it holds, or the object holding it.
func (m mutation) namesField(err error) bool {
	var fe *alert.FieldError
	if errors.As(err, &fe) && fe.Field != "" {
		got, want := strings.ToLower(fe.Field), strings.ToLower(m.field)
		return got == want || strings.HasPrefix(got, want+".") ||
			strings.HasPrefix(want, got+".")
	}
	return errors.Is(err, alert.ErrNotObject) && strings.Contains(err.Error(), m.field+":")
}

// emptiesTheList reports whether a mutation replaced the list that holds
// a payload's alerts, or its only alert, by nothing: the payload then
// holds no alert, and ErrEmpty says so.
func (m mutation) emptiesTheList(err error) bool {
	empty := m.value == nil || jsonKind(m.value) == "array" || jsonKind(m.value) == "object"
	return errors.Is(err, alert.ErrEmpty) && empty
}

func TestEverySampleFieldOfEveryWrongTypeIsToleratedOrNamed(t *testing.T) {
	muts := mutations(t)
	parseAll(muts)
	tolerated, named := 0, 0
	for i := range muts {
		m := &muts[i]
		err := m.err
		switch {
		case err == nil:
			tolerated++
		case m.namesField(err) || m.emptiesTheList(err):
			named++
		default:
			t.Errorf("%s: got %v, want it tolerated or an error naming %q", m, err, m.field)
		}
	}
	t.Logf("%d mutations of the samples: %d tolerated, %d refused naming the field",
		len(muts), tolerated, named)

	// a sample of them over HTTP: a refusal of each sample, which must
	// leave the table as it was, then a tolerated mutation of a few
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := countAll(t)
	refusedOf := map[string]bool{}
	for _, m := range muts {
		if m.err != nil && !refusedOf[m.sample] {
			refusedOf[m.sample] = true
			postMutation(t, m)
		}
	}
	if after := countAll(t); after != before {
		t.Errorf("the table held %d items before the refused mutations and %d after, "+
			"want no change", before, after)
	}
	var opened []string
	toleratedOf := map[string]bool{}
	for i, m := range muts {
		pick := i%7 == 0 && len(toleratedOf) < maxTolerated
		if m.err == nil && pick && !toleratedOf[m.sample] {
			toleratedOf[m.sample] = true
			opened = append(opened, postMutation(t, m)...)
		}
	}
	for _, id := range opened {
		waitForSettled(t, id)
	}
}

// maxTolerated bounds the tolerated mutations posted over HTTP, each of
// which may open an investigation that runs to its end.
const maxTolerated = 8

// postMutation posts a mutation signed with its format forced and checks
// the answer: 202 taking it when the parser tolerated it, else its error
// as the reason of a 400 or of the rejected item of a batch. It returns
// the investigations it opened.
func postMutation(t *testing.T, m mutation) []string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, testHost.URL+"/alerts?format="+m.format,
		bytes.NewReader(m.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	signed(m.body)(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", m, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)

	// a refusal names what the parser named
	if m.err != nil {
		want := unwrapItem(m.err).Error()
		if resp.StatusCode >= 500 || !strings.Contains(reasons(answer), want) {
			t.Errorf("POST %s: got %d %s, want 400 or a rejected item with %q", m,
				resp.StatusCode, clipped(answer), want)
		}
		return nil
	}

	// a tolerated mutation is taken
	var reply ingest.Reply
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(answer, &reply) != nil {
		t.Errorf("POST %s: got %d %s, want 202", m, resp.StatusCode, clipped(answer))
		return nil
	}
	var opened []string
	for _, r := range reply.Results {
		if r.Status == ingest.StatusRejected || r.Status == ingest.StatusError {
			t.Errorf("POST %s: got result %+v, want it taken", m, r)
		}
		if r.InvestigationID != "" {
			opened = append(opened, r.InvestigationID)
		}
	}
	return opened
}

// unwrapItem returns the error of an item without the "alert: item N: "
// that Parse adds for an item of a list.
func unwrapItem(err error) error {
	if fe, ok := errors.AsType[*alert.FieldError](err); ok {
		return fe
	}
	return err
}
