// Package remediators builds, at cold start, the remediation providers
// firebreak.yaml routes actions to. Only the functions that remediate or
// undo link it, and with it the AWS provider's clients (EC2, IAM, S3, WAF,
// Route 53 Resolver, Cognito) and the Microsoft and webhook providers.
package remediators

import (
	"context"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/remediation"
	awsremediation "github.com/firebreak/firebreak/shared/remediation/aws"
	"github.com/firebreak/firebreak/shared/remediation/microsoft"
	"github.com/firebreak/firebreak/shared/remediation/webhook"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/tenant"
)

// New builds the remediation registry firebreak.yaml's remediation
// section describes: a provider per route, in order, each wrapped to only
// pretend when remediation.dry_run names it. Secrets (the Microsoft app's
// credentials, the webhook's signing key) are read on a provider's first
// use, not here, so that a function that never remediates through them
// needs no access to them.
func New(cfg sdk.Config, getenv coldstart.Getenv, tn *tenant.Tenant) (*remediation.Registry,
	error) {
	return FromSection(firebreak.ConfigFile, firebreak.ConfigYAML)(cfg, getenv, tn)
}

// FromSection is New reading the remediation section (its routes, dry
// runs, Microsoft, webhook and aws settings) from doc, a document shaped
// as firebreak.yaml, instead of the compiled-in file; name names doc in
// errors. The local host uses it to route actions to providers a test
// runs; a deployed function never does.
func FromSection(name string, doc []byte) coldstart.Remediators {
	return func(cfg sdk.Config, getenv coldstart.Getenv, tn *tenant.Tenant) (
		*remediation.Registry, error) {
		return build(section{doc: doc, file: name}, cfg, getenv, tn)
	}
}

// section is the document the remediation section is read from.
type section struct {
	doc  []byte
	file string // names doc in errors
}

// build builds the registry sec describes.
func build(sec section, cfg sdk.Config, getenv coldstart.Getenv, tn *tenant.Tenant) (
	*remediation.Registry, error) {
	set, err := settings.ParseRemediation(sec.doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sec.file, err)
	}
	secrets := secretsmanager.NewFromConfig(cfg)
	var routes []remediation.Route
	for _, r := range set.Providers {
		p, err := remediationProvider(r.Name, set, sec, cfg, getenv, tn, secrets)
		if err != nil {
			return nil, err
		}
		if set.DryRuns(r.Name) {
			p = remediation.DryRun(p)
		}
		routes = append(routes, remediation.Route{Provider: p, Actions: r.Actions})
	}
	return remediation.NewRegistry(routes...), nil
}

// remediationProvider builds the provider called name.
func remediationProvider(name string, set settings.Remediation, sec section, cfg sdk.Config,
	getenv coldstart.Getenv, tn *tenant.Tenant, secrets coldstart.SecretReader) (
	remediation.Provider, error) {
	switch name {
	case settings.ProviderTenant:
		return tn.Provider(), nil
	case settings.ProviderAWS:
		aws, err := settings.ParseAWSRemediation(sec.doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sec.file, err)
		}
		return awsremediation.New(cfg, awsremediation.Options{Region: cfg.Region,
			RoleName:         getenv(stack.EnvRemediationRoleName),
			IsolationGroupID: getenv(stack.EnvIsolationGroupID),
			QuarantineBucket: getenv(stack.EnvQuarantineBucket), Settings: aws}), nil
	case settings.ProviderMicrosoft:
		m := set.Microsoft
		return microsoft.New(microsoft.Options{LoginURL: m.LoginURL, GraphURL: m.GraphURL,
			DefenderURL: m.DefenderURL,
			Credentials: func(ctx context.Context) (microsoft.Credentials, error) {
				s, err := coldstart.ReadSecret(ctx, secrets, m.Secret)
				if err != nil {
					return microsoft.Credentials{}, err
				}
				return microsoft.ParseCredentials(s)
			}}), nil
	case settings.ProviderWebhook:
		return webhook.New(webhook.Options{URL: set.Webhook.URL, Timeout: set.Webhook.Timeout,
			Key: func(ctx context.Context) ([]byte, error) {
				s, err := coldstart.ReadSecret(ctx, secrets, set.Webhook.Secret)
				return []byte(s), err
			}}), nil
	}
	return nil, fmt.Errorf("remediation provider %q is unknown", name)
}
