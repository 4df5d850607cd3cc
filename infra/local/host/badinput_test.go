package host

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/ingest"
)

// badDir holds the bad input corpus and its manifest.
const badDir = "../../../events/bad/"

// badCase is one case of events/bad/manifest.yaml: see the manifest's
// header for what each field means.
type badCase struct {
	Name        string    `yaml:"name"`
	File        string    `yaml:"file"`
	Generate    []genPart `yaml:"generate"`
	Class       string    `yaml:"class"`
	Format      string    `yaml:"format"`
	What        string    `yaml:"what"`
	ContentType *string   `yaml:"content_type"`
	Query       string    `yaml:"query"`
	Want        badWant   `yaml:"want"`
}

// genPart is one part of a generated body.
type genPart struct {
	Text  string `yaml:"text"`
	Times int    `yaml:"times"`
	Fill  int    `yaml:"fill"`
}

// badWant is what must happen to a case.
type badWant struct {
	Status     int              `yaml:"status"`
	Reason     string           `yaml:"reason"`
	Results    map[string]int   `yaml:"results"`
	Normalized []normalizedWant `yaml:"normalized"`
	Render     bool             `yaml:"render"`
}

// normalizedWant holds the fields of a normalized alert a case checks;
// nil ones are not checked.
type normalizedWant struct {
	SourceAlertID *string   `yaml:"source_alert_id"`
	Title         *string   `yaml:"title"`
	Time          *string   `yaml:"time"`
	SeverityID    *int      `yaml:"severity_id"`
	ThreatNames   *[]string `yaml:"threat_names"`
	Entities      *[]string `yaml:"entities"`
}

// badCases reads the manifest, refusing a field it does not know.
func badCases(t *testing.T) []badCase {
	t.Helper()
	raw, err := os.ReadFile(badDir + "manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Cases []badCase `yaml:"cases"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("read the manifest: %v", err)
	}
	return m.Cases
}

// body returns a case's body: its file, or the parts it is generated
// from.
func (c badCase) body(t *testing.T) []byte {
	t.Helper()
	if c.File != "" {
		b, err := os.ReadFile(badDir + c.File)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	fixed := 0
	for _, p := range c.Generate {
		if p.Fill == 0 {
			fixed += len(p.Text) * max(p.Times, 1)
		}
	}
	var b bytes.Buffer
	for _, p := range c.Generate {
		n := max(p.Times, 1)
		if p.Fill > 0 {
			n = (p.Fill - fixed) / len(p.Text)
		}
		b.WriteString(strings.Repeat(p.Text, n))
	}
	if f := fillOf(c.Generate); f > 0 && b.Len() != f {
		t.Fatalf("%s: generated %d bytes, want the %d its fill names", c.Name, b.Len(), f)
	}
	return b.Bytes()
}

// fillOf returns the size a generated body fills to, or 0.
func fillOf(parts []genPart) int {
	for _, p := range parts {
		if p.Fill > 0 {
			return p.Fill
		}
	}
	return 0
}

// takesNothing reports whether a case must leave the table as it was:
// a refused request, or a 202 whose every item was rejected.
func (c badCase) takesNothing() bool {
	if c.Want.Status != http.StatusAccepted {
		return true
	}
	for status, n := range c.Want.Results {
		if status != ingest.StatusRejected && n > 0 {
			return false
		}
	}
	return true
}

// forcedFormat returns the format a case's query forces, or "".
func (c badCase) forcedFormat() string {
	f, _ := strings.CutPrefix(c.Query, "format=")
	return f
}

func TestBadInputCorpusIsExactlyTheManifest(t *testing.T) {
	cases := badCases(t)

	// every case is whole, once, and its file exists
	named := map[string]bool{}
	classes := []string{"empty", "encoding", "nul", "content-type", "size", "nesting",
		"arrays", "duplicates", "numbers", "markup", "invisible", "homoglyph", "time", "ids",
		"types"}
	for _, c := range cases {
		switch {
		case named[c.Name]:
			t.Errorf("case %s: named twice", c.Name)
		case (c.File == "") == (len(c.Generate) == 0):
			t.Errorf("case %s: got file %q and %d generated parts, want one of them", c.Name,
				c.File, len(c.Generate))
		case c.File != "" && c.File != c.Name+".json":
			t.Errorf("case %s: file %q, want %s.json", c.Name, c.File, c.Name)
		case !slices.Contains(classes, c.Class):
			t.Errorf("case %s: class %q, want one of %v", c.Name, c.Class, classes)
		case c.What == "" || c.Format == "" || c.Want.Status == 0:
			t.Errorf("case %s: want what, format and want.status", c.Name)
		case c.Format != "none" && !slices.Contains(alert.Formats(), c.Format):
			t.Errorf("case %s: format %q is not a format", c.Name, c.Format)
		}
		named[c.Name] = true
		if c.File != "" {
			if _, err := os.Stat(badDir + c.File); err != nil {
				t.Errorf("case %s: the manifest names a missing file: %v", c.Name, err)
			}
		}
	}

	// every file of the folder is a case
	files, err := filepath.Glob(badDir + "*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		if base == "manifest.yaml" || base == "README.md" {
			continue
		}
		if !named[strings.TrimSuffix(base, ".json")] || !strings.HasSuffix(base, ".json") {
			t.Errorf("events/bad/%s is not in the manifest", base)
		}
	}
}

func TestBadInputCorpusNormalizesAsTheManifestSays(t *testing.T) {
	for _, c := range badCases(t) {
		if c.Want.Normalized == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			alerts, err := alert.Parse(c.body(t), c.forcedFormat())
			if err != nil {
				t.Fatalf("Parse: %v, want %d alerts", err, len(c.Want.Normalized))
			}
			if len(alerts) != len(c.Want.Normalized) {
				t.Fatalf("got %d alerts, want %d", len(alerts), len(c.Want.Normalized))
			}
			for i, w := range c.Want.Normalized {
				checkNormalized(t, alerts[i], w)
			}
		})
	}
}

// checkNormalized checks the fields w names in a.
func checkNormalized(t *testing.T, a alert.Alert, w normalizedWant) {
	t.Helper()
	check := func(field string, got, want any) {
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: got %#v, want %#v", field, got, want)
		}
	}
	if w.SourceAlertID != nil {
		check("source_alert_id", a.SourceAlertID, *w.SourceAlertID)
	}
	if w.Title != nil {
		check("title", a.Title, *w.Title)
	}
	if w.Time != nil {
		check("time", a.Time.Format(time.RFC3339Nano), *w.Time)
		check("time's zone", a.Time.Location().String(), "UTC")
	}
	if w.SeverityID != nil {
		check("severity_id", int(a.SeverityID), *w.SeverityID)
	}
	if w.ThreatNames != nil {
		check("threat_names", a.ThreatNames, *w.ThreatNames)
	}
	if w.Entities != nil {
		var refs []string
		for _, e := range a.Entities {
			refs = append(refs, e.Ref())
		}
		check("entities", refs, *w.Entities)
	}
}

func TestBadInputCorpusGetsItsAnswerOverHTTP(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	cases := badCases(t)

	// what must change nothing goes first, while no execution writes
	var refused, taken []badCase
	for _, c := range cases {
		if c.takesNothing() {
			refused = append(refused, c)
		} else {
			taken = append(taken, c)
		}
	}
	for _, c := range refused {
		t.Run(c.Name, func(t *testing.T) {
			before := countAll(t)
			postCase(t, c)
			if after := countAll(t); after != before {
				t.Errorf("the table held %d items before and %d after, want no change", before,
					after)
			}
		})
	}

	// then what is taken, and how its investigations show on the pages
	var opened []string
	rendered := map[string]badCase{}
	for _, c := range taken {
		t.Run(c.Name, func(t *testing.T) {
			for _, r := range postCase(t, c).Results {
				if r.InvestigationID == "" {
					continue
				}
				opened = append(opened, r.InvestigationID)
				if c.Want.Render {
					rendered[r.InvestigationID] = c
				}
			}
		})
	}
	for _, id := range opened {
		waitForSettled(t, id)
	}
	for id, c := range rendered {
		t.Run("render/"+c.Name, func(t *testing.T) { checkRendered(t, c, id) })
	}
}

// postCase posts a case's body signed and checks the answer's status,
// reason and results.
func postCase(t *testing.T, c badCase) ingest.Reply {
	t.Helper()
	body := c.body(t)
	req, err := http.NewRequest(http.MethodPost, testHost.URL+"/alerts?"+c.Query,
		bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	contentType := "application/json"
	if c.ContentType != nil {
		contentType = *c.ContentType
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	signed(body)(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /alerts: %v", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)

	// the status and reason the manifest names
	if resp.StatusCode != c.Want.Status || !strings.Contains(reasons(answer), c.Want.Reason) {
		t.Fatalf("%s: got %d %s, want %d with %q", c.What, resp.StatusCode, clipped(answer),
			c.Want.Status, c.Want.Reason)
	}
	var reply ingest.Reply
	if c.Want.Status != http.StatusAccepted {
		return reply
	}
	if err := json.Unmarshal(answer, &reply); err != nil {
		t.Fatalf("decode the answer %s: %v", clipped(answer), err)
	}
	got := map[string]int{}
	for _, r := range reply.Results {
		got[r.Status]++
	}
	if diff := cmp.Diff(c.Want.Results, got); diff != "" {
		t.Errorf("results by status: got %v, want %v", got, c.Want.Results)
	}
	return reply
}

// reasons returns the reasons of an answer, decoded: the error of a
// refused request, the reason of each rejected item of a batch, or the
// answer as it is when it is not an intake's JSON (API Gateway's own).
func reasons(answer []byte) string {
	var r struct {
		Error   string          `json:"error"`
		Message string          `json:"message"`
		Results []ingest.Result `json:"results"`
	}
	if json.Unmarshal(answer, &r) != nil {
		return string(answer)
	}
	all := []string{r.Error, r.Message}
	for _, res := range r.Results {
		all = append(all, res.Reason)
	}
	return strings.Join(all, "\n")
}

// clipped shortens an answer for a failure message.
func clipped(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// countAll counts the table's items, every page of them. Only a test
// scans.
func countAll(t *testing.T) int32 {
	t.Helper()
	db := dynamodblocal.NewClient(os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"))
	var n int32
	in := &dynamodb.ScanInput{TableName: aws.String(tableName), Select: "COUNT",
		ConsistentRead: aws.Bool(true)}
	for {
		out, err := db.Scan(context.Background(), in)
		if err != nil {
			t.Fatalf("count items: %v", err)
		}
		n += out.Count
		if out.LastEvaluatedKey == nil {
			return n
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// checkRendered checks that the list page and the investigation's page
// show the case's title and entity keys as text: escaped, with every
// character that would not show as itself a space, and nothing invisible
// left anywhere on the page.
func checkRendered(t *testing.T, c badCase, id string) {
	t.Helper()
	alerts, err := alert.Parse(c.body(t), c.forcedFormat())
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]
	for _, path := range []string{"/", "/investigations/" + id} {
		resp, page := fetch(t, http.MethodGet, path, "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", path, resp.StatusCode)
		}
		if i := strings.IndexFunc(page, invisibleOnPage); i >= 0 {
			t.Errorf("GET %s holds %q at %d, want every invisible character a space", path,
				[]rune(page[i:])[0], i)
		}
		shown := []string{a.Title}
		if path != "/" {
			for _, e := range a.Entities {
				shown = append(shown, e.Key)
			}
		}
		for _, s := range shown {
			want := template.HTMLEscapeString(spaced(s))
			if !strings.Contains(page, want) {
				t.Errorf("GET %s does not show %q as %q", path, s, want)
			}
			if want != s && strings.Contains(page, s) {
				t.Errorf("GET %s holds %q as it is, want it escaped", path, s)
			}
		}
	}
}

// invisibleOnPage reports whether r would not show as itself on a page.
func invisibleOnPage(r rune) bool {
	return r != '\n' && r != '\r' && r != '\t' && (unicode.IsControl(r) ||
		unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp))
}

// spaced returns s as a page shows it before escaping: a NUL stays for
// the escaper to replace, every other invisible character is a space.
func spaced(s string) string {
	return strings.Map(func(r rune) rune {
		if r != 0 && invisibleOnPage(r) {
			return ' '
		}
		return r
	}, s)
}
