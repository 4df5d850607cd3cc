package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// WebhookURL is an incoming webhook's address. It is a secret, since
// whoever holds it can post to the channel: it formats and logs as
// "[redacted]".
type WebhookURL string

// String keeps the URL out of formatted errors and messages.
func (WebhookURL) String() string { return "[redacted]" }

// LogValue keeps the URL out of log lines.
func (WebhookURL) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Limits of posting to a webhook. A RequestApproval step has seconds, not
// minutes: a webhook that keeps failing is reported, not waited for.
const (
	webhookAttempts   = 3
	webhookTimeout    = 5 * time.Second
	webhookMaxBackoff = 2 * time.Second
	// maxRetryAfter bounds how long a 429's Retry-After may make us wait.
	maxRetryAfter = 5 * time.Second
	// maxReasonBytes bounds how much of a refusal's body the error quotes.
	maxReasonBytes = 200
)

// WebhookError is a webhook post that failed: the status the webhook
// answered (0 when it did not answer: a timeout, a refused connection)
// and its reason. It names neither the webhook's URL nor the message's
// links.
type WebhookError struct {
	Notifier string
	Status   int
	// Reason is the start of the answer's body, or what failed.
	Reason string
	// RetryAfter is what a 429 asked us to wait.
	RetryAfter time.Duration
	// Err is the transport's error, stripped of the URL.
	Err error
}

func (e *WebhookError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("post to %s webhook: no answer: %s", e.Notifier, e.Reason)
	}
	return fmt.Sprintf("post to %s webhook: %d %s: %s", e.Notifier, e.Status,
		http.StatusText(e.Status), e.Reason)
}

func (e *WebhookError) Unwrap() error { return e.Err }

// RetryableError reports whether posting again may succeed: after no
// answer, a 429 or a 5xx. Any other 4xx is permanent: the webhook refuses
// the message or no longer exists.
func (e *WebhookError) RetryableError() bool {
	return e.Status == 0 || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// poster posts JSON to one webhook, retrying transient failures with the
// SDK's standard retryer: exponential backoff with jitter, stretched to a
// 429's Retry-After.
type poster struct {
	name    string
	url     WebhookURL
	client  *http.Client
	retryer *retry.Standard
	// sleep waits d or until ctx is done; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

func newPoster(name string, u WebhookURL, client *http.Client) *poster {
	if client == nil {
		client = &http.Client{Timeout: webhookTimeout}
	}
	return &poster{name: name, url: u, client: client, sleep: sleep,
		retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = webhookAttempts
			o.MaxBackoff = webhookMaxBackoff
			o.Retryables = []retry.IsErrorRetryable{retry.RetryableError{}}
		})}
}

// post sends body, retrying until it is accepted, a failure is permanent,
// the attempts run out or ctx is done.
func (p *poster) post(ctx context.Context, body []byte) error {
	for attempt := 1; ; attempt++ {
		err := p.once(ctx, body)
		if err == nil || attempt >= p.retryer.MaxAttempts() || ctx.Err() != nil ||
			!p.retryer.IsErrorRetryable(err) {
			return err
		}
		delay, derr := p.retryer.RetryDelay(attempt, err)
		if derr != nil {
			return err
		}
		var we *WebhookError
		if errors.As(err, &we) && we.RetryAfter > delay {
			delay = min(we.RetryAfter, maxRetryAfter)
		}
		if serr := p.sleep(ctx, delay); serr != nil {
			return err
		}
	}
}

// once posts body one time.
func (p *poster) once(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, string(p.url),
		bytes.NewReader(body))
	if err != nil {
		// the parser's message quotes the URL
		return &WebhookError{Notifier: p.name, Reason: "the webhook URL does not parse"}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return transportError(p.name, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxReasonBytes))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	return &WebhookError{Notifier: p.name, Status: resp.StatusCode,
		Reason:     reason(answer),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now())}
}

// transportError keeps what failed and drops the URL, which *url.Error
// quotes.
func transportError(name string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &WebhookError{Notifier: name, Reason: err.Error(), Err: err}
}

// reason returns the start of a refusal's body as one line.
func reason(answer []byte) string {
	r := OneLine(strings.ToValidUTF8(string(answer), ""))
	if r == "" {
		return "no reason given"
	}
	return r
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
