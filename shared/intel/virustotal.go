package intel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// VirusTotal defaults and limits.
const (
	// VirusTotalURL is where VirusTotal's API answers.
	VirusTotalURL = "https://www.virustotal.com"
	// VirusTotalThreshold is how many engines must flag an indicator
	// malicious, by default, for a malicious verdict.
	VirusTotalThreshold = 5
	// virusTotalTimeout bounds one request of the default client.
	virusTotalTimeout = 10 * time.Second
	// sha512HexLen is the length of a SHA-512 in hex.
	sha512HexLen = 128
	// maxVirusTotalAnswerBytes bounds the answer read: a file report with
	// every engine's result is a few hundred kilobytes.
	maxVirusTotalAnswerBytes = 8 << 20
)

// defaultVirusTotalClient sends the requests of a VirusTotal without a
// client of its own.
var defaultVirusTotalClient = &http.Client{Timeout: virusTotalTimeout}

// VirusTotal is a Lookup of VirusTotal's API v3. It asks about files by
// hash, URLs, domains and IP addresses, and about nothing else.
//
// The verdict counts the engines of the last analysis: malicious if at
// least Threshold flag the indicator malicious; suspicious if fewer do, or
// some flag it suspicious; clean if none does. An indicator VirusTotal does
// not know, or has not analysed, gives no evidence.
//
// Refused keys give an error wrapping ErrKeyRefused; throttling (429),
// server errors and network failures a *TransientError. The key is never
// printed: not in errors, nor by fmt or log/slog.
//
// Set the fields before first use; a VirusTotal is then safe for
// concurrent use.
type VirusTotal struct {
	// APIKey is sent in the x-apikey header.
	APIKey APIKey
	// BaseURL is where the API answers; empty means VirusTotalURL.
	BaseURL string
	// Threshold is how many engines must flag an indicator malicious for a
	// malicious verdict; zero means VirusTotalThreshold.
	Threshold int
	// Client sends the requests; nil means a client with a 10-second
	// timeout.
	Client *http.Client
}

// Name names VirusTotal in evidence.
func (v *VirusTotal) Name() string { return "virustotal" }

// LogValue describes the client for log/slog, without its key.
func (v *VirusTotal) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", v.baseURL()),
		slog.Int("threshold", v.threshold()),
		slog.String("api_key", redacted),
	)
}

// Lookup returns what VirusTotal's last analysis of the entity says.
func (v *VirusTotal) Lookup(ctx context.Context, e alert.Entity) (
	[]investigation.Evidence, error) {
	// the report to ask for
	path := virusTotalPath(e)
	if path == "" {
		return nil, nil
	}

	// the engines' counts
	r, err := v.report(ctx, path)
	if err != nil || r == nil {
		return nil, err
	}
	return v.evidence(r), nil
}

// virusTotalPath returns the path of the entity's report, or "" for an
// entity VirusTotal is not asked about.
func virusTotalPath(e alert.Entity) string {
	if e.Key == "" {
		return ""
	}
	var kind, id string
	switch e.Type {
	case alert.EntityFile:
		if len(e.Key) == sha512HexLen {
			return "" // VirusTotal finds files by MD5, SHA-1 or SHA-256 only
		}
		kind, id = "files", e.Key
	case alert.EntityURL:
		kind, id = "urls", base64.RawURLEncoding.EncodeToString([]byte(e.Key))
	case alert.EntityDomain:
		kind, id = "domains", e.Key
	case alert.EntityIP:
		kind, id = "ip_addresses", e.Key
	default:
		return ""
	}
	return "/api/v3/" + kind + "/" + url.PathEscape(id)
}

// virusTotalReport is what Lookup reads of a report.
type virusTotalReport struct {
	Data struct {
		Attributes struct {
			LastAnalysisStats           map[string]int `json:"last_analysis_stats"`
			PopularThreatClassification struct {
				SuggestedThreatLabel string `json:"suggested_threat_label"`
			} `json:"popular_threat_classification"`
		} `json:"attributes"`
	} `json:"data"`
}

// report asks for the report at path. It returns no report and no error
// for an entity VirusTotal does not know.
func (v *VirusTotal) report(ctx context.Context, path string) (*virusTotalReport, error) {
	// ask
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.baseURL()+path, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("x-apikey", string(v.APIKey))
	req.Header.Set("Accept", "application/json")
	resp, err := v.client().Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, &TransientError{Err: err}
	}
	body := io.LimitReader(resp.Body, maxVirusTotalAnswerBytes)
	defer func() {
		_, _ = io.Copy(io.Discard, body) // so that the connection is reused
		resp.Body.Close()
	}()

	// read the answer
	if resp.StatusCode == http.StatusOK {
		var r virusTotalReport
		if err := json.NewDecoder(body).Decode(&r); err != nil {
			return nil, fmt.Errorf("decode report: %w", err)
		}
		return &r, nil
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	return nil, statusError(resp, body)
}

// statusError classifies an answer other than 200 or 404: refused key,
// transient failure, or any other error.
func statusError(resp *http.Response, body io.Reader) error {
	// VirusTotal names its errors: QuotaExceededError, WrongCredentialsError
	var answer struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.NewDecoder(body).Decode(&answer)
	what := resp.Status
	if answer.Error.Code != "" {
		what += " (" + answer.Error.Code + ")"
	}

	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return fmt.Errorf("%w: answered %s", ErrKeyRefused, what)
	case code == http.StatusTooManyRequests || code >= 500:
		return &TransientError{Err: fmt.Errorf("answered %s", what),
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	return fmt.Errorf("answered %s", what)
}

// retryAfter reads a Retry-After header given in seconds; 0 otherwise.
func retryAfter(h string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// evidence says what a report's engine counts argue for; nothing when no
// engine analysed the indicator.
func (v *VirusTotal) evidence(r *virusTotalReport) []investigation.Evidence {
	// the counts
	a := r.Data.Attributes
	stats := a.LastAnalysisStats
	engines := 0
	for _, n := range stats {
		engines += n
	}
	if engines == 0 {
		return nil
	}
	malicious, suspicious := stats["malicious"], stats["suspicious"]

	// the verdict they argue for
	verdict := investigation.VerdictClean
	switch {
	case malicious >= v.threshold():
		verdict = investigation.VerdictMalicious
	case malicious > 0 || suspicious > 0:
		verdict = investigation.VerdictSuspicious
	}

	// in words
	text := fmt.Sprintf("%d of %d VirusTotal engines flag it malicious", malicious, engines)
	if suspicious > 0 {
		text += fmt.Sprintf(", %d suspicious", suspicious)
	}
	if label := a.PopularThreatClassification.SuggestedThreatLabel; label != "" {
		text += fmt.Sprintf(" (threat label %q)", label)
	}
	return []investigation.Evidence{{Verdict: verdict, Source: v.Name(), Text: text}}
}

// baseURL returns where the API answers, without a trailing slash.
func (v *VirusTotal) baseURL() string {
	if v.BaseURL == "" {
		return VirusTotalURL
	}
	return strings.TrimRight(v.BaseURL, "/")
}

// threshold returns the malicious engine count of a malicious verdict.
func (v *VirusTotal) threshold() int {
	if v.Threshold <= 0 {
		return VirusTotalThreshold
	}
	return v.Threshold
}

// client returns the client that sends the requests.
func (v *VirusTotal) client() *http.Client {
	if v.Client != nil {
		return v.Client
	}
	return defaultVirusTotalClient
}
