package faults

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/investigation"
)

// onLog is a slog handler that discards every record but calls hook with
// each one first, attributes included.
type onLog struct {
	hook  func(slog.Record)
	attrs []slog.Attr
}

func (h *onLog) Enabled(context.Context, slog.Level) bool { return true }

func (h *onLog) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	h.hook(r)
	return nil
}

func (h *onLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &onLog{hook: h.hook, attrs: append(append([]slog.Attr{}, h.attrs...), attrs...)}
}

func (h *onLog) WithGroup(string) slog.Handler { return h }

// attr returns the value of r's attribute key as a string.
func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// soar is a webhook receiver with an effect to count: it blocks each
// action once, by its Idempotency-Key, as the webhook contract asks, and
// answers a repeat that nothing changed.
type soar struct {
	mu      sync.Mutex
	effects map[string]int // blocks made, by idempotency key
}

func (s *soar) apply(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	key := r.Header.Get("Idempotency-Key")
	first := s.effects[key] == 0
	if first {
		s.effects[key]++
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if first {
		w.Write([]byte(`{"summary": "blocked in the SOAR"}`))
		return
	}
	w.Write([]byte(`{"summary": "already blocked in the SOAR; nothing changed"}`))
}

// TestFaultRemediateDiesAfterTheProviderCallRetriesWithoutASecondEffect
// plays the Remediate Lambda dying between the provider's answer and the
// record of it: the webhook receiver takes effect, and the table becomes
// unreachable before Remediate can finish the action's run, so the step
// fails. The state machine's retry calls the provider again with the same
// idempotency key, the receiver changes nothing more, and the action
// succeeds with a complete run record that counts both attempts.
func TestFaultRemediateDiesAfterTheProviderCallRetriesWithoutASecondEffect(t *testing.T) {
	proxy := newCutProxy(t, dynamodblocal.Endpoint(t))
	effects := &soar{effects: map[string]int{}}
	rc := newReceiver(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			// the provider acts; then the Lambda loses the table
			effects.apply(w, r)
			proxy.cut()
			return
		}
		effects.apply(w, r)
	})

	// the table comes back once Remediate failed to record block_url: the
	// step that runs every approved action lists it among those to retry
	var restored sync.Once
	log := slog.New(&onLog{hook: func(r slog.Record) {
		if r.Level == slog.LevelError && r.Message == "remediate" {
			events, _ := rc.got()
			if len(events) > 0 && strings.Contains(attr(r, "retrying"), events[0].ActionID) {
				restored.Do(func() { proxy.restore(t) })
			}
		}
	}})
	h := webhookHost(t, rc, host.Options{DynamoDBEndpoint: proxy.URL(), Log: log})

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

	// the fault happened, and the retry made no second effect
	if n := proxy.cutCount(); n != 1 {
		t.Fatalf("the table was cut %d times, want once", n)
	}
	events, keys := rc.got()
	if len(events) != 2 || keys[0] != keys[1] || keys[0] != events[0].ActionID {
		t.Errorf("the receiver got %d requests with keys %q, want 2 with the action id",
			len(events), keys)
	}
	if len(effects.effects) != 1 || effects.effects[keys[0]] != 1 {
		t.Errorf("the receiver made %v, want one block", effects.effects)
	}

	// the action succeeded; its run is complete and counts both attempts
	v := readInvestigation(t, h, id)
	if v.Status != investigation.StatusRemediated {
		t.Errorf("investigation status = %s, want %s", v.Status, investigation.StatusRemediated)
	}
	for _, a := range v.Actions {
		if a.Type == investigation.ActionBlockURL && (a.Status != investigation.ActionSucceeded ||
			!strings.Contains(a.Result, "nothing changed")) {
			t.Errorf("block_url is %s with result %q, want succeeded, nothing changed",
				a.Status, a.Result)
		}
	}
	run, err := h.Store.Run(context.Background(), id, events[0].ActionID)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Done || run.Outcome != investigation.ActionSucceeded || run.Attempts != 2 ||
		run.Provider != "webhook" || run.EndedAt.IsZero() {
		t.Errorf("run record = %+v, want done, succeeded through webhook in 2 attempts", run)
	}
	if !timelineHas(v, "block_url", "succeeded through webhook", "2 attempts") {
		t.Errorf("the timeline does not say block_url succeeded in 2 attempts:\n%v", v.Timeline)
	}
}
