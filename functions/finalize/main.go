// Command finalize is the Finalize step of the investigation state machine.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart"
)

func main() {
	steps, err := coldstart.Steps(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("finalize: %v", err)
	}
	lambda.Start(steps.Finalize)
}
