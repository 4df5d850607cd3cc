package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// fingerprint identifies what an alert says, leaving out what changes
// with every delivery (Firebreak's id, the envelope in Raw), so the same
// finding delivered twice has one fingerprint and an updated finding
// another.
func fingerprint(a alert.Alert) string {
	a.ID, a.Raw = "", nil
	b, _ := json.Marshal(a)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// repeat answers for an alert its source sent before. When the alert says
// something new and is not older than the stored version (GuardDuty's
// repeat count, Security Hub's updated finding), the stored alert is
// replaced under its first ids and the investigation's timeline says so;
// otherwise it is a duplicate. Either way no second investigation opens
// here (ingest opens one for an update that names what an ended
// investigation never looked at).
func (s *Store) repeat(ctx context.Context, a alert.Alert) (Outcome, error) {
	old, err := s.dedupe(ctx, a)
	if err != nil {
		return Outcome{}, err
	}
	res := Outcome{AlertID: old.AlertID, InvestigationID: old.InvestigationID, Duplicate: true}
	if old.Fingerprint != fingerprint(a) && !a.Time.Before(old.AlertTime) {
		updated, err := s.update(ctx, old, a)
		if err != nil {
			return Outcome{}, err
		}
		res.Duplicate, res.Updated = !updated, updated
	}
	if old.InvestigationID == "" {
		return res, nil
	}
	st, err := s.joinState(ctx, old.InvestigationID)
	if err != nil {
		return Outcome{}, err
	}
	res.NeedsStart = st.unstarted()
	return res, nil
}

// dedupe reads the record of a's first delivery.
func (s *Store) dedupe(ctx context.Context, a alert.Alert) (dedupeItem, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(dedupePK(a.Source, a.SourceAlertID), skDedupe),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return dedupeItem{}, fmt.Errorf("read first delivery of alert %s: %w", a.SourceAlertID, err)
	}
	var d dedupeItem
	if err := unmarshal(out.Item, &d); err != nil {
		return dedupeItem{}, err
	}
	return d, nil
}

// update replaces the stored alert with a, keeping its id and place, and
// records the change in the timeline, all conditional on the stored
// version still being old. updated is false when another writer changed
// it first.
func (s *Store) update(ctx context.Context, old dedupeItem, a alert.Alert) (bool, error) {
	a.ID = old.AlertID
	items, err := s.updateItems(old, a)
	if err != nil {
		return false, err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if failed := cancelled(err); failed != nil {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("update alert %s: %w", a.ID, err)
	}
	return true, nil
}

// updateItems are the writes of an update: the dedupe record's new
// version, the alert, and a timeline event when it is investigated.
func (s *Store) updateItems(old dedupeItem, a alert.Alert) ([]types.TransactWriteItem, error) {
	set := expression.Set(expression.Name("fingerprint"), expression.Value(fingerprint(a))).
		Set(expression.Name("alert_time"), expression.Value(a.Time.UTC()))
	cond := expression.Name("fingerprint").Equal(expression.Value(old.Fingerprint))
	expr, err := expression.NewBuilder().WithUpdate(set).WithCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("build alert update: %w", err)
	}
	al := newAlertItem(old.AlertPK, a)
	al.SK = old.AlertSK
	alItem, err := marshalAlert(al)
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: key(old.PK, old.SK),
			UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
			ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()}},
		{Put: &types.Put{TableName: &s.table, Item: alItem}},
	}
	if old.InvestigationID == "" {
		return items, nil
	}
	ev, err := s.eventPut(old.InvestigationID, investigation.Event{
		Time: s.now(), Kind: "alert_updated", Actor: "ingest",
		Message: fmt.Sprintf("alert %s was updated by its source (%s)", a.ID, a.SourceAlertID),
	})
	return append(items, ev), err
}

// Lookup returns the ids a source's alert got when it was stored, and
// whether it was stored at all.
func (s *Store) Lookup(ctx context.Context, source, sourceAlertID string) (
	alertID, investigationID string, ok bool, err error) {
	d, err := s.dedupe(ctx, alert.Alert{Source: source, SourceAlertID: sourceAlertID})
	if err != nil || d.AlertID == "" {
		return "", "", false, err
	}
	return d.AlertID, d.InvestigationID, true, nil
}
