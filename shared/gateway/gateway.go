// Package gateway adapts Firebreak's services to the events Lambda
// receives: API Gateway REST proxy events for the alert intake (POST
// /alerts) and the read API (GET /api/investigations/{id}), and EventBridge
// events for findings AWS services deliver. It is the only place that
// knows those shapes; the services it wraps do not.
package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/store"
)

// Handler is the shape of an API Gateway REST proxy Lambda handler.
type Handler func(context.Context, events.APIGatewayProxyRequest) (
	events.APIGatewayProxyResponse, error)

// Ingest serves POST /alerts with svc: 202 and a result per alert, or the
// status and reason of the *ingest.Rejection.
func Ingest(svc *ingest.Service) Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		body, err := requestBody(req)
		if err != nil {
			return reply(http.StatusBadRequest, errorBody(err.Error())), nil
		}
		header := headerReader(req)
		res, err := svc.Ingest(ctx, ingest.Request{
			Header:      header,
			APIKeyID:    req.RequestContext.Identity.APIKeyID,
			ContentType: header("Content-Type"),
			Body:        body,
			Format:      req.QueryStringParameters["format"],
		})
		var rej *ingest.Rejection
		if errors.As(err, &rej) {
			return reply(rej.Status, errorReply{Error: rej.Reason, Results: rej.Results}), nil
		}
		if err != nil {
			return reply(http.StatusInternalServerError, errorBody("internal error")), nil
		}
		return reply(http.StatusAccepted, res), nil
	}
}

// Investigations serves GET /api/investigations/{id} from st.
func Investigations(st *store.Store, log *slog.Logger) Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		id := req.PathParameters["id"]
		rec, err := st.Record(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return reply(http.StatusNotFound, errorBody("no investigation "+id)), nil
		case err != nil:
			log.ErrorContext(ctx, "read investigation", "investigation_id", id, "error", err)
			return reply(http.StatusServiceUnavailable, errorBody("storage unavailable")), nil
		}
		return reply(http.StatusOK, NewInvestigationView(rec)), nil
	}
}

// requestBody returns the raw body, decoding API Gateway's base64.
func requestBody(req events.APIGatewayProxyRequest) ([]byte, error) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, errors.New("body is marked base64 but does not decode")
	}
	return b, nil
}

// headerReader looks headers up without regard to case, as HTTP requires.
func headerReader(req events.APIGatewayProxyRequest) func(string) string {
	return func(name string) string {
		for k, v := range req.Headers {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		for k, vs := range req.MultiValueHeaders {
			if strings.EqualFold(k, name) && len(vs) > 0 {
				return vs[0]
			}
		}
		return ""
	}
}

type errorReply struct {
	Error   string          `json:"error"`
	Results []ingest.Result `json:"results,omitempty"`
}

func errorBody(reason string) errorReply { return errorReply{Error: reason} }

// reply answers with v as JSON. Reasons quote what the sender must send
// ("<timestamp>.<body>"), so HTML characters stay as they are: the
// answer is application/json with nosniff, never rendered as a page.
func reply(status int, v any) events.APIGatewayProxyResponse {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	body := []byte(`{"error":"internal error"}`)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
	} else {
		body = bytes.TrimRight(buf.Bytes(), "\n")
	}
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           "application/json",
			"X-Content-Type-Options": "nosniff",
			"Cache-Control":          "no-store",
		},
		Body: string(body),
	}
}
