package workflow

import (
	"context"
	"fmt"
	"slices"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/playbook"
	"github.com/firebreak/firebreak/shared/store"
)

// RoundInput is what the investigation steps receive: the investigation
// and the expansion round under way. Round 0 is taken as 1.
type RoundInput struct {
	InvestigationID string `json:"investigation_id"`
	Round           int    `json:"round"`
}

// StepOutput counts what a step did in its round: the entities it
// examined, those it found for the next round, and the verdicts it set.
type StepOutput struct {
	Examined   int `json:"examined"`
	Found      int `json:"found"`
	Malicious  int `json:"malicious"`
	Suspicious int `json:"suspicious"`
}

func (in RoundInput) check() error { return Input{in.InvestigationID}.check() }

func (in RoundInput) round() int { return max(in.Round, 1) }

// question asks one data source one thing about one entity.
type question func(context.Context, datasource.DataSource, alert.Entity) (
	datasource.Finding, error)

// explore runs step on the entities of the round that their playbook runs
// it on: it asks every data source, folds each finding into the entity,
// adds what the finding relates to for the next round, and spreads the
// entity's verdict along the relations.
func (s *Steps) explore(ctx context.Context, in RoundInput, step playbook.Step,
	ask question) (out StepOutput, err error) {
	start := s.Now()
	defer func() {
		s.summarize(ctx, string(step), in.InvestigationID, start, err, "round", in.round(),
			"examined", out.Examined, "found", out.Found)
	}()
	inv, ents, err := s.openRound(ctx, in)
	if err != nil {
		return StepOutput{}, err
	}

	// ask each source about each entity due
	var deltas []investigation.Entity
	todo, left := due(ents, inv.Playbook, in.round(), step)
	if err := s.recordLeft(ctx, inv.ID, step, in.round(), left); err != nil {
		return out, classify(err)
	}
	for _, e := range todo {
		out.Examined++
		for _, ds := range s.sources(inv.ID) {
			f, err := ask(ctx, ds, e.Entity)
			if f, err = unanswered(f, err, ds); err != nil {
				return out, classify(fmt.Errorf("%s of %s from %s: %w", step, e.Ref(),
					ds.Name(), err))
			}
			deltas = append(deltas, fold(inv.Playbook, e, f, ds.Name(), step, in.round())...)
		}
	}

	// keep what changed, and say so
	changes, err := s.Store.MergeEntities(ctx, inv.ID, deltas)
	if err != nil {
		return out, classify(err)
	}
	out.count(changes)
	return out, classify(s.recordChanges(ctx, inv.ID, string(step), changes))
}

// unanswered turns a data source's refusal into a finding that says so,
// so that one source denied access (an IAM policy that lacks an action)
// leaves the investigation to the others instead of failing it. A failure
// retrying may cure is returned for the step to be retried.
func unanswered(f datasource.Finding, err error, ds datasource.DataSource) (
	datasource.Finding, error) {
	if err == nil || store.Transient(err) {
		return f, err
	}
	return datasource.Finding{Evidence: []investigation.Evidence{{
		Verdict: investigation.VerdictUnknown, Source: ds.Name(),
		Text: "could not answer: " + err.Error()}}}, nil
}

// openRound reads the investigation, which must be open, and its entities.
func (s *Steps) openRound(ctx context.Context, in RoundInput) (investigation.Investigation,
	[]investigation.Entity, error) {
	if err := in.check(); err != nil {
		return investigation.Investigation{}, nil, err
	}
	inv, err := s.Store.Investigation(ctx, in.InvestigationID)
	if err != nil {
		return inv, nil, classify(err)
	}
	if !inv.Status.Open() {
		return inv, nil, &InvalidInputError{Reason: fmt.Sprintf(
			"investigation %s is %s, not open", inv.ID, inv.Status)}
	}
	ents, err := s.Store.Entities(ctx, inv.ID)
	return inv, ents, classify(err)
}

// maxEntitiesPerStep bounds the entities one step examines in a round, so
// that a round that found hundreds fits the step's Lambda timeout; the
// gravest are examined first, and the timeline says what was left.
const maxEntitiesPerStep = 150

// due returns the entities of round whose playbook runs step on them, the
// gravest verdicts first, at most maxEntitiesPerStep of them, and how many
// more there were.
func due(ents []investigation.Entity, name string, round int,
	step playbook.Step) ([]investigation.Entity, int) {
	var out []investigation.Entity
	for _, e := range ents {
		if e.Round == round && e.Excluded == "" &&
			playbook.For(name, e.Round).Runs(step, e.Type) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b investigation.Entity) int {
		return investigation.Gravity(b.Verdict) - investigation.Gravity(a.Verdict)
	})
	if len(out) > maxEntitiesPerStep {
		return out[:maxEntitiesPerStep], len(out) - maxEntitiesPerStep
	}
	return out, 0
}

// recordLeft says, once, that a step left entities of its round
// unexamined.
func (s *Steps) recordLeft(ctx context.Context, id string, step playbook.Step, round,
	left int) error {
	if left == 0 {
		return nil
	}
	return s.recordOnce(ctx, id, fmt.Sprintf("left#%s#%d", step, round), "entities_left",
		string(step), "round %d examined the %d gravest entities and left %s", round,
		maxEntitiesPerStep, count(left, "entity"))
}

// fold turns a source's finding about e into entity changes: evidence and
// relations on e, and each related entity, for the next round, with what
// the relation says of it and what e's verdict spreads to it.
func fold(name string, e investigation.Entity, f datasource.Finding, source string,
	step playbook.Step, round int) []investigation.Entity {
	self := investigation.Entity{Entity: alert.Entity{Type: e.Type, Key: e.Key,
		Attributes: f.Attributes}, Evidence: stamp(f.Evidence, step, source),
		Critical: f.Critical}
	out := []investigation.Entity{}
	pb := playbook.For(name, e.Round)
	for _, r := range f.Related {
		if r.Entity.Key == "" || r.Entity.Ref() == e.Ref() {
			continue
		}
		self.Relations = append(self.Relations,
			investigation.Relation{Kind: r.Kind, Ref: r.Entity.Ref()})
		out = append(out, investigation.Entity{Entity: r.Entity, Round: round + 1,
			FoundBy: fmt.Sprintf("%s of %s (%s)", step, e.Ref(), r.Kind),
			Evidence: append(stamp(r.Evidence, step, source),
				spread(pb, e, r.Kind, step)...),
		})
	}
	return append([]investigation.Entity{self}, out...)
}

// spread returns the evidence e's verdict gives an entity related to it by
// kind, by the playbook's spreads.
func spread(pb playbook.Playbook, e investigation.Entity, kind string,
	step playbook.Step) []investigation.Evidence {
	var out []investigation.Evidence
	for _, sp := range pb.Spreads {
		if sp.From == e.Type && sp.Kind == kind && sp.When == e.Verdict {
			out = append(out, investigation.Evidence{Verdict: sp.Gives, Step: string(step),
				Source: "firebreak", Text: fmt.Sprintf(sp.Says, e.Key)})
		}
	}
	return out
}

// stamp sets the step, and the source where the finding did not name
// one, on each piece of evidence.
func stamp(ev []investigation.Evidence, step playbook.Step,
	source string) []investigation.Evidence {
	out := make([]investigation.Evidence, len(ev))
	for i, e := range ev {
		e.Step = string(step)
		if e.Source == "" {
			e.Source = source
		}
		out[i] = e
	}
	return out
}

// count adds the changes to the step's counts.
func (o *StepOutput) count(changes []store.EntityChange) {
	for _, c := range changes {
		o.Found += btoi(c.Added)
		if c.VerdictChanged() {
			o.Malicious += btoi(c.Entity.Verdict == investigation.VerdictMalicious)
			o.Suspicious += btoi(c.Entity.Verdict == investigation.VerdictSuspicious)
		}
	}
}

// recordChanges writes a timeline event for each entity a step added and
// each verdict it changed.
func (s *Steps) recordChanges(ctx context.Context, id, step string,
	changes []store.EntityChange) error {
	for _, c := range changes {
		e := c.Entity
		if c.Added {
			if err := s.record(ctx, id, "entity_added", step, "%s joins the investigation "+
				"for round %d: %s", e.Ref(), e.Round, e.FoundBy); err != nil {
				return err
			}
		}
		if c.VerdictChanged() && e.Verdict != investigation.VerdictUnknown {
			if err := s.record(ctx, id, "verdict", step, "%s is %s: %s", e.Ref(), e.Verdict,
				evidenceText(deciding(e))); err != nil {
				return err
			}
		}
	}
	return nil
}

// deciding returns the evidence that argues for e's verdict.
func deciding(e investigation.Entity) []investigation.Evidence {
	var out []investigation.Evidence
	for _, ev := range e.Evidence {
		if ev.Verdict == e.Verdict {
			out = append(out, ev)
		}
	}
	return out
}
