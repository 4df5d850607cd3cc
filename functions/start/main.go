// Command start starts the investigations analysts ask for through the
// action center's API (POST /api/investigations) and its form (POST
// /investigations).
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/coldstart/intake"
	"github.com/firebreak/firebreak/shared/gateway/manual"
	"github.com/firebreak/firebreak/shared/stack"
)

func main() {
	ctx := context.Background()
	svc, err := intake.Start(ctx, os.Getenv)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	secret, err := coldstart.LinkSigningSecret(ctx, os.Getenv)
	if err != nil {
		log.Fatalf("start: %v", err)
	}
	lambda.Start(manual.Handler(svc, os.Getenv(stack.EnvDevIdentity), secret))
}
