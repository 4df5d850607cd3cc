package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/shared/ingest"
)

func TestBatchWithABadItemTakesTheOthers(t *testing.T) {
	svc, _ := newService(t)
	bad := strings.Replace(string(finding(t, "batch-bad", "i-2")), `"severity": 8,`,
		`"severity": "high",`, 1)
	body := "[" + string(finding(t, "batch-1", "i-1")) + "," + bad + "," +
		string(finding(t, "batch-3", "i-3")) + "]"

	reply, err := svc.Ingest(context.Background(), signedRequest([]byte(body)))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	var got []string
	for _, r := range reply.Results {
		got = append(got, r.Status)
	}
	if strings.Join(got, ",") != "accepted,rejected,accepted" {
		t.Fatalf("statuses = %v, want accepted,rejected,accepted", got)
	}
	if !strings.Contains(reply.Results[1].Reason, "severity") {
		t.Errorf("rejection reason %q does not name the field", reply.Results[1].Reason)
	}
}

func TestLoneBadAlertIsRefusedWhole(t *testing.T) {
	svc, db := newService(t)
	body := strings.Replace(string(finding(t, "lone", "i-1")), `"severity": 8,`,
		`"severity": "high",`, 1)
	_, err := svc.Ingest(context.Background(), signedRequest([]byte(body)))
	var rej *ingest.Rejection
	if !errors.As(err, &rej) || rej.Status != http.StatusBadRequest {
		t.Fatalf("Ingest = %v, want a 400 rejection", err)
	}
	if n := db.writes.Load(); n != 0 {
		t.Errorf("a refused request made %d writes, want none", n)
	}
}

func TestBodyThatIsNotUTF8IsRefused(t *testing.T) {
	svc, _ := newService(t)
	body := append(finding(t, "utf", "i-1"), 0xff)
	_, err := svc.Ingest(context.Background(), signedRequest(body))
	var rej *ingest.Rejection
	if !errors.As(err, &rej) || rej.Status != http.StatusBadRequest ||
		!strings.Contains(rej.Reason, "UTF-8") {
		t.Errorf("Ingest = %v, want a 400 naming UTF-8", err)
	}
}

func TestAPIKeyAuthenticatesItsSource(t *testing.T) {
	svc, _ := newService(t)
	svc.KeySources = map[string]string{"key-1": "bench"}
	body := finding(t, "keyed", "i-1")
	req := ingest.Request{Header: func(string) string { return "" }, APIKeyID: "key-1",
		ContentType: "application/json", Body: body}
	if reply, err := svc.Ingest(context.Background(), req); err != nil ||
		reply.Results[0].Status != ingest.StatusAccepted {
		t.Errorf("keyed push = %+v, %v; want accepted", reply, err)
	}
	req.APIKeyID = "key-2"
	_, err := svc.Ingest(context.Background(), req)
	var rej *ingest.Rejection
	if !errors.As(err, &rej) || rej.Status != http.StatusForbidden {
		t.Errorf("unassigned key: %v, want 403", err)
	}
}

func TestTrustedIngestNeedsNoSignature(t *testing.T) {
	svc, _ := newService(t)
	reply, err := svc.IngestTrusted(context.Background(), "aws-eventbridge",
		finding(t, "trusted", "i-1"))
	if err != nil || len(reply.Results) != 1 || reply.Results[0].Status != ingest.StatusAccepted {
		t.Errorf("IngestTrusted = %+v, %v; want one accepted", reply, err)
	}
}

func TestUpdatedFindingIsReportedUpdated(t *testing.T) {
	svc, _ := newService(t)
	first := finding(t, "repeat", "i-1")
	if _, err := svc.Ingest(context.Background(), signedRequest(first)); err != nil {
		t.Fatal(err)
	}
	again := strings.Replace(string(first), `"count": 1`, `"count": 2`, 1)
	again = strings.Replace(again, `"updatedAt": "2024-06-04T10:56:40.771Z"`,
		`"updatedAt": "2024-06-04T11:56:40.771Z"`, 1)
	reply, err := svc.Ingest(context.Background(), signedRequest([]byte(again)))
	if err != nil || reply.Results[0].Status != ingest.StatusUpdated {
		t.Errorf("re-sent with a higher count = %+v, %v; want updated", reply, err)
	}
}

func TestBatchOverTheLimitIsRefusedWhole(t *testing.T) {
	svc, db := newService(t)
	items := make([]string, ingest.MaxBatchItems+1)
	for i := range items {
		items[i] = fmt.Sprintf(`{"schema":"firebreak.alert/v1","source_alert_id":"b-%d",`+
			`"title":"t","time":"2025-03-14T08:21:07Z","severity":"low"}`, i)
	}
	body := []byte("[" + strings.Join(items, ",") + "]")
	_, err := svc.Ingest(context.Background(), signedRequest(body))
	var rej *ingest.Rejection
	if !errors.As(err, &rej) || rej.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a batch of %d = %v, want 413", len(items), err)
	}
	if n := db.writes.Load(); n != 0 {
		t.Errorf("a refused batch made %d writes, want none", n)
	}
}

func TestBodyWithAByteOrderMarkIsRefusedWithThatReason(t *testing.T) {
	svc, _ := newService(t)
	body := append([]byte("\uFEFF"), finding(t, "bom", "i-1")...)
	_, err := svc.Ingest(context.Background(), signedRequest(body))
	var rej *ingest.Rejection
	if !errors.As(err, &rej) || rej.Status != http.StatusBadRequest ||
		!strings.Contains(rej.Reason, "byte order mark") {
		t.Errorf("Ingest = %v, want a 400 naming the byte order mark", err)
	}
}

func TestARefusedSignatureIsLoggedWithTheSourceItClaimed(t *testing.T) {
	svc, _ := newService(t)
	var logged bytes.Buffer
	svc.Log = slog.New(slog.NewJSONHandler(&logged, nil))
	body := finding(t, "forged", "i-1")
	req := signedRequest(body)
	header := req.Header
	req.Header = func(k string) string {
		if k == ingest.HeaderSignature {
			return ingest.Sign("guess", header(ingest.HeaderTimestamp), body)
		}
		return header(k)
	}
	if _, err := svc.Ingest(context.Background(), req); err == nil {
		t.Fatal("Ingest took a forged signature")
	}
	var line struct {
		Source        string `json:"source"`
		ClaimedSource string `json:"claimed_source"`
		Status        int    `json:"status"`
	}
	if err := json.Unmarshal(logged.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", logged.String(), err)
	}
	if line.Source != "" || line.ClaimedSource != "bench" || line.Status != http.StatusForbidden {
		t.Errorf("logged %+v, want no source, claimed source bench, status 403", line)
	}
}
