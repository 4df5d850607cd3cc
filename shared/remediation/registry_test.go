package remediation

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// stub is a provider of some action types that records what it did.
type stub struct {
	name  string
	types []investigation.ActionType
	only  string // when set, the one target key it handles
	did   int
}

func (s *stub) Name() string { return s.name }

func (s *stub) Supports(t investigation.ActionType) bool { return slices.Contains(s.types, t) }

func (s *stub) Handles(r Request) bool { return s.only == "" || r.Target.Key == s.only }

func (s *stub) Undo(context.Context, Request, Result) (Result, error) { return Result{}, nil }
func (s *stub) Do(context.Context, Request) (Result, error) {
	s.did++
	return Result{Summary: "did"}, nil
}

func request(t investigation.ActionType, key string) Request {
	return Request{ActionID: "a1", Type: t, Target: alert.Entity{Type: alert.EntityUser, Key: key}}
}

func TestRegistryRoutesToTheFirstProviderThatTakesTheAction(t *testing.T) {
	aws := &stub{name: "aws", types: []investigation.ActionType{investigation.ActionDisableUser},
		only: "arn:aws:iam::1:user/kim"}
	ms := &stub{name: "microsoft", types: []investigation.ActionType{
		investigation.ActionDisableUser, investigation.ActionIsolateHost}}
	tn := &stub{name: "tenant", types: []investigation.ActionType{
		investigation.ActionDisableUser, investigation.ActionIsolateHost,
		investigation.ActionBlockIP}}
	r := NewRegistry(Route{Provider: aws},
		Route{Provider: ms, Actions: []investigation.ActionType{investigation.ActionDisableUser}},
		Route{Provider: tn})
	tests := []struct {
		typ  investigation.ActionType
		key  string
		want string
	}{
		{investigation.ActionDisableUser, "arn:aws:iam::1:user/kim", "aws"},
		{investigation.ActionDisableUser, "kim@example.com", "microsoft"},
		{investigation.ActionIsolateHost, "web-1", "tenant"},
		{investigation.ActionBlockIP, "203.0.113.9", "tenant"},
	}
	for _, tt := range tests {
		p, err := r.For(request(tt.typ, tt.key))
		if err != nil || p.Name() != tt.want {
			t.Errorf("%s %s: got %v, %v; want %s", tt.typ, tt.key, p, err, tt.want)
		}
	}
	_, err := r.For(request(investigation.ActionDeleteEmail, "m1"))
	var npe *NoProviderError
	if !errors.As(err, &npe) {
		t.Errorf("delete_email: got %v, want *NoProviderError", err)
	}
}

func TestDryRunDescribesAndCallsNothing(t *testing.T) {
	tn := &stub{name: "tenant", types: []investigation.ActionType{investigation.ActionDisableUser}}
	p := DryRun(tn)
	res, err := p.Do(context.Background(), request(investigation.ActionDisableUser, "kim"))
	if err != nil {
		t.Fatal(err)
	}
	want := "dry run: would disable_user user:kim through tenant"
	if res.Summary != want || res.Detail[DetailDryRun] != "true" {
		t.Errorf("got %+v, want %q marked dry run", res, want)
	}
	if tn.did != 0 {
		t.Errorf("the wrapped provider was called %d times, want 0", tn.did)
	}
	if p.Name() != "tenant" || !p.Supports(investigation.ActionDisableUser) {
		t.Errorf("dry run should keep the provider's name and types")
	}
}
