package awsdata_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/firebreak/firebreak/shared/awsdata"
)

// now is the time of every test: the end of the window CloudTrail is
// searched in.
var now = time.Date(2024, 6, 3, 15, 0, 0, 0, time.UTC)

// fake is one AWS service at the HTTP boundary. It answers each operation
// with the replies queued for it, in order, and keeps every request; an
// operation with no reply left fails the test.
type fake struct {
	t   *testing.T
	url string

	mu       sync.Mutex
	replies  map[string][]reply
	requests []request
}

type reply struct {
	status int
	body   string
}

// request is one request a fake received: op is the X-Amz-Target's
// operation (JSON protocol) or the form's Action (query protocol).
type request struct {
	op     string
	header http.Header
	form   url.Values
	body   string
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, replies: map[string][]reply{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// on queues a reply to the next call of op.
func (f *fake) on(op string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.replies[op] = append(f.replies[op], reply{status, body})
}

// onFile queues testdata/name as the reply to the next call of op.
func (f *fake) onFile(op string, status int, name string) {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.t.Fatal(err)
	}
	f.on(op, status, string(b))
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

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// the request, in either protocol
	body, _ := io.ReadAll(r.Body)
	req := request{header: r.Header, body: string(body)}
	contentType := "application/x-amz-json-1.1"
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		req.op = target[strings.LastIndexByte(target, '.')+1:]
	} else {
		req.form, _ = url.ParseQuery(string(body))
		req.op = req.form.Get("Action")
		contentType = "text/xml"
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
		rep = reply{400, "<Response><Errors><Error><Code>Unexpected</Code>" +
			"</Error></Errors></Response>"}
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(rep.status)
	io.WriteString(w, rep.body)
}

// fakes are the three services a Source asks.
type fakes struct {
	cloudTrail, iam, ec2 *fake
	// scopes are the accounts and regions clients were made for.
	scopes []string
}

// newSource returns a Source whose clients are real SDK clients pointed at
// fresh fakes, trying each call once.
func newSource(t *testing.T, opts ...awsdata.Option) (*awsdata.Source, *fakes) {
	fs := &fakes{cloudTrail: newFake(t), iam: newFake(t), ec2: newFake(t)}
	clients := func(_ context.Context, account, region string) (awsdata.Clients, error) {
		fs.scopes = append(fs.scopes, account+"/"+region)
		cfg := testConfig(region)
		return awsdata.Clients{
			CloudTrail: cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) {
				o.BaseEndpoint = aws.String(fs.cloudTrail.url)
			}),
			IAM: iam.NewFromConfig(cfg, func(o *iam.Options) {
				o.BaseEndpoint = aws.String(fs.iam.url)
			}),
			EC2: ec2.NewFromConfig(cfg, func(o *ec2.Options) {
				o.BaseEndpoint = aws.String(fs.ec2.url)
			}),
		}, nil
	}
	opts = append([]awsdata.Option{awsdata.WithClock(func() time.Time { return now }),
		awsdata.WithRegion("us-east-1")}, opts...)
	return awsdata.NewWithClients(clients, opts...), fs
}

// testConfig is an SDK configuration with fixed credentials that tries
// each call once.
func testConfig(region string) aws.Config {
	return aws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	}
}

// trailEvent is one CloudTrail event a fake LookupEvents returns.
type trailEvent struct {
	name, ip, principal, key, agent, errorCode string
	// resources are type, name pairs.
	resources []string
}

// lookupPage returns a LookupEvents answer holding events, and next as
// its NextToken unless it is "".
func lookupPage(t *testing.T, next string, events ...trailEvent) string {
	type resource struct{ ResourceType, ResourceName string }
	var page struct {
		Events    []map[string]any
		NextToken string `json:",omitempty"`
	}
	for i, e := range events {
		// the record CloudTrail keeps, as a JSON string in the event
		fields := map[string]any{
			"eventVersion":    "1.09",
			"eventTime":       now.Add(-time.Duration(i+1) * time.Minute).Format(time.RFC3339),
			"eventSource":     "s3.amazonaws.com",
			"eventName":       e.name,
			"sourceIPAddress": e.ip,
			"userAgent":       e.agent,
			"userIdentity": map[string]string{
				"type":        "IAMUser",
				"arn":         e.principal,
				"accountId":   "123456789012",
				"accessKeyId": e.key,
			},
		}
		if e.errorCode != "" {
			fields["errorCode"] = e.errorCode
		}
		rec, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}

		// the event around it
		var res []resource
		for j := 0; j+1 < len(e.resources); j += 2 {
			res = append(res, resource{e.resources[j], e.resources[j+1]})
		}
		page.Events = append(page.Events, map[string]any{
			"EventId":         fmt.Sprintf("ev-%d", i),
			"EventName":       e.name,
			"EventSource":     "s3.amazonaws.com",
			"EventTime":       now.Add(-time.Duration(i+1) * time.Minute).Unix(),
			"AccessKeyId":     e.key,
			"Username":        e.principal[strings.LastIndexByte(e.principal, '/')+1:],
			"Resources":       res,
			"CloudTrailEvent": string(rec),
		})
	}
	page.NextToken = next
	b, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
