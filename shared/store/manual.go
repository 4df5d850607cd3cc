package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// ManualStart is an investigation started outside ingest: by an analyst
// from a stored alert or from one entity, or by Finalize for alerts that
// joined too late to be investigated. Alerts or Entity is set. Indicators
// are the refs it claims, as ingest's are.
type ManualStart struct {
	Alerts     []alert.Alert
	Entity     *alert.Entity
	Playbook   string
	Automation investigation.Level
	Indicators []string
	Window     time.Duration
	StartedBy  string
	// ShareClaimed opens the investigation even when an open one claims
	// some of the indicators: it claims only the others. An alert that no
	// running round will look at needs an investigation of its own.
	ShareClaimed bool
}

// ClaimedError means an open investigation already covers one of the
// indicators: the analyst should follow that one.
type ClaimedError struct {
	Ref             string
	InvestigationID string
}

func (e *ClaimedError) Error() string {
	return fmt.Sprintf("%s is already under investigation %s", e.Ref, e.InvestigationID)
}

// StartManual opens an investigation for m in one transaction: the
// investigation, a copy of the alerts in it (the stored alerts stay where
// they are) or the entity, its claims and its first event. Alerts beyond
// what one transaction holds beside the claims are left out. When an open
// investigation claims one of the indicators it returns a *ClaimedError
// and writes nothing.
func (s *Store) StartManual(ctx context.Context, m ManualStart) (investigation.Investigation,
	error) {
	m.Indicators = claimable(unique(m.Indicators))
	if m.ShareClaimed {
		free, err := s.unclaimed(ctx, m.Indicators)
		if err != nil {
			return investigation.Investigation{}, err
		}
		m.Indicators = free
	}
	if room := maxTransactItems - 2 - len(m.Indicators); len(m.Alerts) > room {
		m.Alerts = m.Alerts[:room]
	}
	if err := s.refuseClaimed(ctx, m.Indicators); err != nil {
		return investigation.Investigation{}, err
	}
	now := s.now().UTC()
	inv := investigation.Investigation{
		ID: NewID(), Status: investigation.StatusRunning, Playbook: m.Playbook,
		Automation: m.Automation, Title: manualTitle(m), CreatedAt: now, UpdatedAt: now,
		Indicators: m.Indicators,
	}
	items, err := s.manualItems(m, &inv, now)
	if err != nil {
		return investigation.Investigation{}, err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if cancelled(err) != nil {
		// a claim was taken meanwhile: say by whom
		if err := s.refuseClaimed(ctx, m.Indicators); err != nil {
			return investigation.Investigation{}, err
		}
		return investigation.Investigation{}, fmt.Errorf("start investigation: %w", ErrContention)
	}
	if err != nil {
		return investigation.Investigation{}, fmt.Errorf("start investigation: %w", err)
	}
	return inv, nil
}

// unclaimed returns the refs no open investigation claims.
func (s *Store) unclaimed(ctx context.Context, refs []string) ([]string, error) {
	var free []string
	for _, ref := range refs {
		id, err := s.claimant(ctx, []string{ref})
		if err != nil {
			return nil, err
		}
		if id == "" {
			free = append(free, ref)
		}
	}
	return free, nil
}

// refuseClaimed returns a *ClaimedError for the first of refs an open
// investigation claims.
func (s *Store) refuseClaimed(ctx context.Context, refs []string) error {
	for _, ref := range refs {
		id, err := s.claimant(ctx, []string{ref})
		if err != nil {
			return err
		}
		if id != "" {
			return &ClaimedError{Ref: ref, InvestigationID: id}
		}
	}
	return nil
}

func manualTitle(m ManualStart) string {
	if len(m.Alerts) > 0 {
		return m.Alerts[0].Title
	}
	return "Manual investigation of " + m.Entity.Ref()
}

// manualItems returns the writes of a manual start.
func (s *Store) manualItems(m ManualStart, inv *investigation.Investigation, now time.Time) (
	[]types.TransactWriteItem, error) {
	var items []types.TransactWriteItem
	put := func(v any) error {
		it, err := marshal(v)
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.table,
			Item: it}})
		return err
	}
	what := ""
	switch {
	case len(m.Alerts) > 0:
		what = fmt.Sprintf("%d alerts", len(m.Alerts))
		if len(m.Alerts) == 1 {
			what = "alert " + m.Alerts[0].ID
		}
		inv.AlertCount = len(m.Alerts)
		for _, a := range m.Alerts {
			inv.SeverityID = max(inv.SeverityID, a.SeverityID)
			if err := put(newAlertItem(invPK(inv.ID), a)); err != nil {
				return nil, err
			}
		}
	default:
		what = m.Entity.Ref()
		if err := put(entityItem{itemKeys{invPK(inv.ID), entitySK(m.Entity.Ref()), kindEntity},
			investigation.Entity{Entity: *m.Entity, Verdict: investigation.VerdictUnknown,
				FoundBy: "analyst " + m.StartedBy, Round: 1}}); err != nil {
			return nil, err
		}
	}
	meta, err := s.investigationPut(*inv, m.Alerts...)
	if err != nil {
		return nil, err
	}
	items = append(items, meta)
	for _, ref := range inv.Indicators {
		claim, err := s.claimPut(ref, inv.ID, now.Add(m.Window))
		if err != nil {
			return nil, err
		}
		items = append(items, claim)
	}
	ev, err := s.eventPut(inv.ID, investigation.Event{Time: now, Kind: "opened",
		Actor: m.StartedBy, Message: fmt.Sprintf("%s started the investigation of %s by hand "+
			"with playbook %s", m.StartedBy, what, m.Playbook)})
	return append(items, ev), err
}

// unique returns refs without repeats, in their first order: one
// transaction may not write the same claim twice.
func unique(refs []string) []string {
	seen := make(map[string]bool, len(refs))
	out := refs[:0:0]
	for _, r := range refs {
		if !seen[r] {
			seen[r], out = true, append(out, r)
		}
	}
	return out
}
