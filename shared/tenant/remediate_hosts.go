package tenant

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/firebreak/firebreak/shared/alert"
)

// Attributes remediation sets on hosts and processes.
var (
	attrIsolatedAt = expression.Name("isolated_at")
	attrKilledAt   = expression.Name("killed_at")
)

// isolateHost carries out isolate_host: the host is cut off the network,
// which the tenant records as the time it was isolated; its processes
// keep running.
func (t *Tenant) isolateHost(ctx context.Context, o order) (string, error) {
	h, err := t.targetHost(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("%s already isolated; nothing changed", h.ID)
	if !h.IsolatedAt.IsZero() {
		return already, nil
	}
	changed, err := t.change(ctx, itemKey{pkHost + h.ID, skMeta},
		expression.AttributeNotExists(attrIsolatedAt),
		expression.Set(attrIsolatedAt, expression.Value(o.now)), o.now)
	return said(changed, err, fmt.Sprintf(
		"isolated %s from the network; its processes keep running", named(h.Name, h.ID)),
		already)
}

// releaseHost undoes isolate_host.
func (t *Tenant) releaseHost(ctx context.Context, o order) (string, error) {
	h, err := t.targetHost(ctx, o)
	if err != nil {
		return "", err
	}
	already := fmt.Sprintf("%s already released; nothing changed", h.ID)
	if h.IsolatedAt.IsZero() {
		return already, nil
	}
	changed, err := t.change(ctx, itemKey{pkHost + h.ID, skMeta},
		expression.AttributeExists(attrIsolatedAt), expression.Remove(attrIsolatedAt), o.now)
	return said(changed, err, fmt.Sprintf("released %s from isolation", named(h.Name, h.ID)),
		already)
}

// targetHost returns the host an order acts on, or a *NotFoundError.
func (t *Tenant) targetHost(ctx context.Context, o order) (Host, error) {
	h, ok, err := t.hostMeta(ctx, o.key)
	if err != nil {
		return Host{}, err
	}
	if !ok {
		return Host{}, &NotFoundError{Kind: alert.EntityHost, Key: o.key}
	}
	return h, nil
}

// killProcess carries out kill_process: the process is marked killed on
// its own partition and its host's, at once, so that the host no longer
// lists it running. What it did stays on record.
func (t *Tenant) killProcess(ctx context.Context, o order) (string, error) {
	// find it
	p, ok, err := t.process(ctx, o.key)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &NotFoundError{Kind: alert.EntityProcess, Key: o.key}
	}
	already := fmt.Sprintf("process %s already killed; nothing changed", p.ID)
	if p.KilledAt != nil {
		return already, nil
	}

	// mark it killed in both places
	kill := func(k itemKey) func() (types.TransactWriteItem, error) {
		return txChange(t.table, k, expression.AttributeNotExists(attrKilledAt),
			expression.Set(attrKilledAt, expression.Value(o.now)), o.now)
	}
	killed, err := t.transact(ctx, kill(itemKey{pkProcess + p.ID, skMeta}),
		kill(itemKey{pkHost + p.Host, skProcess + p.ID}))
	if err != nil {
		return "", fmt.Errorf("kill %s: %w", p.ID, err)
	}
	return said(killed, nil,
		fmt.Sprintf("killed process %s on %s", named(p.Name, p.ID), p.Host), already)
}
