package coldstart

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/firebreak/firebreak/shared/stack"
)

// LinkSigningSecret reads the link-signing secret that
// stack.EnvLinkSigningSecretARN names from Secrets Manager, once, at cold
// start.
func LinkSigningSecret(ctx context.Context, getenv Getenv) ([]byte, error) {
	env, err := Require(getenv, stack.EnvLinkSigningSecretARN)
	if err != nil {
		return nil, err
	}
	cfg, err := AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	secret, err := ReadSecret(ctx, secretsmanager.NewFromConfig(cfg),
		env[stack.EnvLinkSigningSecretARN])
	if err != nil {
		return nil, fmt.Errorf("the link-signing secret: %w", err)
	}
	return []byte(secret), nil
}

// ReadSecret returns the string value of the secret named name.
func ReadSecret(ctx context.Context, secrets SecretReader, name string) (string, error) {
	out, err := secrets.GetSecretValue(ctx,
		&secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	if err != nil {
		return "", fmt.Errorf("read secret %s: %w", name, err)
	}
	if aws.ToString(out.SecretString) == "" {
		return "", fmt.Errorf("secret %s has no string value", name)
	}
	return aws.ToString(out.SecretString), nil
}
