package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// Investigation returns the summary record of investigation id, or an
// error wrapping ErrNotFound.
func (s *Store) Investigation(ctx context.Context, id string) (investigation.Investigation, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(invPK(id), skMeta),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return investigation.Investigation{}, fmt.Errorf("read investigation %s: %w", id, err)
	}
	if out.Item == nil {
		return investigation.Investigation{}, fmt.Errorf("investigation %s: %w", id, ErrNotFound)
	}
	var it investigationItem
	if err := unmarshal(out.Item, &it); err != nil {
		return investigation.Investigation{}, err
	}
	return it.Investigation, nil
}

// Record returns everything stored about investigation id: its summary,
// alerts (oldest first), entities, actions and timeline (oldest first).
func (s *Store) Record(ctx context.Context, id string) (investigation.Record, error) {
	var rec investigation.Record
	found := false
	err := s.queryAll(ctx, s.partition(id, ""), func(items []item) error {
		for _, m := range items {
			if err := addToRecord(&rec, m, &found); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return investigation.Record{}, err
	}
	if !found {
		return investigation.Record{}, fmt.Errorf("investigation %s: %w", id, ErrNotFound)
	}
	return rec, nil
}

// addToRecord decodes one item of an investigation's partition into rec.
func addToRecord(rec *investigation.Record, m map[string]types.AttributeValue, found *bool) error {
	switch kindOf(m) {
	case kindInvestigation:
		var it investigationItem
		*found = true
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		rec.Investigation = it.Investigation
	case kindAlert:
		var it alertItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		rec.Alerts = append(rec.Alerts, it.Alert)
	case kindEntity:
		var it entityItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		rec.Entities = append(rec.Entities, it.Entity)
	case kindAction:
		var it actionItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		rec.Actions = append(rec.Actions, it.Action)
	case kindEvent:
		var it eventItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		rec.Timeline = append(rec.Timeline, it.Event)
	}
	return nil
}

// Alerts returns the alerts of investigation id, oldest first.
func (s *Store) Alerts(ctx context.Context, id string) ([]alert.Alert, error) {
	return queryKind(ctx, s, id, prefixAlert, func(it alertItem) alert.Alert { return it.Alert })
}

// Entities returns the entities of investigation id, ordered by ref.
func (s *Store) Entities(ctx context.Context, id string) ([]investigation.Entity, error) {
	return queryKind(ctx, s, id, prefixEntity,
		func(it entityItem) investigation.Entity { return it.Entity })
}

// Actions returns the actions of investigation id, ordered by id.
func (s *Store) Actions(ctx context.Context, id string) ([]investigation.Action, error) {
	return queryKind(ctx, s, id, prefixAction,
		func(it actionItem) investigation.Action { return it.Action })
}

// queryKind reads every item of investigation id whose sort key starts
// with prefix, decoding each as an I and keeping what pick returns.
func queryKind[I, T any](ctx context.Context, s *Store, id, prefix string, pick func(I) T) (
	[]T, error) {
	var out []T
	err := s.queryAll(ctx, s.partition(id, prefix), func(items []item) error {
		for _, m := range items {
			var it I
			if err := unmarshal(m, &it); err != nil {
				return err
			}
			out = append(out, pick(it))
		}
		return nil
	})
	return out, err
}

// partition queries investigation id's items whose sort key starts with
// prefix ("" for all), with strongly consistent reads.
func (s *Store) partition(id, prefix string) *dynamodb.QueryInput {
	cond := expression.Key(attrPK).Equal(expression.Value(invPK(id)))
	if prefix != "" {
		cond = cond.And(expression.Key(attrSK).BeginsWith(prefix))
	}
	// the builder cannot fail on these fixed, valid operands
	expr, _ := expression.NewBuilder().WithKeyCondition(cond).Build()
	return &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}
}

// SetVerdict records the verdict on entity ref of investigation id and the
// evidence that decided it.
func (s *Store) SetVerdict(ctx context.Context, id, ref string, v investigation.Verdict,
	evidence []investigation.Evidence) error {
	update := expression.Set(expression.Name("verdict"), expression.Value(v)).
		Set(expression.Name("evidence"), expression.Value(evidence))
	cond := expression.AttributeExists(expression.Name(attrPK))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build verdict update: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(invPK(id), entitySK(ref)),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return fmt.Errorf("set verdict of %s in %s: %w", ref, id, err)
	}
	return nil
}

// ActionID returns the id of the action of type t on target within scope
// in investigation invID. It is derived from those, so proposing the same
// action twice, as a retried step does, names the same action.
func ActionID(invID string, t investigation.ActionType, target, scope string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{invID, string(t), target, scope}, "\x00")))
	return "act-" + hex.EncodeToString(sum[:10])
}

// ProposeAction stores a new action unless one with its id exists, and
// returns the stored action either way.
func (s *Store) ProposeAction(ctx context.Context, invID string, a investigation.Action) (
	investigation.Action, error) {
	now := s.now().UTC()
	a.CreatedAt, a.UpdatedAt = now, now
	m, err := marshal(actionItem{itemKeys{invPK(invID), actionSK(a.ID), kindAction}, a})
	if err != nil {
		return investigation.Action{}, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: m,
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		var it actionItem
		return it.Action, unmarshal(ccf.Item, &it)
	}
	if err != nil {
		return investigation.Action{}, fmt.Errorf("propose action %s: %w", a.ID, err)
	}
	return a, nil
}

// ActionChange is what a status change of an action also records.
type ActionChange struct {
	Result     string
	ApprovedBy string
	DecidedAt  time.Time
}

// TransitionAction changes action actID of investigation invID to status
// to, conditional on its current status being one that may become to. A
// change the lifecycle does not allow, or that another writer made first,
// returns a *investigation.TransitionError.
func (s *Store) TransitionAction(ctx context.Context, invID, actID string,
	to investigation.ActionStatus, ch ActionChange) error {
	var from []investigation.ActionStatus
	for _, st := range allActionStatuses {
		if st.CanBecome(to) {
			from = append(from, st)
		}
	}
	update := expression.Set(expression.Name("status"), expression.Value(to)).
		Set(expression.Name("updated_at"), expression.Value(s.now().UTC()))
	update = setIf(update, "result", ch.Result)
	update = setIf(update, "approved_by", ch.ApprovedBy)
	if !ch.DecidedAt.IsZero() {
		update = update.Set(expression.Name("decided_at"), expression.Value(ch.DecidedAt.UTC()))
	}
	return s.transition(ctx, key(invPK(invID), actionSK(actID)), update, actionStatusIn(from),
		&investigation.TransitionError{Kind: "action", ID: actID, To: string(to)})
}

var allActionStatuses = []investigation.ActionStatus{
	investigation.ActionProposed, investigation.ActionPendingApproval,
	investigation.ActionApproved, investigation.ActionRejected, investigation.ActionExpired,
	investigation.ActionRunning, investigation.ActionSucceeded, investigation.ActionFailed,
	investigation.ActionUndone,
}

func actionStatusIn(from []investigation.ActionStatus) expression.ConditionBuilder {
	if len(from) == 0 {
		return expression.AttributeNotExists(expression.Name(attrPK))
	}
	operands := make([]expression.OperandBuilder, 0, len(from))
	for _, st := range from[1:] {
		operands = append(operands, expression.Value(st))
	}
	return expression.Name("status").In(expression.Value(from[0]), operands...)
}

// TransitionInvestigation changes investigation id to status to,
// conditional on its current status being one that may become to. A change
// the lifecycle does not allow, or that another writer made first, returns
// a *investigation.TransitionError.
func (s *Store) TransitionInvestigation(ctx context.Context, id string,
	to investigation.Status) error {
	inv, err := s.Investigation(ctx, id)
	if err != nil {
		return err
	}
	inv.Status = to
	pk, sk := statusKeys(inv)
	update := expression.Set(expression.Name("status"), expression.Value(to)).
		Set(expression.Name("updated_at"), expression.Value(s.now().UTC())).
		Set(expression.Name(attrGSI1PK), expression.Value(pk)).
		Set(expression.Name(attrGSI1SK), expression.Value(sk)).
		Add(expression.Name("version"), expression.Value(1))
	from := to.Sources()
	cond := expression.AttributeNotExists(expression.Name(attrPK))
	if len(from) > 0 {
		cond = statusIn(from...)
	}
	return s.transition(ctx, key(invPK(id), skMeta), update, cond,
		&investigation.TransitionError{Kind: "investigation", ID: id, To: string(to)})
}

// EndExecution records that investigation id's execution is ending: from
// now on no alert joins it (see Ingest). It is safe to repeat.
func (s *Store) EndExecution(ctx context.Context, id string) error {
	update := expression.Set(expression.Name("execution_ended"), expression.Value(true))
	cond := expression.AttributeExists(expression.Name(attrPK))
	return s.transition(ctx, key(invPK(id), skMeta), update, cond,
		&investigation.TransitionError{Kind: "investigation", ID: id, To: "ended"})
}

// MarkExecutionStarted records that investigation id's execution started.
func (s *Store) MarkExecutionStarted(ctx context.Context, id string) error {
	update := expression.Set(expression.Name("execution_started"), expression.Value(true))
	cond := expression.AttributeExists(expression.Name(attrPK))
	return s.transition(ctx, key(invPK(id), skMeta), update, cond,
		&investigation.TransitionError{Kind: "investigation", ID: id, To: "started"})
}

// transition runs a conditional update; when the condition fails it
// returns terr with the status found.
func (s *Store) transition(ctx context.Context, k map[string]types.AttributeValue,
	update expression.UpdateBuilder, cond expression.ConditionBuilder,
	terr *investigation.TransitionError) error {
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build %s update: %w", terr.Kind, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                           &s.table,
		Key:                                 k,
		UpdateExpression:                    expr.Update(),
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if st, ok := ccf.Item["status"].(*types.AttributeValueMemberS); ok {
			terr.From = st.Value
		}
		return terr
	}
	if err != nil {
		return fmt.Errorf("update %s %s: %w", terr.Kind, terr.ID, err)
	}
	return nil
}

func setIf(u expression.UpdateBuilder, name, value string) expression.UpdateBuilder {
	if value == "" {
		return u
	}
	return u.Set(expression.Name(name), expression.Value(value))
}

// AppendEvent adds e to investigation id's timeline.
func (s *Store) AppendEvent(ctx context.Context, id string, e investigation.Event) error {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	put, err := s.eventPut(id, e)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: put.Put.Item})
	if err != nil {
		return fmt.Errorf("append %s event to %s: %w", e.Kind, id, err)
	}
	return nil
}

// eventPut writes one timeline event.
func (s *Store) eventPut(id string, e investigation.Event) (types.TransactWriteItem, error) {
	e.Time = e.Time.UTC()
	m, err := marshal(eventItem{itemKeys{invPK(id), eventSK(e.Time, NewID()), kindEvent}, e})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: m}}, nil
}

// ReleaseIndicators deletes the claims on refs that name investigation
// invID, so later alerts on them open a new investigation. Claims held by
// another investigation are left alone.
func (s *Store) ReleaseIndicators(ctx context.Context, invID string, refs []string) error {
	cond := expression.Name("investigation_id").Equal(expression.Value(invID))
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build claim release: %w", err)
	}
	for _, ref := range refs {
		_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 &s.table,
			Key:                       key(indicatorPK(ref), skOpen),
			ConditionExpression:       expr.Condition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		})
		var ccf *types.ConditionalCheckFailedException
		if err != nil && !errors.As(err, &ccf) {
			return fmt.Errorf("release indicator %s of %s: %w", ref, invID, err)
		}
	}
	return nil
}

// batchGet reads keys in batches of DynamoDB's limit, retrying unprocessed
// keys, and calls each for every item found.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue,
	each func(map[string]types.AttributeValue) error) error {
	const maxBatchGetKeys = 100
	for len(keys) > 0 {
		n := min(len(keys), maxBatchGetKeys)
		pending := map[string]types.KeysAndAttributes{
			s.table: {Keys: keys[:n], ConsistentRead: aws.Bool(true)},
		}
		keys = keys[n:]
		for len(pending) > 0 {
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return err
			}
			for _, m := range out.Responses[s.table] {
				if err := each(m); err != nil {
					return err
				}
			}
			pending = out.UnprocessedKeys
		}
	}
	return nil
}

// AppendEventOnce adds e to investigation id's timeline unless an event
// with the same key was added before, as when a retried step records its
// conclusion again. key names the conclusion, such as "expanded#2".
func (s *Store) AppendEventOnce(ctx context.Context, id, key string, e investigation.Event) error {
	if e.Time.IsZero() {
		e.Time = s.now()
	}
	put, err := s.eventPut(id, e)
	if err != nil {
		return err
	}
	marker, err := marshal(itemKeys{invPK(id), prefixOnce + keyPart(key), kindOnce})
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &s.table, Item: marker,
				ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			put,
		}})
	if failed := cancelled(err); failed != nil && failed[0] {
		return nil
	}
	if err != nil {
		return fmt.Errorf("append %s event to %s: %w", e.Kind, id, err)
	}
	return nil
}
