package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/stack"
)

func TestOnlyActionCenterRoutesRequireASignedInAnalyst(t *testing.T) {
	tmpl := shipped(t)
	authorizerID, authorizer := tmpl.only(t, "AWS::ApiGateway::Authorizer")
	poolID, _ := tmpl.only(t, "AWS::Cognito::UserPool")
	if got, want := authorizer.Properties["Type"], "COGNITO_USER_POOLS"; got != want {
		t.Errorf("authorizer Type: got %v, want %v", got, want)
	}
	if !mentions(authorizer.Properties["ProviderARNs"], poolID) {
		t.Errorf("authorizer ProviderARNs: got %v, want the user pool %s",
			authorizer.Properties["ProviderARNs"], poolID)
	}
	for _, rt := range stack.Firebreak.Routes {
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			m := tmpl.method(t, rt)
			want, wantAuthorizer := "NONE", ""
			if analystRoute(rt) {
				want, wantAuthorizer = "COGNITO_USER_POOLS", authorizerID
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
		t.Errorf("client GenerateSecret: got %v, want false (a browser client)", got)
	}
}
