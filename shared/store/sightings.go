package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/alert"
)

// Sighting is a stored alert that named an indicator: what a hunt and the
// stored-alerts intelligence read to find the same threat elsewhere.
// InvestigationID is empty for an alert that policy did not investigate.
type Sighting struct {
	AlertID         string           `json:"alert_id"`
	InvestigationID string           `json:"investigation_id,omitempty"`
	Format          string           `json:"format"`
	Title           string           `json:"title"`
	SeverityID      alert.SeverityID `json:"severity_id"`
	ThreatNames     []string         `json:"threat_names,omitempty"`
	Time            time.Time        `json:"time"`
	// Entity is the indicator as this alert named it, with its attributes.
	Entity alert.Entity `json:"entity"`
}

type sightingItem struct {
	itemKeys
	Sighting
}

// alertRefItem finds an alert by its id alone: alerts of investigations
// live in the investigation's partition.
type alertRefItem struct {
	itemKeys
	InvestigationID string `json:"investigation_id"`
	AlertSK         string `json:"alert_sk"`
}

// sighted lists the entity types an alert leaves a sighting for: the
// indicators a hunt looks for.
var sighted = map[alert.EntityType]bool{
	alert.EntityFile: true, alert.EntityURL: true, alert.EntityDomain: true,
	alert.EntityIP: true, alert.EntityAccessKey: true, alert.EntityUser: true,
	alert.EntityMailbox: true, alert.EntityHost: true, alert.EntityEmailMessage: true,
}

// maxSightingsPerAlert bounds the sightings an alert writes, so that its
// transaction keeps room for the claims beside them.
const maxSightingsPerAlert = 16

// sightingPuts writes one sighting per indicator of a, up to the limit,
// but none of those in claimed, which investigation invID claims already:
// the claim says where the indicator was seen to whoever hunts for it
// elsewhere, and a storm of alerts joining invID would otherwise bury
// every other investigation's sightings of it under its own, since a hunt
// reads them newest first.
func (s *Store) sightingPuts(a alert.Alert, invID string, claimed map[string]bool) (
	[]types.TransactWriteItem, error) {
	var puts []types.TransactWriteItem
	seen := map[string]bool{}
	for _, e := range a.Entities {
		if !sighted[e.Type] || seen[e.Ref()] || claimed[e.Ref()] ||
			len(puts) == maxSightingsPerAlert {
			continue
		}
		seen[e.Ref()] = true
		m, err := marshal(sightingItem{
			itemKeys: itemKeys{seenPK(e.Ref()), alertSK(a.Time, a.ID), kindSighting},
			Sighting: Sighting{AlertID: a.ID, InvestigationID: invID, Format: a.Format,
				Title: a.Title, SeverityID: a.SeverityID, ThreatNames: a.ThreatNames,
				Time: a.Time.UTC(), Entity: e},
		})
		if err != nil {
			return nil, err
		}
		puts = append(puts, types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: m}})
	}
	return puts, nil
}

// alertRefPut lets an investigated alert be found by its id.
func (s *Store) alertRefPut(a alert.Alert, invID string) (types.TransactWriteItem, error) {
	m, err := marshal(alertRefItem{
		itemKeys:        itemKeys{alertPK(a.ID), skAlertRef, kindAlertRef},
		InvestigationID: invID,
		AlertSK:         alertSK(a.Time, a.ID),
	})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: m}}, nil
}

// Sightings returns up to limit stored alerts that named the entity ref,
// newest first.
func (s *Store) Sightings(ctx context.Context, ref string, limit int) ([]Sighting, error) {
	cond := expression.Key(attrPK).Equal(expression.Value(seenPK(ref)))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("build sighting query: %w", err)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("read sightings of %s: %w", ref, err)
	}
	found := make([]Sighting, 0, len(out.Items))
	for _, m := range out.Items {
		var it sightingItem
		if err := unmarshal(m, &it); err != nil {
			return nil, err
		}
		found = append(found, it.Sighting)
	}
	return found, nil
}

// StoredAlert returns the alert with id and the investigation it belongs
// to ("" when policy did not investigate it), or ErrNotFound.
func (s *Store) StoredAlert(ctx context.Context, id string) (alert.Alert, string, error) {
	cond := expression.Key(attrPK).Equal(expression.Value(alertPK(id)))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return alert.Alert{}, "", fmt.Errorf("build alert query: %w", err)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return alert.Alert{}, "", fmt.Errorf("read alert %s: %w", id, err)
	}
	for _, m := range out.Items {
		switch kindOf(m) {
		case kindAlert:
			var it alertItem
			err := unmarshal(m, &it)
			return it.Alert, "", err
		case kindAlertRef:
			var ref alertRefItem
			if err := unmarshal(m, &ref); err != nil {
				return alert.Alert{}, "", err
			}
			a, err := s.alertAt(ctx, invPK(ref.InvestigationID), ref.AlertSK)
			return a, ref.InvestigationID, err
		}
	}
	return alert.Alert{}, "", fmt.Errorf("alert %s: %w", id, ErrNotFound)
}

// alertAt reads the alert item at pk, sk.
func (s *Store) alertAt(ctx context.Context, pk, sk string) (alert.Alert, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table,
		Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return alert.Alert{}, fmt.Errorf("read alert %s: %w", sk, err)
	}
	if out.Item == nil {
		return alert.Alert{}, fmt.Errorf("alert %s: %w", sk, ErrNotFound)
	}
	var it alertItem
	err = unmarshal(out.Item, &it)
	return it.Alert, err
}
