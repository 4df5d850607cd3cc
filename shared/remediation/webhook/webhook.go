// Package webhook is the remediation provider that hands actions to
// another system: it POSTs each action as JSON to a configured URL,
// signed with HMAC-SHA256, and its undo as a second event.
//
// Each request carries three headers:
//
//	X-Firebreak-Timestamp  Unix seconds when it was sent
//	X-Firebreak-Signature  "sha256=" + hex HMAC-SHA256 over timestamp + "." + body
//	Idempotency-Key        the action id (plus ":undo" for an undo)
//
// The receiver checks the signature and the timestamp's age, and answers
// a repeated Idempotency-Key as it answered the first: the webhook is
// safe to repeat only as far as the receiver honours the key.
//
// A 2xx answer is success; its body, if it is JSON {"summary", "detail"},
// becomes the Result. 429, 408, 5xx and timeouts are transient; any other
// answer is a *remediation.PermanentError.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
)

// ProviderName is the provider's name in routing and in its errors.
const ProviderName = "webhook"

// The headers a request carries.
const (
	HeaderTimestamp   = "X-Firebreak-Timestamp"
	HeaderSignature   = "X-Firebreak-Signature"
	HeaderIdempotency = "Idempotency-Key"
)

// Events a request announces.
const (
	EventDo   = "remediate"
	EventUndo = "undo"
)

// maxAnswerBytes bounds how much of an answer is read.
const maxAnswerBytes = 64 << 10

// defaultTimeout bounds one call when Options sets neither a client nor
// a timeout.
const defaultTimeout = 10 * time.Second

// Options configure a Provider.
type Options struct {
	// URL receives the POSTs.
	URL string
	// Key reads the HMAC signing key, as from the Secrets Manager secret
	// firebreak.yaml's remediation.webhook.secret names.
	Key func(context.Context) ([]byte, error)
	// HTTPClient makes every call; nil is a client with a timeout of
	// Timeout.
	HTTPClient *http.Client
	// Timeout bounds one call of the default client; zero means 10s.
	Timeout time.Duration
	// Clock stamps requests; nil is time.Now.
	Clock func() time.Time
}

// Provider is the webhook remediation provider. It is safe for concurrent
// use.
type Provider struct {
	opts Options
	http *http.Client
}

var _ remediation.Provider = (*Provider)(nil)

// New returns a Provider posting to o.URL.
func New(o Options) *Provider {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultTimeout
	}
	c := o.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: o.Timeout}
	}
	return &Provider{opts: o, http: c}
}

// Name returns "webhook".
func (p *Provider) Name() string { return ProviderName }

// Supports reports true for every action type Firebreak knows: what the
// receiver does with each is its own.
func (p *Provider) Supports(t investigation.ActionType) bool {
	_, ok := investigation.Actions[t]
	return ok
}

// Event is the JSON body of a request.
type Event struct {
	Event      string                   `json:"event"`
	ActionID   string                   `json:"action_id"`
	Type       investigation.ActionType `json:"type"`
	Reversible bool                     `json:"reversible"`
	Target     entity                   `json:"target"`
	Scope      *entity                  `json:"scope,omitempty"`
	Account    string                   `json:"account,omitempty"`
	Region     string                   `json:"region,omitempty"`
	ApprovedBy string                   `json:"approved_by"`
	// Done is the receiver's answer to the action, sent with its undo.
	Done *remediation.Result `json:"done,omitempty"`
}

type entity struct {
	Type       string            `json:"type"`
	Key        string            `json:"key"`
	Name       string            `json:"name,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Do posts the action as a "remediate" event.
func (p *Provider) Do(ctx context.Context, r remediation.Request) (remediation.Result, error) {
	return p.post(ctx, r, event(EventDo, r, nil), r.ActionID)
}

// Undo posts a "undo" event carrying the receiver's answer to the action.
func (p *Provider) Undo(ctx context.Context, r remediation.Request,
	done remediation.Result) (remediation.Result, error) {
	return p.post(ctx, r, event(EventUndo, r, &done), r.ActionID+":undo")
}

// event builds the body of a request.
func event(kind string, r remediation.Request, done *remediation.Result) Event {
	e := Event{Event: kind, ActionID: r.ActionID, Type: r.Type,
		Reversible: investigation.Actions[r.Type].Reversible,
		Target: entity{string(r.Target.Type), r.Target.Key, r.Target.Name,
			r.Target.Attributes},
		Account: r.Account, Region: r.Region, ApprovedBy: r.ApprovedBy, Done: done}
	if e.ApprovedBy == "" {
		e.ApprovedBy = "automation"
	}
	if r.Scope.Key != "" {
		e.Scope = &entity{string(r.Scope.Type), r.Scope.Key, r.Scope.Name,
			r.Scope.Attributes}
	}
	return e
}

// post sends e signed and reads the answer.
func (p *Provider) post(ctx context.Context, r remediation.Request, e Event, idem string) (
	remediation.Result, error) {
	// sign and send
	body, err := json.Marshal(e)
	if err != nil {
		return remediation.Result{}, fmt.Errorf("encode webhook event: %w", err)
	}
	key, err := p.opts.Key(ctx)
	if err != nil {
		return remediation.Result{}, &remediation.PermanentError{Provider: ProviderName,
			Reason: "read the signing key: " + err.Error(), Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.opts.URL,
		bytes.NewReader(body))
	if err != nil {
		return remediation.Result{}, &remediation.PermanentError{Provider: ProviderName,
			Reason: "build request: " + err.Error(), Err: err}
	}
	ts := strconv.FormatInt(p.opts.Clock().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(key, ts, body))
	req.Header.Set(HeaderIdempotency, idem)
	resp, err := p.http.Do(req)
	if err != nil {
		return remediation.Result{}, fmt.Errorf("webhook %s %s: %w", e.Event, r.ActionID,
			p.callError(err))
	}
	defer resp.Body.Close()

	// read the answer
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err := statusError(resp.StatusCode, answer); err != nil {
		return remediation.Result{}, err
	}
	return result(e, answer), nil
}

// Sign returns the signature header's value for a body sent at timestamp
// ts: "sha256=" + hex(HMAC-SHA256(key, ts + "." + body)).
func Sign(key []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// statusError classifies a non-2xx answer.
func statusError(status int, answer []byte) error {
	switch {
	case status/100 == 2:
		return nil
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout ||
		status >= 500:
		return fmt.Errorf("webhook: HTTP %d, worth retrying", status)
	}
	return &remediation.PermanentError{Provider: ProviderName,
		Reason: fmt.Sprintf("HTTP %d: %s", status, snippet(answer))}
}

// callError is a failed call's error without the receiver's URL, which
// the client's *url.Error quotes and which may carry a credential: the
// error becomes the action's result and goes into the timeline. A
// timeout says how long the call waited; either is retried.
func (p *Provider) callError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	if ue.Timeout() {
		return fmt.Errorf("no answer: timed out after %s: %w", p.http.Timeout, ue.Err)
	}
	return ue.Err
}

// result is the receiver's answer as a Result, or a sentence saying it
// accepted the event.
func result(e Event, answer []byte) remediation.Result {
	var res remediation.Result
	if json.Unmarshal(answer, &res) == nil && res.Summary != "" {
		return res
	}
	verb := "remediate"
	if e.Event == EventUndo {
		verb = "undo"
	}
	return remediation.Result{Summary: fmt.Sprintf("the webhook accepted %s %s %s:%s", verb,
		e.Type, e.Target.Type, e.Target.Key)}
}

// snippet returns the start of an answer, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "no reason given"
	}
	return s
}
