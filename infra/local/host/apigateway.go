package host

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

// maxGatewayPayloadBytes is API Gateway's limit on a request payload.
const maxGatewayPayloadBytes = 10 << 20

// proxy plays API Gateway's REST proxy integration for one route: it turns
// the HTTP request into the proxy event, invokes the function's handler
// through aws-lambda-go's wrapper, and writes the proxy response back.
func (h *Host) proxy(route stack.Route, fn lambda.Handler) http.Handler {
	timeout := routeTimeout(route.Function)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// a keyed route lets only known API keys through, as API Gateway does
		keyID := ""
		if route.APIKeyRequired {
			source, ok := h.opts.APIKeys[r.Header.Get("X-Api-Key")]
			if !ok {
				writeGatewayMessage(w, http.StatusForbidden, "Forbidden")
				return
			}
			keyID = apiKeyID(source)
		}
		h.meter.APIRequest()

		// read the request as API Gateway would
		query, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			writeGatewayMessage(w, http.StatusBadRequest, "Malformed query string")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxGatewayPayloadBytes))
		if err != nil {
			writeGatewayMessage(w, http.StatusRequestEntityTooLarge, "Request Too Long")
			return
		}
		ev := proxyEvent(route, r, query, body)
		ev.RequestContext.Identity.APIKeyID = keyID
		event, _ := json.Marshal(ev)

		// invoke the function in process, by its deadline as Lambda does
		ctx, cancel := h.invokeContext(r.Context(), route.Function, timeout)
		defer cancel()
		payload, err := fn.Invoke(ctx, event)
		var resp events.APIGatewayProxyResponse
		if err == nil {
			err = json.Unmarshal(payload, &resp)
		}
		if err == nil && ctx.Err() != nil {
			// past its deadline Lambda would have ended the function
			err = fmt.Errorf("the function answered after its deadline: %w", ctx.Err())
		}
		if err != nil {
			h.log.ErrorContext(ctx, "invoke", "function", route.Function, "error", err)
			writeGatewayError(w)
			return
		}
		writeProxyResponse(w, resp)
	})
}

// proxyEvent builds the REST proxy event for r, with its parsed query, on
// route. A parameter given more than once has its last value, as in API
// Gateway's QueryStringParameters, and all of them in the multi-value map.
func proxyEvent(route stack.Route, r *http.Request, query url.Values,
	body []byte) events.APIGatewayProxyRequest {
	ev := events.APIGatewayProxyRequest{
		Resource:                        route.Path,
		Path:                            r.URL.Path,
		HTTPMethod:                      r.Method,
		Headers:                         map[string]string{},
		MultiValueHeaders:               map[string][]string(r.Header.Clone()),
		QueryStringParameters:           map[string]string{},
		MultiValueQueryStringParameters: map[string][]string(query),
		PathParameters:                  pathParameters(route.Path, r),
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID: store.NewID(), Stage: "local", HTTPMethod: r.Method,
			ResourcePath: route.Path, Path: r.URL.Path,
			Identity: events.APIGatewayRequestIdentity{SourceIP: sourceIP(r)},
		},
	}
	for k, vs := range r.Header {
		ev.Headers[k] = vs[0]
	}
	for k, vs := range query {
		ev.QueryStringParameters[k] = vs[len(vs)-1]
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return ev
}

// pathParameters fills each {name} of the route's template from r.
func pathParameters(template string, r *http.Request) map[string]string {
	params := map[string]string{}
	for _, seg := range strings.Split(template, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(name, "}")
			params[name] = r.PathValue(name)
		}
	}
	return params
}

func sourceIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return host
}

func writeProxyResponse(w http.ResponseWriter, resp events.APIGatewayProxyResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		body, _ = base64.StdEncoding.DecodeString(resp.Body)
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

// writeGatewayError answers as API Gateway does when the integration
// fails: 502, with no detail of the failure.
func writeGatewayError(w http.ResponseWriter) {
	writeGatewayMessage(w, http.StatusBadGateway, "Internal server error")
}

// missingRoute answers a method and path the API does not have, as API
// Gateway does.
func missingRoute(w http.ResponseWriter, _ *http.Request) {
	writeGatewayMessage(w, http.StatusForbidden, "Missing Authentication Token")
}

// writeGatewayMessage answers with API Gateway's own error shape.
func writeGatewayMessage(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": message})
}

// apiGatewayTimeout is API Gateway's integration timeout for a REST API:
// a function still running then has its request answered without it.
const apiGatewayTimeout = 29 * time.Second

// routeTimeout is the deadline an invocation of function name through
// API Gateway has: the function's timeout, at most API Gateway's.
func routeTimeout(name string) time.Duration {
	timeout := apiGatewayTimeout
	if f, ok := stack.Firebreak.Function(name); ok && f.TimeoutSec > 0 {
		timeout = min(timeout, time.Duration(f.TimeoutSec)*time.Second)
	}
	return timeout
}

// invokeContext is a context carrying the Lambda context of function
// name, ending after timeout.
func (h *Host) invokeContext(ctx context.Context, name string, timeout time.Duration) (
	context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID: store.NewID(), InvokedFunctionArn: h.functionARN(name)}), cancel
}
