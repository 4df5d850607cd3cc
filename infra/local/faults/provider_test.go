package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation/webhook"
)

// malwareURL is the download URL the malware sample's investigation
// blocks, the one action the fault tests route to a webhook.
const malwareURL = "url:http://dl.malicious.example/eicar.com"

// webhookKey signs the webhook provider's requests in these tests.
const webhookKey = "faults-webhook-key"

// receiver is an httptest webhook receiver: it counts the requests it
// got and answers each as answer says.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []webhook.Event
	keys     []string
	// answer serves request n (from 1); it may block until the caller
	// gives up.
	answer func(n int, w http.ResponseWriter, r *http.Request)
}

// newReceiver starts a receiver that checks each request's signature.
func newReceiver(t *testing.T, answer func(int, http.ResponseWriter, *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	var e webhook.Event
	body, err := readAll(r)
	sig := webhook.Sign([]byte(webhookKey), r.Header.Get(webhook.HeaderTimestamp), body)
	if err != nil || json.Unmarshal(body, &e) != nil || r.URL.Path != "/hooks/firebreak" ||
		r.Header.Get(webhook.HeaderSignature) != sig {
		http.Error(w, "not a signed Firebreak event", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.requests = append(rc.requests, e)
	rc.keys = append(rc.keys, r.Header.Get(webhook.HeaderIdempotency))
	n := len(rc.requests)
	rc.mu.Unlock()
	rc.answer(n, w, r)
}

// got returns the events received so far and their idempotency keys.
func (rc *receiver) got() ([]webhook.Event, []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhook.Event(nil), rc.requests...), append([]string(nil), rc.keys...)
}

// routeToWebhook is a remediation section that sends block_url to rc and
// everything else to the simulated tenant.
func routeToWebhook(rc *receiver) []byte {
	return fmt.Appendf(nil, `remediation:
  providers:
    - name: webhook
      actions: [block_url]
    - name: tenant
      actions: all
  webhook:
    url: %s/hooks/firebreak
    secret: faults/webhook
    timeout: 1s
`, rc.URL)
}

// webhookHost starts a host on the test binary's DynamoDB Local whose
// block_url actions go to rc, and resets it to a fresh environment.
func webhookHost(t *testing.T, rc *receiver, opts host.Options) *host.Host {
	t.Helper()
	opts.Root, opts.Remediation = root(t), routeToWebhook(rc)
	opts.Secrets = map[string]string{"faults/webhook": webhookKey}
	if opts.DynamoDBEndpoint == "" {
		opts.DynamoDBEndpoint = dynamodblocal.Endpoint(t)
	}
	if opts.Log == nil {
		opts.Log = quiet()
	}
	h := startHost(t, opts)
	if err := h.Reset(context.Background()); err != nil {
		t.Fatalf("reset the host: %v", err)
	}
	return h
}

// remediateRetries is how many times the ASL file lets RemediateApproved,
// which runs the actions Decide approved, retry a RetryableError: the
// provider is called once more than that.
func remediateRetries(t *testing.T) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root(t), "infra", "statemachine",
		"investigation.asl.json"))
	if err != nil {
		t.Fatal(err)
	}
	var asl struct {
		States map[string]struct {
			Retry []struct {
				ErrorEquals []string
				MaxAttempts int
			}
		}
	}
	if err := json.Unmarshal(raw, &asl); err != nil {
		t.Fatal(err)
	}
	for _, r := range asl.States["RemediateApproved"].Retry {
		if len(r.ErrorEquals) == 1 && r.ErrorEquals[0] == "RetryableError" {
			return r.MaxAttempts
		}
	}
	t.Fatal("the ASL file's RemediateApproved state does not retry RetryableError")
	return 0
}

// TestFaultProviderFailsThenHangsFailsTheActionWithItsReason routes the
// malware investigation's block_url to a webhook receiver that answers
// 500 and then hangs past the provider's timeout on every retry. The
// state machine retries exactly as often as the ASL file allows, then the
// action fails with the provider's reason in its result and in the
// timeline, and the investigation, whose other actions succeeded, ends
// partially_remediated.
func TestFaultProviderFailsThenHangsFailsTheActionWithItsReason(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			http.Error(w, "upstream SOAR is down", http.StatusInternalServerError)
			return
		}
		<-r.Context().Done() // hang until the provider's client gives up
	})
	h := webhookHost(t, rc, host.Options{})

	// the investigation runs; only the mail's deletion waits for a person
	id := pushOne(t, h, sample(t, "guardduty/execution-ec2-maliciousfile-ebs-scan.json"))
	st := settle(t, h, id)
	if !st.Waiting() || len(st.Pending) != 1 {
		t.Fatalf("execution %s, want it waiting on the mail's deletion only", st)
	}
	rejectAll(t, h, st)
	if st := settle(t, h, id); st.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s, want SUCCEEDED", st)
	}

	// the provider was called once and then once per retry, with one key
	events, keys := rc.got()
	if want := 1 + remediateRetries(t); len(events) != want {
		t.Errorf("the receiver got %d requests, want %d", len(events), want)
	}
	for i, k := range keys {
		if k != keys[0] || events[i].Type != investigation.ActionBlockURL {
			t.Errorf("request %d: %s with key %q, want block_url with key %q", i+1,
				events[i].Type, k, keys[0])
		}
	}

	// the action failed, saying why; the investigation is partly remediated
	v := readInvestigation(t, h, id)
	if v.Status != investigation.StatusPartiallyRemediated {
		t.Errorf("investigation status = %s, want %s", v.Status,
			investigation.StatusPartiallyRemediated)
	}
	var blocked bool
	for _, a := range v.Actions {
		if a.Type != investigation.ActionBlockURL {
			continue
		}
		blocked = true
		if a.Status != investigation.ActionFailed || !strings.Contains(a.Result, "timed out") {
			t.Errorf("block_url is %s with result %q, want failed saying it timed out",
				a.Status, a.Result)
		}
		if strings.Contains(a.Result, rc.URL) {
			t.Errorf("block_url's result %q shows the webhook's URL", a.Result)
		}
	}
	if !blocked {
		t.Fatalf("the investigation proposed no block_url: %+v", v.Actions)
	}
	if !timelineHas(v, "block_url", malwareURL, "failed", "timed out") {
		t.Errorf("the timeline does not say block_url %s failed and why:\n%v", malwareURL,
			v.Timeline)
	}
	if timelineHas(v, rc.URL) {
		t.Errorf("the timeline shows the webhook's URL")
	}
}

// rejectAll rejects every approval st waits on, as the action center's
// bulk decision does.
func rejectAll(t *testing.T, h *host.Host, st host.Settled) {
	t.Helper()
	var ids []string
	for _, a := range st.Pending {
		ids = append(ids, a.ID)
	}
	b, _ := json.Marshal(map[string]any{"decision": "reject", "approval_ids": ids})
	resp, err := http.Post(h.URL+"/api/actions/decisions", "application/json",
		strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("reject: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reject = %d, want 200", resp.StatusCode)
	}
}
