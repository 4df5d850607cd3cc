package store

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Key prefixes and sort keys of the item kinds. DESIGN.md's table lists
// them; keep the two in step.
const (
	prefixInvestigation = "INV#"
	prefixAlert         = "ALERT#"
	prefixEntity        = "ENT#"
	prefixAction        = "ACT#"
	prefixEvent         = "EVT#"
	prefixSource        = "SRC#"
	prefixIndicator     = "IOC#"
	prefixStatus        = "STATUS#"
	skMeta              = "META"
	skDedupe            = "ALERT"
	skOpen              = "OPEN"
	prefixSeen          = "SEEN#"
	skAlertRef          = "REF"
	prefixScope         = "SCOPE#"
	prefixOnce          = "ONCE#"
)

// Item kinds, stored in every item's "item" attribute.
const (
	kindInvestigation = "investigation"
	kindAlert         = "alert"
	kindEntity        = "entity"
	kindAction        = "action"
	kindEvent         = "event"
	kindDedupe        = "dedupe"
	kindIndicator     = "indicator"
	kindSighting      = "sighting"
	kindAlertRef      = "alert_ref"
	kindScope         = "scope_approval"
	kindOnce          = "once"
)

// sortableTime formats t so that string order is time order.
const sortableTime = "2006-01-02T15:04:05.000000000Z"

func invPK(id string) string { return prefixInvestigation + id }

func alertSK(t time.Time, id string) string {
	return prefixAlert + t.UTC().Format(sortableTime) + "#" + id
}

func entitySK(ref string) string { return prefixEntity + keyPart(ref) }

func actionSK(id string) string { return prefixAction + id }

func eventSK(t time.Time, id string) string {
	return prefixEvent + t.UTC().Format(sortableTime) + "#" + id
}

func dedupePK(source, sourceAlertID string) string {
	return prefixSource + keyPart(source) + "#" + keyPart(sourceAlertID)
}

func indicatorPK(ref string) string { return prefixIndicator + keyPart(ref) }

func seenPK(ref string) string { return prefixSeen + keyPart(ref) }

func alertPK(id string) string { return prefixAlert + id }

// maxKeyPartBytes bounds a value a sender chose inside a key, well under
// DynamoDB's limits of 2048 bytes for a partition key and 1024 for a sort
// key.
const maxKeyPartBytes = 512

// keyPart returns v for use in a key: as it is when short, else its
// SHA-256, so equal values still meet on one key however long they are.
func keyPart(v string) string {
	if len(v) <= maxKeyPartBytes {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// key builds the primary key attribute map of an item.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}
