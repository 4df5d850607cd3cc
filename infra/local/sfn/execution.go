package sfn

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// Execution statuses, as DescribeExecution reports them.
const (
	statusRunning   = "RUNNING"
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
	statusTimedOut  = "TIMED_OUT"
	statusAborted   = "ABORTED"
)

// Cancellation causes that end an execution early.
var (
	errStopped        = errors.New("execution stopped")
	errEngineClosed   = errors.New("engine closed")
	errExecutionTimer = errors.New("execution timed out")
)

// execution is one run of a state machine. The fields above mu never change
// after StartExecution; the ones below it are guarded by mu.
type execution struct {
	arn      string
	name     string
	machine  *stateMachine
	def      *definition // as the state machine was when the execution started
	input    string      // as the caller sent it
	value    any         // input decoded
	started  time.Time
	secret   []byte // keys the execution's task tokens
	testCase string // the mock-config test case, "" for none
	mocks    *testCase
	cancel   context.CancelCauseFunc
	done     chan struct{} // closed when the execution's goroutine returns

	mu          sync.Mutex
	status      string
	stopped     time.Time
	output      *string
	errorName   *string
	cause       *string
	events      []historyEvent
	transitions int
	at          checkpoint             // the top-level state it is in
	waiting     map[string]bool        // tokens handed to a task and not yet answered
	resolved    map[string]*taskAnswer // answers received, by token
	mockCalls   map[string]int         // mocked invocations so far, by state

	persistMu sync.Mutex // orders the writes of this execution's record
}

// checkpoint is where an execution stands at the top level: the state it
// entered, that state's raw input and how often each state was entered, so
// a restarted engine resumes it there with the same task tokens.
type checkpoint struct {
	state  string
	input  any
	visits map[string]int
}

// step is one state's turn in an execution: what its paths see as the
// context object and where it records history.
type step struct {
	e          *Engine
	x          *execution
	name       string
	where      string // the state's position: branch prefixes, name and visit
	entered    time.Time
	retryCount int
	token      string   // $$.Task.Token while a callback task runs
	item       *mapItem // $$.Map.Item while a Map state selects an item
}

// mapItem is the item a Map state iteration processes, as $$.Map.Item.
type mapItem struct {
	index int64
	value any
}

// contextObject returns the context object that $$ paths read.
func (s *step) contextObject() any {
	c := map[string]any{
		"Execution": map[string]any{
			"Id":        s.x.arn,
			"Input":     cloneValue(s.x.value),
			"Name":      s.x.name,
			"RoleArn":   s.x.machine.roleARN,
			"StartTime": formatTimestamp(s.x.started),
		},
		"State": map[string]any{
			"EnteredTime": formatTimestamp(s.entered),
			"Name":        s.name,
			"RetryCount":  int64(s.retryCount),
		},
		"StateMachine": map[string]any{
			"Id":   s.x.machine.arn,
			"Name": s.x.machine.name,
		},
	}
	if s.token != "" {
		c["Task"] = map[string]any{"Token": s.token}
	}
	if s.item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{
			"Index": s.item.index, "Value": cloneValue(s.item.value)}}
	}
	return c
}

// record appends an event to the execution's history.
func (s *step) record(ev historyEvent) {
	s.x.record(s.e.clock.Now(), ev)
	s.e.historyEvents.Add(1)
}

// formatTimestamp renders t as the context object does.
func formatTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// record appends ev to the history while the execution is running; events of
// a state still finishing after a stop are dropped.
func (x *execution) record(now time.Time, ev historyEvent) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.status == statusRunning {
		x.appendEvent(now, ev)
	}
}

// appendEvent numbers ev and appends it. x.mu must be held.
func (x *execution) appendEvent(now time.Time, ev historyEvent) {
	ev.ID = int64(len(x.events) + 1)
	ev.PreviousEventID = ev.ID - 1
	ev.Timestamp = epochSeconds(now)
	x.events = append(x.events, ev)
}

// outcome is how an execution closed, as DescribeExecution reports it.
type outcome struct {
	status    string
	output    *string
	errorName *string
	cause     *string
}

// failure is the outcome of an execution that closed with an error.
func failure(status, name, cause string) outcome {
	return outcome{status: status, errorName: &name, cause: &cause}
}

// finish closes the execution with its outcome and closing event. Only the
// first call takes effect; it reports whether this call closed it.
func (x *execution) finish(now time.Time, o outcome, ev historyEvent) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.status != statusRunning {
		return false
	}
	x.appendEvent(now, ev)
	x.status, x.stopped = o.status, now
	x.output, x.errorName, x.cause = o.output, o.errorName, o.cause
	return true
}

// runExecution walks the state machine from its checkpoint (StartAt for a
// new execution) until a state ends the execution, it fails, or its context
// is cancelled. It runs in its own goroutine and closes x.done when it returns.
func (e *Engine) runExecution(ctx context.Context, x *execution) {
	defer e.wg.Done()
	defer close(x.done)
	defer x.cancel(nil)

	// enforce the definition's TimeoutSeconds, counted from the start
	if x.def.timeout > 0 {
		e.wg.Add(1)
		left := x.def.timeout - e.clock.Now().Sub(x.started)
		go e.watchExecutionTimeout(ctx, x, left)
	}

	// run states from the checkpoint until one ends the execution
	x.mu.Lock()
	at := x.at
	x.mu.Unlock()
	out, err := e.runBranch(ctx, x, &x.def.branch, at, "")
	if err != nil {
		e.failExecution(ctx, x, err)
		return
	}
	e.succeedExecution(x, out)
}

// runBranch runs the states of b from at until one ends the branch, and
// returns the branch's output. prefix is the branch's position within the
// execution, "" for the top level, whose every state entered is a
// checkpoint that is persisted.
func (e *Engine) runBranch(ctx context.Context, x *execution, b *branch, at checkpoint,
	prefix string) (any, error) {
	name, in, visits := at.state, at.input, at.visits
	for {
		// enter the state, recording where the execution stands
		if prefix == "" && e.stateDir != "" {
			e.checkpoint(x, checkpoint{state: name, input: in, visits: copyMap(visits)})
		}
		visits[name]++
		st := b.states[name]
		s := &step{e: e, x: x, name: name, entered: e.clock.Now(),
			where: prefix + name + "#" + strconv.Itoa(visits[name])}
		s.record(stateEntered(st.kind(), name, in))

		// run it and move on
		out, next, err := st.run(ctx, s, in)
		if err != nil {
			return nil, err
		}
		s.record(stateExited(st.kind(), name, out))
		x.countTransition()
		e.transitions.Add(1)
		if next == "" {
			return out, nil
		}
		name, in = next, out
	}
}

func (x *execution) countTransition() {
	x.mu.Lock()
	x.transitions++
	x.mu.Unlock()
}

// watchExecutionTimeout times the execution out once d has passed.
func (e *Engine) watchExecutionTimeout(ctx context.Context, x *execution, d time.Duration) {
	defer e.wg.Done()
	if e.clock.Sleep(ctx, d) != nil {
		return
	}
	const cause = "The execution did not finish within its TimeoutSeconds"
	ev := historyEvent{Type: "ExecutionTimedOut",
		ExecutionTimedOut: &failureDetails{Error: errTimeout, Cause: cause}}
	if x.finish(e.clock.Now(), failure(statusTimedOut, errTimeout, cause), ev) {
		e.logOutcome(x)
	}
	x.cancel(errExecutionTimer)
}

// succeedExecution closes the execution with its output.
func (e *Engine) succeedExecution(x *execution, out any) {
	output := encodeJSON(out)
	ev := historyEvent{Type: "ExecutionSucceeded",
		ExecutionSucceeded: &outputDetails{Output: output}}
	if x.finish(e.clock.Now(), outcome{status: statusSucceeded, output: &output}, ev) {
		e.logOutcome(x)
	}
}

// failExecution closes the execution after err ended it: a state failure, or
// the cancellation of ctx by StopExecution, a timeout or Close.
func (e *Engine) failExecution(ctx context.Context, x *execution, err error) {
	// a cancelled execution was closed by whoever cancelled it, except on
	// Close, which leaves a persisted execution running for the next engine
	if ctx.Err() != nil {
		if errors.Is(context.Cause(ctx), errEngineClosed) && e.stateDir == "" {
			e.abortExecution(x, "States.Aborted", "The local Step Functions engine shut down")
		}
		return
	}

	// any other error is a state failure
	var se *statesError
	if !errors.As(err, &se) {
		se = runtimeErrorf("%v", err)
	}
	ev := historyEvent{Type: "ExecutionFailed",
		ExecutionFailed: &failureDetails{Error: se.name, Cause: se.cause}}
	if x.finish(e.clock.Now(), failure(statusFailed, se.name, se.cause), ev) {
		e.logOutcome(x)
	}
}

// abortExecution closes the execution as ABORTED and reports whether it was
// still running.
func (e *Engine) abortExecution(x *execution, name, cause string) bool {
	ev := historyEvent{Type: "ExecutionAborted",
		ExecutionAborted: &failureDetails{Error: name, Cause: cause}}
	if !x.finish(e.clock.Now(), failure(statusAborted, name, cause), ev) {
		return false
	}
	e.logOutcome(x)
	return true
}

// logOutcome persists a closed execution and writes its one summary line.
func (e *Engine) logOutcome(x *execution) {
	e.persist(x)
	x.mu.Lock()
	status, stopped, n := x.status, x.stopped, x.transitions
	errorName := ""
	if x.errorName != nil {
		errorName = *x.errorName
	}
	x.mu.Unlock()
	e.log.Info("execution closed", "execution", x.arn, "status", status,
		"error", errorName, "transitions", n, "duration", stopped.Sub(x.started))
}
