package notify

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// maxSNSSubjectRunes is one under SNS's limit: a subject must be less
// than 100 characters long, with no line breaks or control characters.
const maxSNSSubjectRunes = 99

// Message attributes that carry a message's links besides its text, so
// that the local outbox shows them as links without reading them out of
// text an alert partly wrote. Email subscribers see only the text.
const (
	AttrApproveURL = "approve_url"
	AttrRejectURL  = "reject_url"
)

// Publisher lists the SNS operation the notifier calls; *sns.Client
// satisfies it.
type Publisher interface {
	Publish(context.Context, *sns.PublishInput, ...func(*sns.Options)) (
		*sns.PublishOutput, error)
}

// SNS publishes each message to the approvals topic, whose subscribers
// get it by email. The SDK's retryer retries throttling and SNS's own
// failures.
type SNS struct {
	Client   Publisher
	TopicARN string
}

// Name is "sns".
func (n *SNS) Name() string { return "sns" }

// Send publishes m as plain text with its subject.
func (n *SNS) Send(ctx context.Context, m Message) error {
	_, err := n.Client.Publish(ctx, &sns.PublishInput{
		TopicArn:          aws.String(n.TopicARN),
		Subject:           aws.String(cut(Subject(m), maxSNSSubjectRunes)),
		Message:           aws.String(Text(m)),
		MessageAttributes: linkAttrs(m),
	})
	if err != nil {
		return fmt.Errorf("publish to the approvals topic: %w", err)
	}
	return nil
}

// linkAttrs returns m's links as message attributes; SNS refuses an
// attribute with an empty value, so a missing link has none.
func linkAttrs(m Message) map[string]types.MessageAttributeValue {
	attrs := map[string]types.MessageAttributeValue{}
	for name, link := range map[string]string{AttrApproveURL: m.ApproveURL,
		AttrRejectURL: m.RejectURL} {
		if link != "" {
			attrs[name] = types.MessageAttributeValue{DataType: aws.String("String"),
				StringValue: aws.String(link)}
		}
	}
	return attrs
}
