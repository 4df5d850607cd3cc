package signin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/oauth2"

	"github.com/firebreak/firebreak/shared/center"
	"github.com/firebreak/firebreak/shared/gateway"
)

// flowLifetime is how long a sign-in may take between /auth/signin and
// /auth/callback.
const flowLifetime = 10 * time.Minute

// Options are what the sign-in function needs of the user pool.
type Options struct {
	// DomainURL is the hosted UI's address,
	// https://<prefix>.auth.<region>.amazoncognito.com.
	DomainURL string
	ClientID  string
	// CallbackURL is the address of /auth/callback that the app client
	// lists: Cognito sends the analyst back only there.
	CallbackURL string
	// Verifier checks the ID token the token endpoint returns.
	Verifier *Verifier
	Log      *slog.Logger
}

// Handler serves the sign-in function's routes. GET /auth/signin?return=P
// starts the authorization-code flow with PKCE: it keeps a random state,
// the PKCE verifier and P (a path of this site only) in a short-lived
// cookie and redirects to the hosted UI. GET /auth/callback checks that
// the state Cognito returns is the cookie's, exchanges the code and the
// verifier at the token endpoint, keeps the ID token in the session
// cookie (Secure, HttpOnly, SameSite=Lax, until the token expires) and
// redirects to P.
func Handler(o Options) gateway.Handler {
	oc := &oauth2.Config{ClientID: o.ClientID, RedirectURL: o.CallbackURL,
		Scopes: []string{"openid", "email"},
		Endpoint: oauth2.Endpoint{AuthURL: o.DomainURL + "/oauth2/authorize",
			TokenURL: o.DomainURL + "/oauth2/token", AuthStyle: oauth2.AuthStyleInParams}}
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		base := basePath(req.RequestContext.Path, req.Path)
		switch req.Resource {
		case SignInPath:
			return start(oc, req, base), nil
		case CallbackPath:
			return o.callback(ctx, oc, req, base), nil
		}
		return center.Failure(http.StatusNotFound, "There is no page "+
			gateway.Quote(req.Path)+"."), nil
	}
}

// flow is what the flow cookie keeps between the two routes.
type flow struct {
	State    string `json:"state"`
	Verifier string `json:"verifier"`
	Return   string `json:"return"`
}

// start redirects to the hosted UI, keeping the flow in its cookie.
func start(oc *oauth2.Config, req events.APIGatewayProxyRequest,
	base string) events.APIGatewayProxyResponse {
	f := flow{State: rand.Text(), Verifier: oauth2.GenerateVerifier(),
		Return: safeReturn(req.QueryStringParameters[returnParam], base)}
	raw, _ := json.Marshal(f)
	c := cookie(flowCookie, base64.RawURLEncoding.EncodeToString(raw), base+"/auth/",
		flowLifetime)
	return redirect(oc.AuthCodeURL(f.State, oauth2.S256ChallengeOption(f.Verifier)), c)
}

// callback ends the flow: the state checked, the code exchanged, the ID
// token verified and kept.
func (o Options) callback(ctx context.Context, oc *oauth2.Config,
	req events.APIGatewayProxyRequest, base string) events.APIGatewayProxyResponse {
	// the flow this browser started
	q := req.QueryStringParameters
	if e := q["error"]; e != "" {
		return center.Failure(http.StatusUnauthorized, "Sign-in did not succeed: "+
			gateway.Quote(e)+". Open the page again to sign in once more.")
	}
	f, ok := readFlow(req)
	if !ok || q["code"] == "" ||
		subtle.ConstantTimeCompare([]byte(q["state"]), []byte(f.State)) != 1 {
		return center.Failure(http.StatusBadRequest, "This sign-in was not started "+
			"here, or took too long. Open the page again to sign in once more.")
	}

	// the code, traded for tokens with the verifier only this flow knows
	tok, err := oc.Exchange(ctx, q["code"], oauth2.VerifierOption(f.Verifier))
	if err != nil {
		o.Log.ErrorContext(ctx, "exchange code", "error", err)
		return center.Failure(http.StatusBadGateway, "Cognito did not complete the "+
			"sign-in. Open the page again to sign in once more.")
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := o.Verifier.Verify(ctx, raw)
	if err != nil {
		o.Log.ErrorContext(ctx, "verify ID token", "reason", reason(err))
		return center.Failure(http.StatusBadGateway, "Cognito's answer holds no ID "+
			"token of this action center. Open the page again to sign in once more.")
	}

	// the session, until the token expires, and back to the page
	o.Log.InfoContext(ctx, "sign in", "outcome", "signed in", "analyst", id.Analyst())
	session := cookie(SessionCookie, raw, base+"/", id.Expiry.Sub(o.Verifier.Now()))
	done := cookie(flowCookie, "", base+"/auth/", -1)
	return redirect(safeReturn(f.Return, base), session, done)
}

// readFlow reads the flow cookie of req.
func readFlow(req events.APIGatewayProxyRequest) (flow, bool) {
	r := http.Request{Header: http.Header{}}
	for k, vs := range req.MultiValueHeaders {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if len(req.MultiValueHeaders) == 0 {
		for k, v := range req.Headers {
			r.Header.Set(k, v)
		}
	}
	c, err := r.Cookie(flowCookie)
	if err != nil {
		return flow{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	var f flow
	if err == nil {
		err = json.Unmarshal(raw, &f)
	}
	return f, err == nil && f.State != "" && f.Verifier != ""
}

// cookie is a Set-Cookie value: Secure, HttpOnly, SameSite=Lax (sent when
// an analyst follows a link from an email, never with another site's
// POST), under path, for maxAge; a negative maxAge deletes it.
func cookie(name, value, path string, maxAge time.Duration) string {
	c := http.Cookie{Name: name, Value: value, Path: path, Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge / time.Second)}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	return c.String()
}

// redirect answers 302 to location, setting cookies.
func redirect(location string, cookies ...string) events.APIGatewayProxyResponse {
	h := center.Headers("text/plain; charset=utf-8")
	h["Location"] = location
	resp := events.APIGatewayProxyResponse{StatusCode: http.StatusFound, Headers: h}
	if len(cookies) > 0 {
		resp.MultiValueHeaders = map[string][]string{"Set-Cookie": cookies}
	}
	return resp
}

// safeReturn returns p if it is a path of this site, else the action
// center's first page under base: never another site's address, so that
// a link cannot make the sign-in an open redirect.
func safeReturn(p, base string) string {
	home := base + "/"
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") ||
		strings.ContainsAny(p, "\\\x00\r\n\t") {
		return home
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return home
	}
	return p
}

// Local serves the sign-in routes on the local host, where every request
// is the development analyst's: /auth/signin returns at once to the page
// asked for, and /auth/callback says there is nothing to finish.
func Local() gateway.Handler {
	return func(_ context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		if req.Resource == SignInPath {
			return redirect(safeReturn(req.QueryStringParameters[returnParam], "")), nil
		}
		return center.Failure(http.StatusNotFound, "The local host signs nobody in: "+
			"every request is the development analyst's."), nil
	}
}
