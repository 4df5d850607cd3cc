// Package coldstart builds a Lambda function's dependencies once, at cold
// start: it reads the environment the CDK app set (see shared/stack),
// creates the AWS clients, and returns the ready handler's receiver. Each
// functions/<name>/main.go calls one of its builders and lambda.Start.
//
// Clients honour the standard AWS_ENDPOINT_URL_<SERVICE> variables, so the
// same binaries reach DynamoDB Local and the local Step Functions endpoint
// with no code path of their own.
package coldstart

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak"
	fbconfig "github.com/firebreak/firebreak/shared/config"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/tenant"
	"github.com/firebreak/firebreak/shared/workflow"
)

// Getenv reads one environment variable; main passes os.Getenv.
type Getenv func(string) string

// require returns the values of the named variables, or an error naming
// every one that is empty.
func require(getenv Getenv, names ...string) (map[string]string, error) {
	vals, missing := map[string]string{}, []string{}
	for _, n := range names {
		if vals[n] = getenv(n); vals[n] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variables not set: %v", missing)
	}
	return vals, nil
}

// Logger is the JSON logger every function writes its summary lines with;
// it adds the Lambda request id to each line.
func Logger() *slog.Logger { return lambdacontext.NewLogger() }

// Steps builds the investigation steps' receiver.
func Steps(ctx context.Context, getenv Getenv) (*workflow.Steps, error) {
	env, err := require(getenv, stack.EnvTableName)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	db := dynamodb.NewFromConfig(cfg)
	tn := tenant.New(db, env[stack.EnvTableName])
	return &workflow.Steps{
		Store:      store.New(db, env[stack.EnvTableName]),
		Tenant:     tn,
		Remediator: tn,
		Log:        Logger(),
		Now:        time.Now,
	}, nil
}

// Store builds a store over the function's table, for the read API.
func Store(ctx context.Context, getenv Getenv) (*store.Store, error) {
	env, err := require(getenv, stack.EnvTableName)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return store.New(dynamodb.NewFromConfig(cfg), env[stack.EnvTableName]), nil
}

// Ingest builds the alert intake of POST /alerts, reading the sources'
// signing secrets from Secrets Manager once.
func Ingest(ctx context.Context, getenv Getenv) (*ingest.Service, error) {
	env, err := require(getenv, stack.EnvSourceSecretsARN)
	if err != nil {
		return nil, err
	}
	svc, awsCfg, err := intake(ctx, getenv)
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
func Events(ctx context.Context, getenv Getenv) (*ingest.Service, error) {
	svc, _, err := intake(ctx, getenv)
	return svc, err
}

// intake builds what both intakes share: the store, the Step Functions
// client and firebreak.yaml's policies, window and API key sources.
func intake(ctx context.Context, getenv Getenv) (*ingest.Service, aws.Config, error) {
	env, err := require(getenv, stack.EnvTableName, stack.EnvStateMachineARN)
	if err != nil {
		return nil, aws.Config{}, err
	}
	fb, err := fbconfig.Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		return nil, aws.Config{}, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return &ingest.Service{
		Store:           store.New(dynamodb.NewFromConfig(awsCfg), env[stack.EnvTableName]),
		Executions:      sfn.NewFromConfig(awsCfg),
		StateMachineARN: env[stack.EnvStateMachineARN],
		Policy:          fb.Policy,
		Window:          fb.CorrelationWindow,
		Now:             time.Now,
		Log:             Logger(),
	}, awsCfg, nil
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
