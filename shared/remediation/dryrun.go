package remediation

import (
	"context"
	"fmt"

	"github.com/firebreak/firebreak/shared/investigation"
)

// DetailDryRun marks the Result of an action a dry run only described.
const DetailDryRun = "dry_run"

// DryRun returns p as a provider that calls nothing: Do and Undo say what
// p would do, in a Summary starting "dry run: would", and change nothing.
// It keeps p's name and the action types p supports, so routing and the
// audit trail read as they would for p.
func DryRun(p Provider) Provider { return dryRun{p} }

type dryRun struct{ p Provider }

func (d dryRun) Name() string { return d.p.Name() }

func (d dryRun) Supports(t investigation.ActionType) bool { return d.p.Supports(t) }

// Do describes the action.
func (d dryRun) Do(_ context.Context, r Request) (Result, error) {
	return Result{
		Summary: fmt.Sprintf("dry run: would %s %s%s through %s", r.Type, r.Target.Ref(),
			onScope(r), d.p.Name()),
		Detail: map[string]string{DetailDryRun: "true"},
	}, nil
}

// Undo describes undoing the action.
func (d dryRun) Undo(_ context.Context, r Request, _ Result) (Result, error) {
	return Result{
		Summary: fmt.Sprintf("dry run: would undo %s %s%s through %s", r.Type,
			r.Target.Ref(), onScope(r), d.p.Name()),
		Detail: map[string]string{DetailDryRun: "true"},
	}, nil
}

// onScope returns " on <scope>" for a request with a scope, else "".
func onScope(r Request) string {
	if r.Scope.Key == "" {
		return ""
	}
	return " on " + r.Scope.Ref()
}

// Handles asks the wrapped provider, when it is a Handler.
func (d dryRun) Handles(r Request) bool {
	h, ok := d.p.(Handler)
	return !ok || h.Handles(r)
}
