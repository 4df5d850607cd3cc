// Package intake builds the alert intakes at cold start: the ingest
// function behind POST /alerts and the events function EventBridge
// invokes. It reads firebreak.yaml's policies, so it links CEL; the other
// functions build through shared/coldstart alone.
package intake

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/coldstart"
	fbconfig "github.com/firebreak/firebreak/shared/config"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

// Ingest builds the alert intake of POST /alerts, reading the sources'
// signing secrets from Secrets Manager once.
func Ingest(ctx context.Context, getenv coldstart.Getenv) (*ingest.Service, error) {
	env, err := coldstart.Require(getenv, stack.EnvSourceSecretsARN)
	if err != nil {
		return nil, err
	}
	svc, awsCfg, err := build(ctx, getenv)
	if err != nil {
		return nil, err
	}
	svc.Sources, err = readSources(ctx, secretsmanager.NewFromConfig(awsCfg),
		env[stack.EnvSourceSecretsARN])
	if err != nil {
		return nil, err
	}
	svc.KeySources, err = keySources(getenv(stack.EnvAPIKeySources))
	return svc, err
}

// Events builds the intake of findings EventBridge delivers, which IAM
// authenticates: it holds no secrets.
func Events(ctx context.Context, getenv coldstart.Getenv) (*ingest.Service, error) {
	svc, _, err := build(ctx, getenv)
	return svc, err
}

// Start builds the manual start of POST /api/investigations, which
// chooses playbooks by the same policies.
func Start(ctx context.Context, getenv coldstart.Getenv) (*ingest.Service, error) {
	svc, _, err := build(ctx, getenv)
	return svc, err
}

// build makes what the intakes share: the store, the Step Functions
// client and firebreak.yaml's policies, window and API key sources.
func build(ctx context.Context, getenv coldstart.Getenv) (*ingest.Service, aws.Config, error) {
	env, err := coldstart.Require(getenv, stack.EnvTableName, stack.EnvStateMachineARN)
	if err != nil {
		return nil, aws.Config{}, err
	}
	fb, err := fbconfig.Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		return nil, aws.Config{}, err
	}
	awsCfg, err := coldstart.AWSConfig(ctx)
	if err != nil {
		return nil, aws.Config{}, err
	}
	return &ingest.Service{
		Store: store.New(dynamodb.NewFromConfig(awsCfg, boundedTable),
			env[stack.EnvTableName]),
		Executions:      sfn.NewFromConfig(awsCfg),
		StateMachineARN: env[stack.EnvStateMachineARN],
		Policy:          fb.Policy,
		Window:          fb.CorrelationWindow,
		Now:             time.Now,
		Log:             coldstart.Logger(),
	}, awsCfg, nil
}

// An intake's DynamoDB calls are bounded so that a push is answered, 503
// when need be, within the ingest function's 15 s timeout and API
// Gateway's 29 s even when the table's endpoint stops answering rather
// than refusing: at most tableAttempts attempts of tableAttemptTimeout
// each, at most tableMaxBackoff apart. The SDK's defaults (no attempt
// timeout, a 30 s dial timeout, backoff up to 20 s) can hold one call past
// both. The ingest service also stops storing shortly before the
// function's deadline, so a batch answers in time as a whole.
const (
	tableAttempts       = 3
	tableAttemptTimeout = 4 * time.Second
	tableMaxBackoff     = time.Second
)

// boundedTable sets the DynamoDB client's retry and time budget.
func boundedTable(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = tableAttempts
		so.MaxBackoff = tableMaxBackoff
	})
	o.HTTPClient = awshttp.NewBuildableClient().WithTimeout(tableAttemptTimeout)
}

// keySources decodes the API key id to source map the stack sets; empty
// means no source has an API key.
func keySources(raw string) (map[string]string, error) {
	m := map[string]string{}
	if raw == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object of strings: %w", stack.EnvAPIKeySources, err)
	}
	return m, nil
}

// secretReader is the Secrets Manager operation readSources calls.
type secretReader interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput,
		...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// readSources reads the secret holding {"<source>": "<signing secret>"}.
func readSources(ctx context.Context, sm secretReader, arn string) (ingest.Sources, error) {
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("read source secrets: %w", err)
	}
	var raw map[string]string
	if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &raw); err != nil {
		// the error would quote the secret: say only where it is wrong
		return nil, fmt.Errorf("source secrets %s are not a JSON object of strings", arn)
	}
	sources := ingest.Sources{}
	for name, secret := range raw {
		sources[name] = ingest.Secret(secret)
	}
	return sources, nil
}
