package sfn

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// lambdaInvokeARN is the optimized Lambda integration's resource.
const lambdaInvokeARN = "arn:aws:states:::lambda:invoke"

// errTaskTimedOut is the cancellation cause when a Task's TimeoutSeconds passes.
var errTaskTimedOut = errors.New("task timed out")

// taskState runs one unit of work: here, a Lambda function.
type taskState struct {
	resource       taskResource
	inputPath      ioPath
	parameters     template
	resultSelector template
	resultPath     resultPath
	outputPath     ioPath
	retry          []retrier
	catch          []catcher
	timeout        time.Duration // zero means no timeout
	next           string
}

// taskResource is what a Task state's Resource names: how to invoke it and how
// its invocation appears in the execution history.
type taskResource interface {
	// invoke runs the task on its input and returns the task result. A task
	// failure is a *statesError; any other error comes from ctx.
	invoke(ctx context.Context, s *step, args any) (any, error)

	scheduled(s *step, args any, timeout time.Duration) historyEvent
	started() historyEvent
	succeeded(result any) historyEvent
	failed(err *statesError) historyEvent
	timedOut(err *statesError) historyEvent
}

func parseTask(f fields) state {
	f.allow("a Task state", "Type", "Comment", "Next", "End", "Resource",
		"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
		"Retry", "Catch", "TimeoutSeconds")
	next, _ := f.transition()
	t := &taskState{
		inputPath:      f.ioPath("InputPath"),
		parameters:     f.template("Parameters"),
		resultSelector: f.template("ResultSelector"),
		resultPath:     f.resultPath("ResultPath"),
		outputPath:     f.ioPath("OutputPath"),
		retry:          parseRetriers(f),
		catch:          parseCatchers(f),
		timeout:        f.seconds("TimeoutSeconds", 1),
		next:           next,
	}
	t.resource = parseResource(f, f.requiredString("Resource"))
	return t
}

// parseResource resolves a Task's Resource to the integration that runs it.
func parseResource(f fields, arn string) taskResource {
	switch {
	case arn == "":
		return nil
	case arn == lambdaInvokeARN:
		checkInvokeParameters(f)
		return lambdaInvoke{}
	case strings.HasPrefix(arn, "arn:aws:lambda:") && strings.Contains(arn, ":function:"):
		return lambdaFunction{arn: arn}
	case strings.HasPrefix(arn, lambdaInvokeARN+"."):
		f.problem("resource %q: the %s integration pattern is not supported by the "+
			"local engine yet", arn, strings.TrimPrefix(arn, lambdaInvokeARN+"."))
	default:
		f.problem("resource %q is not supported by the local engine yet; use %s or a "+
			"Lambda function ARN", arn, lambdaInvokeARN)
	}
	return nil
}

// checkInvokeParameters checks the Parameters of a lambda:invoke Task.
func checkInvokeParameters(f fields) {
	params, _ := f.raw["Parameters"].(map[string]any)
	_, name := params["FunctionName"]
	_, namePath := params["FunctionName.$"]
	if !name && !namePath {
		f.problem("Parameters of %s need FunctionName", lambdaInvokeARN)
	}
	if it, ok := params["InvocationType"]; ok && it != "RequestResponse" {
		f.problem("Parameters: InvocationType %s is not supported by the local engine "+
			"yet; only RequestResponse", encodeJSON(it))
	}
}

func (t *taskState) kind() string { return "Task" }

func (t *taskState) successors() []string {
	out := optional(t.next)
	for _, c := range t.catch {
		out = append(out, optional(c.next)...)
	}
	return out
}

func (t *taskState) run(ctx context.Context, s *step, in any) (any, string, error) {
	// select the task input: InputPath, then Parameters
	args, err := effectiveInput(s, in, t.inputPath, t.parameters)
	if err != nil {
		return nil, "", err
	}

	// run the task as Retry allows and shape its result into the state output
	out, err := t.complete(ctx, s, in, args)
	if err != nil {
		return t.catchError(in, err)
	}
	return out, t.next, nil
}

// complete runs the task and turns its result into the state output.
func (t *taskState) complete(ctx context.Context, s *step, in, args any) (any, error) {
	result, err := t.attempts(ctx, s, args)
	if err != nil {
		return nil, err
	}
	if t.resultSelector != nil {
		if result, err = t.resultSelector.eval(result, s); err != nil {
			return nil, err
		}
	}
	return stateOutput(s, in, result, t.resultPath, t.outputPath)
}

// attempts invokes the task until it succeeds or no retrier lets it try again.
func (t *taskState) attempts(ctx context.Context, s *step, args any) (any, error) {
	used := make([]int64, len(t.retry)) // retries spent per retrier
	for {
		// invoke the task once
		result, err := t.attempt(ctx, s, args)
		var se *statesError
		if !errors.As(err, &se) {
			return result, err
		}

		// find the retrier for the error and check it has attempts left
		i := retrierFor(t.retry, se.name)
		if i < 0 || used[i] >= t.retry[i].maxAttempts {
			return nil, err
		}

		// wait out the backoff interval
		d := t.retry[i].delay(used[i], s.e.random)
		used[i]++
		s.retryCount++
		s.e.log.DebugContext(ctx, "retrying task", "execution", s.x.arn,
			"state", s.name, "error", se.name, "attempt", used[i], "delay", d)
		if err := s.e.clock.Sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// attempt invokes the task once, enforcing TimeoutSeconds, and records the
// invocation in the history.
func (t *taskState) attempt(ctx context.Context, s *step, args any) (any, error) {
	// record that the task is scheduled and started
	s.record(t.resource.scheduled(s, args, t.timeout))
	s.record(t.resource.started())

	// invoke it, cancelling the invocation when the timeout passes
	tctx, cancel := context.WithCancelCause(ctx)
	stopWatch := t.watchTimeout(tctx, s, cancel)
	result, err := t.resource.invoke(tctx, s, args)
	stopWatch()

	// record the outcome
	var se *statesError
	switch {
	case err == nil:
		s.record(t.resource.succeeded(result))
		return result, nil
	case ctx.Err() == nil && errors.Is(context.Cause(tctx), errTaskTimedOut):
		se = &statesError{name: errTimeout,
			cause: fmt.Sprintf("The task did not finish within %v", t.timeout)}
		s.record(t.resource.timedOut(se))
		return nil, se
	case errors.As(err, &se):
		s.record(t.resource.failed(se))
	}
	return nil, err
}

// watchTimeout cancels ctx with errTaskTimedOut once the task's timeout has
// passed on the engine's clock. The returned func stops the watch and waits
// for it to end.
func (t *taskState) watchTimeout(ctx context.Context, s *step,
	cancel context.CancelCauseFunc) func() {
	if t.timeout <= 0 {
		return func() { cancel(nil) }
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if s.e.clock.Sleep(ctx, t.timeout) == nil {
			cancel(errTaskTimedOut)
		}
	}()
	return func() {
		cancel(nil)
		<-done
	}
}

// catchError hands a failure to the first catcher that handles it, which
// places the error output at its ResultPath and transitions to its Next.
func (t *taskState) catchError(in any, err error) (any, string, error) {
	var se *statesError
	if !errors.As(err, &se) {
		return nil, "", err
	}
	for _, c := range t.catch {
		if !matchesError(c.errorEquals, se.name) {
			continue
		}
		out, err := c.resultPath.apply(in, errorOutput(se))
		if err != nil {
			return nil, "", err
		}
		return out, c.next, nil
	}
	return nil, "", err
}
