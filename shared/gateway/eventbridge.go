package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/firebreak/firebreak/shared/ingest"
)

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
