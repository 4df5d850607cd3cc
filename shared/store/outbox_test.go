package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/store"
)

func TestOutboxListsMessagesNewestFirst(t *testing.T) {
	s, ctx := newStore(t), context.Background()
	start := time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC)
	var kept []store.OutboxMessage
	for i, subject := range []string{"first", "second", "third"} {
		m, err := s.PutOutboxMessage(ctx, store.OutboxMessage{
			Time: start.Add(time.Duration(i) * time.Minute), TopicARN: "arn:topic",
			Subject: subject, Body: "body of " + subject,
			Links: []store.OutboxLink{{Label: "Approve",
				URL: "http://127.0.0.1:3000/approvals/1?sig=a"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if m.ID == "" {
			t.Fatal("PutOutboxMessage gave the message no id")
		}
		kept = append(kept, m)
	}
	got, err := s.OutboxMessages(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.OutboxMessage{kept[2], kept[1]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OutboxMessages (-want +got):\n%s", diff)
	}
}

func TestOutboxLeavesOutExpiredMessages(t *testing.T) {
	db := dynamodblocal.NewClient(dynamodblocal.Endpoint(t))
	now := time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC)
	s := newStore(t)
	late := store.New(db, s.Table(), store.WithClock(func() time.Time {
		return now.Add(store.OutboxTTL + time.Second)
	}))
	ctx := context.Background()
	if _, err := s.PutOutboxMessage(ctx, store.OutboxMessage{Time: now, Subject: "old"}); err != nil {
		t.Fatal(err)
	}
	fresh, err := late.PutOutboxMessage(ctx, store.OutboxMessage{Subject: "new"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := late.OutboxMessages(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != fresh.ID || len(got[0].Links) != 0 {
		t.Errorf("OutboxMessages = %+v, want only %q", got, fresh.Subject)
	}
}
