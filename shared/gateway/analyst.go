package gateway

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// The keys of what the analysts' authorizer (see gateway/signin) verified,
// in the context API Gateway passes on to the functions behind it as
// requestContext.authorizer.
const (
	// ContextAnalyst is the analyst's email, else their user name.
	ContextAnalyst = "analyst"
	// ContextGroups is the analyst's Cognito groups, comma-separated.
	ContextGroups = "groups"
)

// Analyst returns who sent an action center request: the analyst the
// authorizer verified, else dev, the development identity the local host
// sets (empty in the cloud). "" means nobody is signed in.
func Analyst(req events.APIGatewayProxyRequest, dev string) string {
	if v, ok := req.RequestContext.Authorizer[ContextAnalyst].(string); ok && v != "" {
		return v
	}
	return dev
}

// Verified reports whether the authorizer verified who sent req: false
// for every request of the local host, where nobody signs in.
func Verified(req events.APIGatewayProxyRequest) bool {
	_, ok := req.RequestContext.Authorizer[ContextAnalyst]
	return ok
}

// Groups returns the Cognito groups the authorizer verified the analyst
// of req belongs to.
func Groups(req events.APIGatewayProxyRequest) []string {
	raw, _ := req.RequestContext.Authorizer[ContextGroups].(string)
	return strings.FieldsFunc(raw, func(r rune) bool { return r == ',' })
}
