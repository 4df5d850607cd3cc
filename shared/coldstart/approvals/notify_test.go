package approvals

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/stack"
)

// webhookSecretsServer answers GetSecretValue from values, on Secrets Manager's
// JSON protocol.
func webhookSecretsServer(t *testing.T, values map[string]string) aws.Config {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ SecretId string }
		json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		v, ok := values[in.SecretId]
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || !ok {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]string{
				"__type": "ResourceNotFoundException", "message": "no such secret"})
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"Name": in.SecretId, "SecretString": v})
	}))
	t.Cleanup(srv.Close)
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
}

func topicEnv(k string) string {
	if k == stack.EnvApprovalsTopicARN {
		return "arn:aws:sns:us-east-1:000000000000:approvals"
	}
	return ""
}

func TestNotifiersBuildsEachConfiguredChannel(t *testing.T) {
	cfg := webhookSecretsServer(t, map[string]string{
		"firebreak/slack": "https://hooks.slack.com/services/T0/B0/XXXXSECRET\n",
		"firebreak/teams": "https://example.webhook.office.com/webhookb2/XXXXSECRET",
	})
	set := settings.Notifications{SNS: true, SlackWebhookSecret: "firebreak/slack",
		TeamsWebhookSecret: "firebreak/teams"}
	ns, err := notifiers(context.Background(), topicEnv, cfg, set)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range ns {
		names = append(names, n.Name())
	}
	if got := strings.Join(names, ","); got != "sns,slack,teams" {
		t.Errorf("notifiers %s, want sns,slack,teams", got)
	}
}

func TestNotifiersRefusesASecretThatHoldsNoWebhookURL(t *testing.T) {
	cfg := webhookSecretsServer(t,
		map[string]string{"firebreak/teams": "http://example.com/XXXXSECRET"})
	set := settings.Notifications{TeamsWebhookSecret: "firebreak/teams"}
	_, err := notifiers(context.Background(), topicEnv, cfg, set)
	if err == nil || !strings.Contains(err.Error(), "firebreak/teams does not hold") {
		t.Fatalf("got %v, want the secret refused", err)
	}
	if strings.Contains(err.Error(), "XXXXSECRET") {
		t.Errorf("the error quotes the secret's value: %v", err)
	}
	set = settings.Notifications{SlackWebhookSecret: "firebreak/missing"}
	if _, err := notifiers(context.Background(), topicEnv, cfg, set); err == nil ||
		!strings.Contains(err.Error(), "read the Slack webhook URL from firebreak/missing") {
		t.Errorf("got %v, want the missing secret named", err)
	}
}

func TestNotifiersNeedTheTopicForSNS(t *testing.T) {
	_, err := notifiers(context.Background(), func(string) string { return "" },
		aws.Config{}, settings.Notifications{SNS: true})
	if err == nil || !strings.Contains(err.Error(), stack.EnvApprovalsTopicARN) {
		t.Errorf("got %v, want %s missing", err, stack.EnvApprovalsTopicARN)
	}
}
