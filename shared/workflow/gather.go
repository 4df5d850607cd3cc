package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/playbook"
	"github.com/firebreak/firebreak/shared/store"
)

// GatherThreatInfo judges each entity of the round from what is known of
// it: what the alerts naming it detected, its reputation in the configured
// intelligence, what other stored alerts said of it, and what the data
// sources know (a critical host, a user's impossible travel). An entity
// nothing is known of is recorded unknown, and says so. In round 1 it also
// records the threat the alerts name.
func (s *Steps) GatherThreatInfo(ctx context.Context, in RoundInput) (
	out StepOutput, err error) {
	const step = playbook.GatherThreatInfo
	start := s.Now()
	defer func() {
		s.summarize(ctx, string(step), in.InvestigationID, start, err, "round", in.round(),
			"examined", out.Examined, "malicious", out.Malicious, "suspicious", out.Suspicious)
	}()
	inv, ents, err := s.openRound(ctx, in)
	if err != nil {
		return StepOutput{}, err
	}
	alerts, err := s.Store.Alerts(ctx, inv.ID)
	if err != nil {
		return StepOutput{}, classify(err)
	}

	// judge each entity due from every source of knowledge
	var deltas []investigation.Entity
	todo, left := due(ents, inv.Playbook, in.round(), step)
	if err := s.recordLeft(ctx, inv.ID, step, in.round(), left); err != nil {
		return StepOutput{}, classify(err)
	}
	for _, e := range todo {
		out.Examined++
		d, err := s.judge(ctx, inv, e, alerts)
		if err != nil {
			return out, classify(err)
		}
		deltas = append(deltas, d...)
	}
	changes, err := s.Store.MergeEntities(ctx, inv.ID, deltas)
	if err != nil {
		return out, classify(err)
	}

	// corroborated suspicions become malicious
	more, err := s.Store.MergeEntities(ctx, inv.ID, corroborate(inv.Playbook, changes))
	if err != nil {
		return out, classify(err)
	}
	changes = append(changes, more...)
	out.count(changes)
	if err := s.recordChanges(ctx, inv.ID, string(step), changes); err != nil {
		return out, classify(err)
	}
	if in.round() == 1 {
		err = s.recordOnce(ctx, inv.ID, "threat", "threat", string(step), "%s",
			threatSummary(alerts))
	}
	return out, classify(err)
}

// judge returns what the alerts, the intelligence and the data sources
// say of e, as entity changes.
func (s *Steps) judge(ctx context.Context, inv investigation.Investigation,
	e investigation.Entity, alerts []alert.Alert) ([]investigation.Entity, error) {
	const step = playbook.GatherThreatInfo
	pb := playbook.For(inv.Playbook, e.Round)
	self := investigation.Entity{Entity: alert.Entity{Type: e.Type, Key: e.Key},
		Evidence: alertEvidence(pb, e, alerts, step)}

	// the indicator's reputation
	if s.Intel != nil {
		rep, err := s.Intel.Reputation(ctx, e.Entity)
		if err != nil {
			return nil, fmt.Errorf("reputation of %s: %w", e.Ref(), err)
		}
		self.Evidence = append(self.Evidence, stamp(rep, step, "intelligence")...)
	}

	// what each data source knows of it
	deltas := []investigation.Entity{}
	for _, ds := range s.sources(inv.ID) {
		f, err := ds.Describe(ctx, e.Entity)
		if f, err = unanswered(f, err, ds); err != nil {
			return nil, fmt.Errorf("describe %s from %s: %w", e.Ref(), ds.Name(), err)
		}
		deltas = append(deltas, fold(inv.Playbook, e, f, ds.Name(), step, e.Round)...)
	}
	if len(self.Evidence) == 0 && len(e.Evidence) == 0 && !anyEvidence(deltas, e.Ref()) {
		self.Evidence = []investigation.Evidence{{Verdict: investigation.VerdictUnknown,
			Step: string(step), Source: "firebreak",
			Text: "no evidence for or against it: no alert detected it, and no indicator " +
				"list or data source knows it"}}
	}
	return append([]investigation.Entity{self}, deltas...), nil
}

// anyEvidence reports whether the changes give entity ref evidence.
func anyEvidence(deltas []investigation.Entity, ref string) bool {
	for _, d := range deltas {
		if d.Ref() == ref && len(d.Evidence) > 0 {
			return true
		}
	}
	return false
}

// corroborate returns, for each changed entity its playbook corroborates,
// malicious evidence once enough distinct findings suspect it.
func corroborate(name string, changes []store.EntityChange) []investigation.Entity {
	var out []investigation.Entity
	for _, c := range changes {
		e := c.Entity
		need := playbook.For(name, e.Round).Corroborate[e.Type]
		if need < 2 || e.Verdict != investigation.VerdictSuspicious {
			continue
		}
		var why []string
		for _, ev := range e.Evidence {
			if ev.Verdict == investigation.VerdictSuspicious &&
				!slices.Contains(why, ev.Source+": "+ev.Text) {
				why = append(why, ev.Source+": "+ev.Text)
			}
		}
		if len(why) >= need {
			out = append(out, investigation.Entity{Entity: alert.Entity{Type: e.Type,
				Key: e.Key}, Evidence: []investigation.Evidence{{
				Verdict: investigation.VerdictMalicious, Step: string(playbook.GatherThreatInfo),
				Source: "firebreak", Text: fmt.Sprintf("%d independent findings suspect it: %s",
					len(why), strings.Join(why, "; "))}}})
		}
	}
	return out
}

// threatSummary says what threat the alerts name: the threat names and
// categories, and which tools reported them.
func threatSummary(alerts []alert.Alert) string {
	var threats, categories, tools []string
	for _, a := range alerts {
		for _, t := range a.ThreatNames {
			threats = appendNew(threats, t)
		}
		if a.Category != "" {
			categories = appendNew(categories, a.Category)
		}
		tools = appendNew(tools, a.Format)
	}
	if len(threats) == 0 {
		threats = []string{"no named threat"}
	}
	if len(tools) == 0 {
		return "threat: none named: the investigation was started by hand, not by an alert"
	}
	return fmt.Sprintf("threat: %s; type: %s; reported by %s", strings.Join(threats, ", "),
		orNone(strings.Join(categories, ", ")), strings.Join(tools, ", "))
}

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

func orNone(s string) string {
	if s == "" {
		return "not given"
	}
	return s
}
