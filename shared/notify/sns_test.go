package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/google/go-cmp/cmp"
)

const topicARN = "arn:aws:sns:us-east-1:111122223333:firebreak-approvals"

// snsServer answers Publish on SNS's query protocol and records each
// request's form.
func snsServer(t *testing.T, status int, answer string) (*sns.Client, *[]url.Values) {
	var forms []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(raw))
		if err != nil || r.Method != http.MethodPost ||
			r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("not a query-protocol request: %s %s %q", r.Method,
				r.Header.Get("Content-Type"), raw)
		}
		forms = append(forms, form)
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	client := sns.New(sns.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1})
	return client, &forms
}

const publishAnswer = `<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/">
<PublishResult><MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
<ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></PublishResponse>`

func TestSNSPublishesToTheApprovalsTopic(t *testing.T) {
	client, forms := snsServer(t, 200, publishAnswer)
	n := &SNS{Client: client, TopicARN: topicARN}
	if err := n.Send(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"Action":   {"Publish"},
		"Version":  {"2010-03-31"},
		"TopicArn": {topicARN},
		"Subject":  {"Isolate host web-01"},
		"Message":  {Text(plain)},
	}
	attrs := map[string]string{}
	got := url.Values{}
	for k, v := range (*forms)[0] {
		if strings.HasPrefix(k, "MessageAttributes.") {
			attrs[k] = v[0]
			continue
		}
		got[k] = v
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Publish parameters (-want +got):\n%s", diff)
	}
	// entries are numbered in an order of SNS's choosing: pair them up
	links := map[string]string{}
	for i := 1; i <= 2; i++ {
		p := "MessageAttributes.entry." + string(rune('0'+i))
		links[attrs[p+".Name"]] = attrs[p+".Value.StringValue"]
		if attrs[p+".Value.DataType"] != "String" {
			t.Errorf("%s data type %q, want String", p, attrs[p+".Value.DataType"])
		}
	}
	wantLinks := map[string]string{AttrApproveURL: plain.ApproveURL,
		AttrRejectURL: plain.RejectURL}
	if diff := cmp.Diff(wantLinks, links); diff != "" {
		t.Errorf("link attributes (-want +got):\n%s", diff)
	}
}

func TestSNSSubjectIsOneLineUnder100Characters(t *testing.T) {
	client, forms := snsServer(t, 200, publishAnswer)
	m := plain
	m.Subject = "Delete the message \"" + strings.Repeat("Réf ", 40) + "\"\r\nBcc: x"
	if err := (&SNS{Client: client, TopicARN: topicARN}).Send(context.Background(),
		m); err != nil {
		t.Fatal(err)
	}
	subject := (*forms)[0].Get("Subject")
	if n := len([]rune(subject)); n >= 100 || strings.ContainsAny(subject, "\r\n") ||
		!strings.HasSuffix(subject, "…") {
		t.Errorf("subject %q: %d characters; want under 100, one line, cut with …", subject, n)
	}
}

func TestSNSErrorSaysWhatFailed(t *testing.T) {
	client, _ := snsServer(t, 404, `<ErrorResponse><Error><Type>Sender</Type>
<Code>NotFound</Code><Message>Topic does not exist</Message></Error>
<RequestId>x</RequestId></ErrorResponse>`)
	err := (&SNS{Client: client, TopicARN: topicARN}).Send(context.Background(), plain)
	if err == nil || !strings.Contains(err.Error(), "publish to the approvals topic") ||
		!strings.Contains(err.Error(), "Topic does not exist") {
		t.Errorf("Send: %v, want the topic's refusal", err)
	}
	if err != nil && strings.Contains(err.Error(), "sig=") {
		t.Errorf("the error holds a link: %v", err)
	}
}
