package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/playbook"
	"github.com/firebreak/firebreak/shared/store"
)

// ExpandInput is ExpandScope's input: the round that just ended, and
// whether the analyst's approval of the next one timed out.
type ExpandInput struct {
	RoundInput
	ScopeExpired bool `json:"scope_expired,omitempty"`
}

// ExpandOutput says what comes after a round: another round (Continue,
// with Round the round to run), a wait for an analyst to approve widening
// to Hosts hosts (NeedsApproval), or neither, and the investigation goes
// on to Decide.
type ExpandOutput struct {
	InvestigationID string `json:"investigation_id"`
	Round           int    `json:"round"`
	Continue        bool   `json:"continue"`
	NeedsApproval   bool   `json:"needs_approval"`
	Hosts           int    `json:"hosts"`
}

// ExpandScope ends a round. Alerts that joined the investigation while it
// ran bring their entities and what they say of the rest; the entities the
// round found are claimed, so later alerts naming them join too. Another
// round runs when anything new is to be investigated and the round limit
// allows; widening to the configured number of hosts or more first waits
// for an analyst, and an expansion the analyst rejected, or left to
// expire, leaves the new entities out of scope.
func (s *Steps) ExpandScope(ctx context.Context, in ExpandInput) (out ExpandOutput, err error) {
	start := s.Now()
	defer func() {
		s.summarize(ctx, "expand_scope", in.InvestigationID, start, err, "round", in.round(),
			"continue", out.Continue, "needs_approval", out.NeedsApproval, "hosts", out.Hosts)
	}()
	inv, ents, err := s.openRound(ctx, in.RoundInput)
	if err != nil {
		return ExpandOutput{}, err
	}
	out = ExpandOutput{InvestigationID: inv.ID, Round: in.round()}

	// alerts that joined meanwhile
	if ents, err = s.takeJoined(ctx, inv, ents, in.round()); err != nil {
		return out, classify(err)
	}
	next := inRound(ents, in.round()+1)
	out.Hosts = countType(ents, alert.EntityHost)
	switch {
	case len(next) == 0:
		return out, classify(s.recordOnce(ctx, inv.ID, "expansion_done", "expansion_done",
			"expand_scope", "round %d found nothing new: the investigation covers %s",
			in.round(), count(len(ents), "entity")))
	case in.round() >= s.Settings.MaxRounds:
		return out, classify(s.recordOnce(ctx, inv.ID, "round_limit", "round_limit",
			"expand_scope",
			"the round limit of %d is reached: %d entities found in round %d are not "+
				"investigated further", s.Settings.MaxRounds, len(next), in.round()))
	}

	// a wide expansion waits for a person
	if countType(next, alert.EntityHost) > 0 && out.Hosts >= s.Settings.ApprovalAtHosts {
		proceed, err := s.scopeDecision(ctx, inv, in, next, &out)
		if err != nil || !proceed {
			return out, classify(err)
		}
	}

	// claim what the round found, and run the next round
	if _, err := s.Store.ClaimIndicators(ctx, inv.ID, claimRefs(next),
		s.Settings.CorrelationWindow); err != nil {
		return out, classify(err)
	}
	out.Continue, out.Round = true, in.round()+1
	return out, classify(s.recordOnce(ctx, inv.ID, fmt.Sprintf("expanded#%d", out.Round),
		"expanded", "expand_scope", "round %d investigates %s the last round found",
		out.Round, count(len(next), "entity")))
}

// scopeDecision applies the analyst's decision on widening to the next
// round. proceed is true when the round may run; otherwise out says
// whether to wait for a decision. A wait that expired counts as a
// rejection, unless the analyst approved just before it did.
func (s *Steps) scopeDecision(ctx context.Context, inv investigation.Investigation,
	in ExpandInput, next []investigation.Entity, out *ExpandOutput) (proceed bool, err error) {
	round := in.round() + 1
	req, ok, err := s.Store.Scope(ctx, inv.ID, round)
	if err != nil {
		return false, err
	}
	switch {
	case ok && req.Status == store.ScopeApproved:
		return true, s.resume(ctx, inv)
	case in.ScopeExpired:
		if _, _, err := s.Store.DecideScope(ctx, inv.ID, round, false, "expiry"); err != nil &&
			!errors.As(err, new(*store.ScopeDecidedError)) && !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
		return false, s.exclude(ctx, inv.ID, next, fmt.Sprintf(
			"the wait for approval to widen to %d hosts expired", out.Hosts))
	case ok && req.Status == store.ScopeRejected:
		return false, s.exclude(ctx, inv.ID, next, fmt.Sprintf(
			"the expansion to %d hosts was rejected by %s", out.Hosts, req.DecidedBy))
	}
	out.NeedsApproval = true
	return false, nil
}

// exclude leaves ents out of the investigation's scope, saying why, and
// lets it go on to Decide.
func (s *Steps) exclude(ctx context.Context, id string, ents []investigation.Entity,
	why string) error {
	var deltas []investigation.Entity
	for _, e := range ents {
		deltas = append(deltas, investigation.Entity{Entity: alert.Entity{Type: e.Type,
			Key: e.Key}, Excluded: why})
	}
	if _, err := s.Store.MergeEntities(ctx, id, deltas); err != nil {
		return err
	}
	inv, err := s.Store.Investigation(ctx, id)
	if err != nil {
		return err
	}
	if err := s.resume(ctx, inv); err != nil {
		return err
	}
	return s.recordOnce(ctx, id, "scope_rejected#"+why, "scope_rejected", "expand_scope",
		"%s: %d entities stay out of scope", why, len(ents))
}

// resume sets an investigation that waited for a scope decision running
// again.
func (s *Steps) resume(ctx context.Context, inv investigation.Investigation) error {
	if inv.Status != investigation.StatusPendingApproval {
		return nil
	}
	err := s.Store.TransitionInvestigation(ctx, inv.ID, investigation.StatusRunning)
	var terr *investigation.TransitionError
	if errors.As(err, &terr) && terr.From == string(investigation.StatusRunning) {
		return nil
	}
	return err
}

// takeJoined adds the entities of alerts that joined during the round to
// the next round, and what every alert says of the entities it names, and
// returns the investigation's entities after.
func (s *Steps) takeJoined(ctx context.Context, inv investigation.Investigation,
	ents []investigation.Entity, round int) ([]investigation.Entity, error) {
	alerts, err := s.Store.Alerts(ctx, inv.ID)
	if err != nil {
		return nil, err
	}
	known := map[string]investigation.Entity{}
	for _, e := range ents {
		known[e.Ref()] = e
	}
	var deltas []investigation.Entity
	for _, a := range alerts {
		for _, x := range a.Entities {
			e, ok := known[x.Ref()]
			if !ok {
				e = investigation.Entity{Entity: x, Round: round + 1, FoundBy: "alert " + a.ID}
				known[x.Ref()] = e
			}
			pb := playbook.For(inv.Playbook, e.Round)
			e.Evidence = alertEvidence(pb, e, []alert.Alert{a}, playbook.GatherThreatInfo)
			deltas = append(deltas, e)
		}
	}
	changes, err := s.Store.MergeEntities(ctx, inv.ID, deltas)
	if err != nil {
		return nil, err
	}
	if err := s.recordChanges(ctx, inv.ID, "expand_scope", changes); err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return ents, nil
	}
	return s.Store.Entities(ctx, inv.ID)
}

// inRound returns the entities of round still in scope.
func inRound(ents []investigation.Entity, round int) []investigation.Entity {
	var out []investigation.Entity
	for _, e := range ents {
		if e.Round == round && e.Excluded == "" {
			out = append(out, e)
		}
	}
	return out
}

// countType counts the entities of type t in scope.
func countType(ents []investigation.Entity, t alert.EntityType) int {
	n := 0
	for _, e := range ents {
		n += btoi(e.Type == t && e.Excluded == "")
	}
	return n
}

// claimed lists the entity types an investigation claims, as ingest
// correlates alerts on them.
var claimed = []alert.EntityType{alert.EntityFile, alert.EntityURL, alert.EntityDomain,
	alert.EntityAccessKey, alert.EntityUser, alert.EntityHost}

// claimRefs returns the refs of ents that alerts correlate on.
func claimRefs(ents []investigation.Entity) []string {
	var refs []string
	for _, e := range ents {
		if slices.Contains(investigation.Correlated, e.Type) {
			refs = append(refs, e.Ref())
		}
	}
	return refs
}
