// Command api serves the action center's JSON API through API Gateway.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/coldstart/remediators"
)

func main() {
	api, err := coldstart.API(context.Background(), os.Getenv, remediators.New)
	if err != nil {
		log.Fatalf("api: %v", err)
	}
	lambda.Start(api.Handler())
}
