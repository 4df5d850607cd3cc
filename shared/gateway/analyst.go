package gateway

import (
	"github.com/aws/aws-lambda-go/events"
)

// Analyst returns who sent an action center request: the email, else the
// user name, of the Cognito user pool's claims that API Gateway's
// authorizer verified, else dev, the development identity the local host
// sets (empty in the cloud). "" means nobody is signed in.
func Analyst(req events.APIGatewayProxyRequest, dev string) string {
	claims, _ := req.RequestContext.Authorizer["claims"].(map[string]any)
	for _, name := range []string{"email", "cognito:username", "sub"} {
		if v, ok := claims[name].(string); ok && v != "" {
			return v
		}
	}
	return dev
}
