// Package coldstart builds a Lambda function's dependencies once, at cold
// start: it reads the environment the CDK app set (see shared/stack),
// creates the AWS clients, and returns the ready handler's receiver. Each
// functions/<name>/main.go calls one of its builders and lambda.Start.
//
// What only some functions need lives in packages of its own, so that a
// function links only what it builds: coldstart/intake for the intakes
// (CEL), coldstart/remediators for the remediation providers (the AWS
// provider's clients), coldstart/approvals for approvals and their
// notifiers (SNS), coldstart/center for the HTML pages (html/template).
// An investigation step names the parts it needs in StepParts.
//
// Clients honour the standard AWS_ENDPOINT_URL_<SERVICE> variables, so the
// same binaries reach DynamoDB Local and the local Step Functions endpoint
// with no code path of their own.
package coldstart

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/tenant"
	"github.com/firebreak/firebreak/shared/workflow"
)

// Getenv reads one environment variable; main passes os.Getenv.
type Getenv func(string) string

// Require returns the values of the named variables, or an error naming
// every one that is empty.
func Require(getenv Getenv, names ...string) (map[string]string, error) {
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

// StepParts are the parts of the investigation steps that only some
// steps use, each built by a package that only those steps link. A nil
// part is left out: a step without Remediators has no Remediator, one
// without AWSSource never asks AWS.
type StepParts struct {
	// Remediators builds the remediation providers (see
	// coldstart/remediators), for the step that remediates.
	Remediators Remediators
	// AWSSource builds the AWS data source (awsdata), which the steps that
	// ask data sources ask when firebreak.yaml's investigation section
	// names it.
	AWSSource func(aws.Config) datasource.DataSource
}

// Remediators builds the remediation providers firebreak.yaml routes
// actions to, with clients from cfg and the simulated tenant tn.
type Remediators func(cfg aws.Config, getenv Getenv, tn *tenant.Tenant) (
	*remediation.Registry, error)

// Steps builds the investigation steps' receiver: the store, the data
// sources and intelligence firebreak.yaml's investigation section names,
// the parts the step asks for, and a Step Functions client to start
// investigations with (the state machine's ARN comes with each Finalize,
// from the context object).
func Steps(ctx context.Context, getenv Getenv, parts StepParts) (*workflow.Steps, error) {
	env, err := Require(getenv, stack.EnvTableName)
	if err != nil {
		return nil, err
	}
	set, err := settings.Parse(firebreak.ConfigYAML)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", firebreak.ConfigFile, err)
	}
	approvals, err := settings.ParseApprovals(firebreak.ConfigYAML)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", firebreak.ConfigFile, err)
	}
	cfg, err := AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	intel, err := Intelligence(ctx, set, getenv(stack.EnvVirusTotalSecret),
		secretsmanager.NewFromConfig(cfg))
	if err != nil {
		return nil, err
	}
	db := dynamodb.NewFromConfig(cfg)
	tn := tenant.New(db, env[stack.EnvTableName])
	steps := &workflow.Steps{
		Store:          store.New(db, env[stack.EnvTableName]),
		Intel:          intel,
		Settings:       set,
		ApprovalExpiry: approvals.ExpiresAfter,
		Executions:     sfn.NewFromConfig(cfg),
		Log:            Logger(),
		Now:            time.Now,
	}

	// the parts only some steps use
	if parts.Remediators != nil {
		if steps.Remediator, err = parts.Remediators(cfg, getenv, tn); err != nil {
			return nil, err
		}
	}
	if set.Asks(settings.SourceTenant) {
		steps.Sources = append(steps.Sources, tn)
	}
	if set.Asks(settings.SourceAWS) && parts.AWSSource != nil {
		steps.Sources = append(steps.Sources, parts.AWSSource(cfg))
	}
	return steps, nil
}

// API builds the action center's API: the store, the Step Functions
// client that answers waits for a scope decision, and the remediation
// providers, built by remediators, that undo actions. The development
// identity is read only where the local host set it.
func API(ctx context.Context, getenv Getenv, remediators Remediators) (*gateway.API, error) {
	st, err := Store(ctx, getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	registry, err := remediators(cfg, getenv, tenant.New(dynamodb.NewFromConfig(cfg),
		st.Table()))
	if err != nil {
		return nil, err
	}
	undo := &workflow.Undoer{Store: st, Remediator: registry, Log: Logger(), Now: time.Now}
	return &gateway.API{Store: st, Tasks: sfn.NewFromConfig(cfg),
		Dev: getenv(stack.EnvDevIdentity), Log: Logger(), Undo: undo}, nil
}

// Store builds a store over the function's table.
func Store(ctx context.Context, getenv Getenv) (*store.Store, error) {
	env, err := Require(getenv, stack.EnvTableName)
	if err != nil {
		return nil, err
	}
	cfg, err := AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return store.New(dynamodb.NewFromConfig(cfg), env[stack.EnvTableName]), nil
}

// AWSConfig loads the SDK's configuration from the environment, as every
// function's clients need it.
func AWSConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// StartStep builds the investigation steps with parts and hands Lambda
// the step handler of name, as a step function's main does. It does not
// return; a failed cold start ends the process with the reason.
func StartStep[I, O any](name string,
	handler func(*workflow.Steps, context.Context, I) (O, error), parts StepParts) {
	steps, err := Steps(context.Background(), os.Getenv, parts)
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	lambda.Start(func(ctx context.Context, in I) (O, error) { return handler(steps, ctx, in) })
}
