package intel

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// fixedIntel answers every entity with the same evidence and error.
type fixedIntel struct {
	evidence []investigation.Evidence
	err      error
}

func (f fixedIntel) Reputation(context.Context, alert.Entity) (
	[]investigation.Evidence, error) {
	return f.evidence, f.err
}

func TestChainReturnsEvidenceOfEverySourceThatAnswered(t *testing.T) {
	ev := func(s string) []investigation.Evidence {
		return []investigation.Evidence{{Verdict: "malicious", Source: s, Text: s}}
	}
	refused := errors.New("API key refused")
	throttled := &TransientError{Err: errors.New("answered 429")}
	tests := []struct {
		name          string
		chain         Chain
		want          []investigation.Evidence
		wantErr       string
		wantTransient bool
	}{
		{"none", nil, nil, "", false},
		{"all answer, in chain order",
			Chain{{"a", fixedIntel{evidence: ev("a")}}, {"b", fixedIntel{}},
				{"c", fixedIntel{evidence: ev("c")}}},
			append(ev("a"), ev("c")...), "", false},
		{"one fails",
			Chain{{"a", fixedIntel{evidence: ev("a")}}, {"vt", fixedIntel{err: refused}},
				{"c", fixedIntel{evidence: ev("c")}}},
			append(ev("a"), ev("c")...), "ask vt: API key refused", false},
		{"two fail, one transiently",
			Chain{{"vt", fixedIntel{err: refused}}, {"a", fixedIntel{evidence: ev("a")}},
				{"otx", fixedIntel{err: throttled}}},
			ev("a"), "ask vt: API key refused\nask otx: answered 429", true},
	}
	e := alert.Entity{Type: alert.EntityDomain, Key: "a.example"}
	for _, tt := range tests {
		got, err := tt.chain.Reputation(context.Background(), e)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: evidence (-want +got):\n%s", tt.name, diff)
		}
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if gotErr != tt.wantErr {
			t.Errorf("%s: got error %q, want %q", tt.name, gotErr, tt.wantErr)
		}
		if got := store.Transient(err); got != tt.wantTransient {
			t.Errorf("%s: got store.Transient %v, want %v", tt.name, got, tt.wantTransient)
		}
	}
}

func TestChainErrorsUnwrapToEachFailure(t *testing.T) {
	refused := errors.New("refused")
	throttled := &TransientError{Err: errors.New("answered 429")}
	c := Chain{{"vt", fixedIntel{err: refused}}, {"otx", fixedIntel{err: throttled}}}
	_, err := c.Reputation(context.Background(), alert.Entity{Type: alert.EntityIP, Key: "x"})
	var te *TransientError
	if !errors.Is(err, refused) || !errors.As(err, &te) || te != throttled {
		t.Errorf("got error %v, want it to unwrap to %v and %v", err, refused, throttled)
	}
}
