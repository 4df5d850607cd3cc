// Package approvals builds, at cold start, what asks people for decisions:
// the approval service, the state machine's approval steps and the
// notifiers requests go out through. Only the functions that ask or
// decide link it, and with it SNS and the webhooks.
package approvals

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/approval"
	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/notify"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/workflow"
)

// Service builds the approval service: the store, the Step Functions
// client that answers waits, the link-signing secret, firebreak.yaml's
// approvals section, and the notifiers requests go out through.
func Service(ctx context.Context, getenv coldstart.Getenv,
	notifiers []notify.Notifier) (*approval.Service, error) {
	set, err := settings.ParseApprovals(firebreak.ConfigYAML)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", firebreak.ConfigFile, err)
	}
	if base := getenv(stack.EnvApprovalBaseURL); base != "" {
		set.BaseURL = base
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
	return &approval.Service{Store: st, Tasks: sfn.NewFromConfig(cfg), Notifiers: notifiers,
		Secret: secret, Settings: set, Log: coldstart.Logger(), Now: time.Now}, nil
}

// Steps builds the state machine's approval steps.
func Steps(ctx context.Context, getenv coldstart.Getenv,
	notifiers []notify.Notifier) (*workflow.ApprovalSteps, error) {
	svc, err := Service(ctx, getenv, notifiers)
	if err != nil {
		return nil, err
	}
	return &workflow.ApprovalSteps{Approvals: svc, Log: svc.Log, Now: time.Now}, nil
}
