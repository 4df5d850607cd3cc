package workflow

import (
	"context"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/playbook"
)

// DetermineOrigin finds where each entity of the round came from: the URL
// a file was downloaded from and the process that wrote it, a message's
// sender, a process's parents, the IPs and principal behind a key's calls.
// What it finds joins the next round.
func (s *Steps) DetermineOrigin(ctx context.Context, in RoundInput) (StepOutput, error) {
	return s.explore(ctx, in, playbook.DetermineOrigin,
		func(ctx context.Context, ds datasource.DataSource, e alert.Entity) (
			datasource.Finding, error) {
			return ds.Origin(ctx, e)
		})
}

// IdentifyAffected finds who and what each entity of the round touched:
// the users of a host, the recipients of a message, the users who clicked
// a URL, the resources a principal used.
func (s *Steps) IdentifyAffected(ctx context.Context, in RoundInput) (StepOutput, error) {
	return s.explore(ctx, in, playbook.IdentifyAffected,
		func(ctx context.Context, ds datasource.DataSource, e alert.Entity) (
			datasource.Finding, error) {
			return ds.Affected(ctx, e)
		})
}

// HuntOtherInstances finds each entity of the round elsewhere in the
// tenant and in stored alerts: other hosts holding a file, other messages
// from a sender or with a URL, other keys used from the same IPs.
func (s *Steps) HuntOtherInstances(ctx context.Context, in RoundInput) (StepOutput, error) {
	return s.explore(ctx, in, playbook.HuntOtherInstances,
		func(ctx context.Context, ds datasource.DataSource, e alert.Entity) (
			datasource.Finding, error) {
			return ds.Hunt(ctx, e)
		})
}
