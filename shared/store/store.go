package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/oklog/ulid/v2"
)

// DB lists the DynamoDB operations the store calls. *dynamodb.Client
// satisfies it.
type DB interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (
		*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (
		*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (
		*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (
		*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (
		*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (
		*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (
		*dynamodb.TransactWriteItemsOutput, error)
}

// Store reads and writes Firebreak's items in one table. It is safe for
// concurrent use; all coordination between writers is done by DynamoDB's
// conditional writes.
type Store struct {
	db    DB
	table string
	now   func() time.Time
	// examineBound is maxExaminedPerStatus but in tests.
	examineBound int
}

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store read the time from now, for tests.
func WithClock(now func() time.Time) Option {
	return func(s *Store) { s.now = now }
}

// New returns a Store over the table named table.
func New(db DB, table string, opts ...Option) *Store {
	s := &Store{db: db, table: table, now: time.Now, examineBound: maxExaminedPerStatus}
	for _, o := range opts {
		o(s)
	}
	return s
}

// NewID returns a new sortable unique id (a ULID) for an alert,
// investigation or action.
func NewID() string {
	return ulid.Make().String()
}

// ErrNotFound means the item asked for does not exist.
var ErrNotFound = errors.New("not found")

// Transient reports whether err is a failure worth retrying: throttling,
// a timeout, or DynamoDB out of reach. Conditional-check failures and bad
// requests are not transient.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).
		IsErrorRetryable(err) == aws.TrueTernary
}

// item is one DynamoDB item as the SDK returns it.
type item = map[string]types.AttributeValue

// queryAll runs in and every following page until LastEvaluatedKey is
// empty, calling page for each page's items.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput,
	page func([]item) error) error {
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("query %s: %w", s.table, err)
		}
		if err := page(out.Items); err != nil {
			return err
		}
	}
	return nil
}

// Table returns the name of the store's table, which the simulated tenant
// shares.
func (s *Store) Table() string { return s.table }
