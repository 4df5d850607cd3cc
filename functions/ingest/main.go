// Command ingest takes alerts pushed to POST /alerts through API Gateway.
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
	svc, err := intake.Ingest(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("ingest: %v", err)
	}
	lambda.Start(alerts.Handler(svc))
}
