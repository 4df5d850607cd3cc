package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// lambdaInvoke returns the optimized integration arn:aws:states:::lambda:invoke,
// or with callback its .waitForTaskToken form: Parameters carry FunctionName
// and Payload, and the result wraps the function's output in Lambda's Invoke
// response.
func lambdaInvoke(callback bool) taskResource {
	st := &serviceTask{resourceType: "lambda", resource: "invoke", call: invokeLambda}
	if callback {
		st.resource += waitForTaskToken
	}
	return st
}

// invokeLambda calls the function Parameters name with their Payload.
func invokeLambda(ctx context.Context, s *step, args any) (any, error) {
	// read the function and payload from the task input
	params, _ := args.(map[string]any)
	ref, ok := params["FunctionName"].(string)
	if !ok {
		return nil, runtimeErrorf("The field 'FunctionName' of %s must be a string, got %s",
			lambdaInvokeARN, encodeJSON(params["FunctionName"]))
	}
	payload := any(map[string]any{})
	if p, ok := params["Payload"]; ok {
		payload = p
	}

	// call the function and wrap its output as Lambda's Invoke API does
	out, requestID, err := s.e.invokeFunction(ctx, ref, payload)
	if err != nil {
		return nil, err
	}
	return invokeResponse(out, requestID), nil
}

// invokeResponse is the result of lambda:invoke for a function output.
func invokeResponse(payload any, requestID string) map[string]any {
	headers := map[string]any{
		"Connection":             "keep-alive",
		"Content-Type":           "application/json",
		"X-Amz-Executed-Version": "$LATEST",
		"x-amzn-RequestId":       requestID,
	}
	all := make(map[string]any, len(headers))
	for k, v := range headers {
		all[k] = []any{v}
	}
	return map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         payload,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": all,
			"HttpHeaders":    headers,
			"HttpStatusCode": int64(200),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
		"StatusCode":          int64(200),
	}
}

// lambdaFunction is a Task whose Resource is a function ARN: the task input is
// the payload and the function's output is the result.
type lambdaFunction struct {
	arn string
}

func (l lambdaFunction) invoke(ctx context.Context, s *step, args any) (any, error) {
	out, _, err := s.e.invokeFunction(ctx, l.arn, args)
	return out, err
}

func (l lambdaFunction) scheduled(_ *step, args any, timeout, _ time.Duration) historyEvent {
	return historyEvent{Type: "LambdaFunctionScheduled", LambdaScheduled: &lambdaScheduledDetails{
		Resource: l.arn, Input: encodeJSON(args), TimeoutInSeconds: int64(timeout / time.Second),
	}}
}

func (lambdaFunction) started() historyEvent {
	return historyEvent{Type: "LambdaFunctionStarted"}
}

func (lambdaFunction) submitted(any) historyEvent {
	return historyEvent{} // a function ARN has no callback form
}

func (lambdaFunction) succeeded(result any) historyEvent {
	return historyEvent{Type: "LambdaFunctionSucceeded",
		LambdaSucceeded: &outputDetails{Output: encodeJSON(result)}}
}

func (lambdaFunction) failed(err *statesError) historyEvent {
	return historyEvent{Type: "LambdaFunctionFailed",
		LambdaFailed: &failureDetails{Error: err.name, Cause: err.cause}}
}

func (lambdaFunction) timedOut(err *statesError) historyEvent {
	return historyEvent{Type: "LambdaFunctionTimedOut",
		LambdaTimedOut: &failureDetails{Error: err.name, Cause: err.cause}}
}

// FunctionARN returns the ARN of the function named name in the engine's
// region and account: the value to substitute for a ${…FunctionArn}
// placeholder so that Task states reach the handler in Options.Functions.
func (e *Engine) FunctionARN(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", e.region, e.accountID, name)
}

// functionName returns the function name in a FunctionName or Resource: a
// name, a name with a qualifier, a partial ARN (account:function:name) or a
// full ARN, each optionally ending in :qualifier.
func functionName(ref string) string {
	parts := strings.Split(ref, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[5] == "function":
		return parts[6]
	case len(parts) >= 3 && parts[1] == "function":
		return parts[2]
	}
	return parts[0]
}

// invocation is what a handler call produced.
type invocation struct {
	out []byte
	err error
}

// invokeFunction calls the handler for the function ref names with payload as
// Lambda would and returns its decoded output and the invocation's request id.
// A function error or panic is a *statesError named as on AWS; an error from
// ctx means the invocation was abandoned.
func (e *Engine) invokeFunction(ctx context.Context, ref string,
	payload any) (any, string, error) {
	// find the handler
	name := functionName(ref)
	h, ok := e.functions[name]
	if !ok {
		return nil, "", &statesError{name: errLambdaNotFound, cause: fmt.Sprintf(
			"Function not found: %s (Service: AWSLambda; Status Code: 404; "+
				"Error Code: ResourceNotFoundException)", e.FunctionARN(name))}
	}

	// give the handler the context Lambda gives it
	requestID := newUUID()
	ctx = lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{
		AwsRequestID:       requestID,
		InvokedFunctionArn: e.FunctionARN(name),
	})

	// call it in its own goroutine, so that a handler which ignores its context
	// cannot hold a timed-out or stopped execution
	body, _ := json.Marshal(payload) // values from decodeJSON always marshal
	done := make(chan invocation, 1)
	go func() { done <- callHandler(ctx, h, body) }()
	var inv invocation
	select {
	case inv = <-done:
	case <-ctx.Done():
		return nil, requestID, context.Cause(ctx)
	}

	// decode its output
	if inv.err != nil {
		return nil, requestID, inv.err
	}
	out, err := decodeJSON(inv.out)
	if err != nil {
		return nil, requestID, runtimeErrorf("function %s returned an output that is not JSON: %v",
			name, err)
	}
	return out, requestID, nil
}

// callHandler calls h, turning a returned error or a panic into the failure
// Step Functions reports for it.
func callHandler(ctx context.Context, h lambda.Handler, payload []byte) (inv invocation) {
	defer func() {
		if v := recover(); v != nil {
			inv = invocation{err: panicFailure(v)}
		}
	}()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		return invocation{err: functionFailure(err)}
	}
	return invocation{out: out}
}

// functionFailure names a handler's error as the Go runtime does on AWS: by the
// error's type name with any pointer stripped (errors.New shows as errorString,
// fmt.Errorf with %w as wrapError), unless the error is a
// messages.InvokeResponse_Error, which names itself. The cause is the error
// response as Step Functions shows it.
func functionFailure(err error) *statesError {
	resp, ok := err.(messages.InvokeResponse_Error)
	if !ok {
		resp = messages.InvokeResponse_Error{Message: err.Error(), Type: typeName(err)}
	}
	return &statesError{name: resp.Type, cause: errorCause(resp)}
}

// panicFailure names a handler's panic as aws-lambda-go reports it: by the
// panic value's type name (panic("boom") shows as string, a nil dereference as
// errorString), with the value as message and the stack trace of the panic.
func panicFailure(v any) *statesError {
	if resp, ok := v.(messages.InvokeResponse_Error); ok {
		return &statesError{name: resp.Type, cause: errorCause(resp)}
	}
	resp := messages.InvokeResponse_Error{
		Message:    fmt.Sprintf("%v", v),
		Type:       typeName(v),
		StackTrace: panicStack(),
	}
	return &statesError{name: resp.Type, cause: errorCause(resp)}
}

// typeName is aws-lambda-go's name for a value's type.
func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// errorCause renders an error response as the JSON Step Functions shows as Cause.
func errorCause(resp messages.InvokeResponse_Error) string {
	b, err := json.Marshal(resp)
	if err != nil {
		return resp.Message
	}
	return string(b)
}

// maxPanicFrames is how many stack frames a panic's cause keeps, as in aws-lambda-go.
const maxPanicFrames = 32

// panicStack returns the stack of the panicking goroutine, called from the
// deferred recover.
func panicStack() []*messages.InvokeResponse_Error_StackFrame {
	pcs := make([]uintptr, maxPanicFrames)
	n := runtime.Callers(3, pcs) // skip Callers, panicStack and panicFailure
	frames := runtime.CallersFrames(pcs[:n])
	var out []*messages.InvokeResponse_Error_StackFrame
	for {
		f, more := frames.Next()
		out = append(out, &messages.InvokeResponse_Error_StackFrame{
			Path:  f.File,
			Line:  int32(f.Line),
			Label: f.Function[strings.LastIndex(f.Function, "/")+1:],
		})
		if !more {
			return out
		}
	}
}
