package host

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/investigation"
)

// startByHand posts body to POST /api/investigations as JSON.
func startByHand(t *testing.T, body string) (int, string) {
	t.Helper()
	return startByHandAs(t, "application/json", body)
}

// startByHandAs posts body to POST /api/investigations as contentType.
func startByHandAs(t *testing.T, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(testHost.URL+"/api/investigations", contentType,
		strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAnalystStartsAnInvestigationOfAnEntityByHand(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	status, body := startByHand(t, `{"entity_type": "file",
		"entity_key": "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"}`)
	var out ingest.ManualReply
	json.Unmarshal([]byte(body), &out)
	if status != http.StatusCreated || out.InvestigationID == "" || out.Playbook != "general" {
		t.Fatalf("start = %d %s, want 201 with the general playbook policy chose", status, body)
	}
	if st := waitForSettled(t, out.InvestigationID); !st.OK() {
		t.Fatalf("execution ended %s, want SUCCEEDED", st)
	}
	v := readInvestigation(t, out.InvestigationID)
	wantVerdicts(t, v, map[string]investigation.Verdict{eicar: mal, web01: sus, web02: sus})
	if got := entity(t, v, eicar).FoundBy; got != "analyst "+DevAnalyst {
		t.Errorf("the file was found by %q, want the analyst", got)
	}
}

func TestAnalystStartsAStoredAlertWithTheNamedPlaybook(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	body := ocsfAlert(t, "stored-then-started")
	_, reply := post(t, body, "application/json", signed(body))
	var res ingest.Reply
	json.Unmarshal([]byte(reply), &res)
	first := res.Results[0]
	waitForSettled(t, first.InvestigationID)

	status, started := startByHand(t, `{"alert_id": "`+first.AlertID+`",
		"playbook": "compromised_user", "automation": "semi"}`)
	var out ingest.ManualReply
	json.Unmarshal([]byte(started), &out)
	if status != http.StatusCreated || out.Playbook != "compromised_user" ||
		out.Automation != investigation.LevelSemi || out.InvestigationID == first.InvestigationID {
		t.Fatalf("start = %d %s, want 201 opening a new compromised_user investigation",
			status, started)
	}
	waitForSettled(t, out.InvestigationID)
	if v := readInvestigation(t, out.InvestigationID); len(v.Alerts) != 1 ||
		v.Alerts[0].ID != first.AlertID {
		t.Errorf("the new investigation holds %+v, want the stored alert", v.Alerts)
	}
}

func TestBadManualStartsAreRefusedWithAReason(t *testing.T) {
	// an investigation that is running: it waits for a scope decision
	ctx := context.Background()
	running := postBody(t, seedCampaign(t, 12))
	waitForStatus(t, running, investigation.StatusPendingApproval)
	defer func() {
		decideScope(t, running, "reject")
		waitForSettled(t, running)
	}()
	tests := []struct {
		name, body string
		status     int
		reason     string
	}{
		{"empty body", ``, 400, "the body is empty"},
		{"empty object", `{}`, 400, "alert_id, or entity_type and entity_key, is required"},
		{"a number for a string", `{"alert_id": 7}`, 400, `field "alert_id" must be a string`},
		{"control characters in a key", `{"entity_type": "host",
			"entity_key": "i-\u001b[2Jred"}`, 400, "control or invisible characters"},
		{"NUL in a key", `{"entity_type": "host", "entity_key": "i-a\u0000b"}`, 400,
			"control or invisible characters"},
		{"script URL", `{"entity_type": "url", "entity_key": "javascript:alert(1)"}`, 400,
			"want an absolute http or https URL"},
		{"domain that is none", `{"entity_type": "domain", "entity_key": "ex_a..com"}`, 400,
			"want a host name"},
		{"two at signs", `{"entity_type": "mailbox", "entity_key": "a@b@c"}`, 400,
			"want an email address"},
		{"key that is no access key", `{"entity_type": "access_key", "entity_key": "hello"}`,
			400, "want an access key id"},
		{"markup in a user key", `{"entity_type": "user",
			"entity_key": "<script>alert(1)</script>"}`, 400, "markup characters"},
		{"an invisible right-to-left override", `{"entity_type": "host",
			"entity_key": "web\u202ex"}`, 400, "invisible characters"},
		{"an array", `[]`, 400, "must be a JSON object"},
		{"both kinds", `{"alert_id": "a", "entity_type": "host", "entity_key": "h"}`, 400,
			"not both"},
		{"unknown alert", `{"alert_id": "01NOSUCHALERT"}`, 404, "no stored alert"},
		{"unknown entity type", `{"entity_type": "toaster", "entity_key": "t"}`, 400,
			`entity_type "toaster" is not an entity type`},
		{"key that is no hash", `{"entity_type": "file", "entity_key": "not-a-hash"}`, 400,
			`is not a valid file key`},
		{"unknown playbook", `{"entity_type": "host", "entity_key": "h-1",
			"playbook": "magic"}`, 400, `playbook "magic" is not one of`},
		{"automation off", `{"entity_type": "host", "entity_key": "h-1",
			"automation": "off"}`, 400, `automation "off"`},
		{"unknown field", `{"entity": "host"}`, 400, "unknown field"},
		{"not JSON", `{"alert_id": `, 400, "not the JSON object expected"},
		{"two objects", `{} {}`, 400, "more than one JSON value"},
		{"too large", `{"alert_id": "` + strings.Repeat("a", 17*1024) + `"}`, 413,
			"larger than 16 KiB"},
		{"covered by a running investigation", `{"entity_type": "file",
			"entity_key": "` + campaignHash + `"}`, 409,
			"is already under investigation " + running},
	}
	for _, tt := range tests {
		status, body := startByHand(t, tt.body)
		var answer struct{ Error string }
		json.Unmarshal([]byte(body), &answer)
		if status != tt.status || !strings.Contains(answer.Error, tt.reason) {
			t.Errorf("%s: got %d %s, want %d saying %q", tt.name, status, body, tt.status,
				tt.reason)
		}
	}
	if status, body := startByHandAs(t, "text/plain", `{}`); status !=
		http.StatusUnsupportedMediaType {
		t.Errorf("a text/plain start = %d %s, want 415", status, body)
	}
	ents, err := testHost.Store.Entities(ctx, running)
	if err != nil || len(ents) != 13 {
		t.Errorf("the running investigation holds %d entities (%v), want its 13 untouched",
			len(ents), err)
	}
}
