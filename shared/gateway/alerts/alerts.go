// Package alerts adapts the alert intake to the events that reach it:
// API Gateway proxy events on POST /alerts and POST /alerts/keyed, and
// EventBridge events carrying AWS services' findings. It is apart from
// shared/gateway so that functions serving other routes do not link the
// intake (and its policy engine).
package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/ingest"
)

// errorReply is a refused request's answer: the reason, and for a batch
// partly stored, each alert's result.
type errorReply struct {
	Error   string          `json:"error"`
	Results []ingest.Result `json:"results,omitempty"`
}

// Handler serves POST /alerts and POST /alerts/keyed with svc: 202 and a result per alert, or the
// status and reason of the *ingest.Rejection.
func Handler(svc *ingest.Service) gateway.Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		body, err := gateway.Body(req)
		if err != nil {
			return gateway.Reply(http.StatusBadRequest, errorReply{Error: err.Error()}), nil
		}
		header := gateway.Header(req)
		res, err := svc.Ingest(ctx, ingest.Request{
			Header:      header,
			APIKeyID:    req.RequestContext.Identity.APIKeyID,
			ContentType: header("Content-Type"),
			Body:        body,
			Format:      req.QueryStringParameters["format"],
		})
		var rej *ingest.Rejection
		if errors.As(err, &rej) {
			return gateway.Reply(rej.Status, errorReply{Error: rej.Reason, Results: rej.Results}), nil
		}
		if err != nil {
			return gateway.Reply(http.StatusInternalServerError, errorReply{Error: "internal error"}), nil
		}
		return gateway.Reply(http.StatusAccepted, res), nil
	}
}

// EventBridgeSource is the source name of findings that EventBridge
// delivers (GuardDuty, Security Hub): IAM authenticated the invocation, so
// they need no signature.
const EventBridgeSource = "aws-eventbridge"

// EventBridgeHandler is the shape of a Lambda handler an EventBridge rule
// invokes.
type EventBridgeHandler func(context.Context, json.RawMessage) error

// EventBridge ingests the events an EventBridge rule delivers, envelope
// and all, through the same intake as POST /alerts. An event Firebreak
// cannot parse is logged by the intake and dropped (retrying cannot fix
// it); a storage failure is returned so that Lambda retries the
// asynchronous invocation and, in the end, sends it to the dead-letter
// queue.
func EventBridge(svc *ingest.Service) EventBridgeHandler {
	return func(ctx context.Context, event json.RawMessage) error {
		_, err := svc.IngestTrusted(ctx, EventBridgeSource, event)
		var rej *ingest.Rejection
		if errors.As(err, &rej) && rej.Status >= http.StatusInternalServerError {
			return fmt.Errorf("ingest event: %w", err)
		}
		return nil
	}
}
