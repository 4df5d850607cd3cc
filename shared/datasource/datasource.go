// Package datasource says what an investigation may ask of an
// environment, and how the answers look. The simulated tenant, AWS and
// Microsoft Graph each answer through DataSource; indicator reputation
// comes through Intelligence.
package datasource

import (
	"context"

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// DataSource answers what an environment knows about an entity: the
// simulated tenant, AWS (CloudTrail, EC2, IAM), Microsoft Graph. Each
// method is read-only and safe to repeat; an entity the source does not
// know gives an empty Finding and no error. An error that retrying may
// cure is reported as transient (see store.Transient).
type DataSource interface {
	// Name names the source in evidence, such as "tenant" or "cloudtrail".
	Name() string
	// Describe says what the source knows of the entity itself: evidence
	// such as a user without MFA, a critical host, a disabled key.
	Describe(ctx context.Context, e alert.Entity) (Finding, error)
	// Origin says where the entity came from: the URL a file was
	// downloaded from, the message that carried it, a process's parent, the
	// IP and principal behind an access key's calls.
	Origin(ctx context.Context, e alert.Entity) (Finding, error)
	// Affected says who and what the entity touched: the users of a host,
	// the recipients of a message, the users who clicked a URL, the
	// resources a principal used.
	Affected(ctx context.Context, e alert.Entity) (Finding, error)
	// Hunt finds the same entity elsewhere: other hosts holding a file,
	// other messages from a sender or with a URL, other sign-ins from an IP.
	Hunt(ctx context.Context, e alert.Entity) (Finding, error)
}

// Finding is what a data source found about one entity.
type Finding struct {
	// Evidence about the entity asked about.
	Evidence []investigation.Evidence
	// Related are other entities, each with how it relates and why it is
	// believed; the investigation adds them.
	Related []Related
	// Critical reports the source marks the entity as a critical asset.
	Critical bool
	// Attributes are facts about the entity that remedies consult, such
	// as "mfa": "true" or "status": "Inactive".
	Attributes map[string]string
}

// Related is another entity a data source linked to the one asked about.
// Kind says how, from the asked entity's side ("held_by", "downloaded_from",
// "parent_process", "sent_by", "received_by", "clicked_by",
// "signed_in_from", "used_by", "accessed", "instance_of"). Evidence, when
// set, is what the relation says about the related entity.
type Related struct {
	Entity   alert.Entity
	Kind     string
	Evidence []investigation.Evidence
}

// Intelligence gives an indicator's reputation: indicator lists imported
// from CSV and STIX 2.1 bundles, external lookups, what stored alerts said
// of it. Each piece of evidence names the list or service it came from.
// An indicator nobody knows gives no evidence and no error.
type Intelligence interface {
	Reputation(ctx context.Context, e alert.Entity) ([]investigation.Evidence, error)
}
