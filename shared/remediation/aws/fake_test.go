package aws_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
	awsprovider "github.com/firebreak/firebreak/shared/remediation/aws"
	"github.com/firebreak/firebreak/shared/settings"
)

// The accounts of the tests: the provider's own, and a member account.
const (
	ownAccount    = "111111111111"
	memberAccount = "222222222222"
)

// now is the time of every test: sessions are revoked before it.
var now = time.Date(2024, 6, 3, 15, 0, 0, 0, time.UTC)

// fake is every AWS service the provider calls, at the HTTP boundary. It
// answers each operation with the replies queued for it, in order, and
// keeps every request; an operation with no reply left fails the test.
type fake struct {
	t   *testing.T
	url string

	mu       sync.Mutex
	replies  map[string][]reply
	requests []request
	// hang makes every request wait until its client gives up or the
	// test ends.
	hang    bool
	release chan struct{}
}

type reply struct {
	status int
	body   string
	header map[string]string
}

// request is one request the fake received. op is the X-Amz-Target's
// operation (JSON protocol), the form's Action (query protocol), or for S3
// HeadObject, CopyObject or DeleteObject.
type request struct {
	op     string
	method string
	path   string
	query  url.Values
	header http.Header
	form   url.Values
	json   map[string]any
}

// accessKey returns the access key id the request was signed with.
func (r request) accessKey() string {
	auth := r.header.Get("Authorization")
	_, rest, _ := strings.Cut(auth, "Credential=")
	key, _, _ := strings.Cut(rest, "/")
	return key
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, replies: map[string][]reply{}, release: make(chan struct{})}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(f.release) }) // before Close, which waits for handlers
	f.url = srv.URL
	return f
}

// on queues a reply to the next call of op.
func (f *fake) on(op string, status int, body string) {
	f.onWith(op, reply{status: status, body: body})
}

func (f *fake) onWith(op string, r reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[op] = append(f.replies[op], r)
}

// calls returns the requests made of op.
func (f *fake) calls(op string) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var got []request
	for _, r := range f.requests {
		if r.op == op {
			got = append(got, r)
		}
	}
	return got
}

// ops returns the operations called, in order.
func (f *fake) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var got []string
	for _, r := range f.requests {
		got = append(got, r.op)
	}
	return got
}

// reset forgets the requests received so far.
func (f *fake) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = nil
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.hang {
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}

	// the request, in whichever protocol
	body, _ := io.ReadAll(r.Body)
	req := request{method: r.Method, path: r.URL.Path, query: r.URL.Query(), header: r.Header}
	contentType := "text/xml"
	switch target := r.Header.Get("X-Amz-Target"); {
	case target != "":
		req.op = target[strings.LastIndexByte(target, '.')+1:]
		contentType = "application/x-amz-json-1.1"
		if err := json.Unmarshal(body, &req.json); err != nil {
			f.t.Errorf("%s: body is not JSON: %v", req.op, err)
		}
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		req.form, _ = url.ParseQuery(string(body))
		req.op = req.form.Get("Action")
	default:
		req.op = s3Op(r)
		contentType = "application/xml"
	}

	// the reply queued for it
	f.mu.Lock()
	f.requests = append(f.requests, req)
	queue := f.replies[req.op]
	var rep reply
	if len(queue) > 0 {
		rep, f.replies[req.op] = queue[0], queue[1:]
	}
	f.mu.Unlock()
	if rep.status == 0 {
		f.t.Errorf("unexpected %s call", req.op)
		rep = reply{status: 400, body: `<ErrorResponse><Error><Code>Unexpected</Code>` +
			`</Error></ErrorResponse>`}
	}
	w.Header().Set("Content-Type", contentType)
	for k, v := range rep.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

// s3Op names the S3 operation of a REST request.
func s3Op(r *http.Request) string {
	switch {
	case r.Method == http.MethodHead:
		return "HeadObject"
	case r.Method == http.MethodDelete:
		return "DeleteObject"
	case r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "":
		return "CopyObject"
	}
	return r.Method + " " + r.URL.Path
}

// config is the provider's settings in the tests.
var config = settings.AWSRemediation{
	BlockedIPv4SetARN: "arn:aws:wafv2:us-east-1:" + ownAccount +
		":regional/ipset/firebreak-blocked/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
	BlockedIPv6SetARN: "arn:aws:wafv2:us-east-1:" + ownAccount +
		":global/ipset/firebreak-blocked-v6/a1b2c3d4-5678-90ab-cdef-EXAMPLE22222",
	BlockedDomainListARN: "arn:aws:route53resolver:eu-west-1:" + ownAccount +
		":firewall-domain-list/rslvr-fdl-0123456789abcdef",
	UserPools: []string{"us-east-1_AbCdEf123"},
}

// newProvider returns a provider whose real SDK clients call a fresh fake
// once per call, with the credentials AKIDMAIN in its own account.
func newProvider(t *testing.T) (*awsprovider.Provider, *fake) {
	f := newFake(t)
	cfg := sdk.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDMAIN", "secret", ""),
		RetryMaxAttempts: 1,
		BaseEndpoint:     sdk.String(f.url),
	}
	p := awsprovider.New(cfg, awsprovider.Options{
		Account: ownAccount, Region: "us-east-1", RoleName: "FirebreakRemediation",
		IsolationGroupID: "sg-isolation", IsolationGroupName: "Firebreak-isolation",
		QuarantineBucket: "firebreak-quarantine", Settings: config,
		Clock: func() time.Time { return now },
	})
	return p, f
}

// request returns a request of action t on target with id act-1.
func newRequest(t investigation.ActionType, target alert.Entity) remediation.Request {
	return remediation.Request{ActionID: "act-1", Type: t, Target: target,
		ApprovedBy: "automation"}
}

// do runs r and fails the test on an error.
func do(t *testing.T, p *awsprovider.Provider, r remediation.Request) remediation.Result {
	t.Helper()
	res, err := p.Do(context.Background(), r)
	if err != nil {
		t.Fatalf("Do %s: %v", r.Type, err)
	}
	return res
}

// undo undoes r and fails the test on an error.
func undo(
	t *testing.T, p *awsprovider.Provider, r remediation.Request, done remediation.Result,
) remediation.Result {
	t.Helper()
	res, err := p.Undo(context.Background(), r, done)
	if err != nil {
		t.Fatalf("Undo %s: %v", r.Type, err)
	}
	return res
}

// checkOps checks the operations f received since its last reset.
func checkOps(t *testing.T, f *fake, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, f.ops()); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}
	f.reset()
}

// checkForm checks the form of the i-th call of op against want, whose
// pairs are added to the Action and Version every call sends.
func checkForm(t *testing.T, calls []request, i int, version string, want ...string) {
	t.Helper()
	if i >= len(calls) {
		t.Errorf("call %d: got %d calls", i, len(calls))
		return
	}
	w := url.Values{"Action": {calls[i].form.Get("Action")}, "Version": {version}}
	for j := 0; j+1 < len(want); j += 2 {
		w.Add(want[j], want[j+1])
	}
	if diff := cmp.Diff(w, calls[i].form); diff != "" {
		t.Errorf("%s form (-want +got):\n%s", calls[i].op, diff)
	}
}

// checkJSON checks the body of the i-th call against want.
func checkJSON(t *testing.T, calls []request, i int, want string) {
	t.Helper()
	if i >= len(calls) {
		t.Errorf("call %d: got %d calls", i, len(calls))
		return
	}
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w, calls[i].json); diff != "" {
		t.Errorf("%s body (-want +got):\n%s", calls[i].op, diff)
	}
}

// checkSummary checks a result's summary and its changed detail.
func checkSummary(t *testing.T, res remediation.Result, summary, changed string) {
	t.Helper()
	if res.Summary != summary {
		t.Errorf("summary: got %q, want %q", res.Summary, summary)
	}
	if changed != "" && res.Detail["changed"] != changed {
		t.Errorf("changed: got %q, want %q", res.Detail["changed"], changed)
	}
}

// iamError is IAM's error answer of code.
func iamError(code, msg string) string {
	return `<ErrorResponse><Error><Type>Sender</Type><Code>` + code + `</Code><Message>` +
		msg + `</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`
}

// ec2Error is EC2's error answer of code.
func ec2Error(code, msg string) string {
	return `<Response><Errors><Error><Code>` + code + `</Code><Message>` + msg +
		`</Message></Error></Errors><RequestID>r-1</RequestID></Response>`
}

// jsonError is a JSON protocol service's error answer of code.
func jsonError(code, msg string) string {
	return `{"__type":"` + code + `","message":"` + msg + `"}`
}

// iamOK is IAM's answer of an operation that returns nothing.
func iamOK(op string) string {
	return "<" + op + "Response><ResponseMetadata><RequestId>r-1</RequestId>" +
		"</ResponseMetadata></" + op + "Response>"
}
