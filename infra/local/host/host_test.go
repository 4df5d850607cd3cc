package host

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/gateway"
	"github.com/firebreak/firebreak/shared/gateway/alerts"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/stack"
)

// testHost is the one host of this test binary: a process runs one.
var testHost *Host

// TestMain runs the tests against one host that starts its own DynamoDB
// Local. The tests fail, never skip, when it cannot start.
func TestMain(m *testing.M) {
	root, _ := filepath.Abs("../../..")
	h, err := Start(context.Background(), Options{Root: root, Log: discardLog()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the local host:", err)
		os.Exit(1)
	}
	testHost = h
	code := m.Run()
	h.Close()
	os.Exit(code)
}

// post sends body to /alerts signed as the demo source at ts.
func post(t *testing.T, body []byte, contentType string, sign func(*http.Request)) (
	int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, testHost.URL+"/alerts", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	sign(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /alerts: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signedAt signs a request as the demo source at time ts with secret.
func signedAt(ts time.Time, secret ingest.Secret, body []byte) func(*http.Request) {
	return func(r *http.Request) {
		stamp := strconv.FormatInt(ts.Unix(), 10)
		r.Header.Set(ingest.HeaderSource, DemoSource)
		r.Header.Set(ingest.HeaderTimestamp, stamp)
		r.Header.Set(ingest.HeaderSignature, ingest.Sign(secret, stamp, body))
	}
}

func signed(body []byte) func(*http.Request) { return signedAt(time.Now(), DemoSecret, body) }

// waitForExecution waits at most a minute for investigation id's
// execution to stop running.
func waitForExecution(t *testing.T, id string) sfntypes.ExecutionStatus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := testHost.WaitForExecution(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// investigation reads id through the read API.
func readInvestigation(t *testing.T, id string) gateway.InvestigationView {
	t.Helper()
	resp, err := http.Get(testHost.URL + "/api/investigations/" + id)
	if err != nil {
		t.Fatalf("GET investigation: %v", err)
	}
	defer resp.Body.Close()
	var v gateway.InvestigationView
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET investigation %s: status %d", id, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("decode investigation: %v", err)
	}
	return v
}

func TestSameAlertTwiceGetsTheFirstIDs(t *testing.T) {
	body := ocsfAlert(t, "dup-1")
	_, first := post(t, body, "application/json", signed(body))
	status, second := post(t, body, "application/json", signed(body))
	var a, b ingest.Reply
	json.Unmarshal([]byte(first), &a)
	json.Unmarshal([]byte(second), &b)
	if status != http.StatusAccepted || len(b.Results) != 1 || b.Results[0].Status != "duplicate" {
		t.Fatalf("second POST = %d %s, want 202 with a duplicate", status, second)
	}
	if b.Results[0].AlertID != a.Results[0].AlertID ||
		b.Results[0].InvestigationID != a.Results[0].InvestigationID {
		t.Errorf("duplicate got %+v, want the first ids %+v", b.Results[0], a.Results[0])
	}
	waitForSettled(t, a.Results[0].InvestigationID)
}

// ocsfAlert returns the Prowler OCSF sample with its finding uid set to uid.
func ocsfAlert(t *testing.T, uid string) []byte {
	t.Helper()
	const sample = "detection-finding-2004-prowler-iam-user-no-mfa.json"
	raw, err := os.ReadFile("../../../events/alerts/ocsf/" + sample)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc["finding_info"].(map[string]any)["uid"] = uid
	b, _ := json.Marshal(doc)
	return b
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	good := ocsfAlert(t, "never-stored")
	deep := []byte(strings.Repeat("[", 65) + strings.Repeat("]", 65))
	big := []byte(`{"pad":"` + strings.Repeat("x", ingest.MaxBodyBytes) + `"}`)
	tests := []struct {
		name        string
		body        []byte
		contentType string
		sign        func(*http.Request)
		want        int
		reason      string
	}{
		{"malformed JSON", []byte(`{"detail":`), "application/json", signed([]byte(`{"detail":`)),
			400, "JSON"},
		{"unknown format", []byte(`{"hello":"world"}`), "application/json",
			signed([]byte(`{"hello":"world"}`)), 400, "guardduty"},
		{"no credentials", good, "application/json", func(*http.Request) {}, 401, "missing"},
		{"wrong secret", good, "application/json", signedAt(time.Now(), "wrong", good), 403,
			"signature"},
		{"stale timestamp", good, "application/json",
			signedAt(time.Now().Add(-10*time.Minute), DemoSecret, good), 403, "seconds old"},
		{"body signed for another body", good, "application/json",
			signed([]byte(`{}`)), 403, "signature"},
		{"not JSON content", good, "text/plain", signed(good), 415, "application/json"},
		{"too deep", deep, "application/json", signed(deep), 400, "nested"},
		{"too large", big, "application/json", signed(big), 413, "limit"},
	}
	before := countItems(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, tt.body, tt.contentType, tt.sign)
			if status != tt.want || !strings.Contains(body, tt.reason) {
				t.Errorf("got %d %s, want %d with a reason mentioning %q",
					status, body, tt.want, tt.reason)
			}
		})
	}
	if after := countItems(t); after != before {
		t.Errorf("table held %d items before the bad requests and %d after, want no change",
			before, after)
	}
}

// countItems counts the table's items. Only a test scans.
func countItems(t *testing.T) int32 {
	t.Helper()
	db := dynamodblocal.NewClient(os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"))
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{
		TableName: aws.String(tableName), Select: "COUNT", ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("count items: %v", err)
	}
	return out.Count
}

func TestUnknownInvestigationIsNotFound(t *testing.T) {
	resp, err := http.Get(testHost.URL + "/api/investigations/NOPE")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET unknown investigation = %d, want 404", resp.StatusCode)
	}
}

func TestEveryStackFunctionCanBeBuilt(t *testing.T) {
	run := 0
	for _, f := range stack.Firebreak.Functions {
		_, ok := builders[f.Name]
		switch {
		case f.Authorizes && ok:
			t.Errorf("function %s authorizes API routes, which the host does not do", f.Name)
		case !f.Authorizes && !ok:
			t.Errorf("function %s of the stack has no builder in the local host", f.Name)
		case !f.Authorizes:
			run++
		}
	}
	if len(builders) != run {
		t.Errorf("the host builds %d functions, the stack has %d it runs", len(builders), run)
	}
}

// discardLog is the test host's log: kept in hostLog, for the tests that
// check what was logged, and shown nowhere.
func discardLog() *slog.Logger { return slog.New(slog.NewJSONHandler(&hostLog, nil)) }

func TestAPIKeyStandsInForASignatureOnTheKeyedRoute(t *testing.T) {
	body := ocsfAlert(t, "keyed-1")
	send := func(key string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, testHost.URL+"/alerts/keyed",
			bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("X-Api-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST /alerts/keyed: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, reply := send("wrong-key"); status != http.StatusForbidden {
		t.Errorf("unknown API key: %d %s, want 403", status, reply)
	}
	if status, reply := send(""); status != http.StatusForbidden {
		t.Errorf("no API key: %d %s, want 403", status, reply)
	}
	status, reply := send(DemoAPIKey)
	if status != http.StatusAccepted || !strings.Contains(reply, `"accepted"`) {
		t.Fatalf("demo API key: %d %s, want 202 accepted", status, reply)
	}
	var res ingest.Reply
	json.Unmarshal([]byte(reply), &res)
	if id := res.Results[0].InvestigationID; id != "" {
		waitForSettled(t, id)
	}
}

func TestUnknownRouteAnswersAsAPIGatewayDoes(t *testing.T) {
	resp, err := http.Get(testHost.URL + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(b),
		"Missing Authentication Token") {
		t.Errorf("GET /nowhere = %d %s, want API Gateway's 403", resp.StatusCode, b)
	}
}

func TestGuardDutyFindingOnTheEventBusIsIngested(t *testing.T) {
	// EventBridge delivers the finding in its envelope; PutEvents takes its detail
	const sample = "recon-iamuser-maliciousipcaller-custom.json"
	raw, err := os.ReadFile("../../../events/alerts/guardduty/" + sample)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Detail json.RawMessage `json:"detail"`
	}
	json.Unmarshal(raw, &env)
	var detail map[string]any
	json.Unmarshal(env.Detail, &detail)
	detail["id"] = "eventbus-" + strconv.FormatInt(time.Now().UnixNano(), 10)
	b, _ := json.Marshal(detail)

	client := eventbridge.New(eventbridge.Options{BaseEndpoint: aws.String(testHost.URL),
		Region: Region, Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")})
	out, err := client.PutEvents(context.Background(), &eventbridge.PutEventsInput{
		Entries: []ebtypes.PutEventsRequestEntry{{Source: aws.String("aws.guardduty"),
			DetailType: aws.String("GuardDuty Finding"), Detail: aws.String(string(b))}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents = %+v, %v", out, err)
	}

	// the finding is stored under the EventBridge source, and investigated
	_, invID, ok, err := testHost.Store.Lookup(context.Background(), alerts.EventBridgeSource,
		detail["id"].(string))
	if err != nil || !ok {
		t.Fatalf("Lookup of the delivered finding = %v, %v; want it stored", ok, err)
	}
	if invID == "" {
		t.Fatalf("the high-severity finding opened no investigation")
	}
	if st := waitForSettled(t, invID); !st.OK() {
		t.Errorf("its execution ended %s, want SUCCEEDED", st)
	}
}

func TestAPageOfAnotherSiteCannotReachTheLocalHost(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, testHost.URL+"/api/investigations", nil)
	req.Host = "rebind.attacker.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET with Host rebind.attacker.example = %d, want 403", resp.StatusCode)
	}
	for _, host := range []string{"localhost:3000", "127.0.0.1", "[::1]:8080", "192.0.2.7"} {
		if !localHostHeader(host) {
			t.Errorf("localHostHeader(%q) = false, want true", host)
		}
	}
}

func TestAMalformedQueryStringIsRefusedNotDropped(t *testing.T) {
	resp, err := http.Get(testHost.URL + "/api/investigations?status=%zz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("GET ?status=%%zz = %d, want 400", resp.StatusCode)
	}
}
