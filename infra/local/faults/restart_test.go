package faults

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// TestFaultHostRestartWhileApprovalWaits restarts the local host on the
// same state directory while an investigation waits for an approval, and
// then decides it by the link the analyst was sent before the restart,
// as the analyst would: the page opens, the decision is taken, and the
// investigation goes on to its final status.
func TestFaultHostRestartWhileApprovalWaits(t *testing.T) {
	ctx := context.Background()
	opts := host.Options{Addr: freeAddr(t), Root: root(t), StateDir: t.TempDir(), Log: quiet()}

	// first life: the malware finding waits for approval to delete the mail
	h, err := host.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	id := pushOne(t, h, sample(t, "guardduty/execution-ec2-maliciousfile-ebs-scan.json"))
	if st := settle(t, h, id); !st.Waiting() || len(st.Pending) != 1 {
		h.Close()
		t.Fatalf("execution %s, want it waiting on one approval", st)
	}
	links := awaitApproveLinks(t, h, id)
	if err := h.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	// the link-signing secret is kept for the next life, readable by its owner only
	info, err := os.Stat(filepath.Join(opts.StateDir, "link-signing-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("link-signing secret in the state dir: %v, %v; want a 0600 file", info, err)
	}

	// second life on the same state: the analyst clicks the link sent before
	h = startHost(t, opts)
	if len(links) != 1 {
		t.Fatalf("the outbox holds %d approve links for %s, want 1", len(links), id)
	}
	if got := decideByLink(t, links[0]); !strings.Contains(got, "approved") {
		t.Fatalf("approving by the link after the restart says %q, want approved", got)
	}

	// the resumed execution remediates and ends
	if st := settle(t, h, id); st.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("after the approval the execution is %s, want SUCCEEDED", st)
	}
	v := readInvestigation(t, h, id)
	if v.Status != investigation.StatusRemediated {
		t.Errorf("investigation status = %s, want %s", v.Status, investigation.StatusRemediated)
	}
	for _, a := range v.Actions {
		if a.Status != investigation.ActionSucceeded {
			t.Errorf("action %s %s is %s, want succeeded", a.Type, a.Target, a.Status)
		}
		if a.Type == investigation.ActionDeleteEmail && a.ApprovedBy != host.DevAnalyst {
			t.Errorf("delete_email approved by %q, want %q", a.ApprovedBy, host.DevAnalyst)
		}
	}
}

// awaitApproveLinks returns the approve links of investigation id once the
// outbox holds one: RequestApproval stores the approval, which settles the
// execution, before it notifies.
func awaitApproveLinks(t *testing.T, h *host.Host, id string) []string {
	t.Helper()
	for range 200 {
		if links := approveLinks(t, h, id); len(links) > 0 {
			return links
		}
		time.Sleep(25 * time.Millisecond)
	}
	return nil
}

// approveLinks returns the approve links of investigation id's messages
// in h's outbox: what the analyst received.
func approveLinks(t *testing.T, h *host.Host, id string) []string {
	t.Helper()
	resp, err := http.Get(h.URL + "/api/outbox")
	if err != nil {
		t.Fatalf("GET /api/outbox: %v", err)
	}
	defer resp.Body.Close()
	var out struct{ Messages []store.OutboxMessage }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("decode the outbox: %v", err)
	}
	var links []string
	for _, m := range out.Messages {
		if !strings.Contains(m.Body, id) {
			continue
		}
		for _, l := range m.Links {
			if strings.HasPrefix(strings.ToLower(l.Label), "approve") {
				links = append(links, l.URL)
			}
		}
	}
	return links
}
