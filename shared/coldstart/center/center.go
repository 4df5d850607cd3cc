// Package center builds, at cold start, the action center's HTML pages:
// the investigations and audit pages, and the approval pages and queue.
// Only the functions that render pages link it, and with it html/template,
// whose method lookups keep every exported method of what a function
// links: a function that also linked the remediation providers' AWS
// clients would carry all of their operations.
package center

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak/shared/approval/endpoint"
	"github.com/firebreak/firebreak/shared/center/pages"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/coldstart/approvals"
	"github.com/firebreak/firebreak/shared/stack"
)

// Pages builds the action center's pages: the store, the Step Functions
// client that stops executions, and the link-signing secret that keys the
// pages' CSRF tokens. The development identity is read only where the
// local host set it.
func Pages(ctx context.Context, getenv coldstart.Getenv) (*pages.Center, error) {
	env, err := coldstart.Require(getenv, stack.EnvStateMachineARN)
	if err != nil {
		return nil, err
	}
	st, err := coldstart.Store(ctx, getenv)
	if err != nil {
		return nil, err
	}
	secret, err := coldstart.LinkSigningSecret(ctx, getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := coldstart.AWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return &pages.Center{Store: st, Executions: sfn.NewFromConfig(cfg),
		StateMachineARN: env[stack.EnvStateMachineARN], Secret: secret,
		Dev: getenv(stack.EnvDevIdentity), Log: coldstart.Logger(), Now: time.Now}, nil
}

// Approvals builds the approval pages and API. The development identity
// is read only where the local host set it.
func Approvals(ctx context.Context, getenv coldstart.Getenv) (*endpoint.Endpoint, error) {
	svc, err := approvals.Service(ctx, getenv, nil)
	if err != nil {
		return nil, err
	}
	return &endpoint.Endpoint{Approvals: svc, Dev: getenv(stack.EnvDevIdentity),
		Log: svc.Log}, nil
}
