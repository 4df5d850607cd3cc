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

	"github.com/firebreak/firebreak/shared/alert"
	"github.com/firebreak/firebreak/shared/investigation"
)

// maxCorrelationAttempts bounds how often Ingest re-reads the indicators
// after losing a race to another writer. Each lost race means another
// alert made progress, so a handful is plenty.
const maxCorrelationAttempts = 5

// maxTransactItems is DynamoDB's limit on items in one transaction.
const maxTransactItems = 100

// Intake is an alert to store and what policy decided for it.
type Intake struct {
	// Alert has its ID and Source set.
	Alert alert.Alert
	// Investigate is false when policy says the alert is only stored.
	Investigate bool
	Playbook    string
	Automation  investigation.Level
	// Indicators are the entity refs the alert is correlated on, most
	// telling first. An open investigation claiming any of them takes the
	// alert; a new investigation claims them all.
	Indicators []string
	// Window is how long a new investigation's indicator claims last at
	// most; they are also released when it closes.
	Window time.Duration
}

// Outcome says what Ingest did with an alert.
type Outcome struct {
	AlertID         string
	InvestigationID string
	// Duplicate is true when the source had sent this alert before; the
	// ids are those it got then.
	Duplicate bool
	// Updated is true when the source sent a newer version of an alert it
	// had sent: the stored alert was replaced, keeping its ids.
	Updated bool
	// Opened is true when the alert opened a new investigation.
	Opened bool
	// NeedsStart is true when the investigation's execution has not been
	// started yet: a new one, or one whose start failed earlier.
	NeedsStart bool
}

// Ingest stores an alert once per (source, source alert id) and attaches
// it to the open investigation that claims one of its indicators, even
// one policy would not investigate alone: it is the same threat showing up
// again. Otherwise an alert to be investigated opens a new investigation
// that claims its indicators, and any other is only stored. Racing
// calls for the same alert store it once; racing calls for the same
// indicator open one investigation. Each path is one transaction, so a
// failure leaves nothing half-written.
func (s *Store) Ingest(ctx context.Context, in Intake) (Outcome, error) {
	in.Indicators = claimable(in.Indicators)
	for attempt := 0; attempt < maxCorrelationAttempts; attempt++ {
		// find an open investigation that claims one of the indicators
		claimed, err := s.claims(ctx, in.Indicators)
		if err != nil {
			return Outcome{}, err
		}
		invID := firstClaimant(in.Indicators, claimed)

		// join it, or open a new one, or only keep the alert
		var out Outcome
		var retry bool
		switch {
		case invID != "":
			out, retry, err = s.join(ctx, in, invID, claimedBy(claimed, invID))
		case in.Investigate:
			out, retry, err = s.open(ctx, in)
		default:
			out, err = s.storeOnly(ctx, in.Alert)
		}
		if err != nil || !retry {
			return out, err
		}
	}
	return Outcome{}, fmt.Errorf("correlate alert %s: %w", in.Alert.ID, ErrContention)
}

// ErrContention means an alert lost every race for its indicators within
// the attempts allowed; the caller should retry later.
var ErrContention = errors.New("too many concurrent writers on the same indicators")

// storeOnly keeps an alert that policy does not investigate.
func (s *Store) storeOnly(ctx context.Context, a alert.Alert) (Outcome, error) {
	pk := prefixAlert + a.ID
	puts, err := s.alertPuts(a, pk, "")
	if err != nil {
		return Outcome{}, err
	}
	seen, err := s.sightingPuts(a, "", nil)
	if err != nil {
		return Outcome{}, err
	}
	puts = append(puts, seen...)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: puts})
	if failed := cancelled(err); failed != nil && failed[0] {
		return s.repeat(ctx, a)
	}
	if err != nil {
		return Outcome{}, fmt.Errorf("store alert %s: %w", a.ID, err)
	}
	return Outcome{AlertID: a.ID}, nil
}

// claimant returns the id of the investigation claiming the first of refs
// that has a claim, or "" when none has.
func (s *Store) claimant(ctx context.Context, refs []string) (string, error) {
	claimed, err := s.claims(ctx, refs)
	return firstClaimant(refs, claimed), err
}

// firstClaimant is the investigation claiming the first of refs that
// claimed holds, or "".
func firstClaimant(refs []string, claimed map[string]string) string {
	for _, ref := range refs {
		if id, ok := claimed[ref]; ok {
			return id
		}
	}
	return ""
}

// claimedBy is the set of refs claimed holds for investigation invID.
func claimedBy(claimed map[string]string, invID string) map[string]bool {
	own := map[string]bool{}
	for ref, id := range claimed {
		if id == invID {
			own[ref] = true
		}
	}
	return own
}

// claims returns, by ref, the investigation that claims each of refs that
// has a live claim.
func (s *Store) claims(ctx context.Context, refs []string) (map[string]string, error) {
	claims := map[string]string{}
	if len(refs) == 0 {
		return claims, nil
	}
	keys := make([]map[string]types.AttributeValue, len(refs))
	for i, ref := range refs {
		keys[i] = key(indicatorPK(ref), skOpen)
	}
	byPK := map[string]string{}
	for _, ref := range refs {
		byPK[indicatorPK(ref)] = ref
	}
	err := s.batchGet(ctx, keys, func(m map[string]types.AttributeValue) error {
		var it indicatorItem
		if err := unmarshal(m, &it); err != nil {
			return err
		}
		// DynamoDB's TTL deletes late: an expired claim no longer claims
		if it.ExpiresAt > s.now().Unix() {
			claims[byPK[it.PK]] = it.InvestigationID
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read indicator claims: %w", err)
	}
	return claims, nil
}

// open stores the alert in a new investigation that claims its
// indicators. retry is true when another writer claimed one first.
func (s *Store) open(ctx context.Context, in Intake) (Outcome, bool, error) {
	// the dedupe and alert items, the investigation, its claims, its first event
	now := s.now().UTC()
	inv := investigation.Investigation{
		ID:         NewID(),
		Status:     investigation.StatusRunning,
		Playbook:   in.Playbook,
		Automation: in.Automation,
		Title:      in.Alert.Title,
		SeverityID: in.Alert.SeverityID,
		CreatedAt:  now,
		UpdatedAt:  now,
		AlertCount: 1,
		Indicators: in.Indicators,
	}
	pk := invPK(inv.ID)
	items, err := s.investigatedAlertPuts(in.Alert, pk, inv.ID, nil)
	if err != nil {
		return Outcome{}, false, err
	}
	meta, err := s.investigationPut(inv, in.Alert)
	if err != nil {
		return Outcome{}, false, err
	}
	items = append(items, meta)
	for _, ref := range inv.Indicators {
		claim, err := s.claimPut(ref, inv.ID, now.Add(in.Window))
		if err != nil {
			return Outcome{}, false, err
		}
		items = append(items, claim)
	}
	ev, err := s.eventPut(inv.ID, investigation.Event{
		Time: now, Kind: "opened", Actor: "ingest",
		Message: fmt.Sprintf("alert %s from %s opened the investigation with playbook %s",
			in.Alert.ID, in.Alert.Source, in.Playbook),
	})
	if err != nil {
		return Outcome{}, false, err
	}
	items = append(items, ev)

	// write them at once; a lost claim means retry, a lost dedupe a duplicate
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if failed := cancelled(err); failed != nil {
		if failed[0] {
			out, err := s.repeat(ctx, in.Alert)
			return out, false, err
		}
		return Outcome{}, true, nil
	}
	if err != nil {
		return Outcome{}, false, fmt.Errorf("open investigation for alert %s: %w", in.Alert.ID, err)
	}
	return Outcome{AlertID: in.Alert.ID, InvestigationID: inv.ID, Opened: true,
		NeedsStart: true}, false, nil
}

// join stores the alert in the open investigation invID, which claims
// the refs in own already. retry is true when invID closed meanwhile; its
// stale claims are then released. An investigation whose start failed,
// and that no resend started, is started by the alert that joins it
// (NeedsStart), or the alert would never run.
func (s *Store) join(ctx context.Context, in Intake, invID string, own map[string]bool) (
	Outcome, bool, error) {
	// most joins find the execution running: ask for that in the write
	out, retry, err := s.joinWrite(ctx, in, invID, own, true)
	if !errors.Is(err, errNotStarted) {
		return out, retry, err
	}
	out, retry, err = s.joinWrite(ctx, in, invID, own, false)
	if err == nil && !retry && !out.Duplicate && !out.Updated {
		out.NeedsStart = true
	}
	return out, retry, err
}

// errNotStarted means a join found its investigation open but its
// execution not started.
var errNotStarted = errors.New("the investigation's execution has not started")

// joinWrite writes the alert of join in one transaction: the dedupe and
// alert items, a count on the investigation, an event. With started, the
// count holds only while the execution has started, and errNotStarted
// says when it has not.
func (s *Store) joinWrite(ctx context.Context, in Intake, invID string, own map[string]bool,
	started bool) (Outcome, bool, error) {
	items, err := s.joinItems(in, invID, own, started)
	if err != nil {
		return Outcome{}, false, err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	failed := cancelled(err)
	switch {
	case failed != nil && failed[0]:
		out, err := s.repeat(ctx, in.Alert)
		return out, false, err
	case failed != nil && failed[2]:
		return s.countRefused(ctx, in, invID, started)
	case failed != nil:
		return Outcome{}, true, nil
	case err != nil:
		return Outcome{}, false, fmt.Errorf("join alert %s to %s: %w", in.Alert.ID, invID, err)
	}
	return Outcome{AlertID: in.Alert.ID, InvestigationID: invID}, false, nil
}

// joinItems are the items joinWrite writes, the dedupe item first and the
// count third: its cancellation says the investigation is not joinable.
func (s *Store) joinItems(in Intake, invID string, own map[string]bool, started bool) (
	[]types.TransactWriteItem, error) {
	now := s.now().UTC()
	count, err := s.countAlertUpdate(invID, now, in.Alert, started)
	if err != nil {
		return nil, err
	}
	items, err := s.investigatedAlertPuts(in.Alert, invPK(invID), invID, own)
	if err != nil {
		return nil, err
	}
	ev, err := s.eventPut(invID, investigation.Event{
		Time: now, Kind: "alert_joined", Actor: "ingest",
		Message: fmt.Sprintf("alert %s from %s joined: it shares an indicator",
			in.Alert.ID, in.Alert.Source),
	})
	if err != nil {
		return nil, err
	}
	return append(append(append(items[:2:2], count), items[2:]...), ev), nil
}

// countRefused explains a join whose count was refused. A count without
// started is refused only by an investigation that closed or whose
// execution ended: its claims, now stale, are released for the alert's
// retry. One with started may also be refused by an execution not yet
// started (errNotStarted), or one that started after the write: the
// alert then joins again.
func (s *Store) countRefused(ctx context.Context, in Intake, invID string, started bool) (
	Outcome, bool, error) {
	if started {
		st, err := s.joinState(ctx, invID)
		if err != nil {
			return Outcome{}, false, err
		}
		switch {
		case st.unstarted():
			return Outcome{}, false, errNotStarted
		case st.joinable():
			return Outcome{}, true, nil
		}
	}
	return Outcome{}, true, s.ReleaseIndicators(ctx, invID, in.Indicators)
}

// joinState is what says whether an investigation takes a joining alert.
type joinState struct {
	Status           investigation.Status `json:"status"`
	ExecutionStarted bool                 `json:"execution_started"`
	ExecutionEnded   bool                 `json:"execution_ended"`
}

// joinable mirrors joinableCondition.
func (st joinState) joinable() bool { return st.Status.Open() && !st.ExecutionEnded }

// unstarted reports whether the investigation is open and its execution
// has not started: its start failed, and an alert that reaches it starts it.
func (st joinState) unstarted() bool { return st.Status.Open() && !st.ExecutionStarted }

// joinState reads investigation invID's join state: the attributes that
// say it, not the whole investigation, which grows with its indicators.
func (s *Store) joinState(ctx context.Context, invID string) (joinState, error) {
	proj := expression.NamesList(expression.Name("status"),
		expression.Name("execution_started"), expression.Name("execution_ended"))
	expr, err := expression.NewBuilder().WithProjection(proj).Build()
	if err != nil {
		return joinState{}, fmt.Errorf("build the join state projection: %w", err)
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(invPK(invID), skMeta), ConsistentRead: aws.Bool(true),
		ProjectionExpression:     expr.Projection(),
		ExpressionAttributeNames: expr.Names(),
	})
	if err != nil {
		return joinState{}, fmt.Errorf("read investigation %s: %w", invID, err)
	}
	if out.Item == nil {
		return joinState{}, fmt.Errorf("investigation %s: %w", invID, ErrNotFound)
	}
	var st joinState
	return st, unmarshal(out.Item, &st)
}

// alertPuts writes the dedupe item, conditional on its absence, and the
// alert item under pk. The dedupe put is always first, so a transaction's
// first cancellation reason says whether the alert is a duplicate.
func (s *Store) alertPuts(a alert.Alert, pk, invID string) ([]types.TransactWriteItem, error) {
	al := newAlertItem(pk, a)
	dd, err := marshal(dedupeItem{
		itemKeys:        itemKeys{dedupePK(a.Source, a.SourceAlertID), skDedupe, kindDedupe},
		AlertID:         a.ID,
		InvestigationID: invID,
		StoredAt:        s.now().UTC(),
		AlertPK:         al.PK,
		AlertSK:         al.SK,
		AlertTime:       a.Time.UTC(),
		Fingerprint:     fingerprint(a),
	})
	if err != nil {
		return nil, err
	}
	alItem, err := marshalAlert(al)
	if err != nil {
		return nil, err
	}
	return []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: dd,
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		{Put: &types.Put{TableName: &s.table, Item: alItem}},
	}, nil
}

// investigatedAlertPuts writes the alert of investigation invID: its
// dedupe item first, the alert, the reference that finds it by id and its
// sightings, but of the indicators invID claims already (own).
func (s *Store) investigatedAlertPuts(a alert.Alert, pk, invID string, own map[string]bool) (
	[]types.TransactWriteItem, error) {
	items, err := s.alertPuts(a, pk, invID)
	if err != nil {
		return nil, err
	}
	ref, err := s.alertRefPut(a, invID)
	if err != nil {
		return nil, err
	}
	seen, err := s.sightingPuts(a, invID, own)
	if err != nil {
		return nil, err
	}
	return append(append(items, ref), seen...), nil
}

// investigationPut writes a new investigation's META item, with the
// formats and sources of its alerts.
func (s *Store) investigationPut(inv investigation.Investigation, alerts ...alert.Alert) (
	types.TransactWriteItem, error) {
	it := investigationItem{
		itemKeys:      itemKeys{invPK(inv.ID), skMeta, kindInvestigation},
		Investigation: inv,
		Version:       1,
	}
	for _, a := range alerts {
		it.Formats = addOnce(it.Formats, a.Format)
		it.Sources = addOnce(it.Sources, a.Source)
	}
	it.GSI1PK, it.GSI1SK = statusKeys(inv)
	m, err := marshal(it)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: m,
		ConditionExpression: aws.String("attribute_not_exists(pk)")}}, nil
}

// claimPut claims ref for invID, conditional on no live claim existing:
// none, or one whose window has passed.
func (s *Store) claimPut(ref, invID string, expires time.Time) (types.TransactWriteItem, error) {
	m, err := marshal(indicatorItem{
		itemKeys:        itemKeys{indicatorPK(ref), skOpen, kindIndicator},
		InvestigationID: invID,
		ExpiresAt:       expires.Unix(),
	})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	cond := expression.AttributeNotExists(expression.Name(attrPK)).
		Or(expression.Name(attrTTL).LessThanEqual(expression.Value(s.now().Unix())))
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("build claim condition: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.table, Item: m,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values()}}, nil
}

// countAlertUpdate counts one more alert, a, on invID, with its format
// and source, conditional on the investigation being open and its
// execution not ended, and with started, on its execution having started.
func (s *Store) countAlertUpdate(invID string, now time.Time, a alert.Alert, started bool) (
	types.TransactWriteItem, error) {
	update := expression.Add(expression.Name("alert_count"), expression.Value(1)).
		Set(expression.Name("updated_at"), expression.Value(now)).
		Add(expression.Name("version"), expression.Value(1))
	update = addToSet(update, "formats", a.Format)
	update = addToSet(update, "sources", a.Source)
	cond := joinableCondition()
	if started {
		cond = cond.And(expression.Name("execution_started").Equal(expression.Value(true)))
	}
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("build alert count update: %w", err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.table,
		Key:                       key(invPK(invID), skMeta),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// openCondition holds while an investigation exists and is open.
func openCondition() expression.ConditionBuilder {
	return statusIn(investigation.StatusRunning, investigation.StatusPendingApproval,
		investigation.StatusRemediating)
}

// joinableCondition holds while an investigation is open and its
// execution has not ended, so a round will still take a joining alert.
func joinableCondition() expression.ConditionBuilder {
	return openCondition().And(expression.AttributeNotExists(expression.Name("execution_ended")))
}

// statusIn holds while the item's status is one of statuses.
func statusIn(statuses ...investigation.Status) expression.ConditionBuilder {
	operands := make([]expression.OperandBuilder, 0, len(statuses))
	for _, st := range statuses[1:] {
		operands = append(operands, expression.Value(st))
	}
	return expression.Name("status").In(expression.Value(statuses[0]), operands...)
}

// claimable keeps the refs that fit in one transaction beside the alert,
// its reference and sightings, the investigation and event items.
func claimable(refs []string) []string {
	const room = maxTransactItems - 5 - maxSightingsPerAlert
	if len(refs) > room {
		return refs[:room]
	}
	return refs
}

// cancelled returns, for a cancelled transaction, which of its items
// failed their condition; nil when err is not a cancellation.
func cancelled(err error) []bool {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	// sized for any transaction, so callers may index any item they wrote
	failed := make([]bool, max(len(tce.CancellationReasons), maxTransactItems))
	for i, r := range tce.CancellationReasons {
		failed[i] = aws.ToString(r.Code) == "ConditionalCheckFailed"
	}
	return failed
}
