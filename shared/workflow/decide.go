package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/playbook"
	"github.com/firebreak/firebreak/shared/settings"
	"github.com/firebreak/firebreak/shared/store"
)

// DecideOutput counts the proposed actions that may run now and those
// that wait for a person, and lists both for the state machine's Map over
// them: ids only, to keep the execution's state small.
type DecideOutput struct {
	Approved        int `json:"approved"`
	PendingApproval int `json:"pending_approval"`
	// Waiting are the actions that wait for a person, which the state
	// machine's Approvals map asks about one by one. The approved ones
	// are not listed: one Remediate runs them all.
	Waiting []DecidedItem `json:"waiting"`
	// ApprovalTimeoutSeconds is how long an action waits for a decision
	// before it expires: firebreak.yaml's approvals.expires_after, which
	// the state machine's RequestApproval takes as its timeout.
	ApprovalTimeoutSeconds int64 `json:"approval_timeout_seconds"`
}

// DecidedItem is one action that waits for a person's decision.
type DecidedItem struct {
	ID string `json:"id"`
}

// proposal is an action Decide wants, before it is stored.
type proposal struct {
	typ      investigation.ActionType
	target   investigation.Entity
	scope    string
	critical bool
	reason   string
}

// Decide turns verdicts into proposed actions by each entity's playbook,
// and decides for each whether it runs now or waits for approval: by the
// automation level, the asset's criticality, the kind of action and the
// verdict (see gate). An investigation that would propose more actions
// than the configured limit proposes them all for a person to decide.
// Running it again proposes nothing new.
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
	proposals := propose(inv.Playbook, ents)
	over := len(proposals) > s.Settings.MaxActions
	if over {
		err := s.recordOnce(ctx, inv.ID, "action_limit", "action_limit", "decide",
			"%d actions exceed the limit of %d: every action waits for a person",
			len(proposals), s.Settings.MaxActions)
		if err != nil {
			return DecideOutput{}, classify(err)
		}
	}

	// store each and decide whether it waits
	for _, p := range proposals {
		id, status, err := s.decideOne(ctx, inv, p, over)
		if err != nil {
			return DecideOutput{}, classify(err)
		}
		out.add(id, status)
	}
	out.ApprovalTimeoutSeconds = int64(s.approvalExpiry() / time.Second)
	if out.Waiting == nil {
		out.Waiting = []DecidedItem{} // the Map needs an array, even an empty one
	}
	return out, nil
}

// add counts action id in status st and lists it when it waits for a
// person.
func (out *DecideOutput) add(id string, st investigation.ActionStatus) {
	out.Approved += btoi(st == investigation.ActionApproved)
	out.PendingApproval += btoi(st == investigation.ActionPendingApproval)
	if st == investigation.ActionPendingApproval {
		out.Waiting = append(out.Waiting, DecidedItem{ID: id})
	}
}

// approvalExpiry is how long an action waits for a decision.
func (s *Steps) approvalExpiry() time.Duration {
	if s.ApprovalExpiry > 0 {
		return s.ApprovalExpiry
	}
	return settings.DefaultApprovalExpiry
}

// propose returns the actions the remedies of each entity's playbook call
// for, each once, on the entities in scope.
func propose(name string, ents []investigation.Entity) []proposal {
	byRef := map[string]investigation.Entity{}
	for _, e := range ents {
		byRef[e.Ref()] = e
	}
	var out []proposal
	seen := map[string]bool{}
	for _, e := range ents {
		if e.Excluded != "" {
			continue
		}
		for _, r := range playbook.For(name, e.Round).Remedies {
			if r.Target != e.Type || r.When != e.Verdict || skipped(r, e) {
				continue
			}
			for _, p := range scoped(r, e, byRef) {
				if id := string(p.typ) + p.target.Ref() + p.scope; !seen[id] {
					seen[id], out = true, append(out, p)
				}
			}
		}
	}
	return out
}

// skipped reports whether the remedy's Unless holds for e, or its action
// cannot be done to e at all: a temporary AWS credential (an access key id
// starting ASIA, issued by STS) has no key to disable; it lapses, and the
// sessions of whoever it belongs to are what revoke_sessions ends.
func skipped(r playbook.Remedy, e investigation.Entity) bool {
	if r.Action == investigation.ActionDisableAccessKey && strings.HasPrefix(e.Key, "ASIA") {
		return true
	}
	return r.Unless[0] != "" && e.Attributes[r.Unless[0]] == r.Unless[1]
}

// scoped returns the remedy's actions on e: one per entity related by the
// remedy's scope relation and one per value of its scope attribute (the
// host an alert saw the file on), or one unscoped when the remedy has no
// scope. An excluded scope entity gets none.
func scoped(r playbook.Remedy, e investigation.Entity,
	byRef map[string]investigation.Entity) []proposal {
	base := proposal{typ: r.Action, target: e, critical: e.Critical,
		reason: fmt.Sprintf("%s: %s", e.Verdict, evidenceText(deciding(e)))}
	if r.ScopeKind == "" {
		return []proposal{base}
	}
	var scopes []string
	for _, rel := range e.Relations {
		if rel.Kind == r.ScopeKind {
			scopes = appendNew(scopes, rel.Ref)
		}
	}
	for _, v := range splitValues(e.Attributes[r.ScopeAttr]) {
		if k := alert.Key(r.ScopeType, v); k != "" {
			scopes = appendNew(scopes, alert.Entity{Type: r.ScopeType, Key: k}.Ref())
		}
	}
	var out []proposal
	for _, ref := range scopes {
		sc, known := byRef[ref]
		if known && sc.Excluded != "" {
			continue
		}
		p := base
		p.scope, p.critical = ref, e.Critical || sc.Critical
		out = append(out, p)
	}
	return out
}

// decideOne stores p as an action and approves it or makes it wait. It
// returns the action's id and its status after the decision.
func (s *Steps) decideOne(ctx context.Context, inv investigation.Investigation, p proposal,
	over bool) (string, investigation.ActionStatus, error) {
	act, err := s.Store.ProposeAction(ctx, inv.ID, investigation.Action{
		ID:     store.ActionID(inv.ID, p.typ, p.target.Ref(), p.scope),
		Type:   p.typ,
		Status: investigation.ActionProposed,
		Target: p.target.Ref(),
		Scope:  p.scope,
		Reason: p.reason,
	})
	if err != nil || act.Status != investigation.ActionProposed {
		return act.ID, act.Status, err // decided by an earlier run
	}
	next, why := gate(gateInput{level: inv.Automation, critical: p.critical,
		action: p.typ, verdict: p.target.Verdict, overLimit: over,
		emailAuto: s.Settings.EmailActions == settings.EmailAuto})
	if err := s.Store.TransitionAction(ctx, inv.ID, act.ID, next,
		store.ActionChange{}); err != nil {
		return "", "", err
	}
	err = s.record(ctx, inv.ID, "action_"+string(next), "decide", "%s %s%s: %s",
		p.typ, p.target.Ref(), onScope(p.scope), why)
	return act.ID, next, err
}

func onScope(scope string) string {
	if scope == "" {
		return ""
	}
	return " on " + scope
}

// gateInput is what decides whether an action waits.
type gateInput struct {
	level     investigation.Level
	critical  bool
	action    investigation.ActionType
	verdict   investigation.Verdict
	overLimit bool
	emailAuto bool
}

// gate decides whether an action runs without approval, and says why. A
// person decides every action of an investigation over the action limit,
// every action on a merely suspicious entity, and email actions unless
// configured otherwise; the rest follow the automation level and, at
// semi-critical, the asset's criticality.
func gate(in gateInput) (investigation.ActionStatus, string) {
	wait := investigation.ActionPendingApproval
	switch {
	case in.overLimit:
		return wait, "waits for approval: the investigation proposes more actions than its limit"
	case in.verdict != investigation.VerdictMalicious:
		return wait, fmt.Sprintf("waits for approval: the target is only %s", in.verdict)
	case investigation.Actions[in.action].Domain == investigation.DomainEmail && !in.emailAuto:
		return wait, "waits for approval: email actions always do"
	case in.level == investigation.LevelFull:
		return investigation.ActionApproved, "approved automatically at automation level full"
	case in.level == investigation.LevelSemiCritical && !in.critical:
		return investigation.ActionApproved,
			"approved automatically: the asset is not critical at level semi-critical"
	case in.level == investigation.LevelSemiCritical:
		return wait, "waits for approval: the asset is critical at level semi-critical"
	}
	return wait, fmt.Sprintf("waits for approval at automation level %s", in.level)
}
