package tenant

import (
	"context"
	"fmt"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// UnsupportedActionError is an action the simulated tenant cannot carry
// out. It is permanent: the action fails with it.
type UnsupportedActionError struct {
	Type investigation.ActionType
}

func (e *UnsupportedActionError) Error() string {
	return fmt.Sprintf("the simulated tenant does not carry out %s", e.Type)
}

// Remediate carries out a on the simulated tenant and says what changed.
// It is safe to repeat: an action that took effect before changes nothing
// the second time and says so.
func (t *Tenant) Remediate(ctx context.Context, a investigation.Action) (string, error) {
	switch a.Type {
	case investigation.ActionQuarantineFile:
		return t.remediateQuarantine(ctx, a)
	}
	return "", &UnsupportedActionError{Type: a.Type}
}

func (t *Tenant) remediateQuarantine(ctx context.Context, a investigation.Action) (string, error) {
	hash, okFile := strings.CutPrefix(a.Target, string(alert.EntityFile)+":")
	host, okHost := strings.CutPrefix(a.Scope, string(alert.EntityHost)+":")
	if !okFile || !okHost {
		return "", fmt.Errorf("quarantine_file wants a file target and a host scope, got %q on %q",
			a.Target, a.Scope)
	}
	q, err := t.QuarantineFile(ctx, host, hash)
	if err != nil {
		return "", err
	}
	if q.AlreadyQuarantined {
		return fmt.Sprintf("already quarantined on %s; nothing changed", host), nil
	}
	return fmt.Sprintf("quarantined %s on %s", strings.Join(q.Paths, ", "), host), nil
}
