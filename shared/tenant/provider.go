package tenant

import (
	"context"
	"errors"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/store"
)

// ProviderName is the simulated tenant's name in remediation routing.
const ProviderName = "tenant"

// Provider returns the simulated tenant as a remediation provider that
// carries out every action type (see Remediate and Undo). A target the
// tenant does not know, a malformed one, and an undo of an irreversible
// action are *remediation.PermanentError; DynamoDB's transient failures
// are returned as they are, so that they are retried.
func (t *Tenant) Provider() remediation.Provider { return provider{t} }

type provider struct{ t *Tenant }

func (p provider) Name() string { return ProviderName }

func (p provider) Supports(typ investigation.ActionType) bool {
	_, ok := remedies[typ]
	return ok
}

func (p provider) Do(ctx context.Context, r remediation.Request) (remediation.Result, error) {
	did, err := p.t.Remediate(ctx, r.Action())
	return remediation.Result{Summary: did}, permanent(err)
}

func (p provider) Undo(ctx context.Context, r remediation.Request,
	_ remediation.Result) (remediation.Result, error) {
	did, err := p.t.Undo(ctx, r.Action())
	return remediation.Result{Summary: did}, permanent(err)
}

// permanent marks err a *remediation.PermanentError unless retrying may
// cure it.
func permanent(err error) error {
	if err == nil || store.Transient(err) || errors.Is(err, context.Canceled) {
		return err
	}
	return &remediation.PermanentError{Provider: ProviderName, Reason: err.Error(), Err: err}
}
