package intel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

const testKey = "vt-key-0123456789abcdef"

// vtAnswer is what the fake VirusTotal answers to one request.
type vtAnswer struct {
	status int
	header map[string]string
	body   string
}

// vtStats returns a report body with the engine counts.
func vtStats(stats, label string) string {
	return `{"data":{"id":"x","type":"file","attributes":{"last_analysis_stats":{` + stats +
		`},"popular_threat_classification":{"suggested_threat_label":"` + label + `"}}}}`
}

// fakeVirusTotal serves answer to every request, and records the request.
func fakeVirusTotal(t *testing.T, answer vtAnswer) (*VirusTotal, *http.Request) {
	t.Helper()
	var got http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = *r.Clone(context.Background())
		for k, v := range answer.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(answer.status)
		fmt.Fprint(w, answer.body)
	}))
	t.Cleanup(srv.Close)
	return &VirusTotal{APIKey: testKey, BaseURL: srv.URL + "/", Client: srv.Client()}, &got
}

func TestVirusTotalAsksForTheEntitysReport(t *testing.T) {
	tests := []struct {
		e    alert.Entity
		want string // the path asked for, "" for none
	}{
		{alert.Entity{Type: alert.EntityFile, Key: eicarSHA256}, "/api/v3/files/" + eicarSHA256},
		{alert.Entity{Type: alert.EntityURL,
			Key: "https://login-verify.malicious.example/owa/auth"},
			"/api/v3/urls/aHR0cHM6Ly9sb2dpbi12ZXJpZnkubWFsaWNpb3VzLmV4YW1wbGUvb3dhL2F1dGg"},
		{alert.Entity{Type: alert.EntityURL, Key: "http://x.example/?a=b>"},
			"/api/v3/urls/aHR0cDovL3guZXhhbXBsZS8_YT1iPg"},
		{alert.Entity{Type: alert.EntityDomain, Key: "beacon.malicious.example"},
			"/api/v3/domains/beacon.malicious.example"},
		{alert.Entity{Type: alert.EntityIP, Key: "198.51.100.77"},
			"/api/v3/ip_addresses/198.51.100.77"},
		{alert.Entity{Type: alert.EntityIP, Key: "2001:db8::1"},
			"/api/v3/ip_addresses/2001:db8::1"},
		{alert.Entity{Type: alert.EntityFile, Key: strings.Repeat("ab", 64)}, ""},
		{alert.Entity{Type: alert.EntityUser, Key: "alex@example.com"}, ""},
		{alert.Entity{Type: alert.EntityDomain}, ""},
	}
	for _, tt := range tests {
		vt, req := fakeVirusTotal(t, vtAnswer{status: 404})
		if _, err := vt.Lookup(context.Background(), tt.e); err != nil {
			t.Errorf("%s: got error %v", tt.e.Ref(), err)
			continue
		}
		if tt.want == "" {
			if req.Method != "" {
				t.Errorf("%s: got request %s %s, want none", tt.e.Ref(), req.Method, req.URL)
			}
			continue
		}
		if req.Method != http.MethodGet || req.URL.EscapedPath() != tt.want {
			t.Errorf("%s: got request %s %s, want GET %s", tt.e.Ref(), req.Method,
				req.URL.EscapedPath(), tt.want)
		}
		if got := req.Header.Get("x-apikey"); got != testKey {
			t.Errorf("%s: got x-apikey %q, want %q", tt.e.Ref(), got, testKey)
		}
	}
}

func TestVirusTotalJudgesByEngineCounts(t *testing.T) {
	file := alert.Entity{Type: alert.EntityFile, Key: eicarSHA256}
	tests := []struct {
		name      string
		threshold int
		body      string
		want      []investigation.Evidence
	}{
		{"malicious", 0,
			vtStats(`"malicious":61,"suspicious":1,"undetected":10,"harmless":0`,
				"virus.eicar/test"),
			[]investigation.Evidence{{Verdict: "malicious", Source: "virustotal",
				Text: `61 of 72 VirusTotal engines flag it malicious, 1 suspicious ` +
					`(threat label "virus.eicar/test")`}}},
		{"under the default threshold", 0, vtStats(`"malicious":4,"undetected":60`, ""),
			[]investigation.Evidence{{Verdict: "suspicious", Source: "virustotal",
				Text: "4 of 64 VirusTotal engines flag it malicious"}}},
		{"at a threshold of its own", 4, vtStats(`"malicious":4,"undetected":60`, ""),
			[]investigation.Evidence{{Verdict: "malicious", Source: "virustotal",
				Text: "4 of 64 VirusTotal engines flag it malicious"}}},
		{"only suspicious", 0, vtStats(`"suspicious":2,"harmless":60`, ""),
			[]investigation.Evidence{{Verdict: "suspicious", Source: "virustotal",
				Text: "0 of 62 VirusTotal engines flag it malicious, 2 suspicious"}}},
		{"clean", 0, vtStats(`"harmless":70,"undetected":2,"timeout":1`, ""),
			[]investigation.Evidence{{Verdict: "clean", Source: "virustotal",
				Text: "0 of 73 VirusTotal engines flag it malicious"}}},
		{"never analysed", 0, `{"data":{"attributes":{}}}`, nil},
	}
	for _, tt := range tests {
		vt, _ := fakeVirusTotal(t, vtAnswer{status: 200, body: tt.body})
		vt.Threshold = tt.threshold
		got, err := vt.Lookup(context.Background(), file)
		if err != nil {
			t.Errorf("%s: got error %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: evidence (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestVirusTotalClassifiesFailures(t *testing.T) {
	tests := []struct {
		name       string
		answer     vtAnswer
		want       string
		transient  bool
		refused    bool
		retryAfter time.Duration
	}{
		{"throttled", vtAnswer{status: 429, header: map[string]string{"Retry-After": "30"},
			body: `{"error":{"code":"QuotaExceededError","message":"Quota exceeded"}}`},
			"answered 429 Too Many Requests (QuotaExceededError)", true, false, 30 * time.Second},
		{"server error", vtAnswer{status: 503, body: "busy"},
			"answered 503 Service Unavailable", true, false, 0},
		{"wrong key", vtAnswer{status: 401,
			body: `{"error":{"code":"WrongCredentialsError"}}`},
			"API key refused: answered 401 Unauthorized (WrongCredentialsError)",
			false, true, 0},
		{"forbidden", vtAnswer{status: 403, body: `{"error":{"code":"ForbiddenError"}}`},
			"API key refused: answered 403 Forbidden (ForbiddenError)", false, true, 0},
		{"bad request", vtAnswer{status: 400, body: `{"error":{"code":"InvalidArgumentError"}}`},
			"answered 400 Bad Request (InvalidArgumentError)", false, false, 0},
		{"garbled report", vtAnswer{status: 200, body: `{"data":`},
			"decode report: unexpected EOF", false, false, 0},
	}
	file := alert.Entity{Type: alert.EntityFile, Key: eicarSHA256}
	for _, tt := range tests {
		vt, _ := fakeVirusTotal(t, tt.answer)
		ev, err := vt.Lookup(context.Background(), file)
		if err == nil {
			t.Errorf("%s: got evidence %v and no error, want %q", tt.name, ev, tt.want)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("%s: got error %q, want %q", tt.name, err, tt.want)
		}
		checkClass(t, tt.name, err, tt.transient, tt.refused)
		var te *TransientError
		if errors.As(err, &te) && te.RetryAfter != tt.retryAfter {
			t.Errorf("%s: got RetryAfter %v, want %v", tt.name, te.RetryAfter, tt.retryAfter)
		}
	}
}

func TestVirusTotalOutOfReachIsTransient(t *testing.T) {
	ip := alert.Entity{Type: alert.EntityIP, Key: "192.0.2.1"}
	vt := &VirusTotal{APIKey: testKey, Client: &http.Client{Transport: failingTransport{}}}
	_, err := vt.Lookup(context.Background(), ip)
	checkClass(t, "out of reach", err, true, false)
}

func TestVirusTotalCanceledIsNotTransient(t *testing.T) {
	vt, _ := fakeVirusTotal(t, vtAnswer{status: 200})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := vt.Lookup(ctx, alert.Entity{Type: alert.EntityIP, Key: "192.0.2.1"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got error %v, want context.Canceled", err)
	}
	checkClass(t, "canceled", err, false, false)
}

// failingTransport fails every request as a broken network does.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

// checkClass checks that err is transient, as store.Transient sees it,
// and a refused key, as wanted, and that it does not hold the key.
func checkClass(t *testing.T, name string, err error, transient, refused bool) {
	t.Helper()
	var te *TransientError
	if got := errors.As(err, &te); got != transient {
		t.Errorf("%s: got errors.As TransientError %v, want %v", name, got, transient)
	}
	if got := store.Transient(err); got != transient {
		t.Errorf("%s: got store.Transient %v, want %v", name, got, transient)
	}
	if got := errors.Is(err, ErrKeyRefused); got != refused {
		t.Errorf("%s: got errors.Is ErrKeyRefused %v, want %v", name, got, refused)
	}
	if err != nil && strings.Contains(err.Error(), testKey) {
		t.Errorf("%s: error %q holds the API key", name, err)
	}
}

func TestVirusTotalNeverPrintsItsKey(t *testing.T) {
	vt := &VirusTotal{APIKey: testKey, BaseURL: "https://vt.example"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("configured", "virustotal", vt,
		"key", vt.APIKey)
	for _, s := range []string{
		fmt.Sprintf("%v %+v %#v %s", vt, vt, vt, vt.APIKey),
		fmt.Sprintf("%v %+v %#v", *vt, *vt, *vt),
		logged.String(),
	} {
		if strings.Contains(s, testKey) {
			t.Errorf("got %s, which holds the API key", s)
		}
	}
	want := `"virustotal":{"base_url":"https://vt.example","threshold":5,` +
		`"api_key":"[redacted]"},"key":"[redacted]"`
	if !strings.Contains(logged.String(), want) {
		t.Errorf("got log %s, want it to hold %s", logged.String(), want)
	}
}
