package intel

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Lookup asks one outside service about an indicator.
type Lookup interface {
	// Name names the service in evidence, such as "virustotal".
	Name() string
	// Lookup returns what the service says of the entity: no evidence and
	// no error for an entity it does not know or cannot be asked about. An
	// error that asking again may cure is a *TransientError.
	Lookup(ctx context.Context, e alert.Entity) ([]investigation.Evidence, error)
}

// maxCachedAnswers bounds how many answers an External keeps.
const maxCachedAnswers = 10_000

// External is the Intelligence of an outside service: it asks the Lookup,
// and reuses each answer, with or without evidence, for TTL, so that an
// investigation asking again about an entity does not spend the service's
// quota. Failures are returned as the Lookup gave them, and not kept.
//
// An External is safe for concurrent use. Set its fields before first use;
// it must not be copied after.
type External struct {
	Lookup Lookup
	// TTL is how long an answer is reused; zero means it is not.
	TTL time.Duration
	// Now reads the clock that ages answers; nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	answers map[string]answer // by entity ref
}

// answer is an answer an External keeps, and when it was given.
type answer struct {
	evidence []investigation.Evidence
	at       time.Time
}

// Name returns the Lookup's name.
func (x *External) Name() string { return x.Lookup.Name() }

// Reputation returns what the service says of the entity, from a kept
// answer younger than TTL, else by asking it.
func (x *External) Reputation(ctx context.Context, e alert.Entity) (
	[]investigation.Evidence, error) {
	// a recent answer
	now := x.now()
	if ev, ok := x.kept(e.Ref(), now); ok {
		return ev, nil
	}

	// a new one
	ev, err := x.Lookup.Lookup(ctx, e)
	if err != nil {
		return nil, err
	}
	x.keep(e.Ref(), answer{evidence: ev, at: now})
	return slices.Clone(ev), nil
}

// kept returns a copy of the answer kept for ref, if it is younger than TTL.
func (x *External) kept(ref string, now time.Time) ([]investigation.Evidence, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	a, ok := x.answers[ref]
	if !ok || now.Sub(a.at) >= x.TTL {
		return nil, false
	}
	return slices.Clone(a.evidence), true
}

// keep keeps an answer for ref, unless answers are not reused. When
// maxCachedAnswers are kept it first drops the stale ones, and if none is,
// all of them.
func (x *External) keep(ref string, a answer) {
	if x.TTL <= 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.answers == nil {
		x.answers = make(map[string]answer)
	}
	if len(x.answers) >= maxCachedAnswers {
		for r, old := range x.answers {
			if a.at.Sub(old.at) >= x.TTL {
				delete(x.answers, r)
			}
		}
		if len(x.answers) >= maxCachedAnswers {
			clear(x.answers)
		}
	}
	x.answers[ref] = a
}

// now returns the External's time.
func (x *External) now() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}
