package workflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// ScopeApprovalInput is what the state machine's wait for a scope
// decision passes: the round that waits, how many hosts it would cover,
// and the task token that resumes the execution. The token is a secret:
// it goes to the table and nowhere else.
type ScopeApprovalInput struct {
	InvestigationID string `json:"investigation_id"`
	Round           int    `json:"round"`
	Hosts           int    `json:"hosts"`
	TaskToken       string `json:"task_token"`
}

// RequestScopeApproval records that widening the investigation to another
// round waits for an analyst, keeps the task token with the request, and
// sets the investigation pending_approval. The execution waits until the
// analyst decides through the API (which answers the token) or the wait
// times out. Running it again for the same round keeps one request.
func (s *Steps) RequestScopeApproval(ctx context.Context, in ScopeApprovalInput) (
	out struct{}, err error) {
	start := s.Now()
	defer func() {
		s.summarize(ctx, "request_scope_approval", in.InvestigationID, start, err,
			"round", in.Round+1, "hosts", in.Hosts)
	}()
	if err := (Input{in.InvestigationID}).check(); err != nil {
		return out, err
	}
	if in.TaskToken == "" {
		return out, &InvalidInputError{Reason: "task_token is missing"}
	}

	// keep the request, the hosts it would add and its token; say it waits
	round := in.Round + 1
	ents, err := s.Store.Entities(ctx, in.InvestigationID)
	if err != nil {
		return out, classify(err)
	}
	err = s.Store.RequestScope(ctx, store.ScopeRequest{InvestigationID: in.InvestigationID,
		Round: round, Hosts: in.Hosts, NewHosts: newHosts(ents, round)}, in.TaskToken)
	if err != nil {
		return out, classify(err)
	}
	err = s.Store.TransitionInvestigation(ctx, in.InvestigationID,
		investigation.StatusPendingApproval)
	var terr *investigation.TransitionError
	if errors.As(err, &terr) && terr.From == string(investigation.StatusPendingApproval) {
		err = nil
	}
	if err != nil {
		return out, classify(err)
	}
	return out, classify(s.recordOnce(ctx, in.InvestigationID,
		fmt.Sprintf("scope_requested#%d", round), "scope_approval_requested",
		"request_scope_approval", "round %d would widen the investigation to %d hosts or "+
			"more (the limit is %d): it waits for an analyst's approval", round, in.Hosts,
		s.Settings.ApprovalAtHosts))
}

// newHosts returns the refs of the hosts round would add, at most
// store.MaxScopeHosts of them.
func newHosts(ents []investigation.Entity, round int) []string {
	var refs []string
	for _, e := range inRound(ents, round) {
		if e.Type == alert.EntityHost && len(refs) < store.MaxScopeHosts {
			refs = append(refs, e.Ref())
		}
	}
	return refs
}
