package host

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/approval"
	"github.com/firebreak/firebreak/shared/approval/endpoint"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// hostLog holds every log line the test host wrote.
var hostLog syncBuffer

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// phishingSample opens an investigation whose email actions wait for
// approval (firebreak.yaml: email_actions: approve).
const phishingSample = "proofpoint/proofpoint-tap-siem-messages-delivered-phish-url.json"

// waitForSettled waits at most a minute for investigation id's execution
// to end or to wait only on people.
func waitForSettled(t *testing.T, id string) Settled {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := testHost.WaitForSettled(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pendingInvestigation resets the host, posts the phishing sample and
// returns its investigation and the pending actions as GET /api/actions
// lists them, with their links.
func pendingInvestigation(t *testing.T) (string, []endpoint.PendingView) {
	t.Helper()
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatalf("reset the host: %v", err)
	}
	id := postSample(t, phishingSample)
	if s := waitForSettled(t, id); !s.Waiting() || len(s.Pending) == 0 {
		t.Fatalf("execution %s with %d approvals pending; want it waiting on at least one",
			s.Status, len(s.Pending))
	}
	return id, pendingActions(t)
}

// pendingActions reads GET /api/actions?status=pending_approval.
func pendingActions(t *testing.T) []endpoint.PendingView {
	t.Helper()
	resp, body := fetch(t, "GET", "/api/actions?status=pending_approval", "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/actions = %d %s", resp.StatusCode, body)
	}
	var out struct{ Actions []endpoint.PendingView }
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out.Actions
}

// path returns a link's path and query, for fetch.
func path(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(link, testHost.URL+"/approvals/") {
		t.Fatalf("link %q does not lead to the host's approval page", link)
	}
	return u.RequestURI()
}

// confirmForm returns the form fields of an approval's confirmation page.
func confirmForm(t *testing.T, page string) url.Values {
	t.Helper()
	form := url.Values{}
	for _, name := range []string{"d", "exp", "sig", "csrf"} {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the confirmation page has no %s field:\n%s", name, page)
		}
		form.Set(name, html.UnescapeString(m[1]))
	}
	return form
}

// actionStatus reads action actID of investigation id from the table.
func actionStatus(t *testing.T, id, actID string) investigation.Action {
	t.Helper()
	acts, err := testHost.Store.Actions(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts {
		if a.ID == actID {
			return a
		}
	}
	t.Fatalf("no action %s in %s", actID, id)
	return investigation.Action{}
}

func TestApprovalLinkGETChangesNothingAndPOSTDecidesOnce(t *testing.T) {
	id, pending := pendingInvestigation(t)
	p := pending[0]

	// opening the link, as a mail scanner would, twice, changes nothing
	for range 2 {
		resp, page := fetch(t, "GET", path(t, p.ApproveURL), "", "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, string(p.Type)) {
			t.Fatalf("GET approve link = %d, want 200 naming %s:\n%s", resp.StatusCode,
				p.Type, page)
		}
	}
	if a := actionStatus(t, id, p.ID); a.Status != investigation.ActionPendingApproval {
		t.Fatalf("after two GETs the action is %s, want pending_approval", a.Status)
	}
	if ap, _ := testHost.Store.Approval(context.Background(), p.ApprovalID); ap.Status !=
		store.ApprovalPending {
		t.Fatalf("after two GETs the approval is %s, want pending", ap.Status)
	}

	// the form decides, once
	_, page := fetch(t, "GET", path(t, p.ApproveURL), "", "")
	form := confirmForm(t, page)
	resp, body := fetch(t, "POST", "/approvals/"+p.ApprovalID, formType, form.Encode())
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "approved") {
		t.Fatalf("POST = %d, want 200 saying approved:\n%s", resp.StatusCode, body)
	}
	a := actionStatus(t, id, p.ID)
	if a.ApprovedBy != DevAnalyst || a.DecidedAt.IsZero() {
		t.Errorf("action approved_by %q decided_at %v, want %s and a time", a.ApprovedBy,
			a.DecidedAt, DevAnalyst)
	}

	// a second click says who decided and when
	resp, body = fetch(t, "POST", "/approvals/"+p.ApprovalID, formType, form.Encode())
	when := a.DecidedAt.UTC().Format("2006-01-02 15:04:05Z")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, DevAnalyst) ||
		!strings.Contains(body, when) {
		t.Errorf("second POST = %d, want 200 naming %s and %s:\n%s", resp.StatusCode,
			DevAnalyst, when, body)
	}
	resp, body = fetch(t, "GET", path(t, p.ApproveURL), "", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Already decided") {
		t.Errorf("GET after the decision = %d, want the decided page:\n%s", resp.StatusCode,
			body)
	}

	// the API shows the decision
	v := readInvestigation(t, id)
	for _, got := range v.Actions {
		if got.ID == p.ID && (got.ApprovedBy != DevAnalyst || got.DecidedAt == nil) {
			t.Errorf("API action %+v, want approved_by and decided_at", got)
		}
	}
	rejectTheRest(t, id)
}

// rejectTheRest rejects every action still waiting, through the bulk
// API, one action type at a time, and waits for the execution to end.
func rejectTheRest(t *testing.T, id string) {
	t.Helper()
	byType := map[investigation.ActionType][]string{}
	for _, p := range pendingActions(t) {
		byType[p.Type] = append(byType[p.Type], p.ApprovalID)
	}
	for _, ids := range byType {
		b, _ := json.Marshal(map[string]any{"decision": "reject", "approval_ids": ids})
		resp, body := fetch(t, "POST", "/api/actions/decisions", "application/json",
			string(b))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("bulk reject = %d %s", resp.StatusCode, body)
		}
	}
	if st := waitForExecution(t, id); st != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution ended %s, want SUCCEEDED", st)
	}
}

func TestTamperedApprovalLinkIsForbiddenAndChangesNothing(t *testing.T) {
	id, pending := pendingInvestigation(t)
	p := pending[0]
	u, _ := url.Parse(p.ApproveURL)
	q := u.Query()
	tampered := map[string]url.Values{}
	for name, change := range map[string]func(url.Values){
		"decision": func(v url.Values) { v.Set("d", "reject") },
		"expiry":   func(v url.Values) { v.Set("exp", strconv.Itoa(int(time.Now().Unix())+1e6)) },
		"sig":      func(v url.Values) { v.Set("sig", strings.Repeat("A", 43)) },
		"no sig":   func(v url.Values) { v.Del("sig") },
	} {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		change(v)
		tampered[name] = v
	}
	for name, v := range tampered {
		resp, body := fetch(t, "GET", u.Path+"?"+v.Encode(), "", "")
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET with a tampered %s = %d, want 403:\n%s", name, resp.StatusCode, body)
		}
		v.Set("csrf", "x")
		resp, _ = fetch(t, "POST", u.Path, formType, v.Encode())
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST with a tampered %s = %d, want 403", name, resp.StatusCode)
		}
	}
	if a := actionStatus(t, id, p.ID); a.Status != investigation.ActionPendingApproval {
		t.Errorf("after tampered links the action is %s, want pending_approval", a.Status)
	}
	rejectTheRest(t, id)
}

func TestExpiredApprovalLinkSaysSoAndNothingRuns(t *testing.T) {
	id, pending := pendingInvestigation(t)
	p := pending[0]
	ap, err := testHost.Store.Approval(context.Background(), p.ApprovalID)
	if err != nil {
		t.Fatal(err)
	}
	ap.Expires = time.Now().Add(-time.Minute) // a link that expired a minute ago
	link := approval.URL([]byte(testHost.linkSecret), testHost.URL, ap, approval.Approve)

	resp, body := fetch(t, "GET", path(t, link), "", "")
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, "expired") {
		t.Errorf("GET expired link = %d, want 410 saying expired:\n%s", resp.StatusCode, body)
	}
	u, _ := url.Parse(link)
	form := u.Query()
	form.Set("csrf", "irrelevant")
	resp, body = fetch(t, "POST", u.Path, formType, form.Encode())
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, "expired") {
		t.Errorf("POST expired link = %d, want 410 saying expired:\n%s", resp.StatusCode, body)
	}
	if a := actionStatus(t, id, p.ID); a.Status != investigation.ActionPendingApproval {
		t.Errorf("after an expired link the action is %s, want pending_approval", a.Status)
	}
	rejectTheRest(t, id)
}

func TestTaskTokenIsInNoLogLineAndNoURL(t *testing.T) {
	id, pending := pendingInvestigation(t)
	var tokens []string
	for _, p := range pending {
		db := dynamodblocal.NewClient(os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"))
		out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
			TableName: aws.String(tableName), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "APPROVAL#" + p.ApprovalID},
				"sk": &types.AttributeValueMemberS{Value: "META"}}})
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := out.Item["task_token"].(*types.AttributeValueMemberS)
		if tok == nil || tok.Value == "" {
			t.Fatalf("approval %s keeps no task token", p.ApprovalID)
		}
		tokens = append(tokens, tok.Value)
		for _, link := range []string{p.ApproveURL, p.RejectURL} {
			if strings.Contains(link, tok.Value) ||
				strings.Contains(link, url.QueryEscape(tok.Value)) {
				t.Errorf("link %s carries the task token", link)
			}
		}
	}
	rejectTheRest(t, id)
	logs := hostLog.String()
	if !strings.Contains(logs, "request_approval") {
		t.Fatalf("the host's log has no request_approval line: the capture is broken")
	}
	for _, tok := range tokens {
		if strings.Contains(logs, tok) {
			t.Errorf("a log line carries the task token %s…", tok[:8])
		}
	}
}

// TestTwoRacingPOSTsDecideOnce has an approve and a reject of one link
// posted at once over HTTP: one decides, the other is told who decided
// and when, and the timeline holds one decision (the decision and its
// SendTaskSuccess are the winner's alone; shared/approval counts the
// calls).
func TestTwoRacingPOSTsDecideOnce(t *testing.T) {
	id, pending := pendingInvestigation(t)
	p := pending[0]
	forms := map[string]url.Values{}
	for d, link := range map[string]string{"approve": p.ApproveURL, "reject": p.RejectURL} {
		_, page := fetch(t, "GET", path(t, link), "", "")
		forms[d] = confirmForm(t, page)
	}

	bodies := make(chan string, 2)
	var wg sync.WaitGroup
	for _, form := range forms {
		wg.Go(func() {
			_, body := fetch(t, "POST", "/approvals/"+p.ApprovalID, formType, form.Encode())
			bodies <- body
		})
	}
	wg.Wait()
	close(bodies)
	decided, told := 0, 0
	for b := range bodies {
		decided += btoi(strings.Contains(b, "You approved") || strings.Contains(b, "You rejected"))
		told += btoi(strings.Contains(b, "Already decided"))
	}
	if decided != 1 || told != 1 {
		t.Errorf("%d POSTs decided and %d were told who did, want 1 and 1", decided, told)
	}
	decisions := 0
	for _, e := range readInvestigation(t, id).Timeline {
		decisions += btoi((e.Kind == "action_approved" || e.Kind == "action_rejected") &&
			strings.Contains(e.Message, p.ID))
	}
	if decisions != 1 {
		t.Errorf("the timeline holds %d decisions of %s, want 1", decisions, p.ID)
	}
	rejectTheRest(t, id)
}
