// Package ingest takes alerts pushed by security tools: it authenticates
// the sender, normalizes the payload, asks policy whether to investigate,
// stores the alert once and starts or joins an investigation.
//
// The package knows nothing of HTTP or API Gateway; shared/gateway adapts
// it. Input the sender got wrong comes back as a *Rejection naming the
// status to answer and a reason the sender can act on; nothing is stored
// for it.
package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/execution"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/policy"
	"github.com/firebreak/firebreak/shared/store"
)

// Limits on a pushed request.
const (
	MaxBodyBytes  = 256 * 1024 // larger bodies: 413
	MaxJSONDepth  = 64         // deeper nesting: 400
	MaxBatchItems = 100        // more alerts in one request: 413
)

// Starter starts Step Functions executions; *sfn.Client satisfies it.
type Starter = execution.Starter

// Service ingests alerts. Its fields are set once at cold start; it is
// safe for concurrent use.
type Service struct {
	Store           *store.Store
	Executions      Starter
	StateMachineARN string
	Sources         Sources
	// KeySources maps an API Gateway API key id to the source it stands for.
	KeySources map[string]string
	Policy     policy.Policy
	Window     time.Duration
	Now        func() time.Time
	Log        *slog.Logger
}

// Request is one push of alerts. Header reads a request header by name.
// APIKeyID names the API Gateway API key that authenticated the request,
// if one did.
type Request struct {
	Header      func(string) string
	APIKeyID    string
	ContentType string
	Body        []byte
	// Format forces a parser ("?format="); empty means detect.
	Format string
}

// Result statuses.
const (
	StatusAccepted  = "accepted"  // stored for the first time
	StatusDuplicate = "duplicate" // sent before; the ids are those it got then
	StatusUpdated   = "updated"   // a newer version of an alert sent before
	StatusRejected  = "rejected"  // this item is malformed; Reason says why
	StatusError     = "error"     // could not be stored now; send it again
)

// Result says what became of one alert of a request.
type Result struct {
	Status          string `json:"status"`
	AlertID         string `json:"alert_id,omitempty"`
	InvestigationID string `json:"investigation_id,omitempty"`
	Reason          string `json:"reason,omitempty"`
}

// Reply is the answer to a request that was taken.
type Reply struct {
	Results []Result `json:"results"`
}

// Rejection is a request refused as a whole. Status is the HTTP status to
// answer with; Reason tells the sender what to fix. A Rejection with a 5xx
// Status means Firebreak could not take the request now and the sender
// should retry.
type Rejection struct {
	Status int
	Reason string
	Err    error // the cause, for logs; may be nil
	// Results are the per-alert results of a batch that was partly stored.
	Results []Result
}

func (r *Rejection) Error() string { return r.Reason }

// Unwrap returns the cause.
func (r *Rejection) Unwrap() error { return r.Err }

// Ingest authenticates, parses and stores the alerts of req and starts the
// investigations they open. Every error it returns is a *Rejection; one
// with a 5xx status may carry the results of the items that were stored.
func (s *Service) Ingest(ctx context.Context, req Request) (Reply, error) {
	start := s.Now()
	reply, source, err := s.ingest(ctx, req)
	var claimed []any
	if claim := req.Header(HeaderSource); source == "" && claim != "" {
		// who a refused request said it was, unverified, for whoever traces a forgery
		claimed = append(claimed, slog.String("claimed_source", cut(claim)))
	}
	s.logSummary(ctx, source, reply, err, s.Now().Sub(start), claimed...)
	return reply, err
}

// IngestTrusted is Ingest for a caller that AWS already authenticated,
// such as an EventBridge rule invoking the function through IAM: the body
// is attributed to source without a signature, and only the size and
// nesting limits apply.
func (s *Service) IngestTrusted(ctx context.Context, source string, body []byte) (Reply, error) {
	start := s.Now()
	reply, err := s.trusted(ctx, source, body)
	s.logSummary(ctx, source, reply, err, s.Now().Sub(start))
	return reply, err
}

func (s *Service) trusted(ctx context.Context, source string, body []byte) (Reply, error) {
	if err := CheckBody(body); err != nil {
		return Reply{}, err
	}
	return s.take(ctx, source, body, "")
}

func (s *Service) ingest(ctx context.Context, req Request) (Reply, string, error) {
	// check the request before trusting anything in it
	if err := checkShape(req); err != nil {
		return Reply{}, "", err
	}
	source, err := s.authenticate(req)
	if err != nil {
		return Reply{}, "", err
	}
	reply, err := s.take(ctx, source, req.Body, req.Format)
	return reply, source, err
}

// authenticate names the request's source: by its signature, or by the
// API key API Gateway checked for it.
func (s *Service) authenticate(req Request) (string, error) {
	if req.Header(HeaderSignature) == "" && req.APIKeyID != "" {
		if source, ok := s.KeySources[req.APIKeyID]; ok {
			return source, nil
		}
		return "", &Rejection{Status: http.StatusForbidden,
			Reason: "the API key is not assigned to a source"}
	}
	source, err := s.Sources.Verify(req.Header, req.Body, s.Now())
	if err != nil {
		return "", authRejection(err)
	}
	return source, nil
}

// answerMargin is how long before its deadline (the Lambda function's,
// which ends within API Gateway's 29 s) a request stops storing alerts:
// enough to answer 503 with every alert's result rather than be ended
// with no answer while the table or Step Functions is out of reach.
const answerMargin = 2 * time.Second

// take parses the body and stores each alert in it. A bad item of a batch
// is reported as rejected and does not stop the others; a body holding
// one alert that is bad is refused as a whole. When storage fails for an
// item, the rest are still tried, until answerMargin before ctx's
// deadline, and the reply says 503 with every result.
func (s *Service) take(ctx context.Context, source string, body []byte, format string) (
	Reply, error) {
	// parse, refusing a body with nothing in it Firebreak can take
	items, err := parseBody(body, format)
	if err != nil {
		return Reply{}, err
	}

	// store each alert, noting what kept any from being stored
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-answerMargin))
		defer cancel()
	}
	reply, unavailable, tooLarge := s.storeAll(ctx, source, items)

	// a lone alert refused is a refused request; a batch reports each
	switch {
	case unavailable != nil:
		unavailable.Results = reply.Results
		return reply, unavailable
	case tooLarge != nil && len(reply.Results) == 1:
		return Reply{}, tooLarge
	}
	return reply, nil
}

// parseBody parses a body into its items. A body that is not a payload, a
// lone bad alert and a batch over MaxBatchItems are refused as a whole.
func parseBody(body []byte, format string) ([]alert.Item, error) {
	items, err := alert.ParseEach(body, format)
	if err != nil {
		return nil, &Rejection{Status: http.StatusBadRequest, Reason: err.Error()}
	}
	if len(items) == 1 && items[0].Err != nil {
		return nil, &Rejection{Status: http.StatusBadRequest, Reason: items[0].Err.Error()}
	}
	if n := countAlerts(items); n > MaxBatchItems {
		return nil, &Rejection{Status: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf(
			"the body holds %d alerts, the limit is %d a request: split it", n, MaxBatchItems)}
	}
	return items, nil
}

// storeAll stores every alert of items and reports each. It returns the
// last storage failure (unavailable) and the last alert too large to store
// (tooLarge), each as the rejection a lone alert would get.
func (s *Service) storeAll(ctx context.Context, source string, items []alert.Item) (
	reply Reply, unavailable, tooLarge *Rejection) {
	for _, it := range items {
		if it.Err != nil {
			reply.Results = append(reply.Results, Result{Status: StatusRejected,
				Reason: ItemReason(it)})
			continue
		}
		for _, a := range it.Alerts {
			res, err := s.ingestOne(ctx, source, a)
			var big *store.AlertTooLargeError
			var rej *Rejection
			switch {
			case errors.As(err, &big):
				res = Result{Status: StatusRejected, Reason: big.Error()}
				tooLarge = &Rejection{Status: http.StatusRequestEntityTooLarge, Reason: res.Reason}
			case errors.As(err, &rej):
				res, unavailable = Result{Status: StatusError, Reason: rej.Reason}, rej
			}
			reply.Results = append(reply.Results, res)
		}
	}
	return reply, unavailable, tooLarge
}

// countAlerts counts the items of a body, an item that failed as one.
func countAlerts(items []alert.Item) int {
	n := 0
	for _, it := range items {
		n += max(len(it.Alerts), 1)
	}
	return n
}

// ItemReason says why an item of a batch was refused, naming where it is.
func ItemReason(it alert.Item) string {
	where := it.Path
	if where == "" {
		where = fmt.Sprintf("[%d]", it.Index)
	}
	return fmt.Sprintf("item %d (%s): %v", it.Index, where, it.Err)
}

// checkShape enforces the media type and the limits.
func checkShape(req Request) error {
	if err := CheckBody(req.Body); err != nil {
		return err
	}
	mt, params, err := mime.ParseMediaType(req.ContentType)
	if err != nil || mt != "application/json" {
		return &Rejection{Status: http.StatusUnsupportedMediaType,
			Reason: fmt.Sprintf("content type %q is not application/json", req.ContentType)}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &Rejection{Status: http.StatusUnsupportedMediaType,
			Reason: fmt.Sprintf("charset %q is not supported: send JSON as UTF-8 (RFC 8259)",
				cs)}
	}
	return nil
}

// CheckBody enforces the size and nesting limits and JSON's encoding,
// UTF-8 (a decoder would replace invalid bytes and so make two different
// alerts look alike), returning a *Rejection. Ingest applies it to every
// body before parsing; tools that normalize offline apply it too.
func CheckBody(body []byte) error {
	if len(body) > MaxBodyBytes {
		return &Rejection{Status: http.StatusRequestEntityTooLarge,
			Reason: fmt.Sprintf("body is %d bytes, the limit is %d", len(body), MaxBodyBytes)}
	}
	if isUTF16(body) {
		return &Rejection{Status: http.StatusBadRequest,
			Reason: "body is UTF-16; send JSON as UTF-8 (RFC 8259)"}
	}
	if !utf8.Valid(body) {
		return &Rejection{Status: http.StatusBadRequest, Reason: "body is not valid UTF-8"}
	}
	if bytes.HasPrefix(body, []byte("\uFEFF")) {
		return &Rejection{Status: http.StatusBadRequest,
			Reason: "body starts with a byte order mark; send JSON without one (RFC 8259)"}
	}
	if err := checkDepth(body); err != nil {
		return &Rejection{Status: http.StatusBadRequest, Reason: err.Error()}
	}
	return nil
}

// isUTF16 reports whether body is UTF-16 text: it starts with a UTF-16
// byte order mark, or, as RFC 4627 told JSON's encodings apart, one of
// its first two bytes is NUL while UTF-8 JSON starts with an ASCII
// character.
func isUTF16(body []byte) bool {
	if bytes.HasPrefix(body, []byte{0xFF, 0xFE}) || bytes.HasPrefix(body, []byte{0xFE, 0xFF}) {
		return true
	}
	return len(body) >= 2 && (body[0] == 0) != (body[1] == 0)
}

// checkDepth refuses JSON nested deeper than MaxJSONDepth, and an object
// that holds a key twice, before any parser decodes it: decoders disagree
// on which of two values a repeated key has (Go's takes the last, others
// the first), so a tool reading the raw alert could see another alert
// than the one Firebreak normalized.
//
// It scans the bytes once, without decoding values: it only needs to
// know where strings, keys and containers are. Syntax errors are the
// parser's to report, with context, so on malformed JSON it merely stops
// or finds nothing.
func checkDepth(body []byte) error {
	var open []map[string]bool // each open container's keys; nil for an array
	wantKey := false           // the next string is an object's key
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{', '[':
			if len(open) == MaxJSONDepth {
				return fmt.Errorf("JSON is nested deeper than %d levels", MaxJSONDepth)
			}
			var keys map[string]bool
			if body[i] == '{' {
				keys = map[string]bool{}
			}
			open, wantKey = append(open, keys), body[i] == '{'
		case '}', ']':
			if len(open) > 0 {
				open = open[:len(open)-1]
			}
			wantKey = false
		case ',':
			wantKey = len(open) > 0 && open[len(open)-1] != nil
		case '"':
			end := alert.StringEnd(body, i)
			if wantKey {
				if err := addKey(open[len(open)-1], body[i:end]); err != nil {
					return err
				}
			}
			i, wantKey = end-1, false
		}
	}
	return nil
}

// addKey records an object's key, given quoted, refusing one it holds.
func addKey(keys map[string]bool, quoted []byte) error {
	k := string(quoted[1 : len(quoted)-1])
	if bytes.IndexByte(quoted, '\\') >= 0 && json.Unmarshal(quoted, &k) != nil {
		return nil // not a string: the parser says so
	}
	if keys[k] {
		return fmt.Errorf("JSON object holds the key %q twice", cut(k))
	}
	keys[k] = true
	return nil
}

// authRejection answers a failed authentication: 401 when the request
// carried no credentials, 403 when they did not hold.
func authRejection(err error) error {
	var ae *AuthError
	if errors.As(err, &ae) && ae.Missing {
		return &Rejection{Status: http.StatusUnauthorized, Reason: ae.Reason}
	}
	return &Rejection{Status: http.StatusForbidden, Reason: err.Error()}
}

// ingestOne stores one alert and starts its investigation if it needs one.
func (s *Service) ingestOne(ctx context.Context, source string, a alert.Alert) (Result, error) {
	// decide by policy and store
	a.ID, a.Source = store.NewID(), source
	d, err := s.Policy.Decide(a)
	if err != nil {
		s.Log.WarnContext(ctx, "policy", "source_alert_id", a.SourceAlertID, "error", err)
	}
	out, err := s.Store.Ingest(ctx, store.Intake{
		Alert:       a,
		Investigate: d.Investigate,
		Playbook:    d.Playbook,
		Automation:  d.Automation,
		Indicators:  investigation.Indicators(a),
		Window:      s.Window,
	})
	if err != nil {
		return Result{}, storeRejection(err)
	}

	// start the investigation's execution, once
	if out.NeedsStart {
		if err := s.start(ctx, out.InvestigationID); err != nil {
			return Result{}, err
		}
	}
	res := Result{Status: StatusAccepted, AlertID: out.AlertID,
		InvestigationID: out.InvestigationID}
	switch {
	case out.Updated:
		res.Status = StatusUpdated
		a.ID = out.AlertID
		if res.InvestigationID, err = s.reinvestigate(ctx, a, out.InvestigationID); err != nil {
			return Result{}, err
		}
	case out.Duplicate:
		res.Status = StatusDuplicate
	}
	return res, nil
}

// reinvestigate takes an updated alert whose investigation's execution has
// ended and that now names an entity no round looked at (a repeated
// finding that found more) to a new investigation, with the first one's
// playbook and automation level, and returns the investigation that has
// the alert now. The new one claims the indicators no running
// investigation claims.
func (s *Service) reinvestigate(ctx context.Context, a alert.Alert, invID string) (string,
	error) {
	if invID == "" {
		return "", nil
	}
	inv, err := s.Store.Investigation(ctx, invID)
	if err != nil {
		return "", storeRejection(err)
	}
	fresh, err := s.newEntities(ctx, inv, a)
	if err != nil || !fresh {
		return invID, err
	}
	next, err := s.Store.StartManual(ctx, store.ManualStart{Alerts: []alert.Alert{a},
		Playbook: inv.Playbook, Automation: inv.Automation,
		Indicators: investigation.Indicators(a), Window: s.Window, ShareClaimed: true,
		StartedBy: "ingest, for an update of alert " + a.ID})
	if err != nil {
		return "", storeRejection(err)
	}
	return next.ID, s.start(ctx, next.ID)
}

// newEntities reports whether inv's execution has ended and a names an
// entity inv does not hold.
func (s *Service) newEntities(ctx context.Context, inv investigation.Investigation,
	a alert.Alert) (bool, error) {
	if !inv.ExecutionEnded {
		return false, nil
	}
	ents, err := s.Store.Entities(ctx, inv.ID)
	if err != nil {
		return false, storeRejection(err)
	}
	held := map[string]bool{}
	for _, e := range ents {
		held[e.Ref()] = true
	}
	for _, e := range a.Entities {
		if !held[e.Ref()] {
			return true, nil
		}
	}
	return false, nil
}

// start starts investigation id's execution, named after it so a second
// start of the same investigation is refused by Step Functions rather than
// run twice, and records that it started.
func (s *Service) start(ctx context.Context, id string) error {
	err := execution.Start(ctx, s.Store, s.Executions, s.StateMachineARN, id)
	var serr *execution.StartError
	if errors.As(err, &serr) {
		return &Rejection{Status: http.StatusServiceUnavailable,
			Reason: "the alert is stored but its investigation could not start; " +
				"send it again to retry", Err: err}
	}
	if err != nil {
		return storeRejection(err)
	}
	return nil
}

// storeRejection answers a store failure: 503 when retrying may help, 500
// when it will not.
func storeRejection(err error) error {
	var big *store.AlertTooLargeError
	if errors.As(err, &big) {
		return err // the sender's to fix, not a storage failure
	}
	if store.Transient(err) || errors.Is(err, store.ErrContention) {
		return &Rejection{Status: http.StatusServiceUnavailable,
			Reason: "storage is unavailable; retry later", Err: err}
	}
	return &Rejection{Status: http.StatusInternalServerError,
		Reason: "internal error storing the alert", Err: err}
}

// logSummary writes the one log line of a request, with more attributes
// when given.
func (s *Service) logSummary(ctx context.Context, source string, reply Reply, err error,
	took time.Duration, more ...any) {
	counts := map[string]int{}
	for _, r := range reply.Results {
		counts[r.Status]++
	}
	attrs := append([]any{slog.String("source", source), slog.Duration("duration", took),
		slog.Int("accepted", counts["accepted"]), slog.Int("duplicate", counts["duplicate"])},
		more...)
	var rej *Rejection
	switch {
	case errors.As(err, &rej) && rej.Status >= 500:
		s.Log.ErrorContext(ctx, "ingest", append(attrs, slog.Int("status", rej.Status),
			slog.Any("error", rej.Err))...)
	case err != nil:
		s.Log.InfoContext(ctx, "ingest", append(attrs, slog.Int("status", rej.Status),
			slog.String("reason", rej.Reason))...)
	default:
		s.Log.InfoContext(ctx, "ingest", append(attrs, slog.Int("status", http.StatusAccepted))...)
	}
}
