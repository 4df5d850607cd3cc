package pages

import (
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/shared/store"
)

func TestOutboxPageWithoutMessagesSaysSo(t *testing.T) {
	resp := renderOutbox(t, outboxView{})
	if !strings.Contains(resp, "The outbox is empty") ||
		!strings.Contains(resp, "A deployed stack sends them") {
		t.Errorf("the empty outbox page does not say it is empty and why:\n%s", resp)
	}
}

func TestOutboxPageShowsAlertTextAsText(t *testing.T) {
	m := store.OutboxMessage{ID: "1", Time: time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC),
		Subject: `<img src=x onerror=alert(1)>`, Body: "To: </pre><script>alert(1)</script>",
		Links: []store.OutboxLink{{Label: "Approve", URL: "https://c.example/approvals/1?sig=a"},
			{Label: "<b>Reject</b>", URL: "javascript:alert(1)"}}}
	page := renderOutbox(t, outboxView{Messages: []store.OutboxMessage{m}})
	for _, want := range []string{"&lt;img src=x onerror=alert(1)&gt;",
		"To: &lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
		`<a href="https://c.example/approvals/1?sig=a">Approve</a>`,
		`<a href="#ZgotmplZ">&lt;b&gt;Reject&lt;/b&gt;</a>`, "2026-12-04 07:00:00Z"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, "<img") {
		t.Errorf("alert markup reached the page:\n%s", page)
	}
}

func renderOutbox(t *testing.T, v outboxView) string {
	t.Helper()
	var b strings.Builder
	if err := outboxPage.ExecuteTemplate(&b, "layout", v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
