package store

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// maxStoredRawBytes bounds the raw payload kept on an alert item, well
// under DynamoDB's 400 KB item size limit; a larger payload is cut and
// flagged as truncated.
const maxStoredRawBytes = 300 * 1024

// itemKeys are the attributes every item has.
type itemKeys struct {
	PK   string `json:"pk"`
	SK   string `json:"sk"`
	Kind string `json:"item"`
}

type investigationItem struct {
	itemKeys
	investigation.Investigation
	GSI1PK  string `json:"gsi1pk"`
	GSI1SK  string `json:"gsi1sk"`
	Version int    `json:"version"`
}

type alertItem struct {
	itemKeys
	alert.Alert
	RawTruncated bool `json:"raw_truncated,omitempty"`
}

type dedupeItem struct {
	itemKeys
	AlertID         string    `json:"alert_id"`
	InvestigationID string    `json:"investigation_id,omitempty"`
	StoredAt        time.Time `json:"stored_at"`
}

type indicatorItem struct {
	itemKeys
	InvestigationID string `json:"investigation_id"`
	ExpiresAt       int64  `json:"expires_at"`
}

type entityItem struct {
	itemKeys
	investigation.Entity
}

type actionItem struct {
	itemKeys
	investigation.Action
}

type eventItem struct {
	itemKeys
	investigation.Event
}

// marshal encodes an item with the json tags of the domain types, so one
// set of names serves the API and the table.
func marshal(v any) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) {
		o.TagKey = "json"
	})
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return m, nil
}

// unmarshal decodes an item into v.
func unmarshal(m map[string]types.AttributeValue, v any) error {
	err := attributevalue.UnmarshalMapWithOptions(m, v, func(o *attributevalue.DecoderOptions) {
		o.TagKey = "json"
	})
	if err != nil {
		return fmt.Errorf("decode %T: %w", v, err)
	}
	return nil
}

// newAlertItem stores a, cutting its raw payload to maxStoredRawBytes.
func newAlertItem(pk string, a alert.Alert) alertItem {
	it := alertItem{itemKeys: itemKeys{pk, alertSK(a.Time, a.ID), kindAlert}, Alert: a}
	if len(a.Raw) > maxStoredRawBytes {
		it.Raw = a.Raw[:maxStoredRawBytes]
		it.RawTruncated = true
	}
	return it
}

// statusKeys places an investigation in the by-status index.
func statusKeys(inv investigation.Investigation) (string, string) {
	return prefixStatus + string(inv.Status),
		inv.CreatedAt.UTC().Format(sortableTime) + "#" + inv.ID
}

// kindOf returns an item's "item" attribute, its kind.
func kindOf(m map[string]types.AttributeValue) string {
	if k, ok := m["item"].(*types.AttributeValueMemberS); ok {
		return k.Value
	}
	return ""
}
