// Command events ingests the GuardDuty and Security Hub findings that
// EventBridge rules deliver.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart/intake"
	"github.com/firebreak/firebreak/shared/gateway/alerts"
)

func main() {
	svc, err := intake.Events(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("events: %v", err)
	}
	lambda.Start(alerts.EventBridge(svc))
}
