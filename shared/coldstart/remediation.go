package coldstart

import (
	"context"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/remediation"
	awsremediation "github.com/firebreak/firebreak/shared/remediation/aws"
	"github.com/firebreak/firebreak/shared/remediation/microsoft"
	"github.com/firebreak/firebreak/shared/remediation/webhook"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/tenant"
)

// Option changes what a builder of this package reads; a function's main
// passes none, so it builds from the firebreak.yaml compiled into it.
type Option func(*options)

type options struct {
	// remediation is the document the remediation section is read from.
	remediation []byte
	// remediationFile names it in errors.
	remediationFile string
}

// WithRemediation makes a builder read the remediation section (its
// routes, dry runs, Microsoft, webhook and aws settings) from doc, a
// document shaped as firebreak.yaml, instead of the compiled-in file;
// name names doc in errors. The local host passes it to route actions to
// providers a test runs; a deployed function never does.
func WithRemediation(name string, doc []byte) Option {
	return func(o *options) { o.remediation, o.remediationFile = doc, name }
}

// apply returns the options opts set.
func apply(opts []Option) options {
	o := options{remediation: firebreak.ConfigYAML, remediationFile: firebreak.ConfigFile}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Remediation builds the remediation registry firebreak.yaml's
// remediation section describes (or the document WithRemediation gives):
// a provider per route, in order, each wrapped to only pretend when
// remediation.dry_run names it. Secrets (the Microsoft app's credentials,
// the webhook's signing key) are read on a provider's first use, not here,
// so that a function that never remediates through them needs no access
// to them.
func Remediation(cfg sdk.Config, getenv Getenv, tn *tenant.Tenant, opts ...Option) (
	*remediation.Registry, error) {
	o := apply(opts)
	set, err := settings.ParseRemediation(o.remediation)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.remediationFile, err)
	}
	secrets := secretsmanager.NewFromConfig(cfg)
	var routes []remediation.Route
	for _, r := range set.Providers {
		p, err := remediationProvider(r.Name, set, o, cfg, getenv, tn, secrets)
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
func remediationProvider(name string, set settings.Remediation, o options, cfg sdk.Config,
	getenv Getenv, tn *tenant.Tenant, secrets SecretReader) (remediation.Provider, error) {
	switch name {
	case settings.ProviderTenant:
		return tn.Provider(), nil
	case settings.ProviderAWS:
		aws, err := settings.ParseAWSRemediation(o.remediation)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.remediationFile, err)
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
				s, err := readSecret(ctx, secrets, m.Secret)
				if err != nil {
					return microsoft.Credentials{}, err
				}
				return microsoft.ParseCredentials(s)
			}}), nil
	case settings.ProviderWebhook:
		return webhook.New(webhook.Options{URL: set.Webhook.URL, Timeout: set.Webhook.Timeout,
			Key: func(ctx context.Context) ([]byte, error) {
				s, err := readSecret(ctx, secrets, set.Webhook.Secret)
				return []byte(s), err
			}}), nil
	}
	return nil, fmt.Errorf("remediation provider %q is unknown", name)
}

// readSecret returns the string value of the secret named name.
func readSecret(ctx context.Context, secrets SecretReader, name string) (string, error) {
	out, err := secrets.GetSecretValue(ctx,
		&secretsmanager.GetSecretValueInput{SecretId: sdk.String(name)})
	if err != nil {
		return "", fmt.Errorf("read secret %s: %w", name, err)
	}
	if sdk.ToString(out.SecretString) == "" {
		return "", fmt.Errorf("secret %s has no string value", name)
	}
	return sdk.ToString(out.SecretString), nil
}
