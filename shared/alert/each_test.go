package alert

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// itemSummary is what a test checks of an Item.
type itemSummary struct {
	Index  int
	Path   string
	Alerts int
	Field  string // the *FieldError's field; "-" for no error
}

// summarize returns what tests check of items.
func summarize(t *testing.T, items []Item) []itemSummary {
	t.Helper()
	var out []itemSummary
	for _, it := range items {
		if (it.Err == nil) == (it.Alerts == nil) {
			t.Errorf("item %d: got alerts %v and error %v, want exactly one", it.Index,
				it.Alerts, it.Err)
		}
		s := itemSummary{Index: it.Index, Path: it.Path, Alerts: len(it.Alerts),
			Field: "-"}
		if fe, ok := errors.AsType[*FieldError](it.Err); ok {
			s.Field = fe.Format + ":" + fe.Field
		} else if it.Err != nil {
			s.Field = it.Err.Error()
		}
		out = append(out, s)
	}
	return out
}

func TestParseEachBadItemDoesNotRejectOthers(t *testing.T) {
	gd := string(bytes.TrimSpace(readSample(t, "guardduty", gdIAM)))
	sh := string(bytes.TrimSpace(readSample(t, "securityhub", shRoot)))
	badSH := strings.Replace(sh, `"Title"`, `"Untitled"`, 1)
	tests := []struct {
		name string
		body string
		want []itemSummary
	}{
		{"lone object", gd, []itemSummary{{0, "", 1, "-"}}},
		{"array, bad middle item", "[" + gd + `, {"detail": {}}, ` + gd + "]",
			[]itemSummary{
				{0, "[0]", 1, "-"},
				{1, "[1]", 0, "guardduty:detail.id"},
				{2, "[2]", 1, "-"},
			}},
		{"format from the first item any parser claims", `[{"junk": 1}, ` + gd + "]",
			[]itemSummary{
				{0, "[0]", 0, "guardduty:id"},
				{1, "[1]", 1, "-"},
			}},
		{"array of envelopes, numbered through", "[" + sh + ", " + badSH + ", " +
			sh + "]",
			[]itemSummary{
				{0, "[0].detail.findings[0]", 1, "-"},
				{1, "[1].detail.findings[0]", 0, "securityhub:detail.findings.Title"},
				{2, "[2].detail.findings[0]", 1, "-"},
			}},
		{"bad envelope among good ones", "[" + sh + `, {"source": "aws.securityhub",
			"detail-type": "Security Hub Findings - Imported", "detail": {"findings": 1}}]`,
			[]itemSummary{
				{0, "[0].detail.findings[0]", 1, "-"},
				{1, "[1]", 0, "securityhub:detail.findings"},
			}},
		{"list response", `{"@odata.context": "x", "@odata.nextLink": "y", "value": [` +
			`{"alertCreationTime": "2024-01-26T20:33:57Z", "machineId": "m"}, ` +
			`{"alertCreationTime": "2024-01-26T20:33:57Z", "machineId": "m",
				"id": "1", "title": "t", "severity": "Low"}]}`,
			[]itemSummary{
				{0, "value[0]", 0, "msgraph:value.id"},
				{1, "value[1]", 1, "-"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ParseEach([]byte(tt.body), "")
			if err != nil {
				t.Fatalf("ParseEach: got error %v, want none", err)
			}
			if diff := cmp.Diff(tt.want, summarize(t, items)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEachBodyErrors(t *testing.T) {
	tests := []struct {
		name, body, format string
		want               error
	}{
		{"empty", "", "", ErrEmpty},
		{"empty array", "[]", "", ErrEmpty},
		{"empty list response", `{"value": [], "nextLink": null}`, "", ErrEmpty},
		{"not JSON", "{", "", ErrNotJSON},
		{"no item claimed", `[{"a": 1}, 2]`, "", &UnknownFormatError{}},
		{"unknown format", `{}`, "qradar", &UnknownFormatError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ParseEach([]byte(tt.body), tt.format)
			if items != nil {
				t.Errorf("got %d items, want none", len(items))
			}
			checkErrorKind(t, err, tt.want)
		})
	}
}

func TestParseEachListResponseNeedsOnlyAnnotations(t *testing.T) {
	// an object with value and keys of its own is an item, not a list
	body := `{"value": [{"alertCreationTime": "x", "machineId": "m"}], "kind": "k"}`
	if _, err := ParseEach([]byte(body), ""); !errors.As(err,
		new(*UnknownFormatError)) {
		t.Errorf("got error %v, want an *UnknownFormatError", err)
	}
}

func TestParseEachForcedFormatSplitsEnvelopes(t *testing.T) {
	sh := readSample(t, "securityhub", shAction)
	items, err := ParseEach(sh, "securityhub")
	if err != nil || len(items) != 1 || items[0].Path != "detail.findings[0]" {
		t.Fatalf("got %+v, %v; want the one finding", items, err)
	}
	if got := items[0].Alerts[0].Raw; bytes.Contains(got, []byte("actionName")) {
		t.Errorf("Raw: got the envelope, want the finding alone")
	}
}

func TestParseWrapsListItemErrorWithIndex(t *testing.T) {
	sh := string(readSample(t, "securityhub", shRoot))
	body := strings.Replace(sh, `"Title"`, `"Untitled"`, 1)
	_, err := Parse([]byte(body), "")
	checkFieldError(t, err, "securityhub", "detail.findings.Title")
	want := "alert: item 0: securityhub alert: detail.findings.Title: missing"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestFieldPath(t *testing.T) {
	tests := map[string]string{
		"":                       "",
		"[3]":                    "",
		"value[0]":               "value",
		"[0].detail.findings[1]": "detail.findings",
		"value[2].alerts[0]":     "value.alerts",
	}
	for in, want := range tests {
		if got := fieldPath(in); got != want {
			t.Errorf("fieldPath(%q): got %q, want %q", in, got, want)
		}
	}
}
