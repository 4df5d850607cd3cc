package remediation

import (
	"fmt"
	"slices"

	"github.com/firebreak/firebreak/shared/investigation"
)

// Route sends actions to a provider: those of the types in Actions, or
// every type the provider supports when Actions is nil.
type Route struct {
	Provider Provider
	Actions  []investigation.ActionType
}

// Registry says which provider runs which action. Routes are tried in
// order; the first whose provider supports the action's type and lists it
// (or lists nothing) runs it. A Registry is read-only once built and safe
// for concurrent use.
type Registry struct {
	routes []Route
}

// NewRegistry returns a registry over routes, tried in the order given.
func NewRegistry(routes ...Route) *Registry {
	return &Registry{routes: slices.Clone(routes)}
}

// NoProviderError is an action no route sends to any provider. It is
// permanent: the action fails with it.
type NoProviderError struct {
	Type   investigation.ActionType
	Target string
}

func (e *NoProviderError) Error() string {
	return fmt.Sprintf("no remediation provider is configured for %s of %s", e.Type, e.Target)
}

// Handler is a provider that can tell, from the request's target, whether
// it can carry out one request (the AWS provider takes an IAM user's
// access key, not an Entra user). The registry passes over a provider
// that says no.
type Handler interface {
	Handles(r Request) bool
}

// For returns the provider that runs req: the first route whose provider
// supports req's type, whose list names it (or that lists none), and
// which, if it is a Handler, handles req. With none it returns a
// *NoProviderError.
func (r *Registry) For(req Request) (Provider, error) {
	for _, rt := range r.routes {
		if !rt.Provider.Supports(req.Type) {
			continue
		}
		if rt.Actions != nil && !slices.Contains(rt.Actions, req.Type) {
			continue
		}
		if h, ok := rt.Provider.(Handler); ok && !h.Handles(req) {
			continue
		}
		return rt.Provider, nil
	}
	return nil, &NoProviderError{Type: req.Type, Target: req.Target.Ref()}
}

// Named returns the registered provider called name, as an undo needs the
// provider that did the action, and whether there is one.
func (r *Registry) Named(name string) (Provider, bool) {
	for _, rt := range r.routes {
		if rt.Provider.Name() == name {
			return rt.Provider, true
		}
	}
	return nil, false
}

// Names returns the names of the registered providers, in routing order.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.routes))
	for _, rt := range r.routes {
		names = append(names, rt.Provider.Name())
	}
	return names
}
