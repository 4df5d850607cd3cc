package sfn

import (
	"fmt"
	"strings"
)

// Error names that the Amazon States Language defines, and the Lambda error
// that Step Functions reports for a function that does not exist.
const (
	errAll                    = "States.ALL"
	errTaskFailed             = "States.TaskFailed"
	errTimeout                = "States.Timeout"
	errRuntime                = "States.Runtime"
	errResultPathMatchFailure = "States.ResultPathMatchFailure"
	errNoChoiceMatched        = "States.NoChoiceMatched"
	errHeartbeat              = "States.HeartbeatTimeout"
	errIntrinsicFailure       = "States.IntrinsicFailure"
	errBranchFailed           = "States.BranchFailed"
	errToleratedFailure       = "States.ExceedToleratedFailureThreshold"
	errLambdaNotFound         = "Lambda.ResourceNotFoundException"
)

// statesError is a failure under an ASL error name: what Retry and Catch match
// against and what an execution reports as its error and cause.
type statesError struct {
	name  string
	cause string
}

func (e *statesError) Error() string {
	return e.name + ": " + e.cause
}

// runtimeErrorf returns a States.Runtime error, which no Retry or Catch handles.
func runtimeErrorf(format string, args ...any) *statesError {
	return &statesError{name: errRuntime, cause: fmt.Sprintf(format, args...)}
}

// matchesError reports whether an ErrorEquals list handles the error name.
// States.ALL matches every name, States.TaskFailed every name but the
// timeouts, and States.Timeout also States.HeartbeatTimeout. Nothing, not
// even the name itself, matches States.Runtime, which always fails the
// execution.
func matchesError(errorEquals []string, name string) bool {
	if name == errRuntime {
		return false
	}
	for _, e := range errorEquals {
		switch e {
		case name, errAll:
			return true
		case errTaskFailed:
			if name != errTimeout && name != errHeartbeat {
				return true
			}
		case errTimeout:
			if name == errHeartbeat {
				return true
			}
		}
	}
	return false
}

// APIError is a Step Functions service error: Code is the error code the SDK
// maps to a typed error (StateMachineDoesNotExist, ExecutionAlreadyExists, …),
// Message says what was wrong. The HTTP endpoint sends it as the body
// {"__type": Code, "message": Message} with status 400.
type APIError struct {
	Code    string
	Message string
}

// Error returns the code and the message.
func (e *APIError) Error() string {
	return e.Code + ": " + e.Message
}

// Step Functions error codes the engine returns.
const (
	codeValidation            = "ValidationException"
	codeInvalidARN            = "InvalidArn"
	codeInvalidName           = "InvalidName"
	codeInvalidDefinition     = "InvalidDefinition"
	codeInvalidExecutionInput = "InvalidExecutionInput"
	codeInvalidToken          = "InvalidToken"
	codeMachineExists         = "StateMachineAlreadyExists"
	codeMachineNotFound       = "StateMachineDoesNotExist"
	codeExecutionExists       = "ExecutionAlreadyExists"
	codeExecutionNotFound     = "ExecutionDoesNotExist"
	codeInvalidOutput         = "InvalidOutput"
	codeTaskDoesNotExist      = "TaskDoesNotExist"
	codeTaskTimedOut          = "TaskTimedOut"
	codeTypeNotSupported      = "StateMachineTypeNotSupported"
	codeUnknownOperation      = "UnknownOperationException"
	codeServiceUnavailable    = "ServiceUnavailable"
)

func apiErrorf(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Problem is one thing wrong with a state machine definition. State names the
// state it was found in and is empty for a problem with the definition as a whole.
type Problem struct {
	State   string
	Message string
}

// String returns the message, prefixed with the state it concerns.
func (p Problem) String() string {
	if p.State == "" {
		return p.Message
	}
	return fmt.Sprintf("state %q: %s", p.State, p.Message)
}

// ValidationError lists every problem CreateStateMachine found in a definition.
// The HTTP endpoint reports it as InvalidDefinition.
type ValidationError struct {
	Problems []Problem
}

// Error lists every problem on one line.
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return fmt.Sprintf("invalid state machine definition: %d problem(s): %s",
		len(msgs), strings.Join(msgs, "; "))
}
