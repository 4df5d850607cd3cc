package tenant

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/firebreak/firebreak/shared/alert"
)

// Attributes remediation sets on a copy of a message.
var (
	attrDeleted   = expression.Name("deleted")
	attrDeletedAt = expression.Name("deleted_at")
)

// deleteEmail carries out delete_email on the copy of the message in the
// mailbox of the scope. The copy is soft-deleted: kept and marked deleted,
// so that restoreEmail can bring it back, while the indexes that find it
// by sender, URL, domain and attachment go, in the same transaction, so
// that a hunt no longer finds it.
func (t *Tenant) deleteEmail(ctx context.Context, o order) (string, error) {
	m, err := t.targetMessage(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("message %s already deleted from %s; nothing changed", m.ID,
		o.scope)
	if m.Deleted {
		return already, nil
	}

	// mark it deleted, and drop what finds it
	writes := []func() (types.TransactWriteItem, error){
		txChange(t.table, m.itemKey, attrDeleted.Equal(expression.Value(false)),
			expression.Set(attrDeleted, expression.Value(true)).
				Set(attrDeletedAt, expression.Value(o.now)), o.now),
	}
	for _, r := range messageIndexes(o.scope, m.Message) {
		writes = append(writes, txDelete(t.table, r.itemKey, expression.Expression{}))
	}
	done, err := t.transact(ctx, writes...)
	if err != nil {
		return "", fmt.Errorf("delete message %s from %s: %w", m.ID, o.scope, err)
	}
	return said(done, nil, fmt.Sprintf("deleted message %s from %s; it can be restored",
		m.name(), o.scope), already)
}

// restoreEmail undoes delete_email: the copy is no longer deleted, and
// its indexes are back. A copy deleted other than by remediation stays
// deleted.
func (t *Tenant) restoreEmail(ctx context.Context, o order) (string, error) {
	m, err := t.targetMessage(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("message %s already in %s; nothing changed", m.ID, o.scope)
	switch {
	case !m.Deleted:
		return already, nil
	case m.DeletedAt == nil:
		return fmt.Sprintf("message %s already as before remediation (deleted from %s); "+
			"nothing changed", m.ID, o.scope), nil
	}

	// mark it kept, and index it again
	writes := []func() (types.TransactWriteItem, error){
		txChange(t.table, m.itemKey, expression.AttributeExists(attrDeletedAt),
			expression.Set(attrDeleted, expression.Value(false)).Remove(attrDeletedAt), o.now),
	}
	for _, r := range messageIndexes(o.scope, m.Message) {
		writes = append(writes, txPut(t.table, r))
	}
	done, err := t.transact(ctx, writes...)
	if err != nil {
		return "", fmt.Errorf("restore message %s to %s: %w", m.ID, o.scope, err)
	}
	return said(done, nil, fmt.Sprintf("restored message %s to %s", m.name(), o.scope),
		already)
}

// name returns the copy's subject, quoted, and its message's ID.
func (m messageItem) name() string {
	if m.Subject == "" {
		return m.ID
	}
	return strconv.Quote(m.Subject) + " (" + m.ID + ")"
}

// targetMessage returns the copy of the message an order acts on, in the
// mailbox of its scope, or a *NotFoundError naming the mailbox or the
// message the tenant lacks.
func (t *Tenant) targetMessage(ctx context.Context, o order) (messageItem, error) {
	m, ok, err := get[messageItem](ctx, t, pkMailbox+o.scope, skMessage+o.key)
	if err != nil || ok {
		return m, err
	}
	_, known, err := t.mailboxMeta(ctx, o.scope)
	switch {
	case err != nil:
		return messageItem{}, err
	case !known:
		return messageItem{}, &NotFoundError{Kind: alert.EntityMailbox, Key: o.scope}
	}
	return messageItem{}, &NotFoundError{Kind: alert.EntityEmailMessage, Key: o.key,
		In: entityRef(alert.EntityMailbox, o.scope)}
}
