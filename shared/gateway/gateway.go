// Package gateway adapts Firebreak's services to API Gateway REST proxy
// events: here the read API (GET /api/investigations/{id}) and the helpers
// every adapter shares; gateway/intake adapts the alert intakes. It is the
// only place that knows those shapes; the services it wraps do not.
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

	"github.com/firebreak/firebreak/shared/store"
)

// Handler is the shape of an API Gateway REST proxy Lambda handler.
type Handler func(context.Context, events.APIGatewayProxyRequest) (
	events.APIGatewayProxyResponse, error)

// Investigations serves GET /api/investigations/{id} from st.
func Investigations(st *store.Store, log *slog.Logger) Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		id := req.PathParameters["id"]
		rec, err := st.Record(ctx, id)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return Reply(http.StatusNotFound, errorBody("no investigation "+id)), nil
		case err != nil:
			log.ErrorContext(ctx, "read investigation", "investigation_id", id, "error", err)
			return Reply(http.StatusServiceUnavailable, errorBody("storage unavailable")), nil
		}
		return Reply(http.StatusOK, NewInvestigationView(rec)), nil
	}
}

// Body returns the raw body, decoding API Gateway's base64.
func Body(req events.APIGatewayProxyRequest) ([]byte, error) {
	if !req.IsBase64Encoded {
		return []byte(req.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(req.Body)
	if err != nil {
		return nil, errors.New("body is marked base64 but does not decode")
	}
	return b, nil
}

// Header looks headers up without regard to case, as HTTP requires.
func Header(req events.APIGatewayProxyRequest) func(string) string {
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
	Error string `json:"error"`
}

func errorBody(reason string) errorReply { return errorReply{Error: reason} }

// Reply answers with v as JSON. Reasons quote what the sender must send
// ("<timestamp>.<body>"), so HTML characters stay as they are: the
// answer is application/json with nosniff, never rendered as a page.
func Reply(status int, v any) events.APIGatewayProxyResponse {
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
