package tenant

import (
	"context"
	"fmt"
)

// SeedOnce seeds snap unless the table was seeded before by this model of
// the tenant, so a restarted local host keeps what remediation changed. It
// marks the table seeded only once Seed succeeded, so a start that failed
// half way seeds again. It reports whether it seeded.
func (t *Tenant) SeedOnce(ctx context.Context, snap Snapshot) (bool, error) {
	// seeded before?
	_, seeded, err := get[itemKey](ctx, t, pkSeeded, seedVersion)
	if err != nil || seeded {
		return false, err
	}

	// seed, then say so
	if err := t.Seed(ctx, snap); err != nil {
		return false, err
	}
	if err := t.put(ctx, itemKey{PK: pkSeeded, SK: seedVersion}); err != nil {
		return false, fmt.Errorf("mark the tenant seeded: %w", err)
	}
	return true, nil
}

// Seed writes snap into the table with its reverse indexes, replacing the
// items with the same keys, except what remediation changed: a file
// quarantined or deleted on a host earlier is not put back, and a host,
// process, user, access key or message remediation changed keeps its
// state (see attrRemediated). Seed writes item by item, so a failure
// leaves the tenant partly seeded; seeding again completes it.
func (t *Tenant) Seed(ctx context.Context, snap Snapshot) error {
	// the files, unless quarantined or deleted since
	for _, h := range snap.Hosts {
		for _, f := range h.Files {
			if err := t.seedFile(ctx, h, f); err != nil {
				return fmt.Errorf("seed file %s on %s: %w", f.Path, h.ID, err)
			}
		}
	}

	// the messages, unless remediation changed them
	for _, m := range snap.Mailboxes {
		for _, msg := range m.Messages {
			if err := t.seedMessage(ctx, m.Address, msg); err != nil {
				return fmt.Errorf("seed message %s in %s: %w", msg.ID, m.Address, err)
			}
		}
	}

	// everything else, but what remediation changed
	for _, it := range snapshotItems(snap) {
		if _, err := t.putIf(ctx, it, ifUnremediated); err != nil {
			return fmt.Errorf("seed the tenant: %w", err)
		}
	}
	return nil
}

// snapshotItems returns the items of snap but its files and messages (see
// seedFile, seedMessage).
// An index item two items share, such as a URL's, appears once per item.
func snapshotItems(snap Snapshot) []item {
	var items []item
	for _, h := range snap.Hosts {
		items = append(items, hostItems(h)...)
	}
	for _, u := range snap.Users {
		items = append(items, userItems(u)...)
	}
	for _, m := range snap.Mailboxes {
		items = append(items, mailboxItems(m)...)
	}
	items = append(items, clickItems(snap.Clicks, displayNames(snap.Users))...)
	for _, p := range snap.Principals {
		items = append(items, principalItems(p)...)
	}
	return items
}
