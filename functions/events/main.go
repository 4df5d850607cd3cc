// Command events ingests the GuardDuty and Security Hub findings that
// EventBridge rules deliver.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/gateway"
)

func main() {
	svc, err := coldstart.Events(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("events: %v", err)
	}
	lambda.Start(gateway.EventBridge(svc))
}
