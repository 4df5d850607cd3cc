package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/investigation"
)

// An action's run record lives beside the action: INV#<id> / RUN#<action>.
const (
	prefixRun = "RUN#"
	kindRun   = "action_run"
)

// Run is the idempotency record of carrying out one action, keyed by the
// action's id. It is written before the provider is called and completed
// after, so that a retried or re-invoked Remediate finds the action done
// and calls nothing, and an undo finds the provider and the undo data.
type Run struct {
	ActionID string `json:"action_id"`
	// Provider is the name of the provider that runs the action.
	Provider string `json:"provider"`
	// Request is what was asked of the provider, in words.
	Request string `json:"request"`
	// Attempts counts the provider calls begun; more than one means an
	// earlier attempt died or failed transiently.
	Attempts  int       `json:"attempts"`
	StartedAt time.Time `json:"started_at"`
	// Done is set once the provider's answer is recorded; Outcome is then
	// succeeded or failed.
	Done     bool                       `json:"done"`
	Outcome  investigation.ActionStatus `json:"outcome,omitempty"`
	Summary  string                     `json:"summary,omitempty"`
	Detail   map[string]string          `json:"detail,omitempty"`
	Duration time.Duration              `json:"duration_ns,omitempty"`
	EndedAt  time.Time                  `json:"ended_at,omitzero"`
	// UndoneBy, UndoneAt and UndoSummary record an undo.
	UndoneBy    string    `json:"undone_by,omitempty"`
	UndoneAt    time.Time `json:"undone_at,omitzero"`
	UndoSummary string    `json:"undo_summary,omitempty"`
}

type runItem struct {
	itemKeys
	Run
}

func runKey(invID, actID string) map[string]types.AttributeValue {
	return key(invPK(invID), prefixRun+actID)
}

// Run returns the run record of action actID, or ErrNotFound.
func (s *Store) Run(ctx context.Context, invID, actID string) (Run, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table,
		Key: runKey(invID, actID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Run{}, fmt.Errorf("get run of action %s: %w", actID, err)
	}
	if out.Item == nil {
		return Run{}, fmt.Errorf("run of action %s: %w", actID, ErrNotFound)
	}
	var it runItem
	return it.Run, unmarshal(out.Item, &it)
}

// StartRun records that an attempt to carry out action actID through
// provider begins, and returns the record as it now stands. If the run is
// already done it changes nothing and returns the done record: the caller
// must not call the provider again. The provider and request of the first
// attempt are kept.
func (s *Store) StartRun(ctx context.Context, invID, actID, provider, request string) (
	Run, error) {
	now := s.now().UTC()
	update := expression.Set(expression.Name("item"), expression.Value(kindRun)).
		Set(expression.Name("action_id"), expression.Value(actID)).
		Set(expression.Name("provider"), ifNotExists("provider", provider)).
		Set(expression.Name("request"), ifNotExists("request", request)).
		Set(expression.Name("started_at"), ifNotExists("started_at", now)).
		Set(expression.Name("done"), expression.Value(false)).
		Add(expression.Name("attempts"), expression.Value(1))
	cond := expression.Or(expression.AttributeNotExists(expression.Name("done")),
		expression.Name("done").Equal(expression.Value(false)))
	m, err := s.updateRun(ctx, invID, actID, update, cond)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		m = ccf.Item
	} else if err != nil {
		return Run{}, fmt.Errorf("start run of action %s: %w", actID, err)
	}
	var it runItem
	return it.Run, unmarshal(m, &it)
}

// ifNotExists keeps attribute name's value, or sets v where it has none.
func ifNotExists(name string, v any) expression.SetValueBuilder {
	return expression.IfNotExists(expression.Name(name), expression.Value(v))
}

// FinishRun records the provider's answer to action actID's run, unless an
// earlier attempt recorded one first; it returns the run as recorded.
func (s *Store) FinishRun(ctx context.Context, invID, actID string, r Run) (Run, error) {
	update := expression.Set(expression.Name("done"), expression.Value(true)).
		Set(expression.Name("outcome"), expression.Value(r.Outcome)).
		Set(expression.Name("summary"), expression.Value(r.Summary)).
		Set(expression.Name("duration_ns"), expression.Value(r.Duration)).
		Set(expression.Name("ended_at"), expression.Value(s.now().UTC()))
	if len(r.Detail) > 0 {
		update = update.Set(expression.Name("detail"), expression.Value(r.Detail))
	}
	cond := expression.Name("done").Equal(expression.Value(false))
	m, err := s.updateRun(ctx, invID, actID, update, cond)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		m = ccf.Item
	} else if err != nil {
		return Run{}, fmt.Errorf("finish run of action %s: %w", actID, err)
	}
	var it runItem
	return it.Run, unmarshal(m, &it)
}

// updateRun applies update to a run record if cond holds and returns the
// record after it; a failed condition is the SDK's
// *types.ConditionalCheckFailedException carrying the record as it was.
func (s *Store) updateRun(ctx context.Context, invID, actID string,
	update expression.UpdateBuilder, cond expression.ConditionBuilder) (
	map[string]types.AttributeValue, error) {
	k := runKey(invID, actID)
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("build run update: %w", err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: k,
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return nil, err
	}
	return out.Attributes, nil
}

// RecordUndo changes action actID from succeeded to undone and records on
// its run who undid it and what the provider said, in one transaction. An
// action that is not succeeded (never ran, failed, or already undone)
// returns a *investigation.TransitionError with the status found.
func (s *Store) RecordUndo(ctx context.Context, invID, actID, by, summary string) error {
	now := s.now().UTC()
	act, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("status"),
			expression.Value(investigation.ActionUndone)).
			Set(expression.Name("updated_at"), expression.Value(now)).
			Set(expression.Name("result"), expression.Value("undone by "+by+": "+summary))).
		WithCondition(expression.Name("status").Equal(
			expression.Value(investigation.ActionSucceeded))).Build()
	if err != nil {
		return fmt.Errorf("build undo of action %s: %w", actID, err)
	}
	run, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("undone_by"), expression.Value(by)).
			Set(expression.Name("undone_at"), expression.Value(now)).
			Set(expression.Name("undo_summary"), expression.Value(summary))).
		WithCondition(expression.AttributeExists(expression.Name(attrPK))).Build()
	if err != nil {
		return fmt.Errorf("build undo of action %s: %w", actID, err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Update: s.transactUpdate(key(invPK(invID), actionSK(actID)), act)},
			{Update: s.transactUpdate(runKey(invID, actID), run)},
		},
	})
	return s.undoError(ctx, invID, actID, err)
}

// transactUpdate is an update of a transaction.
func (s *Store) transactUpdate(k map[string]types.AttributeValue,
	expr expression.Expression) *types.Update {
	return &types.Update{TableName: &s.table, Key: k,
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}
}

// undoError turns a cancelled undo transaction into a TransitionError
// naming the action's status.
func (s *Store) undoError(ctx context.Context, invID, actID string, err error) error {
	var tce *types.TransactionCanceledException
	if err == nil || !errors.As(err, &tce) {
		if err != nil {
			return fmt.Errorf("undo action %s: %w", actID, err)
		}
		return nil
	}
	terr := &investigation.TransitionError{Kind: "action", ID: actID,
		To: string(investigation.ActionUndone)}
	acts, qerr := s.Actions(ctx, invID)
	if qerr != nil {
		return fmt.Errorf("undo action %s: %w", actID, qerr)
	}
	for _, a := range acts {
		if a.ID == actID {
			terr.From = string(a.Status)
		}
	}
	return terr
}
