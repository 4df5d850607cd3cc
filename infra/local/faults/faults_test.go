// Package faults holds the fault tests of the whole local stack: each
// starts its own local host (a process runs one at a time), breaks one
// real part of it the way production breaks, and checks what an analyst
// and a sending tool see after. The README's "Faults" section lists them.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/ingest"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

// root is the repository root, where the ASL file and events/ are.
func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// quiet is a logger for a host whose log no test reads.
func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// startHost starts a local host with opts and closes it when t ends.
func startHost(t *testing.T, opts host.Options) *host.Host {
	t.Helper()
	h, err := host.Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start the local host: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// freeAddr returns a loopback address no one listens on now, for a host
// that must come back on the same port.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// sample reads a payload of events/alerts.
func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), "events", "alerts", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// push posts body to h's /alerts signed as the demo source and returns
// the status and the decoded reply (empty when the body is not one).
func push(ctx context.Context, client *http.Client, baseURL string, body []byte) (int,
	ingest.Reply, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/alerts",
		bytes.NewReader(body))
	if err != nil {
		return 0, ingest.Reply{}, "", err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ingest.HeaderSource, host.DemoSource)
	req.Header.Set(ingest.HeaderTimestamp, ts)
	req.Header.Set(ingest.HeaderSignature, ingest.Sign(host.DemoSecret, ts, body))
	resp, err := client.Do(req)
	if err != nil {
		return 0, ingest.Reply{}, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, ingest.Reply{}, "", err
	}
	var reply ingest.Reply
	json.Unmarshal(raw, &reply)
	return resp.StatusCode, reply, string(raw), nil
}

// pushOne posts one alert and returns the investigation it went to.
func pushOne(t *testing.T, h *host.Host, body []byte) string {
	t.Helper()
	status, reply, raw, err := push(context.Background(), http.DefaultClient, h.URL, body)
	if err != nil || status != http.StatusAccepted || len(reply.Results) != 1 ||
		reply.Results[0].InvestigationID == "" {
		t.Fatalf("POST /alerts = %d %s (%v), want 202 opening an investigation",
			status, raw, err)
	}
	return reply.Results[0].InvestigationID
}

// settle waits at most two minutes for investigation id's execution on h
// to end or to wait only on people, asking again while the table is out
// of reach. The bound only keeps a broken run from hanging; no assertion
// depends on it.
func settle(t *testing.T, h *host.Host, id string) host.Settled {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		st, err := h.WaitForSettled(ctx, id)
		if err == nil {
			return st
		}
		if ctx.Err() != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readInvestigation reads investigation id through the read API.
func readInvestigation(t *testing.T, h *host.Host, id string) gateway.InvestigationView {
	t.Helper()
	resp, err := http.Get(h.URL + "/api/investigations/" + id)
	if err != nil {
		t.Fatalf("GET investigation %s: %v", id, err)
	}
	defer resp.Body.Close()
	var v gateway.InvestigationView
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET investigation %s: status %d", id, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("decode investigation %s: %v", id, err)
	}
	return v
}

// hiddenField finds the confirmation form's hidden fields.
var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z]+)" value="([^"]*)">`)

// outcome finds what an approval's answer page says.
var outcome = regexp.MustCompile(`id="outcome">([^<]*)<`)

// decideByLink opens an approval link as an analyst clicking it in an
// email does (GET, the confirmation page), confirms (POST), and returns
// the answer page's outcome.
func decideByLink(t *testing.T, link string) string {
	t.Helper()
	page := fetchPage(t, http.MethodGet, link, "")
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("csrf") == "" {
		t.Fatalf("the page of the link has no confirmation form:\n%s", page)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	u.RawQuery = ""
	answer := fetchPage(t, http.MethodPost, u.String(), form.Encode())
	m := outcome.FindStringSubmatch(answer)
	if m == nil {
		t.Fatalf("the answer page says no outcome:\n%s", answer)
	}
	return html.UnescapeString(m[1])
}

// fetchPage sends a page request as a browser does and fails t unless it
// answers 200.
func fetchPage(t *testing.T, method, link, form string) string {
	t.Helper()
	req, err := http.NewRequest(method, link, strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s the approval link: %v", method, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s the approval link = %d, want 200:\n%s", method, resp.StatusCode, b)
	}
	return string(b)
}

// timelineHas reports whether a timeline event of v says all of words.
func timelineHas(v gateway.InvestigationView, words ...string) bool {
	for _, e := range v.Timeline {
		s := fmt.Sprint(e)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(s, w)
		}
		if ok {
			return true
		}
	}
	return false
}

// readAll reads a request's body, at most 1 MiB.
func readAll(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 1<<20))
}
