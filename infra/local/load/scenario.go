package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/policy"
)

// Templates reads every sample of one alert under dir (events/alerts), in
// name order. A file of several alerts (a batch envelope) is left out:
// variations rewrite one alert a payload.
func Templates(dir string) ([]Template, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Template
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read sample: %w", err)
		}
		rel, _ := filepath.Rel(dir, f)
		t, err := NewTemplate(filepath.ToSlash(rel), body)
		if err == nil {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sample of one alert under %s", dir)
	}
	return out, nil
}

// Find returns the template named name.
func Find(templates []Template, name string) (Template, error) {
	for _, t := range templates {
		if t.Name == name {
			return t, nil
		}
	}
	return Template{}, fmt.Errorf("no sample %s", name)
}

// Storm is one campaign: n alerts of t, each its own alert, on hosts
// hosts in turn, all naming t's other entities (its file hash, say) as t
// does, so that they correlate into one investigation.
func Storm(t Template, n, hosts int) ([]Payload, error) {
	if !slices.ContainsFunc(t.Alert.Entities, isHost) {
		return nil, fmt.Errorf("%s names no host to spread the storm over", t.Name)
	}
	out := make([]Payload, n)
	for i := range out {
		p, err := t.Vary(i, i%max(1, hosts), alert.EntityHost)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func isHost(e alert.Entity) bool { return e.Type == alert.EntityHost }

// Distinct is n unrelated alerts: variations of the templates in turn,
// each with every entity alerts are correlated on given a key of its own.
// A template whose variations keep a key (one the payload spells in a way
// Vary cannot rewrite) is left out, and named in the error only when no
// template is left.
func Distinct(templates []Template, n int) ([]Payload, error) {
	vs, err := newVariations(templates, investigation.Correlated)
	if err != nil {
		return nil, err
	}
	out := make([]Payload, n)
	for i := range out {
		if out[i], err = vs.at(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// variations are the numbered variations of some templates, each
// rewriting the keys of the same entity types.
type variations struct {
	usable  []Template
	rewrite []alert.EntityType
}

// newVariations keeps the templates whose first variations rewrite every
// key of the types in rewrite.
func newVariations(templates []Template, rewrite []alert.EntityType) (variations, error) {
	vs := variations{rewrite: rewrite}
	var errs []error
	for _, t := range templates {
		_, err0 := t.Vary(0, 0, rewrite...)
		_, err1 := t.Vary(1, 1, rewrite...)
		if err := errors.Join(err0, err1); err != nil {
			errs = append(errs, err)
			continue
		}
		vs.usable = append(vs.usable, t)
	}
	if len(vs.usable) == 0 {
		return vs, fmt.Errorf("no template varies: %w", errors.Join(errs...))
	}
	return vs, nil
}

// at is variation n, of the templates in turn.
func (vs variations) at(n int) (Payload, error) {
	return vs.ofTemplate(n, n)
}

// ofTemplate is variation n of the k-th template, counting in turn.
func (vs variations) ofTemplate(k, n int) (Payload, error) {
	return vs.usable[k%len(vs.usable)].Vary(n, n, vs.rewrite...)
}

// StoredOnly keeps the templates that policy p only stores: alerts no
// investigation is opened for, the bulk of a SIEM's traffic.
func StoredOnly(templates []Template, p policy.Policy) ([]Template, error) {
	var out []Template
	for _, t := range templates {
		d, err := p.Decide(t.Alert)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Name, err)
		}
		if !d.Investigate {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("policy investigates every template; none is only stored")
	}
	return out, nil
}

// Samples is n payloads of the templates as they are, in turn: past the
// first round, each is a repeat its source sent before, a duplicate.
func Samples(templates []Template, n int) []Payload {
	out := make([]Payload, n)
	for i := range out {
		t := templates[i%len(templates)]
		out[i] = Payload{Name: t.Name, Body: t.Body, SourceAlertID: t.Alert.SourceAlertID}
	}
	return out
}
