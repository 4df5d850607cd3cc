package host

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/firebreak/firebreak/shared/notify"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

// localSNS is an SNS client built as a function builds it, from the
// environment the host set.
func localSNS(t *testing.T) *sns.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sns.NewFromConfig(cfg, func(o *sns.Options) { o.RetryMaxAttempts = 1 })
}

// get answers a GET of the host's path: status, content type and body.
func get(t *testing.T, path string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(testHost.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestPublishedApprovalShowsInTheOutbox(t *testing.T) {
	id := store.NewID()
	m := notify.Message{ApprovalID: id, InvestigationID: "01INV",
		Subject: "Delete <b>" + id + "</b>", Action: "delete_email",
		Target: "email_message:<script>alert(1)</script>", Reason: "phishing",
		Group: "email", ApproveURL: testHost.URL + "/approvals/" + id + "?sig=s&d=approve",
		RejectURL: "javascript:alert(1)", ExpiresAt: "2026-12-11T07:00:00Z"}
	topic := environmentValue(testHost, stack.EnvApprovalsTopicARN)
	n := &notify.SNS{Client: localSNS(t), TopicARN: topic}
	if err := n.Send(context.Background(), m); err != nil {
		t.Fatalf("publish to the local approvals topic: %v", err)
	}

	// the JSON has the message as published, its links apart
	status, _, body := get(t, "/api/outbox")
	var out struct{ Messages []store.OutboxMessage }
	if err := json.Unmarshal([]byte(body), &out); status != 200 || err != nil {
		t.Fatalf("GET /api/outbox = %d %v %s", status, err, body)
	}
	got := out.Messages[0]
	wantLinks := []store.OutboxLink{{Label: "Approve", URL: m.ApproveURL},
		{Label: "Reject", URL: m.RejectURL}}
	if got.Subject != m.Subject || got.Body != notify.Text(m) || got.TopicARN != topic ||
		!equalLinks(got.Links, wantLinks) {
		t.Errorf("newest outbox message %+v, want subject %q, Text, links %v", got,
			m.Subject, wantLinks)
	}

	// the page shows it, alert text as text and only http links clickable
	status, ctype, page := get(t, "/outbox")
	for _, want := range []string{"Delete &lt;b&gt;" + id, "&lt;script&gt;alert(1)",
		`<a href="` + testHost.URL + "/approvals/" + id + `?sig=s&amp;d=approve">Approve</a>`,
		`<a href="#ZgotmplZ">Reject</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the outbox page lacks %s", want)
		}
	}
	if status != 200 || !strings.HasPrefix(ctype, "text/html") ||
		strings.Contains(page, "<script>") || strings.Contains(page, "<b>") {
		t.Errorf("GET /outbox = %d %s, want a page with the alert text escaped", status, ctype)
	}
}

func TestLocalSNSRefusesWhatSNSRefuses(t *testing.T) {
	client := localSNS(t)
	tests := []struct {
		name  string
		in    sns.PublishInput
		error string
	}{
		{"another topic", sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:" +
			AccountID + ":other"), Message: aws.String("x")}, "NotFound"},
		{"subject on two lines", sns.PublishInput{TopicArn: aws.String(approvalsTopicARN),
			Subject: aws.String("a\nb"), Message: aws.String("x")}, "InvalidParameter"},
		{"subject of 100 characters", sns.PublishInput{
			TopicArn: aws.String(approvalsTopicARN), Subject: aws.String(strings.Repeat("s", 100)),
			Message: aws.String("x")}, "InvalidParameter"},
	}
	for _, tt := range tests {
		_, err := client.Publish(context.Background(), &tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.error) {
			t.Errorf("%s: Publish: %v, want %s", tt.name, err, tt.error)
		}
	}
}

func environmentValue(h *Host, name string) string { return h.environment()(name) }

func equalLinks(a, b []store.OutboxLink) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
