package main

import (
	"errors"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak/shared/gateway/signin"
	"github.com/firebreak/firebreak/shared/stack"
)

// alertsPath starts the path of every route of the alert intake, which
// authenticates sources by signature or API key, and signInPath that of
// the analysts' sign-in, which is how they get a session. Every other
// route belongs to the action center (its pages and its API) and admits
// only analysts signed in to the user pool, so a new route is closed
// unless it is one of those.
const (
	alertsPath = "/alerts"
	signInPath = "/auth"
)

// contextSignInDomainPrefix is the CDK context value naming the hosted
// UI's domain prefix (<prefix>.auth.<region>.amazoncognito.com); without
// it the prefix is "firebreak-" and the account id, unique in a region.
const contextSignInDomainPrefix = "signInDomainPrefix"

// The analysts' password policy: CIS and cdk-nag's strong policy.
const (
	passwordMinLength         = 14
	temporaryPasswordValidity = 3 // days
)

// analystRoute reports whether rt belongs to the action center.
func analystRoute(rt stack.Route) bool {
	return !under(rt.Path, alertsPath) && !under(rt.Path, signInPath)
}

// under reports whether path is prefix or below it.
func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// analysts are who may use the action center: the user pool, its hosted
// UI's domain, the app client the action center signs them in with, and
// the address the sign-in comes back to.
type analysts struct {
	pool     awscognito.UserPool
	domain   awscognito.UserPoolDomain
	client   awscognito.UserPoolClient
	callback *string
}

// newAnalysts creates the analysts' user pool: accounts made by an
// administrator only, signed in by email with a strong password and a
// second factor, with threat protection enforced; kept when the stack is
// deleted. Its hosted UI signs analysts in to the action center of api,
// or of base, firebreak.yaml's approvals.base_url, when that names a
// custom domain.
func newAnalysts(st awscdk.Stack, s stack.Stack, api awsapigateway.RestApi,
	base string) analysts {
	pool := awscognito.NewUserPool(st, jsii.String("Analysts"), &awscognito.UserPoolProps{
		UserPoolName:        physicalName(s, "analysts"),
		SelfSignUpEnabled:   jsii.Bool(false),
		SignInAliases:       &awscognito.SignInAliases{Email: jsii.Bool(true)},
		SignInCaseSensitive: jsii.Bool(false),
		Mfa:                 awscognito.Mfa_REQUIRED,
		MfaSecondFactor: &awscognito.MfaSecondFactor{
			Otp: jsii.Bool(true), Sms: jsii.Bool(false),
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(passwordMinLength),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(temporaryPasswordValidity)),
		},
		AccountRecovery:              awscognito.AccountRecovery_EMAIL_ONLY,
		FeaturePlan:                  awscognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(true),
		RemovalPolicy:                awscdk.RemovalPolicy_RETAIN,
	})

	// the hosted UI, and the action center's client: a public client (no
	// secret) that signs in with the authorization code and PKCE, coming
	// back only to the sign-in's callback
	domain := pool.AddDomain(jsii.String("SignIn"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: domainPrefix(st)},
	})
	callbacks := []*string{siteURL(api, "", callbackPath)}
	if !loopback(base) {
		callbacks = append(callbacks, jsii.String(strings.TrimSuffix(base, "/")+callbackPath))
	}
	client := pool.AddClient(jsii.String("ActionCenter"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         physicalName(s, "action-center"),
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
		GenerateSecret:             jsii.Bool(false),
		OAuth: &awscognito.OAuthSettings{
			Flows: &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes: &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(),
				awscognito.OAuthScope_EMAIL()},
			CallbackUrls: &callbacks,
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{
			awscognito.UserPoolClientIdentityProvider_COGNITO()},
	})
	return analysts{pool: pool, domain: domain, client: client,
		callback: callbacks[len(callbacks)-1]}
}

// callbackPath is the sign-in's callback route.
const callbackPath = signInPath + "/callback"

// domainPrefix is the hosted UI's domain prefix: the context's, else
// "firebreak-" and the account id.
func domainPrefix(st awscdk.Stack) *string {
	if v, ok := st.Node().TryGetContext(jsii.String(contextSignInDomainPrefix)).(string); ok &&
		v != "" {
		return jsii.String(v)
	}
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("firebreak-"),
		awscdk.Aws_ACCOUNT_ID()})
}

// siteURL is the address of path on api's stage, https://<id>.execute-api.
// <region>.<suffix>/<stage><path>, or on base when base is not "". It is
// joined from the API's id and stage name, not taken from its deployment,
// which depends on the functions.
func siteURL(api awsapigateway.RestApi, base, path string) *string {
	if base != "" {
		return jsii.String(strings.TrimSuffix(base, "/") + path)
	}
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"),
		api.RestApiId(), jsii.String(".execute-api."), awscdk.Aws_REGION(),
		jsii.String("."), awscdk.Aws_URL_SUFFIX(), jsii.String("/" + apiStage + path)})
}

// newAnalystsAuthorizer creates the API's authorizer of the action
// center's routes from the function that authorizes (stack.Function's
// Authorizes), and the gateway responses of what it refuses. It is a
// Lambda REQUEST authorizer, since a browser sends its session in a
// cookie, which a Cognito authorizer cannot read; it runs on every request
// (no identity sources, no cache), so that a request without a token
// reaches it too and a page can be redirected to sign in.
func newAnalystsAuthorizer(st awscdk.Stack, s stack.Stack, api awsapigateway.RestApi,
	fns map[string]awslambda.Function) (awsapigateway.RequestAuthorizer, error) {
	var fn awslambda.Function
	for _, f := range s.Functions {
		if f.Authorizes {
			fn = fns[f.Name]
		}
	}
	if fn == nil {
		return nil, errors.New("no function authorizes the action center's routes")
	}
	authorizer := awsapigateway.NewRequestAuthorizer(st, jsii.String("AnalystsAuthorizer"),
		&awsapigateway.RequestAuthorizerProps{
			AuthorizerName:  physicalName(s, "analysts"),
			Handler:         fn,
			IdentitySources: &[]*string{},
			ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0)),
		})

	// a page denied goes to the sign-in the authorizer names; the API
	// answers 401 with JSON
	api.AddGatewayResponse(jsii.String("SignInFirst"), &awsapigateway.GatewayResponseOptions{
		Type:       awsapigateway.ResponseType_ACCESS_DENIED(),
		StatusCode: jsii.String("302"),
		ResponseHeaders: &map[string]*string{
			"Location":      jsii.String("context.authorizer." + signin.ContextSignIn),
			"Cache-Control": jsii.String("'no-store'"),
		},
		Templates: &map[string]*string{"application/json": jsii.String(
			`{"error":"sign in first"}`)},
	})
	api.AddGatewayResponse(jsii.String("Unauthorized"), &awsapigateway.GatewayResponseOptions{
		Type:       awsapigateway.ResponseType_UNAUTHORIZED(),
		StatusCode: jsii.String("401"),
		ResponseHeaders: &map[string]*string{
			"WWW-Authenticate": jsii.String("'Bearer'"),
			"Cache-Control":    jsii.String("'no-store'"),
		},
		Templates: &map[string]*string{"application/json": jsii.String(
			`{"error":"send an ID token of the analysts' user pool: ` +
				`the Authorization header or the session cookie"}`)},
	})
	return authorizer, nil
}

// outputAnalysts outputs what the action center and an administrator who
// adds analysts need: the user pool's and the client's ids, and the hosted
// UI's address.
func outputAnalysts(st awscdk.Stack, team analysts) {
	awscdk.NewCfnOutput(st, jsii.String("AnalystsUserPoolID"), &awscdk.CfnOutputProps{
		Description: jsii.String("Cognito user pool of the analysts; add them with " +
			"aws cognito-idp admin-create-user"),
		Value: team.pool.UserPoolId(),
	})
	awscdk.NewCfnOutput(st, jsii.String("ActionCenterClientID"), &awscdk.CfnOutputProps{
		Description: jsii.String("Cognito app client the action center signs analysts in with"),
		Value:       team.client.UserPoolClientId(),
	})
	awscdk.NewCfnOutput(st, jsii.String("SignInDomainURL"), &awscdk.CfnOutputProps{
		Description: jsii.String("The user pool's hosted UI, where analysts sign in"),
		Value:       team.domain.BaseUrl(nil),
	})
}
