package signin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/gateway"
)

// The cookies of the sign-in: the session, which holds the analyst's ID
// token, and the flow, which holds a sign-in's state, PKCE verifier and
// page to return to between /auth/signin and /auth/callback.
const (
	SessionCookie = "firebreak_session"
	flowCookie    = "firebreak_signin"
)

// The sign-in function's routes, under the API's base path.
const (
	SignInPath   = "/auth/signin"
	CallbackPath = "/auth/callback"
	// returnParam names the page /auth/signin returns to once signed in.
	returnParam = "return"
)

// ContextSignIn is the authorizer context key that, when a page is denied,
// holds the sign-in address the gateway response redirects to.
const ContextSignIn = "signin"

// errUnauthorized is what a Lambda authorizer returns for API Gateway to
// answer 401: the error's message must be exactly "Unauthorized".
var errUnauthorized = errors.New("Unauthorized")

// AuthorizerHandler is the analysts' REST API authorizer, a Lambda
// REQUEST authorizer.
type AuthorizerHandler func(context.Context, events.APIGatewayCustomAuthorizerRequestTypeRequest) (
	events.APIGatewayCustomAuthorizerResponse, error)

// Authorizer returns the analysts' authorizer: a request carrying a valid
// ID token of the pool, in the Authorization header (bare or "Bearer") or
// the session cookie, is allowed, with the analyst and their groups in
// the context the functions read (gateway.Analyst, gateway.Groups). Any
// other is refused: a browser's GET of a page is denied with the sign-in
// address in the context, which the API's gateway response turns into a
// redirect; anything else (the JSON API, a form's POST) gets 401.
func Authorizer(v *Verifier, log *slog.Logger) AuthorizerHandler {
	return func(ctx context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (
		events.APIGatewayCustomAuthorizerResponse, error) {
		start := time.Now()
		id, err := v.Verify(ctx, token(req))
		outcome := "allowed"
		defer func() {
			log.InfoContext(ctx, "authorize", "outcome", outcome, "method", req.HTTPMethod,
				"resource", req.Resource, "reason", reason(err),
				"duration_ms", time.Since(start).Milliseconds())
		}()

		// a proven analyst goes on, as who they are
		if err == nil {
			return allow(req.MethodArn, id), nil
		}
		var refused *TokenError
		if !errors.As(err, &refused) {
			log.ErrorContext(ctx, "verify token", "error", err)
		}

		// anyone else signs in first, or is told to
		if req.HTTPMethod == http.MethodGet && !isAPI(req.Path) {
			outcome = "sign in"
			return deny(req.MethodArn, signInURL(req)), nil
		}
		outcome = "unauthorized"
		return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
	}
}

// token returns the ID token of req: its Authorization header's, else its
// session cookie's, else "".
func token(req events.APIGatewayCustomAuthorizerRequestTypeRequest) string {
	h := http.Header{}
	for k, v := range req.Headers {
		h.Set(k, v)
	}
	for k, vs := range req.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if auth := h.Get("Authorization"); auth != "" {
		if t, ok := strings.CutPrefix(auth, "Bearer "); ok {
			return t
		}
		return auth
	}
	r := http.Request{Header: h}
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// reason says why err refused a token, for the log line; "" when none.
func reason(err error) string {
	var refused *TokenError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &refused):
		return refused.Reason
	}
	return "keys unavailable"
}

// isAPI reports whether path, relative to the API's base path, is of the
// JSON API rather than a page.
func isAPI(path string) bool { return path == "/api" || strings.HasPrefix(path, "/api/") }

// allow is the policy that lets id invoke the method arn.
func allow(arn string, id Identity) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    id.Subject,
		PolicyDocument: policy("Allow", arn),
		Context: map[string]any{
			gateway.ContextAnalyst: id.Analyst(),
			gateway.ContextGroups:  strings.Join(id.Groups, ","),
		},
	}
}

// deny is the policy that refuses the method arn, with the sign-in
// address for the gateway response.
func deny(arn, signIn string) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID:    "anonymous",
		PolicyDocument: policy("Deny", arn),
		Context:        map[string]any{ContextSignIn: signIn},
	}
}

// policy is an IAM policy of one statement on execute-api:Invoke.
func policy(effect, arn string) events.APIGatewayCustomAuthorizerPolicy {
	return events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17",
		Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"},
			Effect: effect, Resource: []string{arn}}}}
}

// signInURL is the address, relative to the site, that signs the analyst
// in and returns to the page req asked for, query included.
func signInURL(req events.APIGatewayCustomAuthorizerRequestTypeRequest) string {
	page := req.RequestContext.Path
	if page == "" {
		page = req.Path
	}
	if q := url.Values(req.MultiValueQueryStringParameters).Encode(); q != "" {
		page += "?" + q
	}
	return basePath(req.RequestContext.Path, req.Path) + SignInPath + "?" +
		url.Values{returnParam: {page}}.Encode()
}

// basePath is what full, the path as the client asked for it (with the
// stage or a custom domain's base path), has before resource, the path
// within the API: "/v1" for "/v1/investigations/x" and
// "/investigations/x".
func basePath(full, resource string) string {
	if b, ok := strings.CutSuffix(full, resource); ok && resource != "" {
		return b
	}
	return ""
}
