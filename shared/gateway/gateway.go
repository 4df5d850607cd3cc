// Package gateway adapts Firebreak's services to API Gateway REST proxy
// events: here the action center's API (an investigation, manual starts,
// scope decisions) and the helpers every adapter shares; gateway/alerts
// adapts the alert intakes. It is the
// only place that knows those shapes; the services it wraps do not.
package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/workflow"
)

// Handler is the shape of an API Gateway REST proxy Lambda handler.
type Handler func(context.Context, events.APIGatewayProxyRequest) (
	events.APIGatewayProxyResponse, error)

// API serves the action center's JSON API under /api. Its fields are set
// once at cold start; it is safe for concurrent use.
type API struct {
	Store *store.Store
	Tasks TaskAnswerer
	// Dev is the development identity of requests that carry no verified
	// claims: set by the local host only.
	Dev string
	Log *slog.Logger
	// Undo undoes actions (POST …/actions/{action}/undo); nil answers 404.
	Undo *workflow.Undoer
}

// Handler routes the API's requests by API Gateway's resource path.
func (a *API) Handler() Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		switch req.HTTPMethod + " " + req.Resource {
		case "GET /api/investigations/{id}":
			return a.investigation(ctx, req.PathParameters["id"]), nil
		case "POST /api/investigations/{id}/scope":
			return a.decideScope(ctx, req)
		case "POST /api/investigations/{id}/actions/{action}/undo":
			return a.undoAction(ctx, req)
		}
		return Reply(http.StatusNotFound, errorBody("no route "+req.HTTPMethod+" "+req.Path)), nil
	}
}

// investigation serves GET /api/investigations/{id}.
func (a *API) investigation(ctx context.Context, id string) events.APIGatewayProxyResponse {
	rec, err := a.Store.Record(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Reply(http.StatusNotFound, errorBody("no investigation "+Quote(id)))
	}
	if err != nil {
		return a.unavailable(ctx, "read investigation", id, err)
	}
	v := NewInvestigationView(rec)
	if pending, ok, err := a.Store.PendingScope(ctx, id); err != nil {
		return a.unavailable(ctx, "read scope request", id, err)
	} else if ok {
		v.PendingScope = &pending
	}
	return Reply(http.StatusOK, v)
}

// unavailable logs a storage or Step Functions failure and answers 503.
func (a *API) unavailable(ctx context.Context, what, id string,
	err error) events.APIGatewayProxyResponse {
	a.Log.ErrorContext(ctx, what, "investigation_id", id, "error", err)
	return Reply(http.StatusServiceUnavailable, errorBody("storage unavailable; retry later"))
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

// Quote returns a value a request sent, cut to a length fit to quote in a
// reason.
func Quote(v string) string {
	const most = 64
	if len(v) <= most {
		return v
	}
	return strings.ToValidUTF8(v[:most], "") + "…"
}

// ErrorBody is the body of an answer that refuses a request:
// {"error": reason}.
func ErrorBody(reason string) any { return errorBody(reason) }

// maxRequestBytes bounds the body of an action center request.
const maxRequestBytes = 16 * 1024

// DecodeJSON decodes a small JSON request body into v, refusing, with a
// reason and the status to answer, a content type other than
// application/json (415: a page in an analyst's browser cannot send one
// without a CORS preflight), a body over 16 KiB (413), and an empty body,
// malformed JSON, a field of the wrong type, an unknown field or trailing
// data (400).
func DecodeJSON(req events.APIGatewayProxyRequest, v any) (int, error) {
	mt, _, _ := mime.ParseMediaType(Header(req)("Content-Type"))
	if mt != "application/json" {
		return http.StatusUnsupportedMediaType, errors.New("send the body as application/json")
	}
	body, err := Body(req)
	switch {
	case err != nil:
		return http.StatusBadRequest, err
	case len(body) > maxRequestBytes:
		return http.StatusRequestEntityTooLarge, errors.New("the body is larger than 16 KiB")
	case len(bytes.TrimSpace(body)) == 0:
		return http.StatusBadRequest, errors.New("the body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return http.StatusBadRequest, jsonReason(err)
	}
	if dec.More() {
		return http.StatusBadRequest, errors.New("the body holds more than one JSON value")
	}
	return 0, nil
}

// maxFormBytes bounds the body of a form an action center page posts.
const maxFormBytes = 16 * 1024

// ParseForm reads a form-encoded POST body, refusing another content
// type (415), a body over 16 KiB (413) or one that does not parse (400),
// with a reason.
func ParseForm(req events.APIGatewayProxyRequest) (url.Values, int, error) {
	ct := Header(req)("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(mt) !=
		"application/x-www-form-urlencoded" {
		return nil, http.StatusUnsupportedMediaType,
			errors.New("send the form as application/x-www-form-urlencoded")
	}
	body, err := Body(req)
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	if len(body) > maxFormBytes {
		return nil, http.StatusRequestEntityTooLarge, errors.New("the form is larger than 16 KiB")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, http.StatusBadRequest, errors.New("the form does not parse")
	}
	return form, 0, nil
}

// maxReasonRunes bounds the reason an analyst gives for what they do.
const maxReasonRunes = 500

// CheckReason refuses an analyst's reason (for terminating an
// investigation, undoing an action) that is too long or holds control or
// invisible characters, which the timeline would keep.
func CheckReason(r string) error {
	if len([]rune(r)) > maxReasonRunes {
		return fmt.Errorf("the reason is longer than %d characters", maxReasonRunes)
	}
	for _, ch := range r {
		if unicode.IsControl(ch) || unicode.Is(unicode.Cf, ch) {
			return errors.New("the reason holds control or invisible characters")
		}
	}
	return nil
}

// jsonReason says in the API's terms why a body did not decode.
func jsonReason(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) && typ.Field == "" {
		return fmt.Errorf("the body must be a JSON object, not a JSON %s", typ.Value)
	}
	if errors.As(err, &typ) {
		return fmt.Errorf("field %q must be a %s, not a JSON %s", typ.Field, typ.Type.Kind(),
			typ.Value)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	return errors.New("the body is not the JSON object expected: " + msg)
}

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
