package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/ingest"
)

// TestServeWithStateDirKeepsStateAcrossRestarts restarts the local host on
// the same --state-dir: the investigation, its execution and what
// remediation changed in the tenant are all still there.
func TestServeWithStateDirKeepsStateAcrossRestarts(t *testing.T) {
	root, _ := filepath.Abs("../..")
	opts := host.Options{Root: root, StateDir: t.TempDir(), Log: slog.New(slog.DiscardHandler)}
	const hash = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	const hostID = "i-0a1b2c3d4e5f60718"

	// first life: the malware finding is investigated and its file quarantined
	h, err := host.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	id := pushMalware(t, h)
	if st := settle(t, h, id); !st.Waiting() {
		h.Close()
		t.Fatalf("execution %s, want it waiting for an approval", st)
	}
	h.Close()

	// second life on the same state
	h, err = host.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer h.Close()
	st := settle(t, h, id)
	if !st.Waiting() {
		t.Fatalf("after the restart the execution is %s, want it waiting", st)
	}
	// it waits for a person to approve deleting the mail that carried the
	// file, and still does
	rec, err := h.Store.Record(context.Background(), id)
	if err != nil || rec.Status != "pending_approval" {
		t.Errorf("after the restart the investigation is %q (%v), want pending_approval",
			rec.Status, err)
	}
	left, err := h.Tenant.FilesOnHost(context.Background(), hostID, hash)
	if err != nil || len(left) != 0 {
		t.Errorf("after the restart the host holds the quarantined file again: %v, %v", left, err)
	}

	// the resumed execution takes the decision and ends
	var ids []string
	for _, a := range st.Pending {
		ids = append(ids, a.ID)
	}
	b, _ := json.Marshal(map[string]any{"decision": "reject", "approval_ids": ids})
	resp, err := http.Post(h.URL+"/api/actions/decisions", "application/json",
		bytes.NewReader(b))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("reject after the restart: %v, %v", resp, err)
	}
	resp.Body.Close()
	if st := settle(t, h, id); st.Status != sfntypes.ExecutionStatusSucceeded {
		t.Errorf("after the decision the execution is %s, want SUCCEEDED", st)
	}
}

// pushMalware posts the GuardDuty malware sample to h and returns the
// investigation it opened.
func pushMalware(t *testing.T, h *host.Host) string {
	t.Helper()
	body, err := os.ReadFile("../../events/alerts/guardduty/execution-ec2-maliciousfile-ebs-scan.json")
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, h.URL+"/alerts", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ingest.HeaderSource, host.DemoSource)
	req.Header.Set(ingest.HeaderTimestamp, ts)
	req.Header.Set(ingest.HeaderSignature, ingest.Sign(host.DemoSecret, ts, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /alerts: %v", err)
	}
	defer resp.Body.Close()
	var reply ingest.Reply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil || len(reply.Results) != 1 {
		t.Fatalf("POST /alerts answered %d, %v", resp.StatusCode, err)
	}
	return reply.Results[0].InvestigationID
}

// settle waits at most a minute for investigation id's execution on h to
// end or to wait only on people.
func settle(t *testing.T, h *host.Host, id string) host.Settled {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := h.WaitForSettled(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
