package sfn

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

// TestUpdateAndDeleteStateMachine follows the AWS API reference for
// UpdateStateMachine (new executions use the new definition; an invalid one
// is InvalidDefinition) and DeleteStateMachine (the state machine is gone,
// its executions stay readable).
func TestUpdateAndDeleteStateMachine(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	arn := h.create(t, "updated", passMachine)
	before := h.start(t, arn, `{"v": 1}`)

	// update, then run the new definition
	_, err := h.client.UpdateStateMachine(ctx, &sdk.UpdateStateMachineInput{
		StateMachineArn: aws.String(arn),
		Definition: aws.String(machine("P", `"P": {"Type": "Pass", "Result": "v2",
			"End": true}`))})
	if err != nil {
		t.Fatalf("UpdateStateMachine: %v", err)
	}
	wantJSON(t, "output", aws.ToString(h.wait(t, h.start(t, arn, `{}`)).Output), `"v2"`)
	_, err = h.client.UpdateStateMachine(ctx, &sdk.UpdateStateMachineInput{
		StateMachineArn: aws.String(arn), Definition: aws.String(`{}`)})
	if !asAPIError[*types.InvalidDefinition](err) {
		t.Errorf("UpdateStateMachine with a bad definition: got %v, want InvalidDefinition",
			err)
	}

	// delete it; its executions stay readable
	if _, err := h.client.DeleteStateMachine(ctx, &sdk.DeleteStateMachineInput{
		StateMachineArn: aws.String(arn)}); err != nil {
		t.Fatalf("DeleteStateMachine: %v", err)
	}
	_, err = h.client.DescribeStateMachine(ctx, &sdk.DescribeStateMachineInput{
		StateMachineArn: aws.String(arn)})
	if !asAPIError[*types.StateMachineDoesNotExist](err) {
		t.Errorf("DescribeStateMachine after delete: got %v, want StateMachineDoesNotExist",
			err)
	}
	wantStatus(t, h.wait(t, before), types.ExecutionStatusSucceeded)
}

// TestStartSyncExecution follows the AWS API reference for
// StartSyncExecution: an EXPRESS state machine answers with the outcome;
// a STANDARD one is StateMachineTypeNotSupported.
func TestStartSyncExecution(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	express, err := h.client.CreateStateMachine(ctx, &sdk.CreateStateMachineInput{
		Name: aws.String("express"), Definition: aws.String(passMachine),
		RoleArn: aws.String("arn:aws:iam::000000000000:role/test"),
		Type:    types.StateMachineTypeExpress})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	out, err := h.client.StartSyncExecution(ctx, &sdk.StartSyncExecutionInput{
		StateMachineArn: express.StateMachineArn, Input: aws.String(`{"n": 1}`)},
		withoutHostPrefix)
	if err != nil {
		t.Fatalf("StartSyncExecution: %v", err)
	}
	if out.Status != types.SyncExecutionStatusSucceeded {
		t.Errorf("status: got %s, want SUCCEEDED", out.Status)
	}
	wantJSON(t, "output", aws.ToString(out.Output), `{"n": 1}`)
	_, err = h.client.StartSyncExecution(ctx, &sdk.StartSyncExecutionInput{
		StateMachineArn: aws.String(h.create(t, "standard", passMachine))}, withoutHostPrefix)
	if !asAPIError[*types.StateMachineTypeNotSupported](err) {
		t.Errorf("StartSyncExecution of STANDARD: got %v, want StateMachineTypeNotSupported",
			err)
	}
}

// withoutHostPrefix stops the SDK from sending StartSyncExecution to the
// host sync-<endpoint host>, which a local endpoint does not have.
func withoutHostPrefix(o *sdk.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("NoHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput,
				next middleware.InitializeHandler) (middleware.InitializeOutput,
				middleware.Metadata, error) {
				ctx = smithyhttp.DisableEndpointHostPrefix(ctx, true)
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	})
}
