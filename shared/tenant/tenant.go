// Package tenant is the simulated tenant: hosts with their files and
// processes, a directory of users and their sign-ins, mailboxes and the
// messages in them, clicks on URLs, and cloud principals with their access
// keys and API calls. It is held in Firebreak's DynamoDB table, answers an
// investigation's questions as a datasource.DataSource, and is changed by
// remediation, so an investigation runs end to end with no real
// environment and a test can see what remediation did.
//
// The tenant is seeded from events/tenant/tenant.json. It is the embedded
// default provider; real environments (AWS, Microsoft) sit behind the same
// interfaces in later providers.
//
// Remediate carries out every remediation action on the tenant, and Undo
// takes back the reversible ones. What they change is kept on the items
// it changes, and the URLs, domains and IPs they block on a blocklist
// (see Blocklist), so that a later investigation, and a test, sees it.
package tenant

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DB lists the DynamoDB operations the tenant calls.
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
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput,
		...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// ErrNoSuchFile means a host holds no file with the given hash, and never
// had one quarantined: the action has nothing to act on. The
// *NotFoundError of such a file matches it (errors.Is).
var ErrNoSuchFile = errors.New("no such file on the host")

// Tenant reads and changes the simulated tenant. It is safe for concurrent
// use.
type Tenant struct {
	db    DB
	table string
	now   func() time.Time // when remediation changes something
}

// New returns the tenant kept in the table named table.
func New(db DB, table string) *Tenant { return &Tenant{db: db, table: table, now: time.Now} }
