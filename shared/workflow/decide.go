package workflow

import (
	"context"
	"fmt"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/tenant"
)

// DecideOutput counts the proposed actions that may run now and those
// that wait for a person.
type DecideOutput struct {
	Approved        int `json:"approved"`
	PendingApproval int `json:"pending_approval"`
}

// proposal is an action Decide wants, before it is stored.
type proposal struct {
	typ      investigation.ActionType
	target   string
	scope    string
	critical bool
	reason   string
}

// Decide turns verdicts into proposed actions and decides, by the
// investigation's automation level and the asset's criticality, which run
// now and which wait for approval. A malicious file on a tenant host is
// quarantined there. Running it again proposes nothing new.
func (s *Steps) Decide(ctx context.Context, in Input) (out DecideOutput, err error) {
	start := s.Now()
	defer func() {
		s.summarize(ctx, "decide", in.InvestigationID, start, err,
			"approved", out.Approved, "pending_approval", out.PendingApproval)
	}()
	if err := in.check(); err != nil {
		return DecideOutput{}, err
	}

	// what to do follows from the verdicts
	inv, err := s.Store.Investigation(ctx, in.InvestigationID)
	if err != nil {
		return DecideOutput{}, classify(err)
	}
	ents, err := s.Store.Entities(ctx, inv.ID)
	if err != nil {
		return DecideOutput{}, classify(err)
	}
	proposals, err := s.quarantines(ctx, ents)
	if err != nil {
		return DecideOutput{}, classify(err)
	}

	// store each and decide whether it waits
	for _, p := range proposals {
		status, err := s.propose(ctx, inv, p)
		if err != nil {
			return DecideOutput{}, classify(err)
		}
		out.Approved += btoi(status == investigation.ActionApproved)
		out.PendingApproval += btoi(status == investigation.ActionPendingApproval)
	}
	return out, nil
}

// quarantines proposes quarantining each malicious file on each host of
// the investigation that the tenant says holds it. Each host is read once.
func (s *Steps) quarantines(ctx context.Context, ents []investigation.Entity) (
	[]proposal, error) {
	hosts, err := s.tenantHosts(ctx, ents)
	if err != nil {
		return nil, err
	}
	var out []proposal
	for _, f := range ents {
		if f.Type != alert.EntityFile || f.Verdict != investigation.VerdictMalicious {
			continue
		}
		for _, h := range hosts {
			if holds(h.Files, f.Key) {
				out = append(out, proposal{typ: investigation.ActionQuarantineFile,
					target: f.Ref(), scope: alert.Entity{Type: alert.EntityHost, Key: h.ID}.Ref(),
					critical: h.Critical,
					reason:   "malicious: " + evidenceText(f.Evidence)})
			}
		}
	}
	return out, nil
}

// tenantHosts returns the investigation's hosts that the tenant knows.
func (s *Steps) tenantHosts(ctx context.Context, ents []investigation.Entity) (
	[]tenant.Host, error) {
	var hosts []tenant.Host
	for _, e := range ents {
		if e.Type != alert.EntityHost {
			continue
		}
		h, ok, err := s.Tenant.Host(ctx, e.Key)
		if err != nil {
			return nil, err
		}
		if ok {
			hosts = append(hosts, h)
		}
	}
	return hosts, nil
}

// propose stores p as an action and approves it or makes it wait. It
// returns the action's status after the decision.
func (s *Steps) propose(ctx context.Context, inv investigation.Investigation, p proposal) (
	investigation.ActionStatus, error) {
	act, err := s.Store.ProposeAction(ctx, inv.ID, investigation.Action{
		ID:     store.ActionID(inv.ID, p.typ, p.target, p.scope),
		Type:   p.typ,
		Status: investigation.ActionProposed,
		Target: p.target,
		Scope:  p.scope,
		Reason: p.reason,
	})
	if err != nil || act.Status != investigation.ActionProposed {
		return act.Status, err // decided by an earlier run
	}
	next, why := gate(inv.Automation, p.critical)
	if err := s.Store.TransitionAction(ctx, inv.ID, act.ID, next, store.ActionChange{}); err != nil {
		return "", err
	}
	err = s.record(ctx, inv.ID, "action_"+string(next), "decide", "%s %s on %s: %s",
		p.typ, p.target, p.scope, why)
	return next, err
}

// gate decides whether an action runs without approval.
func gate(level investigation.Level, critical bool) (investigation.ActionStatus, string) {
	switch {
	case level == investigation.LevelFull:
		return investigation.ActionApproved, "approved automatically at automation level full"
	case level == investigation.LevelSemiCritical && !critical:
		return investigation.ActionApproved,
			"approved automatically: the asset is not critical at level semi-critical"
	case level == investigation.LevelSemiCritical:
		return investigation.ActionPendingApproval,
			"waits for approval: the asset is critical at level semi-critical"
	}
	return investigation.ActionPendingApproval,
		fmt.Sprintf("waits for approval at automation level %s", level)
}

func holds(files []tenant.File, sha256 string) bool {
	for _, f := range files {
		if f.SHA256 == sha256 {
			return true
		}
	}
	return false
}
