package alert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file builds worst-case-shaped payloads near the intake's limits
// from the samples of every format, and benchmarks parsing them: parsing
// must stay roughly linear in the body's size, or a single request can
// hold a core for seconds. Run it with
//
//	go test -run '^$' -bench Adversarial -benchtime 3x ./shared/alert
//
// and compare MB/s across cases: a case far below the others is a shape
// some parser handles in super-linear time. Building the 800-odd cases
// takes about half a minute before the first result.

// Limits of the alert intake, as ingest.MaxBodyBytes and
// ingest.MaxJSONDepth set them; repeated here because ingest imports this
// package.
const (
	intakeMaxBodyBytes = 256 << 10
	intakeMaxJSONDepth = 64
)

// advTargetBytes is the size a body grows to before its last piece is
// added; the margin keeps most bodies within the intake's limit in one go.
const advTargetBytes = intakeMaxBodyBytes - 4<<10

// advCase is one worst-case-shaped body and the format to parse it as; an
// empty format lets ParseEach detect it.
type advCase struct {
	name   string
	format string
	body   []byte
}

func BenchmarkAdversarial(b *testing.B) {
	for _, c := range adversarialCases(b) {
		b.Run(c.name, func(b *testing.B) {
			checkFitsIntake(b, c)
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseEach(c.body, c.format); err != nil {
					b.Fatalf("ParseEach: got error %v, want items", err)
				}
			}
		})
	}
}

// checkFitsIntake fails unless the case's body is one the intake passes to
// ParseEach, and large enough to be worth measuring.
func checkFitsIntake(b *testing.B, c advCase) {
	b.Helper()
	if n := len(c.body); n > intakeMaxBodyBytes || n < intakeMaxBodyBytes/2 {
		b.Fatalf("body: got %d bytes, want %d to %d", n, intakeMaxBodyBytes/2,
			intakeMaxBodyBytes)
	}
	if !json.Valid(c.body) {
		b.Fatal("body: got invalid JSON")
	}
	if d := jsonDepth(c.body); d > intakeMaxJSONDepth {
		b.Fatalf("body: got depth %d, want at most %d", d, intakeMaxJSONDepth)
	}
}

// adversarialCases returns the worst-case bodies of every sample, then
// hand-made ones: entities named twice with long attributes, JSON
// documents in strings, Sentinel's entity references and Elastic's dotted
// keys.
func adversarialCases(tb testing.TB) []advCase {
	tb.Helper()
	var cases []advCase
	for _, s := range samples(tb) {
		body := readSample(tb, s.format, s.name)
		attrs := attributeTexts(tb, body)
		cases = append(cases, sampleCases(s.format+"/"+s.name, decodeJSON(tb, body), attrs)...)
	}
	cases = append(cases, collisionCases(tb)...)
	cases = append(cases, embeddedCases(tb)...)
	cases = append(cases, sentinelRowCases()...)
	cases = append(cases, elasticDotCases(tb)...)

	// detect each body's format where the shape leaves it detectable
	for i := range cases {
		c := &cases[i]
		format, _, _ := strings.Cut(c.name, "/")
		if got, err := Detect(c.body); err != nil || got != format {
			c.format = format
		}
	}
	return cases
}

// sampleCases returns the shapes built from one sample: its arrays grown
// with distinct, identical and multi-line elements; its objects given
// many keys, dotted keys and deep nesting; long strings; and a batch of
// copies of it.
func sampleCases(name string, doc any, attrs map[string]bool) []advCase {
	var cases []advCase
	add := func(shape string, body []byte) {
		cases = append(cases, advCase{name: name + "/" + shape, body: body})
	}
	add("batch", batchOf(doc))
	add("text", longStrings(doc, false))
	add("lines", longStrings(doc, true))
	for _, p := range containerPaths(doc) {
		switch get(doc, p).(type) {
		case []any:
			add("grow:"+p.String(), growArray(doc, p, variation{mode: varyDistinct}))
			add("same:"+p.String(), growArray(doc, p, variation{mode: varySame}))
			add("merge:"+p.String(), growArray(doc, p, variation{varyLines, attrs}))
		case map[string]any:
			if len(p) > 1 {
				continue
			}
			add("keys:"+p.String(), addKeys(doc, p, false))
			add("deep:"+p.String(), addDeep(doc, p))
			if strings.HasPrefix(name, elasticFormat+"/") {
				add("dots:"+p.String(), addKeys(doc, p, true))
			}
		}
	}
	return cases
}

// jsonPath locates a value in a decoded document by object keys (string)
// and array indices (int).
type jsonPath []any

// String writes the path as "a.b[].c", indices left out.
func (p jsonPath) String() string {
	var b strings.Builder
	b.WriteString("$")
	for _, seg := range p {
		if k, ok := seg.(string); ok {
			b.WriteString("." + k)
		} else {
			b.WriteString("[]")
		}
	}
	return b.String()
}

// containerPaths returns the path of the first occurrence of every array
// and object in doc, root included, in a stable order.
func containerPaths(doc any) []jsonPath {
	seen := map[string]bool{}
	var paths []jsonPath
	var walk func(v any, p jsonPath)
	walk = func(v any, p jsonPath) {
		switch v := v.(type) {
		case map[string]any:
			if !seen[p.String()] {
				seen[p.String()] = true
				paths = append(paths, slices.Clone(p))
			}
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k], append(p, k))
			}
		case []any:
			if len(v) == 0 || seen[p.String()] {
				return
			}
			seen[p.String()] = true
			paths = append(paths, slices.Clone(p))
			for i, e := range v {
				walk(e, append(p, i))
			}
		}
	}
	walk(doc, nil)
	return paths
}

// get returns the value at p in doc.
func get(doc any, p jsonPath) any {
	for _, seg := range p {
		switch s := seg.(type) {
		case string:
			doc = doc.(map[string]any)[s]
		case int:
			doc = doc.([]any)[s]
		}
	}
	return doc
}

// set returns doc with v at p, changing doc in place except at the root.
func set(doc any, p jsonPath, v any) any {
	if len(p) == 0 {
		return v
	}
	parent := get(doc, p[:len(p)-1])
	switch s := p[len(p)-1].(type) {
	case string:
		parent.(map[string]any)[s] = v
	case int:
		parent.([]any)[s] = v
	}
	return doc
}

// How growArray varies the copies of an array's elements.
const (
	varySame     = iota // exact copies: every entity merges into the first
	varyDistinct        // addresses, hashes and names made unique
	varyLines           // entity attributes given one more line per copy
)

// variation says how vary changes a value: by mode and, for varyLines,
// which texts are entity attributes (see attributeTexts).
type variation struct {
	mode  int
	attrs map[string]bool
}

// attributeTexts returns the texts a sample's entities hold as attribute
// values and are not entity keys: those a copy can change while its
// entities still merge with the original's.
func attributeTexts(tb testing.TB, body []byte) map[string]bool {
	tb.Helper()
	alerts, err := Parse(body, "")
	if err != nil {
		tb.Fatal(err)
	}
	texts, keys := map[string]bool{}, map[string]bool{}
	for _, a := range alerts {
		for _, e := range a.Entities {
			keys[strings.ToLower(e.Key)] = true
			for _, v := range e.Attributes {
				for line := range strings.SplitSeq(v, "\n") {
					texts[line] = true
				}
			}
		}
	}
	for t := range texts {
		if keys[strings.ToLower(t)] {
			delete(texts, t)
		}
	}
	return texts
}

// hole marks where splice puts the text it builds, as a string value and,
// with a null value, as a key.
const hole = "\x01hole\x01"

// splice encodes doc and replaces its hole with fill's pieces, as many as
// fit within the target size, joined by commas. fill(i) returns the i-th
// piece, or "" when there are no more.
func splice(doc any, open, close string, fill func(i int) string) []byte {
	b := encode(doc)
	at, n := holeAt(b)
	var out bytes.Buffer
	out.Write(b[:at])
	out.WriteString(open)
	for i := 0; ; i++ {
		piece := fill(i)
		if piece == "" || out.Len()+len(piece)+len(b)-at-n+len(close) > advTargetBytes {
			break
		}
		if i > 0 {
			out.WriteByte(',')
		}
		out.WriteString(piece)
	}
	out.WriteString(close)
	out.Write(b[at+n:])
	return out.Bytes()
}

// holeAt returns where the hole is in an encoded document and its length.
func holeAt(b []byte) (at, n int) {
	mark := []byte(string(encode(hole)))
	at = bytes.Index(b, mark)
	n = len(mark)
	if bytes.HasPrefix(b[at+n:], []byte(":null")) {
		n += len(":null")
	}
	return at, n
}

// growArray returns doc with the array at p grown to the target size by
// varied copies of its elements.
func growArray(doc any, p jsonPath, how variation) []byte {
	doc = copyJSON(doc)
	seed := get(doc, p).([]any)
	doc = set(doc, p, hole)
	return splice(doc, "[", "]", func(i int) string {
		return string(encode(vary(seed[i%len(seed)], "", i, how)))
	})
}

// batchOf returns a top-level array of distinct copies of doc.
func batchOf(doc any) []byte {
	return splice(hole, "[", "]", func(i int) string {
		return string(encode(vary(doc, "", i, variation{mode: varyDistinct})))
	})
}

// addKeys returns doc with many keys added to the object at p: plain
// ones, or dotted ones that extend the object's own keys
// ("host.zk00001"), as Elastic's flattened fields do.
func addKeys(doc any, p jsonPath, dotted bool) []byte {
	doc = copyJSON(doc)
	obj := get(doc, p).(map[string]any)
	own := slices.Sorted(maps.Keys(obj))
	obj[hole] = nil
	return splice(doc, "", "", func(i int) string {
		k := fmt.Sprintf("zk%05d", i)
		if dotted && len(own) > 0 {
			k = own[i%len(own)] + "." + k
		}
		return fmt.Sprintf("%s:\"v%d\"", encode(k), i)
	})
}

// addDeep returns doc with a key added to the object at p that holds a
// comb nested as deep as the intake allows: each level an object with
// many keys and the next level.
func addDeep(doc any, p jsonPath) []byte {
	doc = copyJSON(doc)
	obj := get(doc, p).(map[string]any)
	obj[hole] = nil
	levels := intakeMaxJSONDepth - len(p) - 1
	room := advTargetBytes - len(encode(doc))
	width := max(1, room/(levels*12))
	return splice(doc, "", "", func(i int) string {
		if i > 0 {
			return ""
		}
		return `"zdeep":` + comb(levels, width)
	})
}

// comb returns an object nested levels deep, each level with width keys.
func comb(levels, width int) string {
	var keys strings.Builder
	for i := range width {
		fmt.Fprintf(&keys, `"k%d":%d,`, i, i)
	}
	return strings.Repeat("{"+keys.String()+`"next":`, levels) + `"leaf"` +
		strings.Repeat("}", levels)
}

// longStrings returns doc with its free-text strings (see vary) grown
// until the body reaches the target size: with words, or with lines,
// which entity attributes split on.
func longStrings(doc any, lines bool) []byte {
	sep := " "
	if lines {
		sep = "\n"
	}
	for n := 1 << 16; n > 0; n = n * 7 / 8 {
		var words []string
		for i := range n {
			words = append(words, "w"+strconv.Itoa(i))
		}
		pad := sep + strings.Join(words, sep)
		if b := encode(padStrings(doc, "", pad)); len(b) <= intakeMaxBodyBytes {
			return b
		}
	}
	return encode(doc)
}

// padStrings returns a copy of v with pad appended to its free-text
// strings.
func padStrings(v any, key, pad string) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = padStrings(e, k, pad)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = padStrings(e, key, pad)
		}
		return a
	case string:
		if isFreeText(key, v) {
			return v + pad
		}
	}
	return v
}

// vary returns a copy of v, the value of key, made the i-th of its kind
// by mode: see varySame, varyDistinct and varyLines.
func vary(v any, key string, i int, how variation) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = vary(e, k, i, how)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for j, e := range v {
			a[j] = vary(e, key, i, how)
		}
		return a
	case string:
		return varyString(v, key, i, how)
	}
	return v
}

// varyString returns s, the value of key, made the i-th of its kind.
// In varyDistinct mode addresses, hashes and other free text are made
// unique; types, times, numbers and other enumerations are kept, so the
// copy parses as the original does. In varyLines mode only entity
// attributes change, each given a line of its own.
func varyString(s, key string, i int, how variation) string {
	suffix := strconv.Itoa(i)
	switch {
	case how.mode == varyLines && how.attrs[s]:
		return s + "\n" + s + "-" + suffix
	case how.mode != varyDistinct || !isFreeText(key, s):
		return s
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Is4() {
			return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()
		}
		return "fd00::" + strconv.FormatInt(int64(i), 16)
	}
	if hashKey(s) == strings.ToLower(s) {
		return fmt.Sprintf("%0*x", len(s), i)
	}
	if at := strings.IndexByte(s, '@'); at > 0 {
		return s[:at] + "-" + suffix + s[at:]
	}
	return s + "-" + suffix
}

// isFreeText reports whether s, the value of key, may change without the
// payload losing its meaning: not a type, kind, severity, status, time or
// number, nor a word without digits or separators (an enumeration).
func isFreeText(key, s string) bool {
	k := strings.ToLower(key)
	for _, word := range []string{"type", "kind", "severity", "status", "time",
		"date", "classification", "algorithm", "disposition", "schema", "category",
		"level", "source", "product", "published", "event"} {
		if strings.Contains(k, word) {
			return false
		}
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return false
	}
	return strings.ContainsAny(s, "0123456789@/\\ :")
}

// collisionCases returns alerts that name one entity twice, each time
// with a long attribute of many distinct lines, so that merging the two
// compares every line of one with every line of the other: processes and
// their parents sharing an id, and a generic entity listed twice.
func collisionCases(tb testing.TB) []advCase {
	tb.Helper()
	type field struct {
		path  jsonPath
		value any // nil for a long text of distinct lines
	}
	collide := func(name, format, sample string, fields ...field) advCase {
		doc := decodeJSON(tb, readSample(tb, format, sample))
		var long []jsonPath
		for _, f := range fields {
			if f.value == nil {
				long = append(long, f.path)
			}
			doc = set(doc, f.path, f.value)
		}
		return advCase{name: format + "/collide/" + name, body: fillLines(doc, long)}
	}
	sameID := "pid:3be512d17c334ad4adc8c1c54dbfe0a7:1"
	return []advCase{
		collide("alert-parent-grandparent", crowdStrikeFormat,
			"alerts-api-epp-ldt-ngav-quarantine",
			field{jsonPath{"parent_details", "process_graph_id"}, sameID},
			field{jsonPath{"grandparent_details", "process_graph_id"}, sameID},
			field{jsonPath{"parent_details", "cmdline"}, nil},
			field{jsonPath{"grandparent_details", "cmdline"}, nil}),
		collide("stream-process-parent", crowdStrikeFormat,
			"stream-detectionsummaryevent-ngav-pup",
			field{jsonPath{"event", "ParentProcessId"}, json.Number("284715530122")},
			field{jsonPath{"event", "CommandLine"}, nil},
			field{jsonPath{"event", "ParentCommandLine"}, nil}),
		collide("sysmon-process-parent", elasticFormat,
			"query-rule-sysmon-exec-from-windows-tasks",
			field{jsonPath{"winlog", "event_data", "ParentProcessGuid"}, "{same}"},
			field{jsonPath{"winlog", "event_data", "ProcessGuid"}, "{same}"},
			field{jsonPath{"winlog", "event_data", "CommandLine"}, nil},
			field{jsonPath{"winlog", "event_data", "ParentCommandLine"}, nil}),
		collide("entity-twice", genericFormat, "inhouse-c2-beacon-with-entities",
			field{jsonPath{"entities", 1, "value"}, "203.0.113.9"},
			field{jsonPath{"entities", 1, "type"}, "ip"},
			field{jsonPath{"entities", 1, "attributes"}, nil},
			field{jsonPath{"entities", 4, "attributes"}, nil}),
	}
}

// fillLines returns doc with the values at paths made long texts of
// distinct lines, as long as the intake allows; a path ending in
// "attributes" gets an object with one such text.
func fillLines(doc any, paths []jsonPath) []byte {
	for n := 1 << 16; ; n = n * 7 / 8 {
		for k, p := range paths {
			var lines []string
			for i := range n {
				lines = append(lines, fmt.Sprintf("l%d-%d", k, i))
			}
			var v any = strings.Join(lines, "\n")
			if p[len(p)-1] == "attributes" {
				v = map[string]any{"note": v}
			}
			doc = set(doc, p, v)
		}
		if b := encode(doc); len(b) <= intakeMaxBodyBytes {
			return b
		}
	}
}

// embeddedCases returns alerts whose JSON documents in strings hold many
// items: Okta's threat detections, Entra's additional information.
func embeddedCases(tb testing.TB) []advCase {
	tb.Helper()
	embed := func(format, sample string, p jsonPath, item func(i int) string,
		open, close string) advCase {
		doc := decodeJSON(tb, readSample(tb, format, sample))
		doc = set(doc, p, hole)
		body := splice(doc, "", "", func(i int) string {
			if i > 0 {
				return ""
			}
			var b strings.Builder
			for j := 0; b.Len() < advTargetBytes*3/4; j++ {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(item(j))
			}
			return string(encode(open + b.String() + close))
		})
		return advCase{name: format + "/embedded/" + p[len(p)-1].(string), body: body}
	}
	return []advCase{
		embed(oktaFormat, "okta-security-threat-detected-password-spray",
			jsonPath{"debugContext", "debugData", "threatDetections"},
			func(i int) string { return fmt.Sprintf(`"threat %d":"HIGH"`, i) }, "{", "}"),
		embed(entraFormat, "entra-graph-riskdetection-unfamiliarfeatures",
			jsonPath{"additionalInfo"},
			func(i int) string { return fmt.Sprintf(`{"Key":"k%d","Value":"v"}`, i) },
			"[", "]"),
	}
}

// sentinelRowCases returns rows of Sentinel's SecurityAlert table whose
// Entities column holds many entities that refer to each other by "$id"
// and "$ref", as an array and as the JSON string Log Analytics stores,
// and entities nested deeper than the parser looks.
func sentinelRowCases() []advCase {
	row := func(entities []byte) []byte {
		return []byte(fmt.Sprintf(securityAlertRowJSON, entities))
	}
	quoted := func(entities []byte) []byte {
		s, _ := json.Marshal(string(entities))
		return row(s)
	}
	cases := []advCase{
		{name: "sentinel/row/refs", body: fitEntities(row, refEntity)},
		{name: "sentinel/row/refs-string", body: fitEntities(quoted, refEntity)},
		{name: "sentinel/row/nested-string", body: fitEntities(quoted, nestedEntity)},
		{name: "sentinel/row/one-file-many-hashes", body: fitEntities(row, hashOfFile)},
	}
	return cases
}

// fitEntities returns the largest row within the intake's limit whose
// Entities column, written by row, holds the entities entity(0),
// entity(1) and so on.
func fitEntities(row func([]byte) []byte, entity func(i int) string) []byte {
	var list []string
	for i := 0; ; i++ {
		list = append(list, entity(i))
		b := row([]byte("[" + strings.Join(list, ",") + "]"))
		if len(b) > intakeMaxBodyBytes {
			list = list[:len(list)-1]
			return row([]byte("[" + strings.Join(list, ",") + "]"))
		}
	}
}

// refEntity returns the i-th of a cycle of entities: a host, an account
// on it, a malware name, and a process that refers to both, with an image
// file whose hashes refer back to earlier entities.
func refEntity(i int) string {
	id := func(j int) string { return strconv.Quote(strconv.Itoa(j)) }
	switch i % 4 {
	case 0:
		return fmt.Sprintf(`{"$id":%s,"HostName":"h%d","MdatpDeviceId":"d%d","Type":"host"}`,
			id(i), i, i)
	case 1:
		return fmt.Sprintf(`{"$id":%s,"Name":"u%d","UPNSuffix":"x.example",`+
			`"Host":{"$ref":%s},"Type":"account"}`, id(i), i, id(i-1))
	case 2:
		return fmt.Sprintf(`{"$id":%s,"MalwareName":"m%d","Type":"malware"}`, id(i), i)
	}
	return fmt.Sprintf(`{"$id":%s,"ProcessId":"%d","CreationTimeUtc":"2024-09-04T03:58:41Z",`+
		`"ImageFile":{"$id":"f%d","Name":"x%d.exe","FileHashes":[{"$id":"h%d",`+
		`"Value":"%064x","Type":"filehash"}],"Type":"file"},`+
		`"Host":{"$ref":%s},"Account":{"$ref":%s},"Type":"process"}`,
		id(i), i, i, i, i, i+1, id(i-3), id(i-2))
}

// nestedEntity returns an account whose host's host's ... nests sixteen
// levels deep, past the depth the parser looks into.
func nestedEntity(i int) string {
	s := fmt.Sprintf(`{"$id":"%d-0","HostName":"h%d","Type":"host"}`, i, i)
	for d := 1; d < 16; d++ {
		s = fmt.Sprintf(`{"$id":"%d-%d","Name":"u%d","Host":%s,"Type":"account"}`, i, d, d, s)
	}
	return s
}

// hashOfFile returns, for i = 0, a file that refers to the hashes that
// follow it, and for i > 0 the i-th such hash.
func hashOfFile(i int) string {
	if i == 0 {
		var refs []string
		for j := 1; j < 6000; j++ {
			refs = append(refs, fmt.Sprintf(`{"$ref":"%d"}`, j))
		}
		return `{"$id":"0","Name":"x.exe","FileHashes":[` + strings.Join(refs, ",") +
			`],"Type":"file"}`
	}
	return fmt.Sprintf(`{"$id":"%d","Value":"%064x","Type":"filehash"}`, i, i)
}

// elasticDotCases returns Elastic alerts with flattened keys that expand
// into deep objects: many keys with a long shared dotted prefix, and
// dotted keys that collide with nested objects of the same name.
func elasticDotCases(tb testing.TB) []advCase {
	tb.Helper()
	sample := readSample(tb, elasticFormat, "query-rule-sysmon-exec-from-windows-tasks")
	doc := decodeJSON(tb, sample)
	long := strings.Repeat("d.", 200)
	keyed := func(key func(i int) string) []byte {
		m := copyJSON(doc).(map[string]any)
		m[hole] = nil
		return splice(m, "", "", func(i int) string {
			return fmt.Sprintf(`"%s":"v"`, key(i))
		})
	}
	return []advCase{
		{name: "elastic/dots/shared-prefix", body: keyed(func(i int) string {
			return long + "k" + strconv.Itoa(i)
		})},
		{name: "elastic/dots/deep-chain", body: keyed(func(i int) string {
			return strings.Repeat("c.", i%300) + "k" + strconv.Itoa(i)
		})},
		{name: "elastic/dots/object-and-keys", body: keyed(func(i int) string {
			return "host.os.zk" + strconv.Itoa(i)
		})},
	}
}

// decodeJSON decodes a payload keeping numbers as written.
func decodeJSON(tb testing.TB, b []byte) any {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// copyJSON returns a deep copy of a decoded document.
func copyJSON(v any) any {
	return vary(v, "", 0, variation{mode: varySame})
}

// encode writes v as compact JSON, without escaping HTML characters.
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// jsonDepth returns how deep valid JSON b nests, as the intake counts it.
func jsonDepth(b []byte) int {
	depth, deepest := 0, 0
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}
