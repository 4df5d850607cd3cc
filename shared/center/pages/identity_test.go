package pages

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// TestChangesNeedASignedInAnalyst sends the POSTs with no verified claims
// and no development identity, as an unauthenticated request would reach
// the function: each is refused before the store is touched (there is
// none here).
func TestChangesNeedASignedInAnalyst(t *testing.T) {
	c := &Center{Secret: []byte("k"), Log: slog.New(slog.DiscardHandler), Now: time.Now}
	h := c.Handler()
	for _, tt := range []struct{ resource, contentType, body, reason string }{
		{"/investigations/{id}/terminate", "application/x-www-form-urlencoded", "csrf=x",
			"Sign in"},
		{"/api/investigations/{id}/terminate", "application/json", "{}", "sign in"},
	} {
		resp, err := h(context.Background(), events.APIGatewayProxyRequest{
			HTTPMethod: "POST", Resource: tt.resource, Path: "/x",
			PathParameters: map[string]string{"id": "01ABC"},
			Headers:        map[string]string{"Content-Type": tt.contentType}, Body: tt.body})
		if err != nil || resp.StatusCode != http.StatusUnauthorized ||
			!strings.Contains(resp.Body, tt.reason) {
			t.Errorf("POST %s with no identity = %d %s, %v; want 401 saying %q", tt.resource,
				resp.StatusCode, resp.Body, err, tt.reason)
		}
	}
}

func TestUnknownPathIsNotFound(t *testing.T) {
	c := &Center{Log: slog.New(slog.DiscardHandler), Now: time.Now}
	resp, _ := c.Handler()(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: "GET", Resource: "/nope", Path: "/nope<script>"})
	if resp.StatusCode != http.StatusNotFound || strings.Contains(resp.Body, "<script>") {
		t.Errorf("GET /nope<script> = %d %s, want 404 with the path escaped", resp.StatusCode,
			resp.Body)
	}
}
