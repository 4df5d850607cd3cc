package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/remediation"
	"github.com/firebreak/firebreak/shared/store"
)

// Undoer undoes actions that took effect, for the action center. Its
// fields are set once at cold start; it is safe for concurrent use.
type Undoer struct {
	Store      *store.Store
	Remediator Remediator
	Log        *slog.Logger
	Now        func() time.Time
}

// NotUndoableError is an undo refused before any provider is asked: the
// action is irreversible, has not succeeded, or was undone already.
type NotUndoableError struct {
	ActionID string
	Reason   string
}

func (e *NotUndoableError) Error() string {
	return fmt.Sprintf("action %s cannot be undone: %s", e.ActionID, e.Reason)
}

// Undone is what an undo did.
type Undone struct {
	Action   investigation.Action `json:"action"`
	Provider string               `json:"provider"`
	Summary  string               `json:"summary"`
	UndoneBy string               `json:"undone_by"`
}

// Undo undoes action actID of investigation invID on behalf of who: the
// provider that did it (as its run recorded) undoes it with the undo data
// it saved, then the action moves from succeeded to undone with who and
// the provider's answer, and the timeline records it with reason, when given.
//
// It returns store.ErrNotFound (wrapped) for an unknown action, a
// *NotUndoableError for one that is irreversible or not succeeded (two
// racing undos both ask the provider, whose Undo is safe to repeat; only
// one records the undo, the other gets this error), the provider's
// *remediation.PermanentError when it refuses, and any other error when
// retrying may help.
func (u *Undoer) Undo(ctx context.Context, invID, actID, who, reason string) (Undone,
	error) {
	// the action, its run, and the provider that ran it
	a, run, err := u.undoable(ctx, invID, actID)
	if err != nil {
		return Undone{}, err
	}
	p, ok := u.Remediator.Named(run.Provider)
	if !ok {
		return Undone{}, &NotUndoableError{actID, fmt.Sprintf("provider %q that ran it "+
			"is no longer configured", run.Provider)}
	}

	// undo through the provider, then record it once
	known, err := knownEntities(ctx, u.Store, invID)
	if err != nil {
		return Undone{}, err
	}
	req, err := remediation.RequestFor(a, known)
	if err != nil {
		return Undone{}, &NotUndoableError{actID, err.Error()}
	}
	req.ApprovedBy = who
	res, err := p.Undo(ctx, req, remediation.Result{Summary: run.Summary, Detail: run.Detail})
	if err != nil {
		return Undone{}, err
	}
	err = u.Store.RecordUndo(ctx, invID, actID, who, res.Summary)
	var terr *investigation.TransitionError
	if errors.As(err, &terr) {
		return Undone{}, &NotUndoableError{actID, "it is " + terr.From + ", not succeeded"}
	}
	if err != nil {
		return Undone{}, err
	}
	msg := fmt.Sprintf("%s undid %s %s%s through %s: %s", who, a.Type, a.Target,
		onScope(a.Scope), p.Name(), res.Summary)
	if reason != "" {
		msg += " (reason: " + reason + ")"
	}
	err = u.Store.AppendEvent(ctx, invID, investigation.Event{Time: u.Now(),
		Kind: "action_undone", Actor: who, Message: msg})
	a.Status = investigation.ActionUndone
	return Undone{Action: a, Provider: p.Name(), Summary: res.Summary, UndoneBy: who}, err
}

// undoable returns the action and its run if the action may be undone.
func (u *Undoer) undoable(ctx context.Context, invID, actID string) (investigation.Action,
	store.Run, error) {
	acts, err := u.Store.Actions(ctx, invID)
	if err != nil {
		return investigation.Action{}, store.Run{}, err
	}
	var a investigation.Action
	for _, x := range acts {
		if x.ID == actID {
			a = x
		}
	}
	switch {
	case a.ID == "":
		return a, store.Run{}, fmt.Errorf("action %s of investigation %s: %w", actID, invID,
			store.ErrNotFound)
	case !investigation.Actions[a.Type].Reversible:
		return a, store.Run{}, &NotUndoableError{actID, string(a.Type) + " is irreversible"}
	case a.Status != investigation.ActionSucceeded:
		return a, store.Run{}, &NotUndoableError{actID, "it is " + string(a.Status) +
			"; only a succeeded action can be undone"}
	}
	run, err := u.Store.Run(ctx, invID, actID)
	if errors.Is(err, store.ErrNotFound) {
		return a, store.Run{}, &NotUndoableError{actID, "no record of how it ran"}
	}
	return a, run, err
}
