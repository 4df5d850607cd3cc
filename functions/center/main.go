// Command center serves the action center's pages (the investigations,
// an investigation, the audit log) and their JSON under /api, and
// terminates investigations.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart/center"
)

func main() {
	c, err := center.Pages(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("center: %v", err)
	}
	lambda.Start(c.Handler())
}
