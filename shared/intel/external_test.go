package intel

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// countingLookup answers every entity with one piece of evidence, or with
// err, and counts the questions.
type countingLookup struct {
	asked int
	err   error
}

func (l *countingLookup) Name() string { return "counting" }

func (l *countingLookup) Lookup(_ context.Context, e alert.Entity) (
	[]investigation.Evidence, error) {
	l.asked++
	if l.err != nil {
		return nil, l.err
	}
	return []investigation.Evidence{{Verdict: "suspicious", Source: "counting",
		Text: e.Ref()}}, nil
}

func TestExternalReusesAnswersForTTL(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	lookup := &countingLookup{}
	x := &External{Lookup: lookup, TTL: time.Hour, Now: func() time.Time { return now }}
	a := alert.Entity{Type: alert.EntityDomain, Key: "a.example"}
	b := alert.Entity{Type: alert.EntityDomain, Key: "b.example"}
	tests := []struct {
		name      string
		e         alert.Entity
		after     time.Duration
		wantAsked int
	}{
		{"first question", a, 0, 1},
		{"again", a, 59 * time.Minute, 1},
		{"another entity", b, 0, 2},
		{"after TTL", a, time.Hour, 3},
	}
	for _, tt := range tests {
		now = now.Add(tt.after)
		got, err := x.Reputation(context.Background(), tt.e)
		if err != nil {
			t.Fatalf("%s: got error %v", tt.name, err)
		}
		want := []investigation.Evidence{{Verdict: "suspicious", Source: "counting",
			Text: tt.e.Ref()}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: evidence (-want +got):\n%s", tt.name, diff)
		}
		if lookup.asked != tt.wantAsked {
			t.Errorf("%s: got %d questions, want %d", tt.name, lookup.asked, tt.wantAsked)
		}
		got[0].Step = "changed by the caller"
	}
}

func TestExternalKeepsNoFailure(t *testing.T) {
	lookup := &countingLookup{err: &TransientError{Err: errors.New("answered 429")}}
	x := &External{Lookup: lookup, TTL: time.Hour}
	e := alert.Entity{Type: alert.EntityIP, Key: "192.0.2.1"}
	for range 2 {
		if _, err := x.Reputation(context.Background(), e); !errors.Is(err, lookup.err) {
			t.Errorf("got error %v, want %v", err, lookup.err)
		}
	}
	if lookup.asked != 2 {
		t.Errorf("got %d questions, want 2", lookup.asked)
	}
}

func TestExternalWithoutTTLAlwaysAsks(t *testing.T) {
	lookup := &countingLookup{}
	x := &External{Lookup: lookup}
	e := alert.Entity{Type: alert.EntityIP, Key: "192.0.2.1"}
	for range 3 {
		if _, err := x.Reputation(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if lookup.asked != 3 {
		t.Errorf("got %d questions, want 3", lookup.asked)
	}
}
