package webhook

import (
	"context"
	"crypto/hmac"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
)

var key = []byte("webhook-key")

// receiver is a webhook receiver that checks signatures and honours the
// idempotency key: a repeated key is answered as the first time and
// acted on once.
type receiver struct {
	t       *testing.T
	mu      sync.Mutex
	got     []string // method path idempotency-key body, per request
	effects int      // events acted on
	seen    map[string]bool
	status  int // answer instead, when not 0
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get(HeaderTimestamp)
	if !hmac.Equal([]byte(r.Header.Get(HeaderSignature)), []byte(Sign(key, ts, body))) {
		rc.t.Errorf("bad signature %q", r.Header.Get(HeaderSignature))
	}
	if ts != "1767225600" {
		rc.t.Errorf("timestamp %q, want 1767225600", ts)
	}
	idem := r.Header.Get(HeaderIdempotency)
	rc.got = append(rc.got, r.Method+" "+r.URL.Path+" "+idem+" "+string(body))
	if rc.status != 0 {
		w.WriteHeader(rc.status)
		io.WriteString(w, "nope: unknown target")
		return
	}
	if !rc.seen[idem] {
		rc.seen[idem] = true
		rc.effects++
	}
	io.WriteString(w, `{"summary":"ticket SEC-1 handles `+idem+`","detail":{"ticket":"SEC-1"}}`)
}

func newProvider(t *testing.T) (*receiver, *Provider) {
	rc := &receiver{t: t, seen: map[string]bool{}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	p := New(Options{URL: srv.URL + "/hooks/firebreak",
		Key:        func(context.Context) ([]byte, error) { return key, nil },
		HTTPClient: &http.Client{Timeout: 100 * time.Millisecond},
		Clock:      func() time.Time { return time.Unix(1767225600, 0) }})
	return rc, p
}

var disable = remediation.Request{ActionID: "act-9", Type: investigation.ActionDisableUser,
	Target:     alert.Entity{Type: alert.EntityUser, Key: "kim@example.com"},
	ApprovedBy: "ana@example.com"}

// TestWebhookPostsSignedActionsOnceAndUndoes posts an action, posts it
// again as a retry after a crash would, and undoes it.
func TestWebhookPostsSignedActionsOnceAndUndoes(t *testing.T) {
	rc, p := newProvider(t)
	ctx := context.Background()
	done, err := p.Do(ctx, disable)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Do(ctx, disable); err != nil {
		t.Fatal(err)
	}
	undone, err := p.Undo(ctx, disable, done)
	if err != nil {
		t.Fatal(err)
	}
	do := `{"event":"remediate","action_id":"act-9","type":"disable_user",` +
		`"reversible":true,"target":{"type":"user","key":"kim@example.com"},` +
		`"approved_by":"ana@example.com"}`
	undo := `{"event":"undo","action_id":"act-9","type":"disable_user",` +
		`"reversible":true,"target":{"type":"user","key":"kim@example.com"},` +
		`"approved_by":"ana@example.com","done":{"summary":"ticket SEC-1 handles act-9",` +
		`"detail":{"ticket":"SEC-1"}}}`
	want := []string{"POST /hooks/firebreak act-9 " + do, "POST /hooks/firebreak act-9 " + do,
		"POST /hooks/firebreak act-9:undo " + undo}
	if diff := cmp.Diff(want, rc.got); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if rc.effects != 2 {
		t.Errorf("the receiver acted %d times, want 2 (the action once, its undo once)",
			rc.effects)
	}
	if done.Summary != "ticket SEC-1 handles act-9" || done.Detail["ticket"] != "SEC-1" {
		t.Errorf("Do answered %+v, want the receiver's summary and detail", done)
	}
	if undone.Summary != "ticket SEC-1 handles act-9:undo" {
		t.Errorf("Undo answered %+v", undone)
	}
}

// TestWebhookAnswersAreClassified checks which answers are retried.
func TestWebhookAnswersAreClassified(t *testing.T) {
	for _, tt := range []struct {
		status    int
		permanent bool
	}{{400, true}, {403, true}, {404, true}, {422, true}, {429, false}, {500, false},
		{503, false}} {
		rc, p := newProvider(t)
		rc.status = tt.status
		_, err := p.Do(context.Background(), disable)
		if err == nil || remediation.Permanent(err) != tt.permanent {
			t.Errorf("HTTP %d: got %v, want permanent=%v", tt.status, err, tt.permanent)
		}
		if tt.permanent && !strings.Contains(err.Error(), "nope: unknown target") {
			t.Errorf("HTTP %d: got %v, want the receiver's reason", tt.status, err)
		}
	}
}

// TestWebhookTimeoutIsTransient answers nothing until the client gives
// up.
func TestWebhookTimeoutIsTransient(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer close(release)
	p := New(Options{URL: srv.URL,
		Key:        func(context.Context) ([]byte, error) { return key, nil },
		HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
	_, err := p.Do(context.Background(), disable)
	if err == nil || remediation.Permanent(err) {
		t.Errorf("got %v, want a transient error", err)
	}
}
