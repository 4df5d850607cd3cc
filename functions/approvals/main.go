// Command approvals serves approval links, the pending-actions queue and
// their decisions through API Gateway.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart/center"
)

func main() {
	e, err := center.Approvals(context.Background(), os.Getenv)
	if err != nil {
		log.Fatalf("approvals: %v", err)
	}
	lambda.Start(e.Handler())
}
