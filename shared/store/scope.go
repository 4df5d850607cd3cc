package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ScopeRequest is an expansion of an investigation that waits for an
// analyst: the round it would start and how many hosts the investigation
// would then cover. The Step Functions task token that resumes the
// execution is kept in the table only; it is never returned by the read
// API nor logged.
type ScopeRequest struct {
	InvestigationID string `json:"investigation_id"`
	Round           int    `json:"round"`
	Hosts           int    `json:"hosts"`
	// NewHosts are the refs of the hosts the round would add, at most
	// MaxScopeHosts of them.
	NewHosts    []string  `json:"new_hosts,omitempty"`
	Status      string    `json:"status"` // pending, approved, rejected
	RequestedAt time.Time `json:"requested_at"`
	DecidedBy   string    `json:"decided_by,omitempty"`
	DecidedAt   time.Time `json:"decided_at,omitzero"`
}

// MaxScopeHosts bounds the hosts a scope request lists, to keep its item
// small whatever the hunt found.
const MaxScopeHosts = 100

// Scope request statuses.
const (
	ScopePending  = "pending"
	ScopeApproved = "approved"
	ScopeRejected = "rejected"
)

type scopeItem struct {
	itemKeys
	ScopeRequest
	TaskToken string `json:"task_token"`
}

// ScopeDecidedError means a scope request was decided before; the error's
// request says by whom and when.
type ScopeDecidedError struct{ Request ScopeRequest }

func (e *ScopeDecidedError) Error() string {
	return fmt.Sprintf("the expansion of %s to round %d was %s by %s at %s",
		e.Request.InvestigationID, e.Request.Round, e.Request.Status, e.Request.DecidedBy,
		e.Request.DecidedAt.Format(time.RFC3339))
}

func scopeSK(round int) string { return prefixScope + fmt.Sprintf("%04d", round) }

// RequestScope records that investigation req.InvestigationID waits for
// approval to expand, with the task token that resumes it. Asking again for
// the same round, as a retried task does, replaces the token while the
// request is pending and leaves a decided one alone.
func (s *Store) RequestScope(ctx context.Context, req ScopeRequest, token string) error {
	req.Status, req.RequestedAt = ScopePending, s.now().UTC()
	m, err := marshal(scopeItem{
		itemKeys:     itemKeys{invPK(req.InvestigationID), scopeSK(req.Round), kindScope},
		ScopeRequest: req, TaskToken: token,
	})
	if err != nil {
		return err
	}
	cond := expression.AttributeNotExists(expression.Name(attrPK)).
		Or(expression.Name("status").Equal(expression.Value(ScopePending)))
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build scope request condition: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values()})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("request scope approval for %s: %w", req.InvestigationID, err)
	}
	return nil
}

// Scopes returns investigation id's scope requests, oldest round first.
func (s *Store) Scopes(ctx context.Context, id string) ([]ScopeRequest, error) {
	return queryKind(ctx, s, id, prefixScope,
		func(it scopeItem) ScopeRequest { return it.ScopeRequest })
}

// PendingScope returns investigation id's scope request that waits for a
// decision, and whether there is one.
func (s *Store) PendingScope(ctx context.Context, id string) (ScopeRequest, bool, error) {
	reqs, err := s.Scopes(ctx, id)
	if err != nil {
		return ScopeRequest{}, false, err
	}
	for _, r := range reqs {
		if r.Status == ScopePending {
			return r, true, nil
		}
	}
	return ScopeRequest{}, false, nil
}

// DecideScope approves or rejects the pending scope request of round, once:
// it returns the request as decided and the task token to answer the
// execution with. A request decided before gives a *ScopeDecidedError, and
// none gives ErrNotFound.
func (s *Store) DecideScope(ctx context.Context, id string, round int, approve bool,
	by string) (ScopeRequest, string, error) {
	status := ScopeRejected
	if approve {
		status = ScopeApproved
	}
	update := expression.Set(expression.Name("status"), expression.Value(status)).
		Set(expression.Name("decided_by"), expression.Value(by)).
		Set(expression.Name("decided_at"), expression.Value(s.now().UTC()))
	cond := expression.Name("status").Equal(expression.Value(ScopePending))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return ScopeRequest{}, "", fmt.Errorf("build scope decision: %w", err)
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(invPK(id), scopeSK(round)),
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ScopeRequest{}, "", decidedOrMissing(ccf.Item, id, round)
	}
	if err != nil {
		return ScopeRequest{}, "", fmt.Errorf("decide scope of %s round %d: %w", id, round, err)
	}
	var it scopeItem
	if err := unmarshal(out.Attributes, &it); err != nil {
		return ScopeRequest{}, "", err
	}
	return it.ScopeRequest, it.TaskToken, nil
}

func decidedOrMissing(m map[string]types.AttributeValue, id string, round int) error {
	if len(m) == 0 {
		return fmt.Errorf("scope request %s round %s: %w", id, strconv.Itoa(round), ErrNotFound)
	}
	var it scopeItem
	if err := unmarshal(m, &it); err != nil {
		return err
	}
	return &ScopeDecidedError{Request: it.ScopeRequest}
}

// Scope returns investigation id's scope request for round, and whether
// there is one.
func (s *Store) Scope(ctx context.Context, id string, round int) (ScopeRequest, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table,
		Key: key(invPK(id), scopeSK(round)), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return ScopeRequest{}, false, fmt.Errorf("read scope request of %s: %w", id, err)
	}
	if out.Item == nil {
		return ScopeRequest{}, false, nil
	}
	var it scopeItem
	err = unmarshal(out.Item, &it)
	return it.ScopeRequest, err == nil, err
}
