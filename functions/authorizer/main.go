// Command authorizer is the REST API's authorizer of the action center's
// routes: it lets through an analyst with a valid ID token of the user
// pool, in the Authorization header or the session cookie.
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/coldstart"
	"github.com/firebreak/firebreak/shared/coldstart/analysts"
	"github.com/firebreak/firebreak/shared/gateway/signin"
)

func main() {
	v, err := analysts.Verifier(os.Getenv)
	if err != nil {
		log.Fatalf("authorizer: %v", err)
	}
	lambda.Start(signin.Authorizer(v, coldstart.Logger()))
}
