package investigation

import "testing"

func TestStatusTransitions(t *testing.T) {
	tests := []struct {
		from, to Status
		want     bool
	}{
		{StatusRunning, StatusRemediated, true},
		{StatusRunning, StatusNoThreatsFound, true},
		{StatusRunning, StatusPendingApproval, true},
		{StatusPendingApproval, StatusRemediating, true},
		{StatusRemediating, StatusPartiallyRemediated, true},
		{StatusRemediating, StatusNoThreatsFound, false},
		{StatusRemediated, StatusRunning, false},
		{StatusFailed, StatusRemediated, false},
		{StatusTerminated, StatusRunning, false},
		{StatusNoThreatsFound, StatusFailed, false},
	}
	for _, tt := range tests {
		if got := tt.from.CanBecome(tt.to); got != tt.want {
			t.Errorf("%s.CanBecome(%s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestOnlyUnfinishedStatusesAreOpen(t *testing.T) {
	open := map[Status]bool{StatusRunning: true, StatusPendingApproval: true, StatusRemediating: true}
	for _, s := range []Status{StatusRunning, StatusPendingApproval, StatusRemediating,
		StatusRemediated, StatusPartiallyRemediated, StatusNoThreatsFound, StatusFailed,
		StatusTerminated} {
		if s.Open() != open[s] {
			t.Errorf("%s.Open() = %v, want %v", s, s.Open(), open[s])
		}
		for _, src := range s.Sources() {
			if !src.CanBecome(s) {
				t.Errorf("%s is listed as a source of %s but cannot become it", src, s)
			}
		}
	}
}

func TestActionTransitions(t *testing.T) {
	tests := []struct {
		from, to ActionStatus
		want     bool
	}{
		{ActionProposed, ActionApproved, true},
		{ActionProposed, ActionPendingApproval, true},
		{ActionPendingApproval, ActionApproved, true},
		{ActionPendingApproval, ActionExpired, true},
		{ActionApproved, ActionRunning, true},
		{ActionRunning, ActionSucceeded, true},
		{ActionRunning, ActionFailed, true},
		{ActionSucceeded, ActionUndone, true},
		{ActionRejected, ActionApproved, false},
		{ActionExpired, ActionApproved, false},
		{ActionPendingApproval, ActionRunning, false},
		{ActionFailed, ActionRunning, false},
		{ActionUndone, ActionSucceeded, false},
	}
	for _, tt := range tests {
		if got := tt.from.CanBecome(tt.to); got != tt.want {
			t.Errorf("%s.CanBecome(%s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}
