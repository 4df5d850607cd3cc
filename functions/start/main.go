// Command start starts the investigations analysts ask for through the
// action center's API (POST /api/investigations).
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart/intake"
	"github.com/firebreak/firebreak/shared/gateway/manual"
	"github.com/firebreak/firebreak/shared/stack"
)

func main() {
	svc, err := intake.Start(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	lambda.Start(manual.Start(svc, os.Getenv(stack.EnvDevIdentity)))
}
