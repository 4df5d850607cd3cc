// Command api serves the action center's read API through API Gateway.
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
	st, err := coldstart.Store(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("api: %v", err)
	}
	lambda.Start(gateway.Investigations(st, coldstart.Logger()))
}
