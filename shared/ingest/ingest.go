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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/policy"
	"github.com/firebreak/firebreak/shared/store"
)

// Limits on a pushed request.
const (
	MaxBodyBytes = 256 * 1024 // larger bodies: 413
	MaxJSONDepth = 64         // deeper nesting: 400
)

// DefaultCorrelationWindow is how long an investigation's indicator claims
// last at most.
const DefaultCorrelationWindow = 24 * time.Hour

// Starter starts Step Functions executions; *sfn.Client satisfies it.
type Starter interface {
	StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (
		*sfn.StartExecutionOutput, error)
}

// Service ingests alerts. Its fields are set once at cold start; it is
// safe for concurrent use.
type Service struct {
	Store           *store.Store
	Executions      Starter
	StateMachineARN string
	Sources         Sources
	Policy          policy.Policy
	Window          time.Duration
	Now             func() time.Time
	Log             *slog.Logger
}

// Request is one push of alerts. Header reads a request header by name.
type Request struct {
	Header      func(string) string
	ContentType string
	Body        []byte
	// Format forces a parser ("?format="); empty means detect.
	Format string
}

// Result says what became of one alert of a request.
type Result struct {
	Status          string `json:"status"` // accepted, duplicate or rejected
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
}

func (r *Rejection) Error() string { return r.Reason }

// Unwrap returns the cause.
func (r *Rejection) Unwrap() error { return r.Err }

// Ingest authenticates, parses and stores the alerts of req and starts the
// investigations they open. Every error it returns is a *Rejection.
func (s *Service) Ingest(ctx context.Context, req Request) (Reply, error) {
	start := s.Now()
	reply, source, err := s.ingest(ctx, req)
	s.logSummary(ctx, source, reply, err, s.Now().Sub(start))
	return reply, err
}

func (s *Service) ingest(ctx context.Context, req Request) (Reply, string, error) {
	// check the request before trusting anything in it
	if err := checkShape(req); err != nil {
		return Reply{}, "", err
	}
	source, err := s.Sources.Verify(req.Header, req.Body, s.Now())
	if err != nil {
		return Reply{}, "", authRejection(err)
	}

	// normalize
	alerts, err := alert.Parse(req.Body, req.Format)
	if err != nil {
		return Reply{}, source, &Rejection{Status: http.StatusBadRequest, Reason: err.Error()}
	}

	// store each alert and start what it opened
	var reply Reply
	for _, a := range alerts {
		res, err := s.ingestOne(ctx, source, a)
		if err != nil {
			return Reply{}, source, err
		}
		reply.Results = append(reply.Results, res)
	}
	return reply, source, nil
}

// checkShape enforces the size, media type and nesting limits.
func checkShape(req Request) error {
	if len(req.Body) > MaxBodyBytes {
		return &Rejection{Status: http.StatusRequestEntityTooLarge,
			Reason: fmt.Sprintf("body is %d bytes, the limit is %d", len(req.Body), MaxBodyBytes)}
	}
	mt, _, err := mime.ParseMediaType(req.ContentType)
	if err != nil || mt != "application/json" {
		return &Rejection{Status: http.StatusUnsupportedMediaType,
			Reason: fmt.Sprintf("content type %q is not application/json", req.ContentType)}
	}
	if err := checkDepth(req.Body); err != nil {
		return &Rejection{Status: http.StatusBadRequest, Reason: err.Error()}
	}
	return nil
}

// checkDepth refuses JSON nested deeper than MaxJSONDepth before any
// parser decodes it.
func checkDepth(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // syntax errors are the parser's to report, with context
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			if depth > MaxJSONDepth {
				return fmt.Errorf("JSON is nested deeper than %d levels", MaxJSONDepth)
			}
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

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
	d := s.Policy.Decide(a)
	out, err := s.Store.Ingest(ctx, store.Intake{
		Alert:       a,
		Investigate: d.Investigate,
		Playbook:    d.Playbook,
		Automation:  d.Automation,
		Indicators:  Indicators(a),
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
	res := Result{Status: "accepted", AlertID: out.AlertID, InvestigationID: out.InvestigationID}
	if out.Duplicate {
		res.Status = "duplicate"
	}
	return res, nil
}

// start starts investigation id's execution, named after it so a second
// start of the same investigation is refused by Step Functions rather than
// run twice, and records that it started.
func (s *Service) start(ctx context.Context, id string) error {
	input, _ := json.Marshal(map[string]string{"investigation_id": id})
	_, err := s.Executions.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN),
		Name:            aws.String(id),
		Input:           aws.String(string(input)),
	})
	var exists *sfntypes.ExecutionAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return &Rejection{Status: http.StatusServiceUnavailable,
			Reason: "the alert is stored but its investigation could not start; " +
				"send it again to retry", Err: fmt.Errorf("start execution %s: %w", id, err)}
	}
	if err := s.Store.MarkExecutionStarted(ctx, id); err != nil {
		return storeRejection(err)
	}
	return nil
}

// storeRejection answers a store failure: 503 when retrying may help, 500
// when it will not.
func storeRejection(err error) error {
	if store.Transient(err) || errors.Is(err, store.ErrContention) {
		return &Rejection{Status: http.StatusServiceUnavailable,
			Reason: "storage is unavailable; retry later", Err: err}
	}
	return &Rejection{Status: http.StatusInternalServerError,
		Reason: "internal error storing the alert", Err: err}
}

// logSummary writes the one log line of a request.
func (s *Service) logSummary(ctx context.Context, source string, reply Reply, err error,
	took time.Duration) {
	counts := map[string]int{}
	for _, r := range reply.Results {
		counts[r.Status]++
	}
	attrs := []any{slog.String("source", source), slog.Duration("duration", took),
		slog.Int("accepted", counts["accepted"]), slog.Int("duplicate", counts["duplicate"])}
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
