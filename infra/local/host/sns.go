package host

import (
	"encoding/xml"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/firebreak/firebreak/shared/notify"
	"github.com/firebreak/firebreak/shared/store"
)

// approvalsTopicARN is the approvals topic on the local host: publishing
// to it keeps the message in the outbox the action center shows.
const approvalsTopicARN = "arn:aws:sns:" + Region + ":" + AccountID + ":firebreak-approvals"

// Limits SNS sets on what Publish takes.
const (
	maxSNSMessageBytes = 256 * 1024
	maxSNSSubjectRunes = 99
)

// snsNamespace is the XML namespace of SNS's answers.
const snsNamespace = "https://sns.amazonaws.com/doc/2010-03-31/"

// isSNS reports whether r speaks SNS's query protocol: a form posted to
// the root, where no route of the stack takes one.
func isSNS(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && r.URL.Path == "/" &&
		mt == "application/x-www-form-urlencoded"
}

// serveSNS answers SNS's Publish to the approvals topic, on the query
// protocol the SDK and the AWS CLI speak, by keeping the message in the
// outbox. It checks what SNS checks of a subject and a message.
func (h *Host) serveSNS(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxSNSMessageBytes)
	if err := r.ParseForm(); err != nil {
		snsError(w, http.StatusBadRequest, "InvalidParameter", "the request is not a form")
		return
	}
	form := r.PostForm
	if a := form.Get("Action"); a != "Publish" {
		snsError(w, http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("the local host answers Publish only, not %q", a))
		return
	}
	if form.Get("TopicArn") != approvalsTopicARN {
		snsError(w, http.StatusNotFound, "NotFound", "Topic does not exist")
		return
	}
	if reason := checkPublish(form); reason != "" {
		snsError(w, http.StatusBadRequest, "InvalidParameter", reason)
		return
	}
	m, err := h.Store.PutOutboxMessage(r.Context(), store.OutboxMessage{
		TopicARN: approvalsTopicARN, Subject: form.Get("Subject"),
		Body: form.Get("Message"), Links: links(form)})
	if err != nil {
		h.log.ErrorContext(r.Context(), "sns publish", "outcome", "failed", "error", err)
		snsError(w, http.StatusInternalServerError, "InternalError", "the outbox is unavailable")
		return
	}
	h.log.InfoContext(r.Context(), "sns publish", "outcome", "kept in the outbox",
		"message_id", m.ID)
	w.Header().Set("Content-Type", "text/xml")
	xml.NewEncoder(w).Encode(publishResponse{Xmlns: snsNamespace, MessageID: m.ID,
		RequestID: m.ID})
}

// checkPublish says what SNS would refuse in a Publish, or "".
func checkPublish(form url.Values) string {
	msg, subject := form.Get("Message"), form.Get("Subject")
	switch {
	case msg == "":
		return "Invalid parameter: Empty message"
	case len(msg) > maxSNSMessageBytes:
		return "Invalid parameter: Message too long"
	case utf8.RuneCountInString(subject) > maxSNSSubjectRunes:
		return "Invalid parameter: Subject must be less than 100 characters long"
	case strings.ContainsFunc(subject, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "Invalid parameter: Subject must not hold line breaks or control characters"
	}
	return ""
}

// links returns the links a message carries in its attributes, Approve
// before Reject.
func links(form url.Values) []store.OutboxLink {
	attrs := map[string]string{}
	for i := 1; ; i++ {
		p := fmt.Sprintf("MessageAttributes.entry.%d.", i)
		name := form.Get(p + "Name")
		if name == "" {
			break
		}
		attrs[name] = form.Get(p + "Value.StringValue")
	}
	var out []store.OutboxLink
	for _, l := range []struct{ label, attr string }{{"Approve", notify.AttrApproveURL},
		{"Reject", notify.AttrRejectURL}} {
		if u := attrs[l.attr]; u != "" {
			out = append(out, store.OutboxLink{Label: l.label, URL: u})
		}
	}
	return out
}

type publishResponse struct {
	XMLName   xml.Name `xml:"PublishResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	MessageID string   `xml:"PublishResult>MessageId"`
	RequestID string   `xml:"ResponseMetadata>RequestId"`
}

type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// snsError answers with SNS's error document.
func snsError(w http.ResponseWriter, status int, code, message string) {
	kind := "Sender"
	if status >= 500 {
		kind = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	xml.NewEncoder(w).Encode(errorResponse{Xmlns: snsNamespace, Type: kind, Code: code,
		Message: message, RequestID: store.NewID()})
}
