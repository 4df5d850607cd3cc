package tenant

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Partition keys of the tenant's items, apart from Firebreak's own. Each
// host, process, user, mailbox and access key has a partition holding it
// (under skMeta) and what belongs to it. The hash, IP, URL, domain,
// message and sender partitions are reverse indexes written at seed time,
// so that every question is a GetItem or a Query of a known key.
const (
	pkSeeded    = "TENANT#SEEDED"
	pkHost      = "TENANT#HOST#"      // + host: host, files, processes, quarantine
	pkProcess   = "TENANT#PROCESS#"   // + process: the process
	pkUser      = "TENANT#USER#"      // + user: user, sign-ins, hosts, mailboxes
	pkMailbox   = "TENANT#MAILBOX#"   // + address: mailbox and its messages
	pkPrincipal = "TENANT#PRINCIPAL#" // + ARN: its access keys
	pkAccessKey = "TENANT#ACCESSKEY#" // + key id: key and the calls made with it
	pkHash      = "TENANT#HASH#"      // + sha256: copies on hosts, attaching messages
	pkIP        = "TENANT#IP#"        // + ip: sign-ins, keys calling from it, hosts
	pkURL       = "TENANT#URL#"       // + url: the URL, messages holding it, clicks
	pkDomain    = "TENANT#DOMAIN#"    // + domain: hosts resolving it, messages
	pkMessage   = "TENANT#MESSAGE#"   // + message id: mailboxes holding it
	pkSender    = "TENANT#SENDER#"    // + address: messages it sent
	pkBlocklist = "TENANT#BLOCKLIST"  // the URLs, domains and IPs remediation blocked
)

// Sort keys and sort key prefixes of the tenant's items.
const (
	skMeta       = "META"
	skFile       = "FILE#"       // + sha256 # path: a file on a host
	skQuarantine = "QUARANTINE#" // + sha256 # path on a host; + host # path on a hash
	skDeleted    = "DELETED#"    // the same keys as skQuarantine, for deleted copies
	skProcess    = "PROCESS#"    // + process: a process of a host
	skHost       = "HOST#"       // + host, or + host # path for a copy of a hash
	skSignIn     = "SIGNIN#"     // + time # n, or + user # time # n on an IP
	skMailbox    = "MAILBOX#"    // + address
	skMessage    = "MESSAGE#"    // + message id, or + address # message id
	skClick      = "CLICK#"      // + time # n
	skKey        = "KEY#"        // + key id
	skActivity   = "ACTIVITY#"   // + time # n
	skBlock      = "BLOCK#"      // + entity ref, on the blocklist
)

// attrRemediated is the attribute, holding a time, that marks an item
// remediation changed, even if it was undone since: Seed does not replace
// such an item, so seeding again keeps what remediation did.
const attrRemediated = "remediated_at"

// seedVersion marks a table seeded by this model of the tenant; a table
// seeded by an older one is seeded again.
const seedVersion = "V2"

// sortTime formats times in sort keys so that they sort as text.
const sortTime = "2006-01-02T15:04:05.000000000Z"

// itemKey is the table key every item embeds.
type itemKey struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
}

// item is anything the tenant writes to the table.
type item interface{ keys() itemKey }

func (k itemKey) keys() itemKey { return k }

// ref is an item that points at an entity of the tenant by its key,
// carrying its display name.
type ref struct {
	itemKey
	ID   string `dynamodbav:"id"`
	Name string `dynamodbav:"name,omitempty"`
}

// seq returns a sort key part for the n-th event at t, so that events
// sort by time and two at the same time do not collide.
func seq(t time.Time, n int) string {
	return fmt.Sprintf("%s#%04d", t.UTC().Format(sortTime), n)
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

// put writes one item, replacing any with its key.
func (t *Tenant) put(ctx context.Context, it item) error {
	_, err := t.putIf(ctx, it, expression.Expression{})
	return err
}

// putIf writes one item, replacing any with its key, if cond (which may
// be empty) holds; written is false when it did not.
func (t *Tenant) putIf(ctx context.Context, it item, cond expression.Expression) (
	written bool, err error) {
	m, err := attributevalue.MarshalMap(it)
	if err != nil {
		return false, fmt.Errorf("encode %s %s: %w", it.keys().PK, it.keys().SK, err)
	}
	_, err = t.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &t.table, Item: m,
		ConditionExpression: cond.Condition(), ExpressionAttributeNames: cond.Names(),
		ExpressionAttributeValues: cond.Values()})
	if checkFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("write %s %s: %w", it.keys().PK, it.keys().SK, err)
	}
	return true, nil
}

// deleteIf deletes the item at k if cond holds; deleted is false when it
// did not.
func (t *Tenant) deleteIf(ctx context.Context, k itemKey, cond expression.Expression) (
	deleted bool, err error) {
	_, err = t.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &t.table,
		Key: key(k.PK, k.SK), ConditionExpression: cond.Condition(),
		ExpressionAttributeNames: cond.Names(), ExpressionAttributeValues: cond.Values()})
	if checkFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete %s %s: %w", k.PK, k.SK, err)
	}
	return true, nil
}

// change updates the item at k as upd says, if the item exists and cond
// holds, and marks it changed by remediation at now (see attrRemediated).
// changed is false when the item is missing or cond did not hold.
func (t *Tenant) change(ctx context.Context, k itemKey, cond expression.ConditionBuilder,
	upd expression.UpdateBuilder, now time.Time) (changed bool, err error) {
	expr, err := changeExpr(cond, upd, now)
	if err != nil {
		return false, fmt.Errorf("build update of %s %s: %w", k.PK, k.SK, err)
	}
	_, err = t.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &t.table,
		Key: key(k.PK, k.SK), ConditionExpression: expr.Condition(),
		UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(),
		ExpressionAttributeValues: expr.Values()})
	if checkFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("update %s %s: %w", k.PK, k.SK, err)
	}
	return true, nil
}

// changeExpr builds the expressions of change: cond and upd, on an item
// that exists, marked changed at now.
func changeExpr(cond expression.ConditionBuilder, upd expression.UpdateBuilder,
	now time.Time) (expression.Expression, error) {
	return expression.NewBuilder().
		WithCondition(expression.AttributeExists(expression.Name("pk")).And(cond)).
		WithUpdate(upd.Set(expression.Name(attrRemediated), expression.Value(now))).
		Build()
}

// checkFailed reports whether a single-item write was refused because its
// condition did not hold.
func checkFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// get reads the item at pk, sk into a T; ok is false when there is none.
func get[T any](ctx context.Context, t *Tenant, pk, sk string) (v T, ok bool, err error) {
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.table,
		Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return v, false, fmt.Errorf("read %s %s: %w", pk, sk, err)
	}
	if out.Item == nil {
		return v, false, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, &v); err != nil {
		return v, false, fmt.Errorf("decode %s %s: %w", pk, sk, err)
	}
	return v, true, nil
}

// query reads, page by page, every item of partition pk whose sort key
// begins with prefix, in sort key order.
func query[T any](ctx context.Context, t *Tenant, pk, prefix string) ([]T, error) {
	cond := expression.Key("pk").Equal(expression.Value(pk)).
		And(expression.Key("sk").BeginsWith(prefix))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("build query of %s: %w", pk, err)
	}
	p := dynamodb.NewQueryPaginator(t.db, &dynamodb.QueryInput{
		TableName:                 &t.table,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	var items []T
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query %s %s: %w", pk, prefix, err)
		}
		page := make([]T, len(out.Items))
		if err := attributevalue.UnmarshalListOfMaps(out.Items, &page); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", pk, prefix, err)
		}
		items = append(items, page...)
	}
	return items, nil
}

// Conditions on the item a write changes.
var (
	ifPresent = mustCondition(expression.AttributeExists(expression.Name("pk")))
	ifAbsent  = mustCondition(expression.AttributeNotExists(expression.Name("pk")))
	// ifUnremediated holds for an item no remediation changed, or none at
	// all: Seed replaces only those.
	ifUnremediated = mustCondition(expression.AttributeNotExists(
		expression.Name(attrRemediated)))
)

func mustCondition(c expression.ConditionBuilder) expression.Expression {
	expr, err := expression.NewBuilder().WithCondition(c).Build()
	if err != nil {
		panic(err)
	}
	return expr
}

// maxTransactItems is the most items one TransactWriteItems may write.
const maxTransactItems = 100

// transaction builds a transaction of the given writes.
func transaction(writes ...func() (types.TransactWriteItem, error)) (
	*dynamodb.TransactWriteItemsInput, error) {
	if len(writes) > maxTransactItems {
		return nil, fmt.Errorf("a transaction of %d writes is over DynamoDB's %d",
			len(writes), maxTransactItems)
	}
	tx := &dynamodb.TransactWriteItemsInput{}
	for _, w := range writes {
		it, err := w()
		if err != nil {
			return nil, err
		}
		tx.TransactItems = append(tx.TransactItems, it)
	}
	return tx, nil
}

// transact runs a transaction of writes. done is false, and nothing is
// written, when one of its conditions did not hold.
func (t *Tenant) transact(ctx context.Context, writes ...func() (types.TransactWriteItem,
	error)) (done bool, err error) {
	tx, err := transaction(writes...)
	if err != nil {
		return false, err
	}
	_, err = t.db.TransactWriteItems(ctx, tx)
	if conditionFailed(err) {
		return false, nil
	}
	return err == nil, err
}

// txPut is a transaction's write of it.
func txPut(table string, it item) func() (types.TransactWriteItem, error) {
	return func() (types.TransactWriteItem, error) {
		m, err := attributevalue.MarshalMap(it)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		return types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: m}}, nil
	}
}

// txPutIf is a transaction's write of it, if cond holds.
func txPutIf(table string, it item, cond expression.Expression) func() (
	types.TransactWriteItem, error) {
	return func() (types.TransactWriteItem, error) {
		m, err := attributevalue.MarshalMap(it)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		return types.TransactWriteItem{Put: &types.Put{TableName: &table, Item: m,
			ConditionExpression: cond.Condition(), ExpressionAttributeNames: cond.Names(),
			ExpressionAttributeValues: cond.Values()}}, nil
	}
}

// txChange is a transaction's update of the item at k, as change does it.
func txChange(table string, k itemKey, cond expression.ConditionBuilder,
	upd expression.UpdateBuilder, now time.Time) func() (types.TransactWriteItem, error) {
	return func() (types.TransactWriteItem, error) {
		expr, err := changeExpr(cond, upd, now)
		if err != nil {
			return types.TransactWriteItem{}, fmt.Errorf("build update of %s %s: %w",
				k.PK, k.SK, err)
		}
		return types.TransactWriteItem{Update: &types.Update{TableName: &table,
			Key: key(k.PK, k.SK), ConditionExpression: expr.Condition(),
			UpdateExpression: expr.Update(), ExpressionAttributeNames: expr.Names(),
			ExpressionAttributeValues: expr.Values()}}, nil
	}
}

// txDelete is a transaction's delete of the item at k, if cond holds.
func txDelete(table string, k itemKey, cond expression.Expression) func() (
	types.TransactWriteItem, error) {
	return func() (types.TransactWriteItem, error) {
		return types.TransactWriteItem{Delete: &types.Delete{TableName: &table,
			Key: key(k.PK, k.SK), ConditionExpression: cond.Condition(),
			ExpressionAttributeNames: cond.Names()}}, nil
	}
}

// txCheck is a transaction's condition on the item at k.
func txCheck(table string, k itemKey, cond expression.Expression) func() (
	types.TransactWriteItem, error) {
	return func() (types.TransactWriteItem, error) {
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &table, Key: key(k.PK, k.SK), ConditionExpression: cond.Condition(),
			ExpressionAttributeNames: cond.Names()}}, nil
	}
}

// conditionFailed reports whether a transaction was cancelled because one
// of its conditions failed.
func conditionFailed(err error) bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return false
	}
	for _, r := range tce.CancellationReasons {
		if aws.ToString(r.Code) == "ConditionalCheckFailed" {
			return true
		}
	}
	return false
}
