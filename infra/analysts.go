package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"

	"github.com/firebreak/firebreak/shared/stack"
)

// alertsPath starts the path of every route of the alert intake, which
// authenticates sources by signature or API key. Every other route belongs
// to the action center (its pages and its API) and admits only analysts
// signed in to the user pool, so a new route is closed unless it is an
// intake.
const alertsPath = "/alerts"

// The analysts' password policy: CIS and cdk-nag's strong policy.
const (
	passwordMinLength         = 14
	temporaryPasswordValidity = 3 // days
)

// analystRoute reports whether rt belongs to the action center.
func analystRoute(rt stack.Route) bool {
	return rt.Path != alertsPath && !strings.HasPrefix(rt.Path, alertsPath+"/")
}

// analysts are who may use the action center: the user pool, the app
// client the action center signs them in with, and the API authorizer
// that checks their tokens.
type analysts struct {
	pool       awscognito.UserPool
	client     awscognito.UserPoolClient
	authorizer awsapigateway.CognitoUserPoolsAuthorizer
}

// newAnalysts creates the analysts' user pool: accounts made by an
// administrator only, signed in by email with a strong password and a
// second factor, with threat protection enforced; kept when the stack is
// deleted.
func newAnalysts(st awscdk.Stack, s stack.Stack) analysts {
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

	// the action center's client: a public client (no secret) that signs
	// in with SRP, so the password never leaves the browser
	client := pool.AddClient(jsii.String("ActionCenter"), &awscognito.UserPoolClientOptions{
		UserPoolClientName:         physicalName(s, "action-center"),
		AuthFlows:                  &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
		GenerateSecret:             jsii.Bool(false),
	})
	authorizer := awsapigateway.NewCognitoUserPoolsAuthorizer(st, jsii.String("AnalystsAuthorizer"),
		&awsapigateway.CognitoUserPoolsAuthorizerProps{
			AuthorizerName:   physicalName(s, "analysts"),
			CognitoUserPools: &[]awscognito.IUserPool{pool},
		})
	return analysts{pool: pool, client: client, authorizer: authorizer}
}

// outputAnalysts outputs what the action center and an administrator who
// adds analysts need: the user pool's and the client's ids.
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
}
