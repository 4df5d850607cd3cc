package sfn

import (
	"context"
	"errors"
)

// Limits of the task-token operations, from the Step Functions API reference.
const (
	maxTaskTokenChars = 1024
	maxErrorChars     = 256
	maxCauseChars     = 32768
)

// UpdateStateMachine replaces the definition and, if roleARN is not empty,
// the role of a state machine. Running executions finish on the definition
// they started with. An invalid definition yields a *ValidationError; an
// unknown state machine an *APIError.
func (e *Engine) UpdateStateMachine(ctx context.Context, arn, definition,
	roleARN string) error {
	// check the new definition
	def, err := parseDefinition(definition)
	if err != nil {
		return err
	}

	// swap it in; executions hold the definition they started with
	e.mu.Lock()
	defer e.mu.Unlock()
	sm, err := e.machine(arn)
	if err != nil {
		return err
	}
	next := *sm
	next.definition, next.def = definition, def
	if roleARN != "" {
		next.roleARN = roleARN
	}
	e.replaceMachine(sm, &next)
	e.persistMachine(&next)
	e.log.DebugContext(ctx, "state machine updated", "stateMachine", arn)
	return nil
}

// replaceMachine puts next in the place of sm. e.mu must be held.
func (e *Engine) replaceMachine(sm, next *stateMachine) {
	e.machines[sm.arn] = next
	for i, m := range e.byCreation {
		if m == sm {
			e.byCreation[i] = next
		}
	}
}

// DeleteStateMachine deletes a state machine. Its running executions run on
// to their end and stay readable; deleting an unknown state machine
// succeeds, as on Step Functions.
func (e *Engine) DeleteStateMachine(ctx context.Context, arn string) error {
	if err := checkARN(arn, "stateMachine"); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	sm, ok := e.machines[arn]
	if !ok {
		return nil
	}
	delete(e.machines, arn)
	for i, m := range e.byCreation {
		if m == sm {
			e.byCreation = append(e.byCreation[:i:i], e.byCreation[i+1:]...)
			break
		}
	}
	e.unpersistMachine(sm)
	e.log.DebugContext(ctx, "state machine deleted", "stateMachine", arn)
	return nil
}

// ExecutionResult is how an execution closed, as DescribeExecution reports
// it: Output for SUCCEEDED, Error and Cause otherwise.
type ExecutionResult struct {
	ExecutionARN string
	Status       string // SUCCEEDED, FAILED, TIMED_OUT or ABORTED
	Output       string
	Error        string
	Cause        string
}

// RunExecution starts an execution as StartExecution does (machineARN may
// end in #<test case>) and waits until it closes or ctx is done. Its error
// is an *APIError for a request StartExecution refuses, or ctx's error.
func (e *Engine) RunExecution(ctx context.Context, machineARN, name,
	input string) (*ExecutionResult, error) {
	x, err := e.startExecution(machineARN, name, input)
	if err != nil {
		return nil, err
	}
	select {
	case <-x.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	r := &ExecutionResult{ExecutionARN: x.arn, Status: x.status}
	for _, f := range []struct{ dst, src *string }{{&r.Output, x.output},
		{&r.Error, x.errorName}, {&r.Cause, x.cause}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return r, nil
}

type updateStateMachineInput struct {
	StateMachineARN string `json:"stateMachineArn"`
	Definition      string `json:"definition"`
	RoleARN         string `json:"roleArn"`
}

type updateStateMachineOutput struct {
	UpdateDate epochSeconds `json:"updateDate"`
}

func (e *Engine) updateStateMachineOp(ctx context.Context,
	in *updateStateMachineInput) (*updateStateMachineOutput, error) {
	if in.Definition == "" && in.RoleARN == "" {
		return nil, apiErrorf("MissingRequiredParameter",
			"either the definition or the roleArn must be given")
	}
	definition := in.Definition
	if definition == "" {
		e.mu.RLock()
		sm, err := e.machine(in.StateMachineARN)
		e.mu.RUnlock()
		if err != nil {
			return nil, err
		}
		definition = sm.definition
	}
	err := e.UpdateStateMachine(ctx, in.StateMachineARN, definition, in.RoleARN)
	var ve *ValidationError
	if errors.As(err, &ve) {
		return nil, apiErrorf(codeInvalidDefinition, "%s", ve.Error())
	}
	if err != nil {
		return nil, err
	}
	return &updateStateMachineOutput{epochSeconds(e.clock.Now())}, nil
}

func (e *Engine) deleteStateMachineOp(ctx context.Context,
	in *stateMachineInput) (*struct{}, error) {
	return &struct{}{}, e.DeleteStateMachine(ctx, in.StateMachineARN)
}

type startSyncExecutionOutput struct {
	ExecutionARN    string         `json:"executionArn"`
	StateMachineARN string         `json:"stateMachineArn"`
	Name            string         `json:"name"`
	StartDate       epochSeconds   `json:"startDate"`
	StopDate        epochSeconds   `json:"stopDate"`
	Status          string         `json:"status"`
	Input           string         `json:"input"`
	InputDetails    includedData   `json:"inputDetails"`
	Output          *string        `json:"output,omitempty"`
	OutputDetails   *includedData  `json:"outputDetails,omitempty"`
	Error           *string        `json:"error,omitempty"`
	Cause           *string        `json:"cause,omitempty"`
	BillingDetails  map[string]any `json:"billingDetails"`
}

// startSyncExecutionOp runs an execution of an EXPRESS state machine and
// answers with its outcome, as Step Functions allows only for EXPRESS ones.
func (e *Engine) startSyncExecutionOp(ctx context.Context,
	in *startExecutionInput) (*startSyncExecutionOutput, error) {
	// only an EXPRESS state machine runs synchronously
	e.mu.RLock()
	sm, err := e.machine(stripTestCase(in.StateMachineARN))
	e.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if sm.kind != "EXPRESS" {
		return nil, apiErrorf(codeTypeNotSupported,
			"This operation is not supported by this type of state machine")
	}

	// run it and describe how it ended
	r, err := e.RunExecution(ctx, in.StateMachineARN, in.Name, in.Input)
	if err != nil {
		return nil, err
	}
	x, err := e.execution(r.ExecutionARN)
	if err != nil {
		return nil, err
	}
	return x.syncOutput(), nil
}

func (x *execution) syncOutput() *startSyncExecutionOutput {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := &startSyncExecutionOutput{ExecutionARN: x.arn, StateMachineARN: x.machine.arn,
		Name: x.name, StartDate: epochSeconds(x.started), StopDate: epochSeconds(x.stopped),
		Status: x.status, Input: x.input, InputDetails: includedData{true},
		Output: x.output, Error: x.errorName, Cause: x.cause,
		BillingDetails: map[string]any{"billedDurationInMilliseconds": 0,
			"billedMemoryUsedInMB": 0}}
	if x.output != nil {
		out.OutputDetails = &includedData{true}
	}
	return out
}

// stripTestCase removes a #<test case> suffix from a state machine ARN.
func stripTestCase(arn string) string {
	for i := range len(arn) {
		if arn[i] == '#' {
			return arn[:i]
		}
	}
	return arn
}

type sendTaskSuccessInput struct {
	TaskToken string `json:"taskToken"`
	Output    string `json:"output"`
}

func (e *Engine) sendTaskSuccessOp(_ context.Context,
	in *sendTaskSuccessInput) (*struct{}, error) {
	if err := checkTaskToken(in.TaskToken); err != nil {
		return nil, err
	}
	if _, err := decodeJSON([]byte(in.Output)); err != nil {
		return nil, apiErrorf(codeInvalidOutput, "Invalid Output: '%v'", err)
	}
	output := in.Output
	return &struct{}{}, e.answerTask(in.TaskToken, &taskAnswer{Output: &output})
}

type sendTaskFailureInput struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error"`
	Cause     string `json:"cause"`
}

func (e *Engine) sendTaskFailureOp(_ context.Context,
	in *sendTaskFailureInput) (*struct{}, error) {
	if err := checkTaskToken(in.TaskToken); err != nil {
		return nil, err
	}
	if len(in.Error) > maxErrorChars || len(in.Cause) > maxCauseChars {
		return nil, apiErrorf(codeValidation, "error must be at most %d characters and "+
			"cause at most %d", maxErrorChars, maxCauseChars)
	}
	return &struct{}{}, e.answerTask(in.TaskToken,
		&taskAnswer{Error: in.Error, Cause: in.Cause})
}

type sendTaskHeartbeatInput struct {
	TaskToken string `json:"taskToken"`
}

func (e *Engine) sendTaskHeartbeatOp(_ context.Context,
	in *sendTaskHeartbeatInput) (*struct{}, error) {
	if err := checkTaskToken(in.TaskToken); err != nil {
		return nil, err
	}
	return &struct{}{}, e.heartbeatTask(in.TaskToken)
}

// checkTaskToken checks a task token's length as the API does.
func checkTaskToken(token string) error {
	if token == "" || len(token) > maxTaskTokenChars {
		return apiErrorf(codeValidation, "taskToken must be 1 to %d characters",
			maxTaskTokenChars)
	}
	return nil
}
