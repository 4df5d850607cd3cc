package tenant

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/firebreak/firebreak/shared/alert"
)

// fileState names the sort key prefixes a copy of a file is kept under,
// on its host's partition and on its hash's, in one state: on the host's
// disk, in its quarantine, or deleted.
type fileState struct{ host, hash string }

var (
	onDisk       = fileState{skFile, skHost}
	inQuarantine = fileState{skQuarantine, skQuarantine}
	deleted      = fileState{skDeleted, skDeleted}
)

// quarantine carries out quarantine_file: see QuarantineFile.
func (t *Tenant) quarantine(ctx context.Context, o order) (string, error) {
	q, err := t.QuarantineFile(ctx, o.scope, o.key)
	if err != nil {
		return "", err
	}
	if q.AlreadyQuarantined {
		return fmt.Sprintf("already quarantined on %s; nothing changed", o.scope), nil
	}
	return fmt.Sprintf("quarantined %s on %s", strings.Join(q.Paths, ", "), o.scope), nil
}

// restoreFile undoes quarantine_file: it puts every quarantined copy of
// the file back where it was on the host. A host holding no quarantined
// copy and no copy on disk gives a *NotFoundError.
func (t *Tenant) restoreFile(ctx context.Context, o order) (string, error) {
	h, err := t.scopeHost(ctx, o)
	if err != nil {
		return "", err
	}

	// back from quarantine
	copies, err := t.Quarantined(ctx, h.ID, o.key)
	if err != nil {
		return "", err
	}
	paths, err := t.moveAll(ctx, h, copies, inQuarantine, onDisk)
	if err != nil {
		return "", err
	}
	if len(paths) > 0 {
		return fmt.Sprintf("restored %s on %s from quarantine", strings.Join(paths, ", "),
			h.ID), nil
	}

	// nothing in quarantine: restored before, or never there
	held, err := t.FilesOnHost(ctx, h.ID, o.key)
	if err != nil {
		return "", err
	}
	if len(held) == 0 {
		return "", noFile(o.key, h.ID)
	}
	return fmt.Sprintf("already restored on %s; nothing changed", h.ID), nil
}

// deleteFile carries out delete_file: it deletes every copy of the file
// on the host's disk and in its quarantine, recording each deleted on the
// host and the hash, so that a hunt no longer finds it there and no undo
// brings it back. A host that never held the file gives a *NotFoundError.
func (t *Tenant) deleteFile(ctx context.Context, o order) (string, error) {
	h, err := t.scopeHost(ctx, o)
	if err != nil {
		return "", err
	}

	// the copies on disk, then those in quarantine
	var paths []string
	for _, from := range []fileState{onDisk, inQuarantine} {
		copies, err := t.files(ctx, h.ID, from.host+o.key+"#")
		if err != nil {
			return "", err
		}
		moved, err := t.moveAll(ctx, h, copies, from, deleted)
		if err != nil {
			return "", err
		}
		paths = append(paths, moved...)
	}
	if len(paths) > 0 {
		return fmt.Sprintf("deleted %s on %s for good", strings.Join(paths, ", "), h.ID), nil
	}

	// none left: deleted before, or never there
	gone, err := t.files(ctx, h.ID, skDeleted+o.key+"#")
	if err != nil {
		return "", err
	}
	if len(gone) == 0 {
		return "", noFile(o.key, h.ID)
	}
	return fmt.Sprintf("already deleted on %s; nothing changed", h.ID), nil
}

// noFile is the error for a file a host never held.
func noFile(sha256, hostID string) error {
	return &NotFoundError{Kind: alert.EntityFile, Key: sha256,
		In: entityRef(alert.EntityHost, hostID)}
}

// scopeHost returns the host an order is narrowed to, or a *NotFoundError.
func (t *Tenant) scopeHost(ctx context.Context, o order) (Host, error) {
	h, ok, err := t.hostMeta(ctx, o.scope)
	if err != nil {
		return Host{}, err
	}
	if !ok {
		return Host{}, &NotFoundError{Kind: alert.EntityHost, Key: o.scope}
	}
	return h, nil
}

// moveAll moves each of the copies on h from one state to another, and
// returns the paths of those it moved; another run may have moved some.
func (t *Tenant) moveAll(ctx context.Context, h Host, copies []File, from, to fileState) (
	[]string, error) {
	var paths []string
	for _, f := range copies {
		moved, err := t.move(ctx, h, f, from, to)
		if err != nil {
			return nil, err
		}
		if moved {
			paths = append(paths, f.Path)
		}
	}
	return paths, nil
}

// move moves one copy of a file on h from one state to another on both
// its partitions, at once. moved is false when another run moved it first.
func (t *Tenant) move(ctx context.Context, h Host, f File, from, to fileState) (
	moved bool, err error) {
	// a table seeded by an older tenant has no hash index: its delete is
	// unconditional
	moved, err = t.transact(ctx,
		txDelete(t.table, onHost(from.host, h, f).keys(), ifPresent),
		txDelete(t.table, onHash(from.hash, h, f).keys(), expression.Expression{}),
		txPut(t.table, onHost(to.host, h, f)),
		txPut(t.table, onHash(to.hash, h, f)))
	if err != nil {
		return false, fmt.Errorf("move %s on %s: %w", f.Path, h.ID, err)
	}
	return moved, nil
}
