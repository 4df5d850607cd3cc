package tenant

import (
	"context"
	"fmt"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Block is an indicator on the tenant-wide blocklist: a URL, a domain or
// an IP address that remediation blocked.
type Block struct {
	Type alert.EntityType `dynamodbav:"type"` // url, domain or ip
	Key  string           `dynamodbav:"key"`  // canonical
	At   time.Time        `dynamodbav:"at"`
	// Action is the ID of the action that blocked it.
	Action string `dynamodbav:"action"`
}

// blockItem is a Block, kept on the blocklist's partition.
type blockItem struct {
	itemKey
	Block
}

// blockKey returns the key of the blocklist's item for the indicator.
func blockKey(typ alert.EntityType, key string) itemKey {
	return itemKey{pkBlocklist, skBlock + entityRef(typ, key)}
}

// block carries out block_url, block_domain and block_ip: the indicator
// goes on the blocklist, known to the tenant or not.
func (t *Tenant) block(ctx context.Context, o order) (string, error) {
	typ := investigation.Actions[o.Type].Target
	b := blockItem{blockKey(typ, o.key), Block{Type: typ, Key: o.key, At: o.now,
		Action: o.ID}}
	written, err := t.putIf(ctx, b, ifAbsent)
	return said(written, err, fmt.Sprintf("blocked %s %s tenant-wide", typ, o.key),
		fmt.Sprintf("%s %s already blocked; nothing changed", typ, o.key))
}

// unblock undoes block_url, block_domain and block_ip.
func (t *Tenant) unblock(ctx context.Context, o order) (string, error) {
	typ := investigation.Actions[o.Type].Target
	deleted, err := t.deleteIf(ctx, blockKey(typ, o.key), ifPresent)
	return said(deleted, err, fmt.Sprintf("unblocked %s %s", typ, o.key),
		fmt.Sprintf("%s %s already unblocked; nothing changed", typ, o.key))
}

// Blocklist returns every indicator remediation blocked: the domains,
// then the IPs, then the URLs.
func (t *Tenant) Blocklist(ctx context.Context) ([]Block, error) {
	items, err := query[blockItem](ctx, t, pkBlocklist, skBlock)
	var blocks []Block
	for _, it := range items {
		blocks = append(blocks, it.Block)
	}
	return blocks, err
}

// Blocking returns the block that stops traffic to e: e's own, or for a
// URL its domain's when the URL has none; ok is false when nothing blocks
// e. A click on a URL is blocked exactly when Blocking finds a block for
// it. e's key is made canonical first.
func (t *Tenant) Blocking(ctx context.Context, e alert.Entity) (b Block, ok bool, err error) {
	k := alert.Key(e.Type, e.Key)
	if k == "" {
		return Block{}, false, nil
	}
	keys := []itemKey{blockKey(e.Type, k)}
	if e.Type == alert.EntityURL {
		keys = append(keys, blockKey(alert.EntityDomain, urlDomain(k)))
	}
	for _, bk := range keys {
		it, ok, err := get[blockItem](ctx, t, bk.PK, bk.SK)
		if err != nil || ok {
			return it.Block, ok, err
		}
	}
	return Block{}, false, nil
}

// describeBlocked returns the question that says whether remediation
// blocked an indicator of type typ.
func describeBlocked(typ alert.EntityType) question {
	return func(t *Tenant, ctx context.Context, key string) (datasource.Finding, error) {
		var f finding
		b, ok, err := t.Blocking(ctx, alert.Entity{Type: typ, Key: key})
		if err != nil || !ok {
			return f.result(err)
		}
		f.Attributes = alert.Attrs("blocked", "true")
		if b.Type == typ {
			f.evidence(investigation.VerdictUnknown, "blocked by remediation at %s", stamp(b.At))
		} else {
			f.evidence(investigation.VerdictUnknown, "on %s %s, blocked by remediation at %s",
				b.Type, b.Key, stamp(b.At))
		}
		return f.Finding, nil
	}
}
