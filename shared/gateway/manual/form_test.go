package manual

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/firebreak/firebreak/shared/ingest"
)

// TestFormNeedsASignedInAnalyst posts the form with no verified claims
// and no development identity: it is refused before the service runs
// (it has no store here).
func TestFormNeedsASignedInAnalyst(t *testing.T) {
	svc := &ingest.Service{Log: slog.New(slog.DiscardHandler)}
	resp, err := Handler(svc, "", []byte("k"))(context.Background(),
		events.APIGatewayProxyRequest{HTTPMethod: "POST", Resource: "/investigations",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			Body:    "entity_type=host&entity_key=i-1"})
	if err != nil || resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(resp.Body, "Sign in") {
		t.Errorf("POST /investigations with no identity = %d %s, %v; want 401",
			resp.StatusCode, resp.Body, err)
	}
}
