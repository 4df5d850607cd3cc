// Package signin signs analysts in to the deployed action center through
// the Cognito user pool's hosted UI, and checks who they are on every
// request: the analysts' REST API authorizer (Authorizer), and the
// sign-in function behind /auth/signin and /auth/callback (Handler),
// which runs the authorization-code flow with PKCE and keeps the ID token
// in a Secure, HttpOnly, SameSite cookie.
//
// The local host signs nobody in: every request there is the development
// analyst's (Local).
package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Limits of the verifier: how large a JWKS document it reads, and how
// soon after fetching the keys it fetches them again for a token signed by
// a key it does not know (the pool rotated its keys), so that tokens with
// made-up key ids cannot make it fetch on every request.
const (
	maxJWKSBytes    = 1 << 20
	jwksRefetchWait = time.Minute
)

// idTokenUse is the token_use claim of a Cognito ID token. Access tokens
// ("access") carry no email, so they are refused.
const idTokenUse = "id"

// Identity is who a verified token says the analyst is.
type Identity struct {
	Subject  string
	Email    string
	Username string
	Groups   []string
	Expiry   time.Time
}

// Analyst is the name the action center records the analyst by: the
// email, else the user name, else the subject.
func (id Identity) Analyst() string {
	for _, v := range []string{id.Email, id.Username} {
		if v != "" {
			return v
		}
	}
	return id.Subject
}

// TokenError is a token that does not prove who sent it: malformed,
// signed by a key of no one's, for someone else, or expired. Its Reason
// names which, and never quotes the token.
type TokenError struct {
	Reason string
}

func (e *TokenError) Error() string { return "token refused: " + e.Reason }

// Verifier checks Cognito ID tokens of one user pool and app client: the
// RS256 signature against the pool's published keys (JWKS), the issuer,
// the audience, the token use and the expiry. It is safe for concurrent
// use; it fetches the keys on first use and when a token names a key it
// does not know.
type Verifier struct {
	// Issuer is the user pool's issuer,
	// https://cognito-idp.<region>.amazonaws.com/<pool id>; its keys are
	// at Issuer + "/.well-known/jwks.json".
	Issuer   string
	ClientID string
	HTTP     *http.Client
	Now      func() time.Time

	mu      sync.Mutex
	keys    jose.JSONWebKeySet
	fetched time.Time
}

// Verify returns the identity raw, a compact JWT, proves, or a
// *TokenError saying why it proves none. Any other error is a failure to
// read the pool's keys.
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	// the signature, by a key of the pool's
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return Identity{}, &TokenError{Reason: "not a signed JWT"}
	}
	key, err := v.key(ctx, tok.Headers[0].KeyID)
	if err != nil {
		return Identity{}, err
	}
	var std jwt.Claims
	var cog cognitoClaims
	if err := tok.Claims(key.Key, &std, &cog); err != nil {
		return Identity{}, &TokenError{Reason: "bad signature"}
	}

	// whose it is, for whom, and until when
	if std.Expiry == nil {
		return Identity{}, &TokenError{Reason: "no expiry"}
	}
	err = std.ValidateWithLeeway(jwt.Expected{Issuer: v.Issuer,
		AnyAudience: jwt.Audience{v.ClientID}, Time: v.Now()}, 0)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return Identity{}, &TokenError{Reason: "expired"}
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return Identity{}, &TokenError{Reason: "wrong issuer"}
	case errors.Is(err, jwt.ErrInvalidAudience):
		return Identity{}, &TokenError{Reason: "wrong client"}
	case err != nil:
		return Identity{}, &TokenError{Reason: "not valid now"}
	}
	if cog.TokenUse != idTokenUse {
		return Identity{}, &TokenError{Reason: "not an ID token"}
	}
	return Identity{Subject: std.Subject, Email: cog.Email, Username: cog.Username,
		Groups: cog.Groups, Expiry: std.Expiry.Time()}, nil
}

// cognitoClaims are the claims of a Cognito ID token beyond the
// registered ones.
type cognitoClaims struct {
	TokenUse string   `json:"token_use"`
	Email    string   `json:"email"`
	Username string   `json:"cognito:username"`
	Groups   []string `json:"cognito:groups"`
}

// key returns the pool's key named kid, fetching the keys when it has none
// yet or, at most once a jwksRefetchWait, when it does not know kid.
func (v *Verifier) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.find(kid); ok {
		return k, nil
	}
	if !v.fetched.IsZero() && v.Now().Sub(v.fetched) < jwksRefetchWait {
		return jose.JSONWebKey{}, &TokenError{Reason: "unknown signing key"}
	}
	keys, err := v.fetch(ctx)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	v.keys, v.fetched = keys, v.Now()
	if k, ok := v.find(kid); ok {
		return k, nil
	}
	return jose.JSONWebKey{}, &TokenError{Reason: "unknown signing key"}
}

// find returns the public signing key named kid, if the keys hold one.
func (v *Verifier) find(kid string) (jose.JSONWebKey, bool) {
	i := slices.IndexFunc(v.keys.Keys, func(k jose.JSONWebKey) bool {
		return kid != "" && k.KeyID == kid && k.IsPublic() && k.Use != "enc"
	})
	if i < 0 {
		return jose.JSONWebKey{}, false
	}
	return v.keys.Keys[i], true
}

// fetch reads the pool's JWKS document.
func (v *Verifier) fetch(ctx context.Context) (jose.JSONWebKeySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		v.Issuer+"/.well-known/jwks.json", nil)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch the pool's keys: %w", err)
	}
	resp, err := v.HTTP.Do(req)
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch the pool's keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return jose.JSONWebKeySet{}, fmt.Errorf("fetch the pool's keys: %s", resp.Status)
	}
	var keys jose.JSONWebKeySet
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes))
	if err == nil {
		err = json.Unmarshal(body, &keys)
	}
	if err != nil {
		return jose.JSONWebKeySet{}, fmt.Errorf("read the pool's keys: %w", err)
	}
	return keys, nil
}
