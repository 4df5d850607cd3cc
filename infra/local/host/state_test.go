package host

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// maxStatePayloadBytes is Step Functions' limit on a state's input or
// output; maxInvestigationStateBytes is what an investigation's states
// may use of it, whatever its alerts hold.
const (
	maxStatePayloadBytes       = 256 * 1024
	maxInvestigationStateBytes = 4 * 1024
)

// TestInvestigationStatePassesIDsNotAlerts posts an alert that carries a
// description near the intake's limit and checks that no state of its
// execution's history carries more than a few KiB: states pass ids, the
// round and counts, and the alert stays in DynamoDB.
func TestInvestigationStatePassesIDsNotAlerts(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 200*1024)
	body := []byte(`{"schema": "firebreak.alert/v1", "source_alert_id": "big-1",
		"title": "Large alert", "time": "2025-03-14T09:21:07Z", "severity": "High",
		"description": "` + big + `", "threat_names": ["EICAR-Test-File"],
		"entities": [{"type": "host", "value": "i-0a1b2c3d4e5f60718"},
			{"type": "file", "value": "` + eicar[len("file:"):] + `"}]}`)
	id := postBody(t, body)
	waitForSettled(t, id)

	largest := 0
	for _, ev := range history(t, id) {
		for _, s := range statePayloads(ev) {
			largest = max(largest, len(s))
		}
	}
	t.Logf("largest state payload: %d bytes, for an alert of %d KiB", largest, len(body)/1024)
	if largest == 0 || largest > maxInvestigationStateBytes {
		t.Errorf("the largest state payload is %d bytes, want some, under %d (the limit is %d)",
			largest, maxInvestigationStateBytes, maxStatePayloadBytes)
	}
}

// history returns the events of investigation id's execution.
func history(t *testing.T, id string) []sfntypes.HistoryEvent {
	t.Helper()
	client := sfn.New(sfn.Options{BaseEndpoint: aws.String(testHost.URL), Region: Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	p := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{
		ExecutionArn: aws.String(testHost.ExecutionARN(id))})
	var events []sfntypes.HistoryEvent
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, page.Events...)
	}
	return events
}

// statesEntered counts the states an execution entered: the state
// transitions Step Functions bills.
func statesEntered(events []sfntypes.HistoryEvent) int {
	n := 0
	for _, ev := range events {
		n += btoi(ev.StateEnteredEventDetails != nil)
	}
	return n
}

// statePayloads returns the state inputs and outputs an event carries.
func statePayloads(ev sfntypes.HistoryEvent) []string {
	var out []string
	if d := ev.StateEnteredEventDetails; d != nil {
		out = append(out, aws.ToString(d.Input))
	}
	if d := ev.StateExitedEventDetails; d != nil {
		out = append(out, aws.ToString(d.Output))
	}
	if d := ev.TaskSucceededEventDetails; d != nil {
		out = append(out, aws.ToString(d.Output))
	}
	return out
}
