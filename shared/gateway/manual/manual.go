// Package manual adapts the manual start of an investigation (POST
// /api/investigations) to API Gateway. It is apart from gateway because the
// manual start chooses playbooks by policy, and so links CEL, which the
// other action center functions must not.
package manual

import (
	"context"
	"errors"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/ingest"
)

// Start serves POST /api/investigations: an analyst starts an
// investigation of a stored alert ({"alert_id": …}) or of an entity
// ({"entity_type": …, "entity_key": …}), optionally naming the playbook
// and automation level. It answers 201 with the investigation's id.
func Start(svc *ingest.Service, dev string) gateway.Handler {
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (
		events.APIGatewayProxyResponse, error) {
		who := gateway.Analyst(req, dev)
		if who == "" {
			return gateway.Reply(http.StatusUnauthorized,
				gateway.ErrorBody("sign in to start an investigation")), nil
		}
		var mr ingest.ManualRequest
		if status, err := gateway.DecodeJSON(req, &mr); err != nil {
			return gateway.Reply(status, gateway.ErrorBody(err.Error())), nil
		}
		mr.StartedBy = who
		out, err := svc.StartManual(ctx, mr)
		var rej *ingest.Rejection
		if errors.As(err, &rej) {
			return gateway.Reply(rej.Status, gateway.ErrorBody(rej.Reason)), nil
		}
		if err != nil {
			return gateway.Reply(http.StatusInternalServerError,
				gateway.ErrorBody("internal error")), nil
		}
		return gateway.Reply(http.StatusCreated, out), nil
	}
}
