package intel

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/datasource"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Source is one named Intelligence of a Chain, such as an indicator list or
// an External.
type Source struct {
	// Name names the source in errors, such as "indicators.csv".
	Name  string
	Intel datasource.Intelligence
}

// Chain is an Intelligence that asks all of its sources about an entity,
// at once, and returns all they say.
//
// Reputation returns the evidence of every source that answered, in the
// chain's order, even when others failed. Its error then joins each
// failure, wrapped with its source's name ("ask virustotal: …"), so that
// errors.Is and errors.As find each one, and store.Transient holds the
// whole transient when one failure is. A caller may use the evidence it
// got, or ask again for the rest.
type Chain []Source

// Reputation asks every source about the entity and gathers their answers.
func (c Chain) Reputation(ctx context.Context, e alert.Entity) (
	[]investigation.Evidence, error) {
	// ask each source, at once
	type answer struct {
		evidence []investigation.Evidence
		err      error
	}
	answers := make([]answer, len(c))
	var wg sync.WaitGroup
	for i, s := range c {
		wg.Go(func() {
			ev, err := s.Intel.Reputation(ctx, e)
			answers[i] = answer{ev, err}
		})
	}
	wg.Wait()

	// their evidence in order, and every failure
	var ev []investigation.Evidence
	var errs []error
	for i, a := range answers {
		ev = append(ev, a.evidence...)
		if a.err != nil {
			errs = append(errs, fmt.Errorf("ask %s: %w", c[i].Name, a.err))
		}
	}
	return ev, errors.Join(errs...)
}
