package microsoft

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/firebreak/firebreak/shared/remediation"
)

// maxErrorBodyBytes bounds how much of an error answer is read for its
// message.
const maxErrorBodyBytes = 64 << 10

// ThrottledError is an answer retrying may cure: 429 Too Many Requests,
// a 5xx, or 408. RetryAfter is what the Retry-After header asked for, 0
// when it asked nothing. It is transient (not a PermanentError), so the
// Remediate step returns it as retryable and the state machine retries
// with backoff; the state machine's interval, not RetryAfter, sets when.
type ThrottledError struct {
	Status     int
	RetryAfter time.Duration
	Message    string
}

func (e *ThrottledError) Error() string {
	s := fmt.Sprintf("%s: HTTP %d", ProviderName, e.Status)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// apiError is the error body Graph and Defender send:
// {"error": {"code": "...", "message": "..."}}.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// call sends one request with a bearer token from ts and decodes a
// success answer's JSON into out (nil discards it). It returns the HTTP
// status with the error, so a caller can accept an answer it expects
// (a 404 of something already gone).
func (p *Provider) call(ctx context.Context, ts oauth2.TokenSource, method, url string,
	body, out any) (int, error) {
	// send, with a fresh token
	req, err := newRequest(ctx, method, url, body)
	if err != nil {
		return 0, err
	}
	tok, err := ts.Token()
	if err != nil {
		return 0, tokenError(err)
	}
	tok.SetAuthHeader(req)
	resp, err := p.http.Do(req)
	if err != nil {
		// a timeout or a connection refused: worth retrying
		return 0, fmt.Errorf("%s %s %s: %w", ProviderName, method, req.URL.Path, err)
	}
	defer resp.Body.Close()

	// classify the answer
	if resp.StatusCode/100 == 2 {
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return resp.StatusCode, nil
		}
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s %s: decode answer: %w",
				ProviderName, method, req.URL.Path, err)
		}
		return resp.StatusCode, nil
	}
	return resp.StatusCode, answerError(resp)
}

// newRequest builds a request with body as JSON.
func newRequest(ctx context.Context, method, url string, body any) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s body: %w", method, err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// answerError classifies an error answer: throttling, 408 and 5xx are a
// transient *ThrottledError; any other is a *remediation.PermanentError
// carrying the service's message. The error's code goes into an
// *answerCode the caller can look for.
func answerError(resp *http.Response) error {
	var ae apiError
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
	_ = json.Unmarshal(b, &ae)
	msg := ae.Error.Message
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 ||
		resp.StatusCode == http.StatusRequestTimeout {
		return &ThrottledError{Status: resp.StatusCode, Message: msg,
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"))}
	}
	return &remediation.PermanentError{Provider: ProviderName,
		Reason: fmt.Sprintf("HTTP %d %s: %s", resp.StatusCode, ae.Error.Code, msg),
		Err:    &answerCode{Status: resp.StatusCode, Code: ae.Error.Code}}
}

// answerCode is the status and error code of a refused request.
type answerCode struct {
	Status int
	Code   string
}

func (e *answerCode) Error() string { return fmt.Sprintf("HTTP %d %s", e.Status, e.Code) }

// refused reports whether err is a refusal with status (and, if code is
// not "", that error code).
func refused(err error, status int, code string) bool {
	var ac *answerCode
	return errors.As(err, &ac) && ac.Status == status && (code == "" || ac.Code == code)
}

// retryAfter reads a Retry-After header given in seconds; 0 otherwise.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// tokenError classifies a failure to get a token: a refusal of the
// credentials (400, 401) is permanent, anything else may pass.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil &&
		(re.Response.StatusCode == http.StatusBadRequest ||
			re.Response.StatusCode == http.StatusUnauthorized) {
		return &remediation.PermanentError{Provider: ProviderName,
			Reason: "the token endpoint refused the app's credentials: " + re.ErrorCode, Err: err}
	}
	return fmt.Errorf("%s: get token: %w", ProviderName, err)
}
