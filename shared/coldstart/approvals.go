package coldstart

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/approval"
	"github.com/firebreak/firebreak/shared/approval/endpoint"
	"github.com/firebreak/firebreak/shared/notify"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/workflow"
)

// Approvals builds the approval service: the store, the Step Functions
// client that answers waits, the link-signing secret, firebreak.yaml's
// approvals section, and the notifiers requests go out through.
func Approvals(ctx context.Context, getenv Getenv,
	notifiers []notify.Notifier) (*approval.Service, error) {
	set, err := settings.ParseApprovals(firebreak.ConfigYAML)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", firebreak.ConfigFile, err)
	}
	if base := getenv(stack.EnvApprovalBaseURL); base != "" {
		set.BaseURL = base
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
	return &approval.Service{Store: st, Tasks: sfn.NewFromConfig(cfg), Notifiers: notifiers,
		Secret: secret, Settings: set, Log: Logger(), Now: time.Now}, nil
}

// ApprovalSteps builds the state machine's approval steps.
func ApprovalSteps(ctx context.Context, getenv Getenv,
	notifiers []notify.Notifier) (*workflow.ApprovalSteps, error) {
	svc, err := Approvals(ctx, getenv, notifiers)
	if err != nil {
		return nil, err
	}
	return &workflow.ApprovalSteps{Approvals: svc, Log: svc.Log, Now: time.Now}, nil
}

// ApprovalEndpoint builds the approval pages and API. The development
// identity is read only where the local host set it.
func ApprovalEndpoint(ctx context.Context, getenv Getenv) (*endpoint.Endpoint, error) {
	svc, err := Approvals(ctx, getenv, nil)
	if err != nil {
		return nil, err
	}
	return &endpoint.Endpoint{Approvals: svc, Dev: getenv(stack.EnvDevIdentity),
		Log: svc.Log}, nil
}
