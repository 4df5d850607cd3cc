// Package execution starts an investigation's state machine execution:
// the one step ingest, a manual start and a hand-over to a new
// investigation share.
package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/firebreak/firebreak/shared/store"
)

// Starter starts Step Functions executions; *sfn.Client satisfies it.
type Starter interface {
	StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (
		*sfn.StartExecutionOutput, error)
}

// Start starts the execution of investigation id on the state machine
// stateMachineARN and records that it started. The execution is named by
// the investigation, so starting twice starts one: a second start finds it
// running and only records the start.
func Start(ctx context.Context, st *store.Store, sf Starter, stateMachineARN, id string) error {
	input, _ := json.Marshal(map[string]string{"investigation_id": id})
	_, err := sf.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(stateMachineARN),
		Name:            aws.String(id),
		Input:           aws.String(string(input)),
	})
	var exists *sfntypes.ExecutionAlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return &StartError{Err: fmt.Errorf("start execution %s: %w", id, err)}
	}
	return st.MarkExecutionStarted(ctx, id)
}

// StartError is a failure of StartExecution itself, as opposed to the
// store's: the investigation is stored and starting it again may work.
type StartError struct{ Err error }

func (e *StartError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *StartError) Unwrap() error { return e.Err }
