package host

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// hostile is a title and name an attacker controls: markup, quotes, a
// script URL and SVG.
const hostile = `<script>alert(1)</script>"'><a href="javascript:alert(2)">x</a>` +
	`<svg onload=alert(3)><text>y</text></svg>`

// genericAlert is an alert in Firebreak's own schema naming one host that
// no other alert names, so it opens an investigation of its own.
func genericAlert(uid, title, severity, hostName string) []byte {
	b, _ := json.Marshal(map[string]any{
		"schema": "firebreak.alert/v1", "source_alert_id": uid, "title": title,
		"time": time.Now().UTC().Format(time.RFC3339), "severity": severity,
		"entities": []map[string]any{{"type": "host", "value": "i-" + uid, "name": hostName}},
	})
	return b
}

// noRedirect is a client that shows a redirect instead of following it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// fetch sends a request to the host and returns the answer and its body.
func fetch(t *testing.T, method, path, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, testHost.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// listed is GET /api/investigations's answer.
type listed struct {
	Investigations []store.Summary `json:"investigations"`
	Next           string          `json:"next"`
}

func list(t *testing.T, q string) listed {
	t.Helper()
	resp, body := fetch(t, "GET", "/api/investigations?"+q, "", "")
	var l listed
	if err := json.Unmarshal([]byte(body), &l); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/investigations?%s = %d %s, want 200", q, resp.StatusCode, body)
	}
	return l
}

func ids(l listed) []string {
	var out []string
	for _, s := range l.Investigations {
		out = append(out, s.ID)
	}
	return out
}

// openFour resets the host and opens four investigations one after the
// other, oldest first: three generic ones (high, medium, high) and the
// Prowler OCSF finding. Each execution ends before the next opens.
func openFour(t *testing.T) []string {
	t.Helper()
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	var opened []string
	for i, sev := range []string{"High", "Medium", "High"} {
		uid := fmt.Sprintf("center-%d-%d", i, time.Now().UnixNano())
		opened = append(opened, postBody(t, genericAlert(uid, "Beacon "+uid, sev, "web")))
		waitForSettled(t, opened[i])
	}
	opened = append(opened, postBody(t, ocsfAlert(t, fmt.Sprint("center-ocsf-",
		time.Now().UnixNano()))))
	waitForSettled(t, opened[3])
	return opened
}

func TestActionCenterListsInvestigationsNewestFirstWithFiltersAndPages(t *testing.T) {
	opened := openFour(t)
	newestFirst := slices.Clone(opened)
	slices.Reverse(newestFirst)

	// every one, newest first, then in pages of three
	if got := ids(list(t, "")); !slices.Equal(got, newestFirst) {
		t.Fatalf("list = %v, want %v newest first", got, newestFirst)
	}
	first := list(t, "limit=3")
	if first.Next == "" {
		t.Fatalf("first page of 3 of 4 has no next cursor")
	}
	second := list(t, "limit=3&after="+url.QueryEscape(first.Next))
	if got := append(ids(first), ids(second)...); !slices.Equal(got, newestFirst) ||
		second.Next != "" {
		t.Errorf("pages = %v then %v (next %q), want %v and no further page", ids(first),
			ids(second), second.Next, newestFirst)
	}

	// each filter
	all := list(t, "")
	noThreats := 0
	for _, s := range all.Investigations {
		noThreats += btoi(s.Status == investigation.StatusNoThreatsFound)
	}
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format("2006-01-02")
	tests := []struct {
		query string
		want  []string
	}{
		{"severity=high&format=generic", []string{opened[2], opened[0]}},
		{"severity=medium", []string{opened[1]}},
		{"format=ocsf", []string{opened[3]}},
		{"format=generic&severity=high&limit=1", []string{opened[2]}},
		{"source=" + DemoSource, newestFirst},
		{"source=nobody", nil},
		{"from=" + tomorrow, nil},
		{"to=2000-01-01", nil},
		{"from=2000-01-01&to=" + tomorrow, newestFirst},
	}
	for _, tt := range tests {
		if got := ids(list(t, tt.query)); !slices.Equal(got, tt.want) {
			t.Errorf("list ?%s = %v, want %v", tt.query, got, tt.want)
		}
	}
	if got := len(list(t, "status=no_threats_found").Investigations); got != noThreats {
		t.Errorf("status=no_threats_found lists %d, want %d", got, noThreats)
	}

	// the page lists them with its filters kept
	resp, body := fetch(t, "GET", "/?format=generic", "", "")
	if resp.StatusCode != 200 || strings.Contains(body, opened[3]) ||
		!strings.Contains(body, opened[0]) || !strings.Contains(body, "<option selected>generic") {
		t.Errorf("GET /?format=generic = %d, want the generic investigations only:\n%s",
			resp.StatusCode, body)
	}
}

func TestBadFiltersAreRefusedWithAReason(t *testing.T) {
	tests := []struct{ query, reason string }{
		{"status=bogus", "status"},
		{"severity=extreme", "severity"},
		{"format=nope", "format"},
		{"source=%3Cscript%3E", "source"},
		{"from=yesterday", "from"},
		{"from=2026-02-01&to=2026-01-01", "before"},
		{"after=%25%25", "cursor"},
		{"after=" + url.QueryEscape("bm90IGEga2V5"), "cursor"},
		{"limit=0", "limit"},
		{"limit=1000", "limit"},
		{"colour=red", "unknown parameter"},
	}
	for _, tt := range tests {
		for _, path := range []string{"/api/investigations", "/", "/api/audit", "/audit",
			"/audit.csv"} {
			resp, body := fetch(t, "GET", path+"?"+tt.query, "", "")
			if resp.StatusCode != 400 || !strings.Contains(body, tt.reason) {
				t.Errorf("GET %s?%s = %d %s, want 400 naming %q", path, tt.query,
					resp.StatusCode, body, tt.reason)
			}
		}
	}
}

func TestInvestigationPageShowsEverythingAndEscapesAlertStrings(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := postBody(t, genericAlert(fmt.Sprint("hostile-", time.Now().UnixNano()), hostile,
		"High", hostile))
	waitForSettled(t, id)
	v := readInvestigation(t, id)

	resp, body := fetch(t, "GET", "/investigations/"+id, "", "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET the investigation's page = %d, want 200:\n%s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp,
		"default-src 'none'") {
		t.Errorf("Content-Security-Policy = %q, want default-src 'none'", csp)
	}

	// what the page shows
	for _, want := range []string{"<h2>Alerts</h2>", "<h2>Entities</h2>", "<h2>Actions</h2>",
		"<h2>Timeline</h2>", "<svg", string(v.Status), "ingest", v.Alerts[0].ID,
		"host:i-hostile-", html.EscapeString("<script>alert(1)</script>")} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	nodes := strings.Count(body, `<g class="node verdict-`)
	if nodes != len(v.Entities) || nodes == 0 {
		t.Errorf("the graph draws %d entities, want all %d", nodes, len(v.Entities))
	}

	// nothing the alert sent is markup
	for _, bad := range []string{"<script>", "<a href=\"javascript:", "<svg onload",
		"<text>y</text>"} {
		if strings.Contains(body, bad) {
			t.Errorf("the page holds the alert's %q unescaped", bad)
		}
	}

	// an unknown investigation has no page
	resp, body = fetch(t, "GET", "/investigations/NOSUCH%3Cb%3E", "", "")
	if resp.StatusCode != 404 || strings.Contains(body, "<b>") ||
		!strings.Contains(body, "There is no investigation") {
		t.Errorf("GET an unknown investigation = %d %s, want 404 with the id escaped",
			resp.StatusCode, body)
	}
	long := strings.Repeat("A", 3000) // longer than a key may be
	for _, path := range []string{"/investigations/" + long,
		"/api/investigations/" + long + "/terminate"} {
		method, contentType, body := "GET", "", ""
		if strings.HasSuffix(path, "/terminate") {
			method, contentType, body = "POST", "application/json", "{}"
		}
		if resp, _ := fetch(t, method, path, contentType, body); resp.StatusCode != 404 {
			t.Errorf("%s an id of 3000 characters = %d, want 404", method, resp.StatusCode)
		}
	}
}

// csrfIn returns the CSRF token of the form posting to action on a page.
func csrfIn(t *testing.T, page, action string) string {
	t.Helper()
	re := regexp.MustCompile(`action="` + regexp.QuoteMeta(action) +
		`">\s*<input type="hidden" name="csrf" value="([^"]+)"`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form posting to %s with a CSRF token on the page", action)
	}
	return html.UnescapeString(m[1])
}

const formType = "application/x-www-form-urlencoded"

func TestManualStartFormOpensAnInvestigationAndLeadsToIt(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, page := fetch(t, "GET", "/", "", "")
	token := csrfIn(t, page, "/investigations")
	form := url.Values{"csrf": {token}, "entity_type": {"host"},
		"entity_key": {"i-0formstart000001"}}

	// bad forms change nothing
	before := countItems(t)
	bad := []struct {
		name, contentType, body string
		status                  int
		reason                  string
	}{
		{"no token", formType, "entity_type=host&entity_key=i-0formstart000001", 403, "token"},
		{"another form's token", formType, url.Values{"csrf": {"x" + token},
			"entity_type": {"host"}, "entity_key": {"i-1"}}.Encode(), 403, "token"},
		{"JSON", "application/json", `{"entity_type":"host"}`, 415, "form"},
		{"markup in a key", formType, url.Values{"csrf": {token}, "entity_type": {"user"},
			"entity_key": {"<script>x</script>"}}.Encode(), 400, "markup"},
		{"nothing to investigate", formType, url.Values{"csrf": {token}}.Encode(), 400,
			"required"},
	}
	for _, tt := range bad {
		resp, body := fetch(t, "POST", "/investigations", tt.contentType, tt.body)
		if resp.StatusCode != tt.status || !strings.Contains(body, tt.reason) ||
			strings.Contains(body, "<script>x") {
			t.Errorf("%s: POST /investigations = %d %s, want %d naming %q", tt.name,
				resp.StatusCode, body, tt.status, tt.reason)
		}
	}
	if after := countItems(t); after != before {
		t.Errorf("bad forms changed the table from %d items to %d", before, after)
	}

	// a good one opens it and leads to its page
	resp, _ := fetch(t, "POST", "/investigations", formType, form.Encode())
	loc := resp.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/investigations/")
	if resp.StatusCode != http.StatusSeeOther || !ok || id == "" {
		t.Fatalf("POST /investigations = %d to %q, want 303 to the investigation",
			resp.StatusCode, loc)
	}
	waitForSettled(t, id)
	resp, page = fetch(t, "GET", loc, "", "")
	if resp.StatusCode != 200 || !strings.Contains(page, "host:i-0formstart000001") ||
		!strings.Contains(page, DevAnalyst+" started the investigation") {
		t.Errorf("GET %s = %d, want the page of the host's investigation started by %s",
			loc, resp.StatusCode, DevAnalyst)
	}
}

func TestTerminateStopsARunningInvestigationAndRefusesAFinishedOne(t *testing.T) {
	// an investigation that waits for a scope decision
	id := postBody(t, seedCampaign(t, 12))
	waitForStatus(t, id, investigation.StatusPendingApproval)
	_, page := fetch(t, "GET", "/investigations/"+id, "", "")
	action := "/investigations/" + id + "/terminate"
	token := csrfIn(t, page, action)

	// without its token, or with another's, nothing happens
	for _, body := range []string{"reason=x", "csrf=" + url.QueryEscape(token+"x")} {
		resp, reply := fetch(t, "POST", action, formType, body)
		if resp.StatusCode != 403 || !strings.Contains(reply, "token") {
			t.Errorf("POST %s %q = %d, want 403 naming the token", action, body, resp.StatusCode)
		}
	}
	resp, reply := fetch(t, "POST", "/api/investigations/"+id+"/terminate", "text/plain", "{}")
	if resp.StatusCode != 415 {
		t.Errorf("POST terminate as text/plain = %d %s, want 415", resp.StatusCode, reply)
	}
	if v := readInvestigation(t, id); v.Status != investigation.StatusPendingApproval {
		t.Fatalf("after refused terminations the investigation is %s, want it waiting",
			v.Status)
	}

	// with it, the execution stops and the investigation is terminated
	form := url.Values{"csrf": {token}, "reason": {"=cmd|' /C calc'!A0 false positive"}}
	resp, _ = fetch(t, "POST", action, formType, form.Encode())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") !=
		"/investigations/"+id {
		t.Fatalf("POST %s = %d to %q, want 303 to its page", action, resp.StatusCode,
			resp.Header.Get("Location"))
	}
	if st := waitForExecution(t, id); st != sfntypes.ExecutionStatusAborted {
		t.Errorf("execution ended %s, want ABORTED", st)
	}
	v := readInvestigation(t, id)
	if v.Status != investigation.StatusTerminated ||
		!timelineHas(v, "terminated", DevAnalyst+" terminated the investigation") {
		t.Errorf("investigation is %s with timeline %+v, want terminated by %s", v.Status,
			v.Timeline, DevAnalyst)
	}

	// a finished one is left as it is
	resp, reply = fetch(t, "POST", "/api/investigations/"+id+"/terminate",
		"application/json", `{"reason": "again"}`)
	if resp.StatusCode != 409 || !strings.Contains(reply, "has finished (terminated)") {
		t.Errorf("terminating it again = %d %s, want 409 saying it finished",
			resp.StatusCode, reply)
	}
	resp, reply = fetch(t, "POST", "/api/investigations/NOSUCH/terminate",
		"application/json", `{}`)
	if resp.StatusCode != 404 {
		t.Errorf("terminating an unknown investigation = %d %s, want 404", resp.StatusCode,
			reply)
	}

	// the audit log says who did it, by hand, and defuses the reason
	auditShowsTheTermination(t, id)
}

// auditShowsTheTermination checks the audit log and its CSV export after
// investigation id was terminated by hand.
func auditShowsTheTermination(t *testing.T, id string) {
	t.Helper()
	resp, body := fetch(t, "GET", "/audit.csv", "", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"),
		"attachment;") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("GET /audit.csv = %d %v, want 200 text/csv as an attachment",
			resp.StatusCode, resp.Header)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("audit CSV does not parse (%v) or is empty:\n%s", err, body)
	}
	if want := []string{"time", "investigation_id", "actor", "mode", "kind",
		"message"}; !slices.Equal(rows[0], want) {
		t.Errorf("CSV header = %v, want %v", rows[0], want)
	}
	var manual, automated bool
	for _, r := range rows[1:] {
		for _, cell := range r {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("CSV cell %q starts a formula", cell)
			}
		}
		manual = manual || (r[1] == id && r[2] == DevAnalyst && r[3] == "manual" &&
			r[4] == "terminated" && strings.Contains(r[5], "=cmd|"))
		automated = automated || (r[1] == id && r[2] == "ingest" && r[3] == "automated")
	}
	if !manual || !automated {
		t.Errorf("audit CSV lacks the manual termination (%v) or ingest's opening (%v):\n%s",
			manual, automated, body)
	}

	// the page and the JSON say the same
	_, page := fetch(t, "GET", "/audit", "", "")
	if !strings.Contains(page, DevAnalyst) || !strings.Contains(page, "manual") {
		t.Errorf("the audit page lacks the analyst's termination")
	}
	_, js := fetch(t, "GET", "/api/audit?status=terminated", "", "")
	var log struct {
		Entries []struct{ Actor, Kind string }
	}
	json.Unmarshal([]byte(js), &log)
	if !slices.ContainsFunc(log.Entries, func(e struct{ Actor, Kind string }) bool {
		return e.Kind == "terminated" && e.Actor == DevAnalyst
	}) {
		t.Errorf("GET /api/audit?status=terminated = %s, want the termination", js)
	}
}

func TestFinishedInvestigationCannotBeTerminated(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := postBody(t, ocsfAlert(t, fmt.Sprint("finished-", time.Now().UnixNano())))
	waitForSettled(t, id)
	before := readInvestigation(t, id)
	_, page := fetch(t, "GET", "/investigations/"+id, "", "")
	if strings.Contains(page, "/terminate") {
		t.Errorf("the page of a finished investigation offers to terminate it")
	}
	resp, reply := fetch(t, "POST", "/api/investigations/"+id+"/terminate",
		"application/json", `{}`)
	after := readInvestigation(t, id)
	if resp.StatusCode != 409 || !strings.Contains(reply, "only a running one") ||
		after.Status != before.Status || len(after.Timeline) != len(before.Timeline) {
		t.Errorf("terminating a %s investigation = %d %s (now %s), want 409 and no change",
			before.Status, resp.StatusCode, reply, after.Status)
	}
}

func TestTerminatingWithdrawsTheActionsWaitingForADecision(t *testing.T) {
	if err := testHost.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := postSample(t, "guardduty/execution-ec2-maliciousfile-ebs-scan.json")
	waitForSettled(t, id)
	waiting := 0
	for _, a := range readInvestigation(t, id).Actions {
		waiting += btoi(a.Status == investigation.ActionPendingApproval)
	}
	if waiting == 0 {
		t.Fatal("the malware sample left no action waiting for a decision")
	}

	resp, reply := fetch(t, "POST", "/api/investigations/"+id+"/terminate",
		"application/json", `{"reason": "false positive"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("terminate = %d %s, want 200", resp.StatusCode, reply)
	}
	for _, a := range readInvestigation(t, id).Actions {
		if a.Status == investigation.ActionPendingApproval {
			t.Errorf("%s %s still waits for a decision after the termination", a.Type, a.ID)
		}
	}
	v := readInvestigation(t, id)
	if !timelineHas(v, "action_rejected", "the investigation was terminated") {
		t.Errorf("the timeline does not say the waiting actions were withdrawn: %+v",
			v.Timeline)
	}
}
