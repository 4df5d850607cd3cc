package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/firebreak/firebreak/shared/investigation"
)

// Approval is a single-use request for a person's decision on one
// pending action. The Step Functions task token that resumes the
// execution is kept in the approval's item only: no method returns it but
// DecideApproval and ExpireApproval, to the one caller that wins the
// decision, and Approval has no field for it, so it cannot reach a page,
// a link or a log line by way of this type.
type Approval struct {
	ID              string                   `json:"id"`
	InvestigationID string                   `json:"investigation_id"`
	ActionID        string                   `json:"action_id"`
	ActionType      investigation.ActionType `json:"action_type"`
	// Group is the approver group whose members may decide.
	Group       string    `json:"approver_group"`
	Status      string    `json:"status"`
	RequestedAt time.Time `json:"requested_at"`
	// Expires is when the links stop working and the wait counts as a
	// rejection. (Not "expires_at": that is the table's TTL attribute.)
	Expires   time.Time `json:"expires"`
	DecidedBy string    `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

// Approval statuses.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	ApprovalExpired  = "expired"
)

// ApprovalExpiredBy is who DecidedBy names when nobody decided in time.
const ApprovalExpiredBy = "expiry"

// Keys of the approval items and of the by-pending index.
const (
	prefixApproval = "APPROVAL#"
	kindApproval   = "approval"
	pendingPK      = "PENDING"
)

type approvalItem struct {
	itemKeys
	Approval
	TaskToken string `json:"task_token"`
}

// ApprovalID returns the id of the approval of action actID of
// investigation invID: derived from them, so a retried request names the
// same approval.
func ApprovalID(invID, actID string) string {
	sum := sha256.Sum256([]byte("approval\x00" + invID + "\x00" + actID))
	return "apr-" + hex.EncodeToString(sum[:12])
}

// ApprovalDecidedError means the approval was decided before, or expired;
// Approval says how, by whom and when.
type ApprovalDecidedError struct{ Approval Approval }

func (e *ApprovalDecidedError) Error() string {
	a := e.Approval
	return fmt.Sprintf("approval %s was %s by %s at %s", a.ID, a.Status, a.DecidedBy,
		a.DecidedAt.UTC().Format(time.RFC3339))
}

func approvalKey(id string) map[string]types.AttributeValue {
	return key(prefixApproval+id, skMeta)
}

// RequestApproval stores a pending approval with the task token that
// resumes the execution, and returns it as stored. Asking again for the
// same approval, as a retried task does, keeps its expiry and replaces the
// token while it is pending; a decided approval is left alone and returned
// with an *ApprovalDecidedError.
func (s *Store) RequestApproval(ctx context.Context, a Approval, token string) (Approval,
	error) {
	now := s.now().UTC()
	ifNew := func(u expression.UpdateBuilder, name string, v any) expression.UpdateBuilder {
		return u.Set(expression.Name(name), expression.IfNotExists(expression.Name(name),
			expression.Value(v)))
	}
	u := expression.Set(expression.Name("task_token"), expression.Value(token))
	u = ifNew(u, "item", kindApproval)
	u = ifNew(u, "id", a.ID)
	u = ifNew(u, "investigation_id", a.InvestigationID)
	u = ifNew(u, "action_id", a.ActionID)
	u = ifNew(u, "action_type", a.ActionType)
	u = ifNew(u, "approver_group", a.Group)
	u = ifNew(u, "status", ApprovalPending)
	u = ifNew(u, "requested_at", now)
	u = ifNew(u, "expires", a.Expires.UTC())
	cond := expression.AttributeNotExists(expression.Name(attrPK)).
		Or(expression.Name("status").Equal(expression.Value(ApprovalPending)))
	expr, err := expression.NewBuilder().WithUpdate(u).WithCondition(cond).Build()
	if err != nil {
		return Approval{}, fmt.Errorf("build approval request: %w", err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: approvalKey(a.ID),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		var it approvalItem
		if err := unmarshal(ccf.Item, &it); err != nil {
			return Approval{}, err
		}
		return it.Approval, &ApprovalDecidedError{Approval: it.Approval}
	}
	if err != nil {
		return Approval{}, fmt.Errorf("request approval %s: %w", a.ID, err)
	}
	var it approvalItem
	return it.Approval, unmarshal(out.Attributes, &it)
}

// AwaitApproval sets action actID of investigation invID pending_approval
// under approval approvalID, unless it is already, and places it in the
// by-pending index, oldest first. An action in another status returns an
// *investigation.TransitionError.
func (s *Store) AwaitApproval(ctx context.Context, invID, actID, approvalID string) error {
	now := s.now().UTC()
	since := now.Format(sortableTime) + "#" + invID + "#" + actID
	u := expression.Set(expression.Name("status"),
		expression.Value(investigation.ActionPendingApproval)).
		Set(expression.Name("updated_at"), expression.Value(now)).
		Set(expression.Name("approval_id"), expression.Value(approvalID)).
		Set(expression.Name(attrGSI2PK), expression.Value(pendingPK)).
		Set(expression.Name(attrGSI2SK), expression.IfNotExists(expression.Name(attrGSI2SK),
			expression.Value(since)))
	cond := actionStatusIn([]investigation.ActionStatus{investigation.ActionProposed,
		investigation.ActionPendingApproval})
	return s.transition(ctx, key(invPK(invID), actionSK(actID)), u, cond,
		&investigation.TransitionError{Kind: "action", ID: actID,
			To: string(investigation.ActionPendingApproval)})
}

// Approval returns approval id, or ErrNotFound.
func (s *Store) Approval(ctx context.Context, id string) (Approval, error) {
	it, err := s.approvalItem(ctx, id)
	return it.Approval, err
}

func (s *Store) approvalItem(ctx context.Context, id string) (approvalItem, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table,
		Key: approvalKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return approvalItem{}, fmt.Errorf("read approval %s: %w", id, err)
	}
	if out.Item == nil {
		return approvalItem{}, fmt.Errorf("approval %s: %w", id, ErrNotFound)
	}
	var it approvalItem
	return it, unmarshal(out.Item, &it)
}

// Decision is one person's answer to an approval, or its expiry.
type Decision struct {
	// Status is ApprovalApproved, ApprovalRejected or ApprovalExpired.
	Status string
	By     string
	At     time.Time
	// Event is the timeline entry the decision writes with it.
	Event investigation.Event
}

// DecideApproval decides approval id once, by conditional writes in one
// transaction: the approval and its action leave pending together, with
// who decided and when, and the decision enters the timeline. Only the
// caller that wins gets the task token, to answer the execution with; a
// decided approval gives an *ApprovalDecidedError saying by whom and when,
// and an unknown one ErrNotFound.
func (s *Store) DecideApproval(ctx context.Context, id string, d Decision) (Approval, string,
	error) {
	it, err := s.approvalItem(ctx, id)
	if err != nil {
		return Approval{}, "", err
	}
	if it.Status != ApprovalPending {
		return it.Approval, "", &ApprovalDecidedError{Approval: it.Approval}
	}
	items, err := s.decisionWrites(it.Approval, d)
	if err != nil {
		return Approval{}, "", err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: items})
	if failed := cancelled(err); failed != nil && (failed[0] || failed[1]) {
		return s.decidedBefore(ctx, id)
	}
	if err != nil {
		return Approval{}, "", fmt.Errorf("decide approval %s: %w", id, err)
	}
	a := it.Approval
	a.Status, a.DecidedBy, a.DecidedAt = d.Status, d.By, d.At.UTC()
	return a, it.TaskToken, nil
}

// decidedBefore explains a lost decision: the approval another writer
// decided first.
func (s *Store) decidedBefore(ctx context.Context, id string) (Approval, string, error) {
	it, err := s.approvalItem(ctx, id)
	if err != nil {
		return Approval{}, "", err
	}
	if it.Status == ApprovalPending {
		// the action left pending_approval some other way (terminated)
		return it.Approval, "", fmt.Errorf("approval %s: its action is no longer pending",
			id)
	}
	return it.Approval, "", &ApprovalDecidedError{Approval: it.Approval}
}

// decisionWrites are the three writes of a decision: the approval, its
// action and the timeline event.
func (s *Store) decisionWrites(a Approval, d Decision) ([]types.TransactWriteItem, error) {
	at := d.At.UTC()
	approval := expression.Set(expression.Name("status"), expression.Value(d.Status)).
		Set(expression.Name("decided_by"), expression.Value(d.By)).
		Set(expression.Name("decided_at"), expression.Value(at))
	ae, err := expression.NewBuilder().WithUpdate(approval).WithCondition(
		expression.Name("status").Equal(expression.Value(ApprovalPending))).Build()
	if err != nil {
		return nil, fmt.Errorf("build approval decision: %w", err)
	}
	action := expression.Set(expression.Name("status"), expression.Value(d.Status)).
		Set(expression.Name("approved_by"), expression.Value(d.By)).
		Set(expression.Name("decided_at"), expression.Value(at)).
		Set(expression.Name("updated_at"), expression.Value(at)).
		Remove(expression.Name(attrGSI2PK)).Remove(expression.Name(attrGSI2SK))
	xe, err := expression.NewBuilder().WithUpdate(action).WithCondition(
		expression.Name("status").Equal(
			expression.Value(investigation.ActionPendingApproval))).Build()
	if err != nil {
		return nil, fmt.Errorf("build action decision: %w", err)
	}
	if d.Event.Time.IsZero() {
		d.Event.Time = at
	}
	event, err := s.eventPut(a.InvestigationID, d.Event)
	if err != nil {
		return nil, err
	}
	return []types.TransactWriteItem{
		{Update: &types.Update{TableName: &s.table, Key: approvalKey(a.ID),
			UpdateExpression: ae.Update(), ConditionExpression: ae.Condition(),
			ExpressionAttributeNames: ae.Names(), ExpressionAttributeValues: ae.Values()}},
		{Update: &types.Update{TableName: &s.table,
			Key:              key(invPK(a.InvestigationID), actionSK(a.ActionID)),
			UpdateExpression: xe.Update(), ConditionExpression: xe.Condition(),
			ExpressionAttributeNames: xe.Names(), ExpressionAttributeValues: xe.Values()}},
		event,
	}, nil
}

// PendingAction is an action waiting for a decision, as the by-pending
// index lists it.
type PendingAction struct {
	InvestigationID string `json:"investigation_id"`
	ApprovalID      string `json:"approval_id"`
	investigation.Action
}

type pendingItem struct {
	itemKeys
	investigation.Action
	ApprovalID string `json:"approval_id"`
}

// maxPendingListed bounds the pending actions one listing returns.
const maxPendingListed = 500

// PendingActions returns the actions waiting for a decision, oldest
// first, at most limit of them (capped at 500). The index is eventually
// consistent: an action decided a moment ago may still be listed.
func (s *Store) PendingActions(ctx context.Context, limit int) ([]PendingAction, error) {
	if limit <= 0 || limit > maxPendingListed {
		limit = maxPendingListed
	}
	cond := expression.Key(attrGSI2PK).Equal(expression.Value(pendingPK))
	expr, _ := expression.NewBuilder().WithKeyCondition(cond).Build()
	in := &dynamodb.QueryInput{TableName: &s.table, IndexName: aws.String(indexPending),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(true)}
	var out []PendingAction
	errFull := errors.New("full")
	err := s.queryAll(ctx, in, func(items []item) error {
		for _, m := range items {
			var it pendingItem
			if err := unmarshal(m, &it); err != nil {
				return err
			}
			out = append(out, PendingAction{InvestigationID: it.PK[len(prefixInvestigation):],
				ApprovalID: it.ApprovalID, Action: it.Action})
			if len(out) == limit {
				return errFull
			}
		}
		return nil
	})
	if errors.Is(err, errFull) {
		err = nil
	}
	return out, err
}

// ExpireDecided marks approval a, decided a moment ago, and its action
// expired after all: the execution's wait had ended (timed out or closed)
// before the decision reached it, so the action never runs. It returns
// the approval as it then stands.
func (s *Store) ExpireDecided(ctx context.Context, a Approval) (Approval, error) {
	decided := expression.Name("status").In(expression.Value(ApprovalApproved),
		expression.Value(ApprovalRejected))
	set := expression.Set(expression.Name("status"), expression.Value(ApprovalExpired))
	ae, err := expression.NewBuilder().WithUpdate(set).WithCondition(decided).Build()
	if err != nil {
		return Approval{}, fmt.Errorf("build approval expiry: %w", err)
	}
	actSet := set.Set(expression.Name("updated_at"), expression.Value(s.now().UTC()))
	xe, err := expression.NewBuilder().WithUpdate(actSet).WithCondition(decided).Build()
	if err != nil {
		return Approval{}, fmt.Errorf("build action expiry: %w", err)
	}
	event, err := s.eventPut(a.InvestigationID, investigation.Event{Time: s.now(),
		Kind: "action_expired", Actor: a.DecidedBy, Message: fmt.Sprintf("the decision of %s "+
			"on %s came after the wait for it had ended: it expired", a.DecidedBy, a.ActionID)})
	if err != nil {
		return Approval{}, err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: &s.table, Key: approvalKey(a.ID),
				UpdateExpression: ae.Update(), ConditionExpression: ae.Condition(),
				ExpressionAttributeNames: ae.Names(), ExpressionAttributeValues: ae.Values()}},
			{Update: &types.Update{TableName: &s.table,
				Key:              key(invPK(a.InvestigationID), actionSK(a.ActionID)),
				UpdateExpression: xe.Update(), ConditionExpression: xe.Condition(),
				ExpressionAttributeNames: xe.Names(), ExpressionAttributeValues: xe.Values()}},
			event,
		}})
	if err != nil && cancelled(err) == nil {
		return Approval{}, fmt.Errorf("expire approval %s: %w", a.ID, err)
	}
	return s.Approval(ctx, a.ID)
}
