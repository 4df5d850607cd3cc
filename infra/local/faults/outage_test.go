package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/investigation"
)

// apiGatewayTimeout is API Gateway's integration timeout: a push that
// takes longer is answered 504 by API Gateway, whatever ingest says.
const apiGatewayTimeout = 29 * time.Second

// Shape of the load: requests, every batchEvery-th a batch of batchSize
// alerts, sent by senders at once. The table is cut (refusing and
// resetting connections) after cutAfter answers; after cutAnswers more it
// hangs instead (taking connections, answering nothing), and after
// hangAnswers more it is restored.
const (
	requests    = 36
	batchEvery  = 4
	batchSize   = 3
	senders     = 4
	cutAfter    = 10
	cutAnswers  = 10
	hangAnswers = senders
)

// genericAlert is an alert in Firebreak's own format naming one host of
// its own, so that each opens an investigation of its own.
func genericAlert(id string) map[string]any {
	return map[string]any{"schema": "firebreak.alert/v1", "source_alert_id": id,
		"title": "Fault test finding " + id, "time": time.Now().UTC().Format(time.RFC3339),
		"severity": "medium",
		"entities": []map[string]any{{"type": "host", "value": "fault-host-" + id}}}
}

// loadRequest is one push of the load and what became of it.
type loadRequest struct {
	ids    []string // the source alert ids it carries, in order
	body   []byte
	status int
	reply  ingest.Reply
	raw    string
	during bool // answered while the table was cut
}

// newLoad builds the requests of the load.
func newLoad() []*loadRequest {
	var load []*loadRequest
	for i := range requests {
		r := &loadRequest{}
		n := 1
		if i%batchEvery == 0 {
			n = batchSize
		}
		var alerts []map[string]any
		for j := range n {
			id := fmt.Sprintf("outage-%02d-%d", i, j)
			r.ids = append(r.ids, id)
			alerts = append(alerts, genericAlert(id))
		}
		if n == 1 {
			r.body, _ = json.Marshal(alerts[0])
		} else {
			r.body, _ = json.Marshal(alerts)
		}
		load = append(load, r)
	}
	return load
}

// TestFaultDynamoDBUnreachableMidLoad cuts the table (refusing and
// resetting connections, then taking them and answering nothing) while
// senders push alerts over signed HTTP, and restores it. During the outage ingest answers 503 with a reason, per
// alert for a batch, never 500 and never 2xx for an alert it did not
// store, and within API Gateway's 29 s; after it, every alert that was
// answered stored is there with its investigation, resending a 503'd
// request stores each alert once, and every investigation reaches its
// final status.
func TestFaultDynamoDBUnreachableMidLoad(t *testing.T) {
	proxy := newCutProxy(t, dynamodblocal.Endpoint(t))
	h := startHost(t, host.Options{Root: root(t), DynamoDBEndpoint: proxy.URL(), Log: quiet()})
	if err := h.Reset(context.Background()); err != nil {
		t.Fatalf("reset the host: %v", err)
	}

	// push the load, cutting the table part-way and restoring it
	load := newLoad()
	slowest := sendLoad(t, h, proxy, load)
	t.Logf("slowest answer during the load: %s", slowest)

	// during the outage: 503 with a reason, never 500, never a 2xx
	var outage, outside int
	for _, r := range load {
		checkOutageAnswer(t, r)
		if r.during && r.status == http.StatusServiceUnavailable {
			outage++
		}
		if !r.during && r.status == http.StatusAccepted {
			outside++
		}
	}
	t.Logf("%d requests: %d answered 202 outside the outage, %d answered 503 during it",
		len(load), outside, outage)
	if outage == 0 || outside == 0 {
		t.Fatalf("%d requests answered 503 during the outage and %d 202 outside it; "+
			"want some of each", outage, outside)
	}

	// after it: what was answered stored is there; a resend stores the rest once
	stored := storedIDs(load)
	final := resend(t, h, load)
	for id, ids := range stored {
		if final[id] != ids {
			t.Errorf("alert %s was answered stored as %+v, resent it is %+v", id, ids, final[id])
		}
	}
	checkInvestigations(t, h, final)
}

// alertIDs are the ids an alert was stored under.
type alertIDs struct{ alert, investigation string }

// sendLoad sends load from senders at once, breaking the proxy as the
// load's shape says, and returns the slowest answer's time.
func sendLoad(t *testing.T, h *host.Host, proxy *cutProxy, load []*loadRequest) time.Duration {
	client := &http.Client{Timeout: apiGatewayTimeout}
	var mu sync.Mutex
	answered, cut, slowest := 0, false, time.Duration(0)
	next := make(chan *loadRequest)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for r := range next {
				start := time.Now()
				status, reply, raw, err := push(context.Background(), client, h.URL, r.body)
				if err != nil {
					t.Errorf("POST /alerts %v: %v (API Gateway answers 504 past %s)", r.ids,
						err, apiGatewayTimeout)
				}
				mu.Lock()
				r.status, r.reply, r.raw, r.during = status, reply, raw, cut
				slowest = max(slowest, time.Since(start))
				answered++
				switch answered {
				case cutAfter:
					proxy.cut()
					cut = true
				case cutAfter + cutAnswers:
					proxy.hang(t)
				case cutAfter + cutAnswers + hangAnswers:
					proxy.restore(t)
					cut = false
				}
				mu.Unlock()
			}
		})
	}
	for _, r := range load {
		next <- r
	}
	close(next)
	wg.Wait()
	proxy.restore(t)
	return slowest
}

// checkOutageAnswer fails t unless r was answered 202, or 503 with a
// reason and, for each alert it reports, a status it may have.
func checkOutageAnswer(t *testing.T, r *loadRequest) {
	t.Helper()
	var body struct {
		Error   string          `json:"error"`
		Results []ingest.Result `json:"results"`
	}
	json.Unmarshal([]byte(r.raw), &body)
	switch r.status {
	case http.StatusAccepted:
		if len(r.reply.Results) != len(r.ids) {
			t.Errorf("%v: 202 with %d results, want %d", r.ids, len(r.reply.Results), len(r.ids))
		}
	case http.StatusServiceUnavailable:
		if body.Error == "" {
			t.Errorf("%v: 503 with no reason: %s", r.ids, r.raw)
		}
		for i, res := range body.Results {
			if res.Status == ingest.StatusError && res.Reason == "" {
				t.Errorf("%v: item %d is an error with no reason: %s", r.ids, i, r.raw)
			}
		}
		if len(body.Results) > 0 && len(body.Results) != len(r.ids) {
			t.Errorf("%v: 503 with %d results, want %d", r.ids, len(body.Results), len(r.ids))
		}
	default:
		t.Errorf("%v: answered %d %s, want 202 or 503", r.ids, r.status, r.raw)
	}
}

// storedIDs returns the alerts the load was told are stored (in a 202 or
// in a 503's results), with their ids.
func storedIDs(load []*loadRequest) map[string]alertIDs {
	stored := map[string]alertIDs{}
	for _, r := range load {
		results := r.reply.Results
		for i, res := range results {
			if res.Status == ingest.StatusAccepted || res.Status == ingest.StatusDuplicate {
				stored[r.ids[i]] = alertIDs{res.AlertID, res.InvestigationID}
			}
		}
	}
	return stored
}

// resend sends every request again, as a tool whose push failed or that
// is unsure does, and returns each alert's ids. Each must now be 202, an
// alert stored before a duplicate.
func resend(t *testing.T, h *host.Host, load []*loadRequest) map[string]alertIDs {
	t.Helper()
	final := map[string]alertIDs{}
	for _, r := range load {
		status, reply, raw, err := push(context.Background(), http.DefaultClient, h.URL, r.body)
		if err != nil || status != http.StatusAccepted || len(reply.Results) != len(r.ids) {
			t.Errorf("resend %v = %d %s (%v), want 202", r.ids, status, raw, err)
			continue
		}
		for i, res := range reply.Results {
			if res.Status != ingest.StatusAccepted && res.Status != ingest.StatusDuplicate {
				t.Errorf("resend %s: %s (%s), want accepted or duplicate", r.ids[i], res.Status,
					res.Reason)
			}
			final[r.ids[i]] = alertIDs{res.AlertID, res.InvestigationID}
		}
	}
	return final
}

// checkInvestigations waits for each alert's investigation to end and
// checks it holds the alert once and reached a final status.
func checkInvestigations(t *testing.T, h *host.Host, final map[string]alertIDs) {
	t.Helper()
	byInvestigation := map[string][]string{}
	for id, ids := range final {
		if ids.investigation == "" {
			t.Errorf("alert %s has no investigation", id)
			continue
		}
		byInvestigation[ids.investigation] = append(byInvestigation[ids.investigation], id)
	}
	for invID, ids := range byInvestigation {
		if st := settle(t, h, invID); st.Status != sfntypes.ExecutionStatusSucceeded {
			t.Errorf("investigation %s of %v: execution %s, want SUCCEEDED", invID, ids, st)
			continue
		}
		v := readInvestigation(t, h, invID)
		if v.Status != investigation.StatusNoThreatsFound {
			t.Errorf("investigation %s of %v ended %s, want %s", invID, ids, v.Status,
				investigation.StatusNoThreatsFound)
		}
		var held []string
		for _, a := range v.Alerts {
			held = append(held, a.SourceAlertID)
		}
		for _, id := range ids {
			if n := count(held, id); n != 1 || !slices.Contains(held, id) {
				t.Errorf("investigation %s holds alert %s %d times, want once", invID, id, n)
			}
		}
	}
}

// count counts v in s.
func count(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}
