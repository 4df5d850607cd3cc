package store

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// maxAlertItemBytes bounds an alert item, under DynamoDB's 400 KB item
// size limit with room for the estimate's error. The raw payload gives way
// first: it is cut and flagged as truncated.
const maxAlertItemBytes = 350 * 1024

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
	// Formats and Sources are the formats and ingest sources of the
	// investigation's alerts, as string sets the action center filters
	// on.
	Formats []string `json:"formats,omitempty,stringset"`
	Sources []string `json:"sources,omitempty,stringset"`
}

type alertItem struct {
	itemKeys
	alert.Alert
	RawTruncated bool `json:"raw_truncated,omitempty"`
}

// dedupeItem records that a source's alert is stored, where, and in which
// version: Fingerprint and AlertTime tell a re-sent alert from an updated
// one.
type dedupeItem struct {
	itemKeys
	AlertID         string    `json:"alert_id"`
	InvestigationID string    `json:"investigation_id,omitempty"`
	StoredAt        time.Time `json:"stored_at"`
	AlertPK         string    `json:"alert_pk"`
	AlertSK         string    `json:"alert_sk"`
	AlertTime       time.Time `json:"alert_time"`
	Fingerprint     string    `json:"fingerprint"`
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

// newAlertItem stores a under pk.
func newAlertItem(pk string, a alert.Alert) alertItem {
	return alertItem{itemKeys: itemKeys{pk, alertSK(a.Time, a.ID), kindAlert}, Alert: a}
}

// AlertTooLargeError is an alert whose normalized form alone exceeds what
// one item can hold, even with its raw payload cut.
type AlertTooLargeError struct {
	SourceAlertID string
	Bytes         int
}

func (e *AlertTooLargeError) Error() string {
	return fmt.Sprintf("alert %s is %d bytes once normalized, more than the %d one alert may "+
		"take: send fewer entities or shorter texts", e.SourceAlertID, e.Bytes, maxAlertItemBytes)
}

// marshalAlert encodes an alert item within maxAlertItemBytes, cutting the
// raw payload if it must.
func marshalAlert(it alertItem) (map[string]types.AttributeValue, error) {
	m, err := marshal(it)
	if err != nil {
		return nil, err
	}
	size := itemSize(m)
	if size <= maxAlertItemBytes {
		return m, nil
	}
	rest := size - len(it.Raw)
	if rest > maxAlertItemBytes {
		return nil, &AlertTooLargeError{SourceAlertID: it.SourceAlertID, Bytes: rest}
	}
	it.Raw, it.RawTruncated = it.Raw[:maxAlertItemBytes-rest], true
	return marshal(it)
}

// itemSize estimates an item's size as DynamoDB counts it: names and
// values, numbers at their largest.
func itemSize(m map[string]types.AttributeValue) int {
	n := 0
	for k, v := range m {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return 21
	case *types.AttributeValueMemberM:
		return 3 + itemSize(v.Value)
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberSS:
		n := 0
		for _, e := range v.Value {
			n += len(e)
		}
		return n
	}
	return 1
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
