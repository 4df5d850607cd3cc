package tenant

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/firebreak/firebreak/shared/alert"
)

// attrStatus is an access key's status, KeyActive or KeyInactive.
var attrStatus = expression.Name("status")

// disableKey carries out disable_access_key: the key becomes inactive, so
// that calls made with it are refused.
func (t *Tenant) disableKey(ctx context.Context, o order) (string, error) {
	k, err := t.targetKey(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("access key %s already inactive; nothing changed", k.ID)
	if k.Status == KeyInactive {
		return already, nil
	}
	changed, err := t.change(ctx, k.itemKey, attrStatus.Equal(expression.Value(KeyActive)),
		expression.Set(attrStatus, expression.Value(KeyInactive)).
			Set(attrDisabledAt, expression.Value(o.now)), o.now)
	return said(changed, err,
		fmt.Sprintf("deactivated access key %s of %s", k.ID, k.Principal), already)
}

// enableKey undoes disable_access_key, unless the key was inactive before
// it.
func (t *Tenant) enableKey(ctx context.Context, o order) (string, error) {
	k, err := t.targetKey(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("access key %s already as before remediation (%s); nothing changed",
		k.ID, k.Status)
	if k.DisabledAt == nil {
		return already, nil
	}
	changed, err := t.change(ctx, k.itemKey, expression.AttributeExists(attrDisabledAt),
		expression.Set(attrStatus, expression.Value(KeyActive)).Remove(attrDisabledAt), o.now)
	return said(changed, err,
		fmt.Sprintf("reactivated access key %s of %s", k.ID, k.Principal), already)
}

// targetKey returns the access key an order acts on, or a *NotFoundError.
func (t *Tenant) targetKey(ctx context.Context, o order) (accessKeyItem, error) {
	k, ok, err := get[accessKeyItem](ctx, t, pkAccessKey+o.key, skMeta)
	if err != nil {
		return accessKeyItem{}, err
	}
	if !ok {
		return accessKeyItem{}, &NotFoundError{Kind: alert.EntityAccessKey, Key: o.key}
	}
	return k, nil
}
