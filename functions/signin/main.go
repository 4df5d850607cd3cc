// Command signin signs analysts in to the action center through the
// Cognito hosted UI: GET /auth/signin and GET /auth/callback.
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart/analysts"
	"github.com/firebreak/firebreak/shared/gateway/signin"
)

func main() {
	o, err := analysts.SignIn(os.Getenv)
	if err != nil {
		log.Fatalf("signin: %v", err)
	}
	lambda.Start(signin.Handler(o))
}
