package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/investigation"
)

// EntityChange is what MergeEntities did to one entity: added it, or
// changed its verdict from Before.
type EntityChange struct {
	Entity investigation.Entity
	Added  bool
	Before investigation.Verdict
}

// VerdictChanged reports whether the merge gave the entity a new verdict.
func (c EntityChange) VerdictChanged() bool { return c.Added || c.Before != c.Entity.Verdict }

// MergeEntities folds ents into investigation id's entities: a new one is
// added, one already there takes the new evidence, relations and marks
// (see investigation.Entity.Merge) and is judged anew. It returns the
// entities that changed. Merging the same entities again changes nothing,
// so a retried step is a no-op. Only the investigation's own execution
// writes its entities, one step at a time, so the read and the write do
// not race.
func (s *Store) MergeEntities(ctx context.Context, id string, ents []investigation.Entity) (
	[]EntityChange, error) {
	// fold duplicates within ents, then read what is stored
	merged, order := map[string]*investigation.Entity{}, []string{}
	for _, e := range ents {
		if m, ok := merged[e.Ref()]; ok {
			m.Merge(e)
			continue
		}
		e.Verdict = investigation.Judge(e.Evidence)
		merged[e.Ref()], order = &e, append(order, e.Ref())
	}
	stored, err := s.storedEntities(ctx, id, order)
	if err != nil {
		return nil, err
	}

	// write each that changed
	var changes []EntityChange
	for _, ref := range order {
		c, changed := mergeInto(stored[ref], *merged[ref])
		if !changed {
			continue
		}
		if err := s.putEntity(ctx, id, c.Entity); err != nil {
			return changes, err
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// mergeInto merges e into old, the stored entity (nil when there is none).
func mergeInto(old *investigation.Entity, e investigation.Entity) (EntityChange, bool) {
	if old == nil {
		return EntityChange{Entity: e, Added: true}, true
	}
	c := EntityChange{Entity: *old, Before: old.Verdict}
	changed := c.Entity.Merge(e)
	return c, changed || c.Before != c.Entity.Verdict
}

// storedEntities reads the entities refs of investigation id that exist.
func (s *Store) storedEntities(ctx context.Context, id string, refs []string) (
	map[string]*investigation.Entity, error) {
	keys := make([]map[string]types.AttributeValue, len(refs))
	for i, ref := range refs {
		keys[i] = key(invPK(id), entitySK(ref))
	}
	stored := map[string]*investigation.Entity{}
	err := s.batchGet(ctx, keys, func(m map[string]types.AttributeValue) error {
		var it entityItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		stored[it.Entity.Ref()] = &it.Entity
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read entities of %s: %w", id, err)
	}
	return stored, nil
}

// putEntity writes e whole.
func (s *Store) putEntity(ctx context.Context, id string, e investigation.Entity) error {
	m, err := marshal(entityItem{itemKeys{invPK(id), entitySK(e.Ref()), kindEntity}, e})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m})
	if err != nil {
		return fmt.Errorf("write entity %s of %s: %w", e.Ref(), id, err)
	}
	return nil
}

// ClaimIndicators claims each of refs for investigation id for window,
// unless a live claim exists, so that alerts naming what the hunt found
// join the investigation; it adds the refs it claimed to the
// investigation's indicators, which Finalize releases, and returns them.
// A claim taken just before a crash is not released until its window
// ends.
func (s *Store) ClaimIndicators(ctx context.Context, id string, refs []string,
	window time.Duration) ([]string, error) {
	var claimed []string
	for _, ref := range refs {
		put, err := s.claimPut(ref, id, s.now().Add(window))
		if err != nil {
			return nil, err
		}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table,
			Item: put.Put.Item, ConditionExpression: put.Put.ConditionExpression,
			ExpressionAttributeNames:  put.Put.ExpressionAttributeNames,
			ExpressionAttributeValues: put.Put.ExpressionAttributeValues})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			continue
		}
		if err != nil {
			return claimed, fmt.Errorf("claim %s for %s: %w", ref, id, err)
		}
		claimed = append(claimed, ref)
	}
	if len(claimed) == 0 {
		return nil, nil
	}
	return claimed, s.addIndicators(ctx, id, claimed)
}

// addIndicators appends refs to investigation id's indicators.
func (s *Store) addIndicators(ctx context.Context, id string, refs []string) error {
	list := expression.Name("indicators")
	update := expression.Set(list, expression.ListAppend(
		expression.IfNotExists(list, expression.Value([]string{})), expression.Value(refs)))
	expr, err := expression.NewBuilder().WithUpdate(update).Build()
	if err != nil {
		return fmt.Errorf("build indicator update: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.table,
		Key: key(invPK(id), skMeta), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()})
	if err != nil {
		return fmt.Errorf("add indicators to %s: %w", id, err)
	}
	return nil
}
