package sfn

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	randv2 "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// Defaults for Options fields left empty.
const (
	defaultRegion    = "us-east-1"
	defaultAccountID = "000000000000"
)

// maxInputBytes is the Step Functions limit on an execution's input.
const maxInputBytes = 256 * 1024

// Options configures an Engine.
type Options struct {
	Region    string // e.g. "us-east-1"; empty means us-east-1
	AccountID string // e.g. "000000000000"; empty means 000000000000

	// Functions are the Lambda handlers that Task states invoke, keyed by
	// function name. A FunctionName or Resource given as a name, a partial ARN
	// or a function ARN (arn:aws:lambda:<region>:<account>:function:<name>,
	// optionally with :qualifier) resolves to the name; see Engine.FunctionARN.
	// Build them with lambda.NewHandler so payloads go through aws-lambda-go's
	// JSON marshalling. The engine does not modify the map.
	Functions map[string]lambda.Handler

	// Clock is the source of time for Wait states, Retry intervals, timeouts
	// and history timestamps. Nil means the wall clock.
	Clock Clock

	// Logger receives one summary line per closed execution and debug lines
	// for requests and retries. Nil means discard.
	Logger *slog.Logger

	// StateDir, when set, makes state machines and executions durable: New
	// reloads them from this directory and resumes every execution that was
	// running, so an execution waiting on a task token survives a restart.
	// Each is one JSON file, replaced atomically as it changes. Empty means
	// everything is held in memory only.
	StateDir string

	// DynamoDBEndpoint is the endpoint that the DynamoDB integrations
	// (arn:aws:states:::dynamodb:getItem and the like) call, e.g. DynamoDB
	// Local's http://127.0.0.1:8000. Empty fails such tasks at run time.
	DynamoDBEndpoint string

	// MockConfig mocks service integrations per test case, in the AWS Step
	// Functions Local format; see ParseMockConfig. An execution uses it when
	// StartExecution names "<state machine ARN>#<test case>".
	MockConfig *MockConfig
}

// Engine is the local Step Functions service: it holds state machines and
// their executions in memory and runs executions in goroutines. Use it as the
// http.Handler of the Step Functions endpoint. It is safe for concurrent use.
type Engine struct {
	region    string
	accountID string
	functions map[string]lambda.Handler
	clock     Clock
	log       *slog.Logger
	random    func() float64 // for FULL jitter; returns a number in [0, 1)
	stateDir  string
	dynamoDB  *dynamoDBClient // nil without Options.DynamoDBEndpoint
	mocks     *MockConfig

	ctx    context.Context // parent of every execution; cancelled by Close
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup // execution goroutines

	mu         sync.RWMutex
	closed     bool
	machines   map[string]*stateMachine // by ARN
	byCreation []*stateMachine
	executions map[string]*execution // by ARN

	tokens tokenRegistry

	// usage counts what Step Functions bills and logs, for Stats
	transitions   atomic.Int64
	historyEvents atomic.Int64
}

// stateMachine is a created state machine. Its fields never change, except
// executions, which Engine.mu guards.
type stateMachine struct {
	arn        string
	name       string
	definition string
	roleARN    string
	kind       string // STANDARD or EXPRESS
	created    time.Time
	def        *definition
	executions []*execution // in start order
}

// New returns an Engine. Without Options.StateDir it has no state machines;
// with it, it holds those persisted there and resumes their running
// executions. The error reports a state directory that cannot be read.
func New(opts Options) (*Engine, error) {
	// fill in the defaults
	e := &Engine{
		region:     opts.Region,
		accountID:  opts.AccountID,
		functions:  make(map[string]lambda.Handler, len(opts.Functions)),
		clock:      opts.Clock,
		log:        opts.Logger,
		random:     randv2.Float64,
		stateDir:   opts.StateDir,
		mocks:      opts.MockConfig,
		machines:   map[string]*stateMachine{},
		executions: map[string]*execution{},
		tokens:     newTokenRegistry(),
	}
	if e.region == "" {
		e.region = defaultRegion
	}
	if e.accountID == "" {
		e.accountID = defaultAccountID
	}
	if e.clock == nil {
		e.clock = realClock{}
	}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}

	// keep a copy of the functions so the caller's map may change
	for name, h := range opts.Functions {
		e.functions[name] = h
	}
	if opts.DynamoDBEndpoint != "" {
		e.dynamoDB = newDynamoDBClient(opts.DynamoDBEndpoint, e.region)
	}
	e.ctx, e.cancel = context.WithCancelCause(context.Background())

	// reload what a previous engine persisted
	if err := e.load(); err != nil {
		return nil, err
	}
	return e, nil
}

// Close aborts every running execution and waits for their goroutines to
// return. A handler that ignores its context may still be running when Close
// returns; its result is discarded. After Close, StartExecution fails.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.cancel(errEngineClosed)
	e.wg.Wait()
}

// CreateStateMachine validates an ASL definition and creates a STANDARD state
// machine from it, returning the state machine's ARN. An invalid definition
// yields a *ValidationError listing every problem, each naming its state; an
// invalid name or a different state machine of the same name yields an
// *APIError. Creating the same name with the same definition again returns
// the existing ARN, as Step Functions does.
func (e *Engine) CreateStateMachine(ctx context.Context, name, definition string) (string, error) {
	sm, err := e.createStateMachine(name, definition, "", "STANDARD")
	if err != nil {
		return "", err
	}
	e.log.DebugContext(ctx, "state machine created", "stateMachine", sm.arn)
	return sm.arn, nil
}

func (e *Engine) createStateMachine(name, src, roleARN, kind string) (*stateMachine, error) {
	// check the name and the definition
	if err := checkName(name); err != nil {
		return nil, err
	}
	def, err := parseDefinition(src)
	if err != nil {
		return nil, err
	}
	if roleARN == "" {
		roleARN = fmt.Sprintf("arn:aws:iam::%s:role/firebreak-local", e.accountID)
	}

	// register it unless the name is taken
	arn := e.stateMachineARN(name)
	e.mu.Lock()
	defer e.mu.Unlock()
	if sm, ok := e.machines[arn]; ok {
		if sm.definition != src || sm.roleARN != roleARN || sm.kind != kind {
			return nil, apiErrorf(codeMachineExists,
				"State Machine Already Exists: '%s'", arn)
		}
		return sm, nil
	}
	sm := &stateMachine{arn: arn, name: name, definition: src, roleARN: roleARN,
		kind: kind, created: e.clock.Now(), def: def}
	e.machines[arn] = sm
	e.byCreation = append(e.byCreation, sm)
	e.persistMachine(sm)
	return sm, nil
}

// startExecution starts an execution of the state machine with the ARN
// machineARN, which may end in #<test case> to mock service integrations
// from Options.MockConfig. An empty name is generated and an empty input is
// {}. As on Step Functions, starting a name again with the same input while
// it runs returns the running execution; otherwise a used name is
// ExecutionAlreadyExists.
func (e *Engine) startExecution(machineARN, name, input string) (*execution, error) {
	// check the request
	if name == "" {
		name = newUUID()
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	value, err := checkInput(input)
	if err != nil {
		return nil, err
	}
	if input == "" {
		input = "{}"
	}

	// find the state machine, its test case and any execution of the same name
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, apiErrorf(codeServiceUnavailable, "the engine is shutting down")
	}
	machineARN, caseName, _ := strings.Cut(machineARN, "#")
	sm, err := e.machine(machineARN)
	if err != nil {
		return nil, err
	}
	mocks, err := e.mocks.testCase(sm.name, caseName)
	if err != nil {
		return nil, err
	}
	arn := e.executionARN(sm.name, name)
	if x, ok := e.executions[arn]; ok {
		return sameExecution(x, input)
	}

	// start it in its own goroutine
	x := e.newExecution(sm, arn, name, input, value)
	x.testCase, x.mocks = caseName, mocks
	e.persist(x)
	e.launch(x)
	return x, nil
}

// launch registers x and runs it in its own goroutine. e.mu must be held.
func (e *Engine) launch(x *execution) {
	e.executions[x.arn] = x
	x.machine.executions = append(x.machine.executions, x)
	e.wg.Add(1)
	ctx, cancel := context.WithCancelCause(e.ctx)
	x.cancel = cancel
	go e.runExecution(ctx, x)
}

// sameExecution returns x for an idempotent StartExecution repeat.
func sameExecution(x *execution, input string) (*execution, error) {
	x.mu.Lock()
	running := x.status == statusRunning
	x.mu.Unlock()
	if running && x.input == input {
		return x, nil
	}
	return nil, apiErrorf(codeExecutionExists, "Execution Already Exists: '%s'", x.arn)
}

// newExecution returns a running execution at its StartAt, with its
// ExecutionStarted event.
func (e *Engine) newExecution(sm *stateMachine, arn, name, input string, value any) *execution {
	now := e.clock.Now()
	x := &execution{arn: arn, name: name, machine: sm, def: sm.def, input: input,
		value: value, started: now, secret: newSecret(), done: make(chan struct{}),
		status: statusRunning, waiting: map[string]bool{}, resolved: map[string]*taskAnswer{},
		mockCalls: map[string]int{}}
	x.at = checkpoint{state: sm.def.startAt, input: value, visits: map[string]int{}}
	x.appendEvent(now, historyEvent{Type: "ExecutionStarted",
		ExecutionStarted: &executionStartedDetails{Input: input, RoleARN: sm.roleARN}})
	return x
}

// stopExecution aborts a running execution with an optional error and cause.
// Stopping a closed execution changes nothing.
func (e *Engine) stopExecution(arn, errorName, cause string) (*execution, error) {
	x, err := e.execution(arn)
	if err != nil {
		return nil, err
	}
	if e.abortExecution(x, errorName, cause) {
		x.cancel(errStopped)
	}
	return x, nil
}

// machine returns the state machine with arn. e.mu must be held.
func (e *Engine) machine(arn string) (*stateMachine, error) {
	if err := checkARN(arn, "stateMachine"); err != nil {
		return nil, err
	}
	sm, ok := e.machines[arn]
	if !ok {
		return nil, apiErrorf(codeMachineNotFound, "State Machine Does Not Exist: '%s'", arn)
	}
	return sm, nil
}

// execution returns the execution with arn.
func (e *Engine) execution(arn string) (*execution, error) {
	if err := checkARN(arn, "execution"); err != nil {
		return nil, err
	}
	e.mu.RLock()
	x, ok := e.executions[arn]
	e.mu.RUnlock()
	if !ok {
		return nil, apiErrorf(codeExecutionNotFound, "Execution Does Not Exist: '%s'", arn)
	}
	return x, nil
}

func (e *Engine) stateMachineARN(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", e.region, e.accountID, name)
}

func (e *Engine) executionARN(machine, name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s",
		e.region, e.accountID, machine, name)
}

// checkARN checks that arn is a Step Functions ARN of the resource type.
func checkARN(arn, resource string) error {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "states" || parts[5] != resource {
		return apiErrorf(codeInvalidARN, "Invalid Arn: '%s'", arn)
	}
	return nil
}

// nameForbidden are the characters a name may not contain.
const nameForbidden = " <>{}[]?*\"#%\\^|~`$&,;:/"

// checkName checks a state machine or execution name against the Step
// Functions rules: 1 to 80 characters, none of them whitespace, brackets,
// wildcards, control characters or " # % \ ^ | ~ ` $ & , ; : /.
func checkName(name string) error {
	if name == "" || len([]rune(name)) > maxNameLength {
		return apiErrorf(codeInvalidName, "Invalid Name: '%s'", name)
	}
	for _, r := range name {
		control := r <= ' ' || r >= 0x7f && r <= 0x9f
		if control || strings.ContainsRune(nameForbidden, r) {
			return apiErrorf(codeInvalidName, "Invalid Name: '%s'", name)
		}
	}
	return nil
}

// checkInput decodes an execution input; empty means {}.
func checkInput(input string) (any, error) {
	if input == "" {
		return map[string]any{}, nil
	}
	if len(input) > maxInputBytes {
		return nil, apiErrorf(codeValidation, "input is %d bytes, over the %d byte limit",
			len(input), maxInputBytes)
	}
	v, err := decodeJSON([]byte(input))
	if err != nil {
		return nil, apiErrorf(codeInvalidExecutionInput, "Invalid State Machine Execution "+
			"Input: '%v'", err)
	}
	return v, nil
}

// newUUID returns a random version 4 UUID, the form of generated execution
// names and Lambda request ids.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newSecret returns the random key of an execution's task tokens.
func newSecret() []byte {
	b := make([]byte, 32)
	rand.Read(b) // crypto/rand.Read never fails
	return b
}

// Stats are the engine's running totals over every execution since New:
// what Step Functions would bill a Standard workflow for and log.
type Stats struct {
	// Transitions counts the states executions entered and left: the
	// state transitions Step Functions bills, retries and Map iterations
	// included.
	Transitions int64
	// HistoryEvents counts the states' history events, each one log
	// record when a state machine logs every event.
	HistoryEvents int64
}

// Stats returns the engine's running totals. It is safe to call while
// executions run.
func (e *Engine) Stats() Stats {
	return Stats{Transitions: e.transitions.Load(), HistoryEvents: e.historyEvents.Load()}
}
