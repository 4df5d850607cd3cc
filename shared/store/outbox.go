package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// The outbox's items: one partition, OUTBOX, its messages sorted by time.
const (
	pkOutbox      = "OUTBOX"
	prefixMessage = "MSG#"
	kindOutbox    = "outbox_message"
)

// Limits of the outbox.
const (
	// OutboxTTL is how long the outbox keeps a message: as long as an
	// approval's links may stand.
	OutboxTTL = 7 * 24 * time.Hour
	// MaxOutboxMessages is the most messages OutboxMessages returns.
	MaxOutboxMessages = 100
)

// OutboxMessage is a message the local SNS endpoint kept in place of
// sending it. Only the local host writes the outbox; a deployed stack's is
// always empty.
type OutboxMessage struct {
	ID       string    `json:"id"`
	Time     time.Time `json:"time"`
	TopicARN string    `json:"topic_arn"`
	Subject  string    `json:"subject"`
	// Body is the message's text, as an email subscriber reads it.
	Body string `json:"body"`
	// Links are the links the message carries besides its text (its
	// Approve and Reject links), in order.
	Links []OutboxLink `json:"links"`
}

// OutboxLink is one link of an outbox message.
type OutboxLink struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

type outboxItem struct {
	itemKeys
	OutboxMessage
	ExpiresAt int64 `json:"expires_at"`
}

// PutOutboxMessage keeps m in the outbox for OutboxTTL and returns it with
// its id and time, which it sets when empty.
func (s *Store) PutOutboxMessage(ctx context.Context, m OutboxMessage) (OutboxMessage,
	error) {
	if m.ID == "" {
		m.ID = NewID()
	}
	if m.Time.IsZero() {
		m.Time = s.now().UTC()
	}
	if m.Links == nil {
		m.Links = []OutboxLink{}
	}
	it := outboxItem{
		itemKeys:      itemKeys{pkOutbox, outboxSK(m.Time, m.ID), kindOutbox},
		OutboxMessage: m,
		ExpiresAt:     m.Time.Add(OutboxTTL).Unix(),
	}
	av, err := marshal(it)
	if err != nil {
		return OutboxMessage{}, err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table),
		Item: av}); err != nil {
		return OutboxMessage{}, fmt.Errorf("put outbox message: %w", err)
	}
	return m, nil
}

func outboxSK(t time.Time, id string) string {
	return prefixMessage + t.UTC().Format(sortableTime) + "#" + id
}

// OutboxMessages returns the outbox's messages newest first, at most
// limit of them (MaxOutboxMessages when limit is out of range), leaving
// out those past their expiry that DynamoDB has yet to delete.
func (s *Store) OutboxMessages(ctx context.Context, limit int) ([]OutboxMessage, error) {
	if limit <= 0 || limit > MaxOutboxMessages {
		limit = MaxOutboxMessages
	}
	cond := expression.Key(attrPK).Equal(expression.Value(pkOutbox)).
		And(expression.Key(attrSK).BeginsWith(prefixMessage))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("build outbox query: %w", err)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("query outbox: %w", err)
	}
	msgs := make([]OutboxMessage, 0, len(out.Items))
	now := s.now().Unix()
	for _, av := range out.Items {
		var it outboxItem
		if err := unmarshal(av, &it); err != nil {
			return nil, err
		}
		if it.ExpiresAt > now {
			msgs = append(msgs, it.OutboxMessage)
		}
	}
	return msgs, nil
}
