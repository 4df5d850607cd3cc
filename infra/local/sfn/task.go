package sfn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Resources of the optimized integrations, and the suffix of the callback
// pattern, whose task waits for SendTaskSuccess or SendTaskFailure.
const (
	lambdaInvokeARN  = "arn:aws:states:::lambda:invoke"
	dynamoDBARN      = "arn:aws:states:::dynamodb:"
	waitForTaskToken = ".waitForTaskToken"
)

// errTaskTimedOut is the cancellation cause when a Task's TimeoutSeconds passes.
var errTaskTimedOut = errors.New("task timed out")

// taskState runs one unit of work: a Lambda function or a service integration.
type taskState struct {
	resource       taskResource
	callback       bool // .waitForTaskToken: the result comes from SendTask…
	inputPath      ioPath
	parameters     template
	resultSelector template
	resultPath     resultPath
	outputPath     ioPath
	recovery
	timeout time.Duration // zero means no timeout
	// timeoutPath, when set, takes the timeout from the state's input
	// instead (TimeoutSecondsPath)
	timeoutPath *path
	heartbeat   time.Duration // zero means no heartbeat; callbacks only
	next        string
}

// taskResource is what a Task state's Resource names: how to invoke it and how
// its invocation appears in the execution history.
type taskResource interface {
	// invoke runs the task on its input and returns the task result. A task
	// failure is a *statesError; any other error comes from ctx.
	invoke(ctx context.Context, s *step, args any) (any, error)

	scheduled(s *step, args any, timeout, heartbeat time.Duration) historyEvent
	started() historyEvent
	submitted(out any) historyEvent
	succeeded(result any) historyEvent
	failed(err *statesError) historyEvent
	timedOut(err *statesError) historyEvent
}

func parseTask(f fields) state {
	f.allow("a Task state", "Type", "Comment", "Next", "End", "Resource",
		"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
		"Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds")
	next, _ := f.transition()
	t := &taskState{
		inputPath:      f.ioPath("InputPath"),
		parameters:     f.template("Parameters"),
		resultSelector: f.template("ResultSelector"),
		resultPath:     f.resultPath("ResultPath"),
		outputPath:     f.ioPath("OutputPath"),
		recovery:       parseRecovery(f),
		timeout:        f.seconds("TimeoutSeconds", 1),
		timeoutPath:    f.referencePath("TimeoutSecondsPath"),
		heartbeat:      f.seconds("HeartbeatSeconds", 1),
		next:           next,
	}
	t.resource, t.callback = parseResource(f, f.requiredString("Resource"))
	t.checkTimers(f)
	return t
}

// checkTimers checks HeartbeatSeconds against the pattern and TimeoutSeconds.
func (t *taskState) checkTimers(f fields) {
	switch {
	case t.timeout > 0 && t.timeoutPath != nil:
		f.problem("a Task state takes one of TimeoutSeconds and TimeoutSecondsPath")
	case t.heartbeat > 0 && !t.callback:
		f.problem("HeartbeatSeconds needs a callback task (%s)", waitForTaskToken)
	case t.heartbeat > 0 && t.timeout > 0 && t.heartbeat >= t.timeout:
		f.problem("HeartbeatSeconds must be smaller than TimeoutSeconds")
	}
}

// parseResource resolves a Task's Resource to the integration that runs it and
// whether it follows the callback pattern.
func parseResource(f fields, arn string) (taskResource, bool) {
	base, callback := strings.CutSuffix(arn, waitForTaskToken)
	if callback {
		checkTokenPassed(f)
	}
	switch {
	case arn == "":
		return nil, false
	case base == lambdaInvokeARN:
		checkInvokeParameters(f)
		return lambdaInvoke(callback), callback
	case strings.HasPrefix(base, dynamoDBARN) && !callback:
		return parseDynamoDB(f, strings.TrimPrefix(base, dynamoDBARN)), false
	case strings.HasPrefix(arn, "arn:aws:lambda:") && strings.Contains(arn, ":function:"):
		return lambdaFunction{arn: arn}, false
	case strings.HasPrefix(base, "arn:aws:states:::") && base != arn:
		f.problem("resource %q: the %s integration pattern is not supported by the "+
			"local engine yet", arn, waitForTaskToken)
	case strings.HasSuffix(arn, ".sync") || strings.HasSuffix(arn, ".sync:2"):
		f.problem("resource %q: the .sync integration pattern is not supported by the "+
			"local engine yet", arn)
	default:
		f.problem("resource %q is not supported by the local engine yet; use %s, a "+
			"Lambda function ARN or %s{getItem,putItem,updateItem,deleteItem}",
			arn, lambdaInvokeARN, dynamoDBARN)
	}
	return nil, false
}

// checkTokenPassed checks that a callback task passes $$.Task.Token in its
// Parameters, without which nobody could ever answer it.
func checkTokenPassed(f fields) {
	if !strings.Contains(encodeJSON(f.raw["Parameters"]), "$$.Task.Token") {
		f.problem("a %s task must pass $$.Task.Token in its Parameters", waitForTaskToken)
	}
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
	return append(optional(t.next), t.recovery.successors()...)
}

func (t *taskState) run(ctx context.Context, s *step, in any) (any, string, error) {
	// select the effective input; Parameters follow per attempt, since a
	// callback task's token changes with each attempt
	eff, err := t.inputPath.apply(in, s, "InputPath")
	if err != nil {
		return nil, "", err
	}

	// run the task as Retry allows and shape its result into the state output
	out, err := t.complete(ctx, s, in, eff)
	if err != nil {
		return t.catchError(in, err)
	}
	return out, t.next, nil
}

// complete runs the task and turns its result into the state output.
func (t *taskState) complete(ctx context.Context, s *step, in, eff any) (any, error) {
	result, err := t.attempts(ctx, s, func(ctx context.Context, attempt int) (any, error) {
		return t.attempt(ctx, s, eff, attempt)
	})
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

// attempt invokes the task once, enforcing TimeoutSeconds, and records the
// invocation in the history.
func (t *taskState) attempt(ctx context.Context, s *step, eff any, attempt int) (any, error) {
	// build the task input, handing a callback task its token
	if t.callback {
		s.token = s.x.taskToken(s.where, attempt)
	}
	args := eff
	if t.parameters != nil {
		var err error
		if args, err = t.parameters.eval(eff, s); err != nil {
			return nil, err
		}
	}

	timeout, err := t.timeoutFor(s, eff)
	if err != nil {
		return nil, err
	}

	// record that the task is scheduled and started
	s.record(t.resource.scheduled(s, args, timeout, t.heartbeat))
	s.record(t.resource.started())

	// invoke it, cancelling the invocation when the timeout passes
	tctx, cancel := context.WithCancelCause(ctx)
	stopWatch := t.watchTimeout(tctx, s, cancel, timeout)
	result, err := t.invoke(tctx, s, args)
	stopWatch()

	// record the outcome
	return t.outcome(ctx, tctx, s, result, err)
}

// invoke runs the task: its mocked response in a mock-config test case, else
// the resource, then for a callback task the wait for its answer.
func (t *taskState) invoke(ctx context.Context, s *step, args any) (any, error) {
	if mocked, ok := s.x.mockedResponse(s.name); ok {
		return mocked.result()
	}
	if !t.callback {
		return t.resource.invoke(ctx, s, args)
	}
	return t.awaitCallback(ctx, s, args)
}

// awaitCallback hands the task its token, unless a resumed execution did so
// before the restart, and waits for SendTaskSuccess or SendTaskFailure.
func (t *taskState) awaitCallback(ctx context.Context, s *step, args any) (any, error) {
	// an answer recorded before a restart completes the task at once
	token := s.token
	if a := s.x.answerFor(token); a != nil {
		return a.result()
	}

	// listen for the answer first: the task may answer before it returns
	w := s.e.tokens.openWaiter(token, s.x)
	code := codeTaskDoesNotExist
	defer func() { s.e.tokens.closeWaiter(token, code) }()
	if !s.x.handedOut(token) {
		out, err := t.resource.invoke(ctx, s, args)
		if err != nil {
			return nil, err
		}
		s.e.persist(s.x)
		s.record(t.resource.submitted(out))
	}

	// wait for it
	a, err := s.e.awaitAnswer(ctx, w, t.heartbeat)
	if err != nil {
		if errors.Is(err, errHeartbeatTimeout) || errors.Is(err, errTaskTimedOut) {
			code = codeTaskTimedOut
		}
		return nil, err
	}
	return a.result()
}

// outcome records how an attempt ended and returns its result or failure.
func (t *taskState) outcome(ctx, tctx context.Context, s *step, result any,
	err error) (any, error) {
	var se *statesError
	switch {
	case err == nil:
		s.record(t.resource.succeeded(result))
		return result, nil
	case ctx.Err() == nil && errors.Is(err, errHeartbeatTimeout):
		se = &statesError{name: errHeartbeat,
			cause: fmt.Sprintf("No heartbeat within %v", t.heartbeat)}
		s.record(t.resource.timedOut(se))
		return nil, se
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
	cancel context.CancelCauseFunc, timeout time.Duration) func() {
	if timeout <= 0 {
		return func() { cancel(nil) }
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if s.e.clock.Sleep(ctx, timeout) == nil {
			cancel(errTaskTimedOut)
		}
	}()
	return func() {
		cancel(nil)
		<-done
	}
}

// timeoutFor returns the task's timeout: TimeoutSeconds, or the positive
// integer TimeoutSecondsPath selects from the state's effective input,
// which fails the state with States.Runtime when it is anything else.
func (t *taskState) timeoutFor(s *step, eff any) (time.Duration, error) {
	if t.timeoutPath == nil {
		return t.timeout, nil
	}
	const maxSeconds = math.MaxInt64 / int64(time.Second)
	v, err := t.timeoutPath.eval(eff, s, "TimeoutSecondsPath")
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok || n < 1 || n > maxSeconds {
		return 0, runtimeErrorf("The TimeoutSecondsPath parameter does not reference "+
			"a valid positive integer: %s", encodeJSON(v))
	}
	return time.Duration(n) * time.Second, nil
}

// recovery is the Retry and Catch of a Task, Parallel or Map state.
type recovery struct {
	retry []retrier
	catch []catcher
}

func parseRecovery(f fields) recovery {
	return recovery{retry: parseRetriers(f), catch: parseCatchers(f)}
}

// successors lists the states the catchers lead to.
func (r recovery) successors() []string {
	var out []string
	for _, c := range r.catch {
		out = append(out, optional(c.next)...)
	}
	return out
}

// attempts calls try until it succeeds or no retrier lets it try again,
// counting attempts from 0.
func (r recovery) attempts(ctx context.Context, s *step,
	try func(ctx context.Context, attempt int) (any, error)) (any, error) {
	used := make([]int64, len(r.retry)) // retries spent per retrier
	for attempt := 0; ; attempt++ {
		// try once
		result, err := try(ctx, attempt)
		var se *statesError
		if !errors.As(err, &se) {
			return result, err
		}

		// find the retrier for the error and check it has attempts left
		i := retrierFor(r.retry, se.name)
		if i < 0 || used[i] >= r.retry[i].maxAttempts {
			return nil, err
		}

		// wait out the backoff interval
		d := r.retry[i].delay(used[i], s.e.random)
		used[i]++
		s.retryCount++
		s.e.log.DebugContext(ctx, "retrying state", "execution", s.x.arn,
			"state", s.name, "error", se.name, "attempt", used[i], "delay", d)
		if err := s.e.clock.Sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// catchError hands a failure to the first catcher that handles it, which
// places the error output at its ResultPath and transitions to its Next.
// Without one, the failure ends the branch.
func (r recovery) catchError(in any, err error) (any, string, error) {
	var se *statesError
	if !errors.As(err, &se) {
		return nil, "", err
	}
	for _, c := range r.catch {
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
