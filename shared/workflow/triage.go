package workflow

import (
	"context"
	"fmt"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// TriageOutput names the investigation, its playbook and the first round.
type TriageOutput struct {
	InvestigationID string `json:"investigation_id"`
	Playbook        string `json:"playbook"`
	Round           int    `json:"round"`
}

// Triage checks that the investigation exists and is open, adds the
// entities its alerts name as round 1, and records the start in the
// timeline.
func (s *Steps) Triage(ctx context.Context, in Input) (out TriageOutput, err error) {
	start := s.Now()
	defer func() { s.summarize(ctx, "triage", in.InvestigationID, start, err) }()
	if err := in.check(); err != nil {
		return TriageOutput{}, err
	}

	// the investigation must be open
	inv, err := s.Store.Investigation(ctx, in.InvestigationID)
	if err != nil {
		return TriageOutput{}, classify(err)
	}
	if !inv.Status.Open() {
		return TriageOutput{}, &InvalidInputError{Reason: fmt.Sprintf(
			"investigation %s is %s, not open", inv.ID, inv.Status)}
	}

	// its alerts' entities become the entities under investigation
	alerts, err := s.Store.Alerts(ctx, inv.ID)
	if err != nil {
		return TriageOutput{}, classify(err)
	}
	if _, err := s.Store.MergeEntities(ctx, inv.ID, alertEntities(alerts)); err != nil {
		return TriageOutput{}, classify(err)
	}
	ents, err := s.Store.Entities(ctx, inv.ID)
	if err != nil {
		return TriageOutput{}, classify(err)
	}
	err = s.recordOnce(ctx, inv.ID, "triaged", "triaged", "triage",
		"playbook %s at automation %s: %s, %s", inv.Playbook, inv.Automation,
		count(len(alerts), "alert"), count(len(ents), "entity"))
	if err != nil {
		return TriageOutput{}, classify(err)
	}
	return TriageOutput{InvestigationID: inv.ID, Playbook: inv.Playbook, Round: 1}, nil
}

// alertEntities returns the entities named by alerts, each once, with the
// verdict unknown until the steps decide.
func alertEntities(alerts []alert.Alert) []investigation.Entity {
	seen := map[string]bool{}
	var ents []investigation.Entity
	for _, a := range alerts {
		for _, e := range a.Entities {
			if seen[e.Ref()] {
				continue
			}
			seen[e.Ref()] = true
			ents = append(ents, investigation.Entity{Entity: e,
				Verdict: investigation.VerdictUnknown, FoundBy: "alert " + a.ID, Round: 1})
		}
	}
	return ents
}
