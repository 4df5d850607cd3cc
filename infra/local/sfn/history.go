package sfn

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// historyEvent is one event of an execution's history, in the shape
// GetExecutionHistory returns it. Exactly one details field is set, the one
// that goes with Type.
type historyEvent struct {
	ID              int64        `json:"id"`
	PreviousEventID int64        `json:"previousEventId"`
	Timestamp       epochSeconds `json:"timestamp"`
	Type            string       `json:"type"`

	ExecutionStarted   *executionStartedDetails `json:"executionStartedEventDetails,omitempty"`
	ExecutionSucceeded *outputDetails           `json:"executionSucceededEventDetails,omitempty"`
	ExecutionFailed    *failureDetails          `json:"executionFailedEventDetails,omitempty"`
	ExecutionAborted   *failureDetails          `json:"executionAbortedEventDetails,omitempty"`
	ExecutionTimedOut  *failureDetails          `json:"executionTimedOutEventDetails,omitempty"`

	StateEntered *stateEnteredDetails `json:"stateEnteredEventDetails,omitempty"`
	StateExited  *stateExitedDetails  `json:"stateExitedEventDetails,omitempty"`

	TaskScheduled *taskScheduledDetails `json:"taskScheduledEventDetails,omitempty"`
	TaskStarted   *taskDetails          `json:"taskStartedEventDetails,omitempty"`
	TaskSubmitted *taskSucceededDetails `json:"taskSubmittedEventDetails,omitempty"`
	TaskSucceeded *taskSucceededDetails `json:"taskSucceededEventDetails,omitempty"`
	TaskFailed    *taskFailureDetails   `json:"taskFailedEventDetails,omitempty"`
	TaskTimedOut  *taskFailureDetails   `json:"taskTimedOutEventDetails,omitempty"`

	LambdaScheduled *lambdaScheduledDetails `json:"lambdaFunctionScheduledEventDetails,omitempty"`
	LambdaSucceeded *outputDetails          `json:"lambdaFunctionSucceededEventDetails,omitempty"`
	LambdaFailed    *failureDetails         `json:"lambdaFunctionFailedEventDetails,omitempty"`
	LambdaTimedOut  *failureDetails         `json:"lambdaFunctionTimedOutEventDetails,omitempty"`

	MapStateStarted       *mapStateStartedDetails `json:"mapStateStartedEventDetails,omitempty"`
	MapIterationStarted   *mapIterationDetails    `json:"mapIterationStartedEventDetails,omitempty"`
	MapIterationSucceeded *mapIterationDetails    `json:"mapIterationSucceededEventDetails,omitempty"`
	MapIterationFailed    *mapIterationDetails    `json:"mapIterationFailedEventDetails,omitempty"`
	MapIterationAborted   *mapIterationDetails    `json:"mapIterationAbortedEventDetails,omitempty"`
}

type mapStateStartedDetails struct {
	Length int64 `json:"length"`
}

type mapIterationDetails struct {
	Name  string `json:"name"`
	Index int64  `json:"index"`
}

// dataDetails says whether an input or output was truncated; the engine
// never truncates.
type dataDetails struct {
	Truncated bool `json:"truncated"`
}

type executionStartedDetails struct {
	Input        string      `json:"input"`
	InputDetails dataDetails `json:"inputDetails"`
	RoleARN      string      `json:"roleArn"`
}

type outputDetails struct {
	Output        string      `json:"output"`
	OutputDetails dataDetails `json:"outputDetails"`
}

type failureDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

type stateEnteredDetails struct {
	Name         string      `json:"name"`
	Input        string      `json:"input"`
	InputDetails dataDetails `json:"inputDetails"`
}

type stateExitedDetails struct {
	Name          string      `json:"name"`
	Output        string      `json:"output"`
	OutputDetails dataDetails `json:"outputDetails"`
}

type taskDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

type taskScheduledDetails struct {
	ResourceType     string `json:"resourceType"`
	Resource         string `json:"resource"`
	Region           string `json:"region"`
	Parameters       string `json:"parameters"`
	TimeoutInSeconds int64  `json:"timeoutInSeconds,omitempty"`

	HeartbeatInSeconds int64 `json:"heartbeatInSeconds,omitempty"`
}

type taskSucceededDetails struct {
	ResourceType  string      `json:"resourceType"`
	Resource      string      `json:"resource"`
	Output        string      `json:"output"`
	OutputDetails dataDetails `json:"outputDetails"`
}

type taskFailureDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

type lambdaScheduledDetails struct {
	Resource         string      `json:"resource"`
	Input            string      `json:"input"`
	InputDetails     dataDetails `json:"inputDetails"`
	TimeoutInSeconds int64       `json:"timeoutInSeconds,omitempty"`
}

// epochSeconds is a time on the wire: seconds since the Unix epoch as a JSON
// number with millisecond precision, as the JSON protocol sends timestamps.
type epochSeconds time.Time

// MarshalJSON renders the time as seconds with milliseconds.
func (t epochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', -1, 64), nil
}

// UnmarshalJSON reads the time back, as persisted histories need.
func (t *epochSeconds) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("decode timestamp %s: %w", b, err)
	}
	*t = epochSeconds(time.UnixMilli(int64(math.Round(f * 1000))).UTC())
	return nil
}

// stateEntered returns the …StateEntered event of a state.
func stateEntered(kind, name string, in any) historyEvent {
	return historyEvent{
		Type:         kind + "StateEntered",
		StateEntered: &stateEnteredDetails{Name: name, Input: encodeJSON(in)},
	}
}

// stateExited returns the …StateExited event of a state.
func stateExited(kind, name string, out any) historyEvent {
	return historyEvent{
		Type:        kind + "StateExited",
		StateExited: &stateExitedDetails{Name: name, Output: encodeJSON(out)},
	}
}
