// Package analysts builds, at cold start, the analysts' sign-in: the
// verifier of their ID tokens that the API's authorizer runs, and the
// sign-in function's options. Only those two functions link it.
package analysts

import (
	"net/http"
	"time"

	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/gateway/signin"
	"github.com/firebreak/firebreak/shared/stack"
)

// signInHTTPTimeout bounds each call to the user pool's keys and token
// endpoints.
const signInHTTPTimeout = 5 * time.Second

// Verifier builds the verifier of the analysts' ID tokens, for the
// user pool and app client the environment names.
func Verifier(getenv coldstart.Getenv) (*signin.Verifier, error) {
	env, err := coldstart.Require(getenv, stack.EnvSignInIssuer, stack.EnvSignInClientID)
	if err != nil {
		return nil, err
	}
	return &signin.Verifier{Issuer: env[stack.EnvSignInIssuer],
		ClientID: env[stack.EnvSignInClientID],
		HTTP:     &http.Client{Timeout: signInHTTPTimeout}, Now: time.Now}, nil
}

// SignIn builds the sign-in function's options: the hosted UI, the app
// client, its callback address and the verifier of what it returns.
func SignIn(getenv coldstart.Getenv) (signin.Options, error) {
	env, err := coldstart.Require(getenv, stack.EnvSignInDomainURL, stack.EnvSignInCallbackURL)
	if err != nil {
		return signin.Options{}, err
	}
	v, err := Verifier(getenv)
	if err != nil {
		return signin.Options{}, err
	}
	return signin.Options{DomainURL: env[stack.EnvSignInDomainURL], ClientID: v.ClientID,
		CallbackURL: env[stack.EnvSignInCallbackURL], Verifier: v, Log: coldstart.Logger()}, nil
}
