package coldstart

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak/shared/center/pages"
	"github.com/firebreak/firebreak/shared/stack"
)

// Center builds the action center's pages: the store, the Step Functions
// client that stops executions, and the link-signing secret that keys the
// pages' CSRF tokens.
func Center(ctx context.Context, getenv Getenv) (*pages.Center, error) {
	env, err := Require(getenv, stack.EnvStateMachineARN)
	if err != nil {
		return nil, err
	}
	st, err := Store(ctx, getenv)
	if err != nil {
		return nil, err
	}
	secret, err := LinkSigningSecret(ctx, getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return &pages.Center{Store: st, Executions: sfn.NewFromConfig(cfg),
		StateMachineARN: env[stack.EnvStateMachineARN], Secret: secret,
		Dev: getenv(stack.EnvDevIdentity), Log: Logger(), Now: time.Now}, nil
}

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
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx,
		&secretsmanager.GetSecretValueInput{
			SecretId: aws.String(env[stack.EnvLinkSigningSecretARN])})
	if err != nil {
		return nil, fmt.Errorf("read the link-signing secret: %w", err)
	}
	if aws.ToString(out.SecretString) == "" {
		return nil, errors.New("read the link-signing secret: it is empty")
	}
	return []byte(aws.ToString(out.SecretString)), nil
}
