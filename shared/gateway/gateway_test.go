package gateway

import (
	"encoding/base64"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHeaderReaderIgnoresCase(t *testing.T) {
	read := Header(events.APIGatewayProxyRequest{
		Headers:           map[string]string{"x-firebreak-source": "demo"},
		MultiValueHeaders: map[string][]string{"X-FIREBREAK-TIMESTAMP": {"1", "2"}},
	})
	if got := read("X-Firebreak-Source"); got != "demo" {
		t.Errorf("source = %q, want demo", got)
	}
	if got := read("X-Firebreak-Timestamp"); got != "1" {
		t.Errorf("timestamp = %q, want the first value 1", got)
	}
	if got := read("X-Firebreak-Signature"); got != "" {
		t.Errorf("absent header = %q, want empty", got)
	}
}

func TestRequestBodyDecodesBase64(t *testing.T) {
	raw := []byte{0xff, 0xfe, '{', '}'}
	got, err := Body(events.APIGatewayProxyRequest{
		Body: base64.StdEncoding.EncodeToString(raw), IsBase64Encoded: true})
	if err != nil || string(got) != string(raw) {
		t.Errorf("Body = %q, %v; want %q", got, err, raw)
	}
	if _, err := Body(events.APIGatewayProxyRequest{Body: "%%%",
		IsBase64Encoded: true}); err == nil {
		t.Errorf("Body of bad base64 succeeded, want an error")
	}
}
