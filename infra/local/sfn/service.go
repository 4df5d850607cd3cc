package sfn

import (
	"context"
	"time"
)

// serviceTask is an optimized service integration (arn:aws:states:::<service>:
// <action>), recorded in the history as Task… events naming the service as
// resourceType and the action as resource.
type serviceTask struct {
	resourceType string
	resource     string
	call         func(ctx context.Context, s *step, args any) (any, error)
}

func (t *serviceTask) invoke(ctx context.Context, s *step, args any) (any, error) {
	return t.call(ctx, s, args)
}

func (t *serviceTask) scheduled(s *step, args any, timeout,
	heartbeat time.Duration) historyEvent {
	return historyEvent{Type: "TaskScheduled", TaskScheduled: &taskScheduledDetails{
		ResourceType:       t.resourceType,
		Resource:           t.resource,
		Region:             s.e.region,
		Parameters:         encodeJSON(args),
		TimeoutInSeconds:   int64(timeout / time.Second),
		HeartbeatInSeconds: int64(heartbeat / time.Second),
	}}
}

func (t *serviceTask) started() historyEvent {
	return historyEvent{Type: "TaskStarted", TaskStarted: t.details()}
}

func (t *serviceTask) submitted(out any) historyEvent {
	return historyEvent{Type: "TaskSubmitted", TaskSubmitted: &taskSucceededDetails{
		ResourceType: t.resourceType, Resource: t.resource, Output: encodeJSON(out),
	}}
}

func (t *serviceTask) succeeded(result any) historyEvent {
	return historyEvent{Type: "TaskSucceeded", TaskSucceeded: &taskSucceededDetails{
		ResourceType: t.resourceType, Resource: t.resource, Output: encodeJSON(result),
	}}
}

func (t *serviceTask) failed(err *statesError) historyEvent {
	return historyEvent{Type: "TaskFailed", TaskFailed: t.failure(err)}
}

func (t *serviceTask) timedOut(err *statesError) historyEvent {
	return historyEvent{Type: "TaskTimedOut", TaskTimedOut: t.failure(err)}
}

func (t *serviceTask) details() *taskDetails {
	return &taskDetails{ResourceType: t.resourceType, Resource: t.resource}
}

func (t *serviceTask) failure(err *statesError) *taskFailureDetails {
	return &taskFailureDetails{ResourceType: t.resourceType, Resource: t.resource,
		Error: err.name, Cause: err.cause}
}
