// Command expireapproval is the ApprovalExpired step of the investigation
// state machine: nobody decided an action in time.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart/approvals"
)

func main() {
	steps, err := approvals.Steps(context.Background(), os.Getenv, nil)
	if err != nil {
		log.Fatalf("expireapproval: %v", err)
	}
	lambda.Start(steps.ExpireApproval)
}
