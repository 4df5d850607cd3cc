package host

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/investigation"
	"github.com/firebreak/firebreak/shared/store"
)

// Settled is how an execution stands once WaitForSettled returns: ended
// with Status, or still running and waiting only on people, for the
// approvals listed.
type Settled struct {
	Status  sfntypes.ExecutionStatus
	Pending []store.Approval
}

// Waiting reports whether the execution is running and waits on people.
func (s Settled) Waiting() bool { return s.Status == sfntypes.ExecutionStatusRunning }

// OK reports whether the execution succeeded or waits on people.
func (s Settled) OK() bool {
	return s.Waiting() || s.Status == sfntypes.ExecutionStatusSucceeded
}

// String says how the execution stands: its status, and what it waits on.
func (s Settled) String() string {
	if s.Waiting() {
		return fmt.Sprintf("RUNNING, waiting on %d approvals", len(s.Pending))
	}
	return string(s.Status)
}

// WaitForSettled polls investigation id until its execution has ended or
// it waits only on task tokens: at least one action waits for a decision
// under a pending approval (its token stored), none is still to run, and
// no scope decision is pending. It asks what any client could: the Step
// Functions endpoint and the table.
func (h *Host) WaitForSettled(ctx context.Context, id string) (Settled, error) {
	client := sfn.New(sfn.Options{BaseEndpoint: aws.String(h.URL), Region: Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")})
	for {
		out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{
			ExecutionArn: aws.String(h.ExecutionARN(id))})
		if err != nil {
			return Settled{}, fmt.Errorf("describe execution of %s: %w", id, err)
		}
		if out.Status != sfntypes.ExecutionStatusRunning {
			return Settled{Status: out.Status}, nil
		}
		pending, err := h.waitingOnPeople(ctx, id)
		if err != nil {
			return Settled{}, err
		}
		if len(pending) > 0 {
			return Settled{Status: out.Status, Pending: pending}, nil
		}
		select {
		case <-ctx.Done():
			return Settled{}, fmt.Errorf("execution of %s still busy: %w", id, ctx.Err())
		case <-time.After(waitPoll):
		}
	}
}

// waitingOnPeople returns the pending approvals of investigation id when
// it is pending_approval, every one of its actions is decided, done or
// waiting under one, and nothing else is left to run; else none.
func (h *Host) waitingOnPeople(ctx context.Context, id string) ([]store.Approval, error) {
	// RequestApproval stores the approval first, then marks the
	// investigation pending_approval: until then it is still at work
	inv, err := h.Store.Investigation(ctx, id)
	if err != nil || inv.Status != investigation.StatusPendingApproval {
		return nil, err
	}
	acts, err := h.Store.Actions(ctx, id)
	if err != nil {
		return nil, err
	}
	var pending []store.Approval
	for _, a := range acts {
		switch a.Status {
		case investigation.ActionProposed, investigation.ActionApproved,
			investigation.ActionRunning:
			return nil, nil // Decide or Remediate is at work
		case investigation.ActionPendingApproval:
			ap, err := h.Store.Approval(ctx, store.ApprovalID(id, a.ID))
			if err != nil || ap.Status != store.ApprovalPending {
				return nil, nil // RequestApproval has not stored it yet
			}
			pending = append(pending, ap)
		}
	}
	return pending, nil
}
