// Command requestapproval is the RequestApproval step of the investigation
// state machine: an action waits for a person's decision.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/coldstart/approvals"
)

func main() {
	ctx := context.Background()
	cfg, err := coldstart.AWSConfig(ctx)
	if err != nil {
		log.Fatalf("requestapproval: %v", err)
	}
	notifiers, err := approvals.Notifiers(ctx, os.Getenv, cfg)
	if err != nil {
		log.Fatalf("requestapproval: %v", err)
	}
	steps, err := approvals.Steps(ctx, os.Getenv, notifiers)
	if err != nil {
		log.Fatalf("requestapproval: %v", err)
	}
	lambda.Start(steps.RequestApproval)
}
