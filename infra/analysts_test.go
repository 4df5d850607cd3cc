package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/stack"
)

func TestOnlyActionCenterRoutesRequireASignedInAnalyst(t *testing.T) {
	tmpl := shipped(t)
	authorizerID, authorizer := tmpl.only(t, "AWS::ApiGateway::Authorizer")
	fnID, _ := tmpl.function(t, "authorizer")
	if got, want := authorizer.Properties["Type"], "REQUEST"; got != want {
		t.Errorf("authorizer Type: got %v, want %v", got, want)
	}
	if !mentions(authorizer.Properties["AuthorizerUri"], fnID) {
		t.Errorf("authorizer AuthorizerUri: got %v, want the authorizer function %s",
			authorizer.Properties["AuthorizerUri"], fnID)
	}
	// no identity source and no cache: a request without a token reaches it
	if got := authorizer.Properties["AuthorizerResultTtlInSeconds"]; got != float64(0) {
		t.Errorf("authorizer AuthorizerResultTtlInSeconds: got %v, want 0", got)
	}
	if got, ok := authorizer.Properties["IdentitySource"]; ok && got != "" {
		t.Errorf("authorizer IdentitySource: got %v, want none", got)
	}
	for _, rt := range stack.Firebreak.Routes {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			m := tmpl.method(t, rt)
			want, wantAuthorizer := "NONE", ""
			if analystRoute(rt) {
				want, wantAuthorizer = "CUSTOM", authorizerID
			}
			if got := m.Properties["AuthorizationType"]; got != want {
				t.Errorf("AuthorizationType: got %v, want %v", got, want)
			}
			if got := refTo(m.Properties["AuthorizerId"]); got != wantAuthorizer {
				t.Errorf("AuthorizerId: got %q, want %q", got, wantAuthorizer)
			}
		})
	}
}

func TestEveryPageAndAPIRouteIsAnAnalysts(t *testing.T) {
	for _, rt := range stack.Firebreak.Routes {
		open := strings.HasPrefix(rt.Path, "/alerts") || strings.HasPrefix(rt.Path, "/auth/")
		if analystRoute(rt) == open {
			t.Errorf("route %s %s: got analystRoute %v, want %v", rt.Method, rt.Path,
				analystRoute(rt), !open)
		}
	}
}

func TestADeniedPageRedirectsToSignInAndTheAPIAnswers401(t *testing.T) {
	tmpl := shipped(t)
	apiID, _ := tmpl.only(t, "AWS::ApiGateway::RestApi")
	got := map[string]cfnResource{}
	for _, r := range tmpl.ofType("AWS::ApiGateway::GatewayResponse") {
		if refTo(r.Properties["RestApiId"]) != apiID {
			t.Errorf("gateway response of %v, want of the API %s", r.Properties["RestApiId"],
				apiID)
		}
		typ, _ := r.Properties["ResponseType"].(string)
		got[typ] = r
	}
	for typ, want := range map[string]map[string]any{
		"ACCESS_DENIED": {"StatusCode": "302", "ResponseParameters": map[string]any{
			"gatewayresponse.header.Location":      "context.authorizer.signin",
			"gatewayresponse.header.Cache-Control": "'no-store'",
		}},
		"UNAUTHORIZED": {"StatusCode": "401", "ResponseParameters": map[string]any{
			"gatewayresponse.header.WWW-Authenticate": "'Bearer'",
			"gatewayresponse.header.Cache-Control":    "'no-store'",
		}},
	} {
		r, ok := got[typ]
		if !ok {
			t.Errorf("gateway responses: got none of type %s", typ)
			continue
		}
		for k, v := range want {
			if diff := cmp.Diff(v, r.Properties[k]); diff != "" {
				t.Errorf("%s %s (-want +got):\n%s", typ, k, diff)
			}
		}
	}
}

func TestAnalystsSignInThroughTheHostedUIAndComeBackToTheAPI(t *testing.T) {
	tmpl := shipped(t)
	poolID, _ := tmpl.only(t, "AWS::Cognito::UserPool")
	apiID, _ := tmpl.only(t, "AWS::ApiGateway::RestApi")
	_, domain := tmpl.only(t, "AWS::Cognito::UserPoolDomain")
	if refTo(domain.Properties["UserPoolId"]) != poolID {
		t.Errorf("domain UserPoolId: got %v, want the pool %s", domain.Properties["UserPoolId"],
			poolID)
	}
	if !mentions(domain.Properties["Domain"], "AWS::AccountId") {
		t.Errorf("domain Domain: got %v, want firebreak- and the account id",
			domain.Properties["Domain"])
	}
	_, client := tmpl.only(t, "AWS::Cognito::UserPoolClient")
	want := map[string]any{
		"AllowedOAuthFlows":               []any{"code"},
		"AllowedOAuthFlowsUserPoolClient": true,
		"AllowedOAuthScopes":              []any{"openid", "email"},
		"SupportedIdentityProviders":      []any{"COGNITO"},
	}
	for k, v := range want {
		if diff := cmp.Diff(v, client.Properties[k]); diff != "" {
			t.Errorf("client %s (-want +got):\n%s", k, diff)
		}
	}
	urls, _ := client.Properties["CallbackURLs"].([]any)
	if len(urls) != 1 || !mentions(urls[0], apiID) ||
		!strings.HasSuffix(fmt.Sprint(urls[0]), "/"+apiStage+"/auth/callback]]]") {
		t.Errorf("client CallbackURLs: got %v, want the API's /%s/auth/callback alone",
			urls, apiStage)
	}

	// the sign-in function is given the same address, and the pool's
	_, fn := tmpl.function(t, "signin")
	env, _ := fn.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if diff := cmp.Diff(urls[0], env[stack.EnvSignInCallbackURL]); diff != "" {
		t.Errorf("signin %s (-client's +function's):\n%s", stack.EnvSignInCallbackURL, diff)
	}
	for _, name := range []string{stack.EnvSignInIssuer, stack.EnvSignInClientID,
		stack.EnvSignInDomainURL} {
		if env[name] == nil {
			t.Errorf("signin environment: got no %s", name)
		}
	}
}

func TestReadAPIIsNotOpen(t *testing.T) {
	for _, rt := range stack.Firebreak.Routes {
		if (rt.Function == "api" || rt.Function == "center") && !analystRoute(rt) {
			t.Errorf("route %s %s of the read API: got no analyst sign-in, want one",
				rt.Method, rt.Path)
		}
	}
}

func TestAnalystsSignInWithAStrongPasswordAndMFAOnly(t *testing.T) {
	tmpl := shipped(t)
	_, pool := tmpl.only(t, "AWS::Cognito::UserPool")
	want := map[string]any{
		"AdminCreateUserConfig": map[string]any{"AllowAdminCreateUserOnly": true},
		"MfaConfiguration":      "ON",
		"EnabledMfas":           []any{"SOFTWARE_TOKEN_MFA"},
		"Policies": map[string]any{"PasswordPolicy": map[string]any{
			"MinimumLength":                 float64(passwordMinLength),
			"RequireLowercase":              true,
			"RequireUppercase":              true,
			"RequireNumbers":                true,
			"RequireSymbols":                true,
			"TemporaryPasswordValidityDays": float64(temporaryPasswordValidity),
		}},
		"UserPoolTier":       "PLUS",
		"DeletionProtection": "ACTIVE",
	}
	got := make(map[string]any)
	for k := range want {
		got[k] = pool.Properties[k]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("user pool (-want +got):\n%s", diff)
	}
	_, client := tmpl.only(t, "AWS::Cognito::UserPoolClient")
	if got, ok := client.Properties["GenerateSecret"]; ok && got != false {
		t.Errorf("client GenerateSecret: got %v, want false (a public client, with PKCE)", got)
	}
}
