package remediation

import (
	"fmt"
	"strings"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// RequestFor returns the request that carries out action a, with its
// target and scope read from their refs ("type:key"). Known entities of
// the investigation, by ref, lend their names and attributes (a file's
// SHA-1, a device's id) to the target and scope; known may be nil.
func RequestFor(a investigation.Action, known map[string]alert.Entity) (Request, error) {
	target, err := entityOf(a.Target, known)
	if err != nil {
		return Request{}, fmt.Errorf("action %s target: %w", a.ID, err)
	}
	r := Request{ActionID: a.ID, Type: a.Type, Target: target, ApprovedBy: a.ApprovedBy}
	if a.Scope != "" {
		if r.Scope, err = entityOf(a.Scope, known); err != nil {
			return Request{}, fmt.Errorf("action %s scope: %w", a.ID, err)
		}
	}
	r.Account, r.Region = target.Attributes["account"], target.Attributes["region"]
	return r, nil
}

// Action returns the action r carries out, with target and scope as refs.
func (r Request) Action() investigation.Action {
	a := investigation.Action{ID: r.ActionID, Type: r.Type, Target: r.Target.Ref(),
		ApprovedBy: r.ApprovedBy}
	if r.Scope.Key != "" {
		a.Scope = r.Scope.Ref()
	}
	return a
}

// entityOf returns the entity ref names, as known has it when it does.
func entityOf(ref string, known map[string]alert.Entity) (alert.Entity, error) {
	if e, ok := known[ref]; ok {
		return e, nil
	}
	typ, key, ok := strings.Cut(ref, ":")
	if !ok || typ == "" || key == "" {
		return alert.Entity{}, fmt.Errorf("%q is not an entity ref such as user:alice", ref)
	}
	return alert.Entity{Type: alert.EntityType(typ), Key: key}, nil
}
