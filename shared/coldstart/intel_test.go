package coldstart

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/shared/intel"
	"github.com/firebreak/firebreak/shared/settings"
)

// secretsServer answers GetSecretValue for secret name with value, and
// records the secret ids asked for.
func secretsServer(t *testing.T, name, value string, asked *[]string) SecretReader {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ SecretId string }
		json.NewDecoder(r.Body).Decode(&in)
		*asked = append(*asked, r.Header.Get("X-Amz-Target")+" "+in.SecretId)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if in.SecretId != name {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"no such secret"}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"Name": name, "SecretString": value})
	}))
	t.Cleanup(srv.Close)
	return secretsmanager.New(secretsmanager.Options{BaseEndpoint: aws.String(srv.URL),
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
}

func TestIntelligenceAddsVirusTotalWhenItsSecretIsNamed(t *testing.T) {
	set, err := settings.Parse(firebreak.ConfigYAML)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, secret, value string
		wantSources         int
		wantErr             string
	}{
		{"lists only", "", "", 2, ""},
		{"lists and VirusTotal", "firebreak/virustotal", "  vt-key\n", 3, ""},
		{"an empty key", "firebreak/virustotal", " ", 0, "is empty"},
		{"a missing secret", "firebreak/other", "", 0, "read the VirusTotal API key"},
	}
	for _, tt := range tests {
		var asked []string
		secrets := secretsServer(t, "firebreak/virustotal", tt.value, &asked)
		got, err := Intelligence(context.Background(), set, tt.secret, secrets)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		chain, _ := got.(intel.Chain)
		if err != nil || len(chain) != tt.wantSources {
			t.Errorf("%s: %d sources (%v), want %d", tt.name, len(chain), err, tt.wantSources)
		}
		if tt.secret != "" && (len(asked) != 1 ||
			asked[0] != "secretsmanager.GetSecretValue "+tt.secret) {
			t.Errorf("%s: asked Secrets Manager %v, want one GetSecretValue of %s", tt.name,
				asked, tt.secret)
		}
	}
}
