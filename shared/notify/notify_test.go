package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// hostile is a message whose alert-supplied fields hold markup and the
// control characters of each format.
var hostile = Message{
	ApprovalID:      "01APPROVAL",
	InvestigationID: "01INV",
	Action:          "delete_email",
	Target:          "email_message:<@U123> <!channel> *bold* & <https://evil.example|click>",
	Reason: "<script>alert(1)</script> **x** [y](https://evil.example)\n" +
		"Approve: https://evil.example",
	Group:      "email",
	ApproveURL: "https://center.example/approvals/01APPROVAL?sig=s1gn&decision=approve",
	RejectURL:  "https://center.example/approvals/01APPROVAL?sig=s1gn&decision=reject",
	ExpiresAt:  "2026-12-11T07:00:00Z",
}

var plain = Message{
	ApprovalID:      "01APPROVAL",
	InvestigationID: "01INV",
	Subject:         "Isolate host web-01",
	Action:          "isolate_host",
	Target:          "host:i-0abc (web-01)",
	Reason:          "holds the malicious file eicar.com",
	Group:           "hosts",
	ApproveURL:      "https://center.example/approvals/01A?sig=abc&decision=approve",
	RejectURL:       "https://center.example/approvals/01A?sig=abc&decision=reject",
	ExpiresAt:       "2026-12-11T07:00:00Z",
}

func TestTextSaysWhatToWhatWhyWhoUntilAndLinks(t *testing.T) {
	want := "An action waits for your decision.\n\n" +
		"What will happen: isolate_host\n" +
		"To: host:i-0abc (web-01)\n" +
		"Why: holds the malicious file eicar.com\n" +
		"Investigation: 01INV\n" +
		"Who may decide: the approver group hosts\n" +
		"The links expire: 2026-12-11T07:00:00Z\n\n" +
		"Approve: " + plain.ApproveURL + "\n" +
		"Reject:  " + plain.RejectURL + "\n\n" +
		confirmNote + "\n"
	if diff := cmp.Diff(want, Text(plain)); diff != "" {
		t.Errorf("Text (-want +got):\n%s", diff)
	}
}

func TestTextKeepsAlertTextOnItsLine(t *testing.T) {
	text := Text(hostile)
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "Approve:") && line != "Approve: "+hostile.ApproveURL {
			t.Errorf("an alert forged the line %q", line)
		}
	}
	if !strings.Contains(text, "Why: <script>alert(1)</script> **x** [y](https://evil.example) "+
		"Approve: https://evil.example\n") {
		t.Errorf("reason not kept on one line:\n%s", text)
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\tc", "a b c"},
		{"  spaced   out ", "spaced out"},
		{"esc\x1b[31mred", "esc [31mred"},
		{"evil\u202Egnp.exe", "evil gnp.exe"},
		{"bad\xffutf8", "badutf8"},
	}
	for _, tt := range tests {
		if got := OneLine(tt.in); got != tt.want {
			t.Errorf("OneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSubjectDefaultsToActionOnTarget(t *testing.T) {
	m := hostile
	m.Target = "host:web-01\nBcc: x"
	if got, want := Subject(m), "Approve delete_email on host:web-01 Bcc: x"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
}

// hook is an httptest webhook that answers with the next of answers (the
// last one repeats) and records each request.
type hook struct {
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []received
	answers []answer
}

type received struct {
	Method, Path, RawQuery, ContentType string
	Body                                map[string]any
}

type answer struct {
	status     int
	body       string
	retryAfter string
	// hang makes the webhook answer only once the client gave up.
	hang bool
}

const secretPath = "/services/T000/B000/XXXXSECRETXXXX"

func newHook(t *testing.T, answers ...answer) *hook {
	h := &hook{answers: answers}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	json.Unmarshal(raw, &body)
	h.mu.Lock()
	h.reqs = append(h.reqs, received{r.Method, r.URL.Path, r.URL.RawQuery,
		r.Header.Get("Content-Type"), body})
	a := h.answers[min(len(h.reqs), len(h.answers))-1]
	h.mu.Unlock()
	if a.hang {
		<-r.Context().Done()
		return
	}
	if a.retryAfter != "" {
		w.Header().Set("Retry-After", a.retryAfter)
	}
	w.WriteHeader(a.status)
	io.WriteString(w, a.body)
}

func (h *hook) url() WebhookURL { return WebhookURL(h.srv.URL + secretPath + "?sig=topsecret") }

// waits records the delays a poster asked for instead of sleeping.
func recordWaits(p *poster) *[]time.Duration {
	var waits []time.Duration
	p.sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}
	return &waits
}

func TestSlackPostsBlockKitMessage(t *testing.T) {
	h := newHook(t, answer{status: 200, body: "ok"})
	if err := NewSlack(h.url(), nil).Send(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	wantBody := decode(t, `{
	  "text": "Approval needed: Isolate host web-01",
	  "blocks": [
	    {"type": "header", "text": {"type": "plain_text", "text": "Isolate host web-01",
	      "emoji": false}},
	    {"type": "section", "text": {"type": "mrkdwn", "text": `+quote(
		"*What will happen:* isolate_host\n"+
			"*To:* host:i-0abc (web-01)\n"+
			"*Why:* holds the malicious file eicar.com\n"+
			"*Investigation:* 01INV\n"+
			"*Who may decide:* the approver group hosts\n"+
			"*The links expire:* 2026-12-11T07:00:00Z")+`, "verbatim": true}},
	    {"type": "actions", "elements": [
	      {"type": "button", "action_id": "approve", "style": "primary",
	       "text": {"type": "plain_text", "text": "Approve", "emoji": false},
	       "url": "https://center.example/approvals/01A?sig=abc&decision=approve"},
	      {"type": "button", "action_id": "reject", "style": "danger",
	       "text": {"type": "plain_text", "text": "Reject", "emoji": false},
	       "url": "https://center.example/approvals/01A?sig=abc&decision=reject"}]},
	    {"type": "context", "elements": [{"type": "mrkdwn", "text":
	      "Each link opens a page that asks you to confirm; nothing happens until you do."}]}
	  ]}`)
	want := []received{{"POST", secretPath, "sig=topsecret", "application/json", wantBody}}
	if diff := cmp.Diff(want, h.reqs); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestSlackEscapesMrkdwnControlCharacters(t *testing.T) {
	msg := SlackMessage(hostile)
	raw, _ := json.Marshal(msg)
	section := msg["blocks"].([]any)[1].(map[string]any)["text"].(map[string]any)["text"]
	want := "*To:* email_message:&lt;@U123&gt; &lt;!channel&gt; *bold* &amp; " +
		"&lt;https://evil.example|click&gt;"
	if !strings.Contains(section.(string), want) {
		t.Errorf("section %q does not hold %q", section, want)
	}
	if strings.Contains(msg["text"].(string), "<") {
		t.Errorf("fallback text %q holds an unescaped <", msg["text"])
	}
	for _, bad := range []string{"<!channel>", "<@U123>", "<script>", "<https://evil"} {
		if bytes.Contains(raw, []byte(bad)) {
			t.Errorf("the Slack message holds %q unescaped", bad)
		}
	}
}

func TestTeamsPostsAdaptiveCard(t *testing.T) {
	h := newHook(t, answer{status: 202})
	if err := NewTeams(h.url(), nil).Send(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	fact := func(label, value string) string {
		return `{"type": "RichTextBlock", "inlines": [
		  {"type": "TextRun", "text": "` + label + `: ", "weight": "Bolder"},
		  {"type": "TextRun", "text": "` + value + `"}]}`
	}
	wantBody := decode(t, `{"type": "message", "attachments": [{
	  "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null,
	  "content": {
	    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
	    "type": "AdaptiveCard", "version": "1.4",
	    "body": [
	      {"type": "RichTextBlock", "inlines": [{"type": "TextRun",
	        "text": "Isolate host web-01", "weight": "Bolder", "size": "Medium"}]},
	      `+fact("What will happen", "isolate_host")+`,
	      `+fact("To", "host:i-0abc (web-01)")+`,
	      `+fact("Why", "holds the malicious file eicar.com")+`,
	      `+fact("Investigation", "01INV")+`,
	      `+fact("Who may decide", "the approver group hosts")+`,
	      `+fact("The links expire", "2026-12-11T07:00:00Z")+`,
	      {"type": "TextBlock", "text": "`+confirmNote+`", "wrap": true,
	       "isSubtle": true, "size": "Small"}],
	    "actions": [
	      {"type": "Action.OpenUrl", "title": "Approve",
	       "url": "https://center.example/approvals/01A?sig=abc&decision=approve"},
	      {"type": "Action.OpenUrl", "title": "Reject",
	       "url": "https://center.example/approvals/01A?sig=abc&decision=reject"}]}}]}`)
	want := []received{{"POST", secretPath, "sig=topsecret", "application/json", wantBody}}
	if diff := cmp.Diff(want, h.reqs); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestTeamsPutsAlertTextInTextRunsOnly(t *testing.T) {
	card := TeamsMessage(hostile)["attachments"].([]any)[0].(map[string]any)["content"]
	for _, el := range card.(map[string]any)["body"].([]any) {
		b := el.(map[string]any)
		if b["type"] == "TextBlock" && b["text"] != confirmNote {
			t.Errorf("a TextBlock, which reads Markdown, holds %q", b["text"])
		}
	}
	raw, _ := json.Marshal(card)
	if !bytes.Contains(raw, []byte(`"text":"\u003cscript\u003ealert(1)\u003c/script\u003e `+
		`**x** [y](https://evil.example) Approve: https://evil.example"`)) {
		t.Errorf("the reason is not kept as literal text: %s", raw)
	}
}

func TestWebhookRetriesTransientFailures(t *testing.T) {
	tests := []struct {
		name      string
		answers   []answer
		wantWaits int
		// minWait is the least the first wait must be: a 429's Retry-After
		minWait time.Duration
	}{
		{"429 with Retry-After", []answer{{status: 429, body: "rate_limited",
			retryAfter: "3"}, {status: 200, body: "ok"}}, 1, 3 * time.Second},
		{"500", []answer{{status: 500, body: "rollup_error"}, {status: 200}}, 1, 0},
		{"503 twice", []answer{{status: 503}, {status: 502}, {status: 200}}, 2, 0},
		{"timeout", []answer{{hang: true}, {status: 200}}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHook(t, tt.answers...)
			n := NewSlack(h.url(), &http.Client{Timeout: 100 * time.Millisecond})
			waits := recordWaits(n.p)
			if err := n.Send(context.Background(), plain); err != nil {
				t.Fatalf("Send: %v, want success after retrying", err)
			}
			if got := len(h.reqs); got != tt.wantWaits+1 {
				t.Errorf("%d requests, want %d", got, tt.wantWaits+1)
			}
			if len(*waits) != tt.wantWaits || (*waits)[0] < tt.minWait {
				t.Errorf("waits %v, want %d, the first at least %s", *waits, tt.wantWaits,
					tt.minWait)
			}
		})
	}
}

func TestWebhookGivesUpAfterThreeAttempts(t *testing.T) {
	h := newHook(t, answer{status: 500, body: "rollup_error"})
	n := NewTeams(h.url(), nil)
	recordWaits(n.p)
	err := n.Send(context.Background(), plain)
	var we *WebhookError
	if !errors.As(err, &we) || we.Status != 500 || !we.RetryableError() {
		t.Fatalf("Send: %v, want a retryable 500 WebhookError", err)
	}
	if len(h.reqs) != webhookAttempts {
		t.Errorf("%d requests, want %d", len(h.reqs), webhookAttempts)
	}
}

func TestWebhookRefusalIsPermanentWithItsReason(t *testing.T) {
	for _, status := range []int{400, 403, 404, 410} {
		h := newHook(t, answer{status: status, body: "invalid_payload\n"})
		n := NewSlack(h.url(), nil)
		waits := recordWaits(n.p)
		err := n.Send(context.Background(), plain)
		var we *WebhookError
		if !errors.As(err, &we) || we.Status != status || we.RetryableError() ||
			we.Reason != "invalid_payload" {
			t.Errorf("%d: Send: %#v, want a permanent WebhookError with the reason", status,
				err)
		}
		if len(h.reqs) != 1 || len(*waits) != 0 {
			t.Errorf("%d: %d requests, %d waits; want 1 and none", status, len(h.reqs),
				len(*waits))
		}
	}
}

func TestFanoutReportsFailuresWithoutStoppingOthers(t *testing.T) {
	bad := newHook(t, answer{status: 404, body: "no_service"})
	good := newHook(t, answer{status: 200, body: "ok"})
	ns := []Notifier{NewSlack(bad.url(), nil), NewTeams(good.url(), nil)}
	err := Fanout(context.Background(), ns, plain)
	var fe *FanoutError
	if !errors.As(err, &fe) {
		t.Fatalf("Fanout: %v, want a *FanoutError", err)
	}
	if len(fe.Failed) != 1 || fe.Failed[0].Notifier != "slack" ||
		!cmp.Equal(fe.Sent, []string{"teams"}) || fe.RetryableError() {
		t.Errorf("failed %v, sent %v; want slack failed for good, teams sent", fe.Failed,
			fe.Sent)
	}
	if len(good.reqs) != 1 {
		t.Errorf("teams got %d requests, want 1", len(good.reqs))
	}
	if err := Fanout(context.Background(), ns[1:], plain); err != nil {
		t.Errorf("Fanout to a working channel: %v", err)
	}
}

func TestNoLogLineOrErrorHoldsWebhookURLOrLink(t *testing.T) {
	h := newHook(t, answer{hang: true})
	n := NewSlack(h.url(), &http.Client{Timeout: 50 * time.Millisecond})
	recordWaits(n.p)
	unparsable := NewTeams(WebhookURL("https://hooks.example/\x00topsecret"), nil)
	err := Fanout(context.Background(), []Notifier{n, unparsable}, plain)
	if err == nil {
		t.Fatal("Fanout succeeded against a webhook that never answers")
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	log.Error("notify", "approval_id", plain.ApprovalID, "outcome", err, "error", err,
		"webhook", h.url())
	log.Info("sent", "notifier", n, "url", WebhookURL("https://hooks.example/topsecret"))
	out := logs.String() + err.Error()
	for _, secret := range []string{"topsecret", secretPath, "sig=abc", plain.ApproveURL,
		plain.RejectURL} {
		if strings.Contains(out, secret) {
			t.Errorf("a log line or the error holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "no answer") {
		t.Errorf("the log does not say the webhook did not answer:\n%s", out)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return v
}

func TestLinesLeaveOutEmptyFieldsAndCutLongOnes(t *testing.T) {
	m := Message{Action: "block_url", Target: "url:https://x.example/" + strings.Repeat("a", 900)}
	lines := Lines(m)
	if len(lines) != 2 || lines[0].Label != "What will happen" || lines[1].Label != "To" {
		t.Fatalf("Lines = %+v, want only the action and the target", lines)
	}
	if n := len([]rune(lines[1].Value)); n != maxFieldRunes ||
		!strings.HasSuffix(lines[1].Value, "…") {
		t.Errorf("target of %d characters, want %d ending in …", n, maxFieldRunes)
	}
}
