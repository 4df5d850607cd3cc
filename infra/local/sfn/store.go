package sfn

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Subdirectories of Options.StateDir.
const (
	machinesDir   = "machines"
	executionsDir = "executions"
)

// machineRecord is a state machine as persisted.
type machineRecord struct {
	ARN        string    `json:"arn"`
	Name       string    `json:"name"`
	Definition string    `json:"definition"`
	RoleARN    string    `json:"roleArn"`
	Kind       string    `json:"type"`
	Created    time.Time `json:"created"`
}

// executionRecord is an execution as persisted: enough to describe it and,
// while it runs, to resume it at its checkpoint with the same task tokens.
type executionRecord struct {
	ARN         string                 `json:"arn"`
	Name        string                 `json:"name"`
	MachineARN  string                 `json:"stateMachineArn"`
	Definition  string                 `json:"definition"`
	Input       string                 `json:"input"`
	Started     time.Time              `json:"started"`
	Secret      []byte                 `json:"secret"`
	TestCase    string                 `json:"testCase,omitempty"`
	Status      string                 `json:"status"`
	Stopped     time.Time              `json:"stopped"`
	Output      *string                `json:"output,omitempty"`
	Error       *string                `json:"error,omitempty"`
	Cause       *string                `json:"cause,omitempty"`
	Events      []historyEvent         `json:"events"`
	Transitions int                    `json:"transitions"`
	AtState     string                 `json:"atState"`
	AtInput     string                 `json:"atInput"`
	Visits      map[string]int         `json:"visits"`
	Waiting     map[string]bool        `json:"waiting"`
	Resolved    map[string]*taskAnswer `json:"resolved"`
	MockCalls   map[string]int         `json:"mockCalls"`
}

// persistMachine writes a state machine's record; without a state directory
// it does nothing. A write that fails is logged: the engine keeps serving
// from memory.
func (e *Engine) persistMachine(sm *stateMachine) {
	if e.stateDir == "" {
		return
	}
	rec := machineRecord{sm.arn, sm.name, sm.definition, sm.roleARN, sm.kind, sm.created}
	e.write(filepath.Join(machinesDir, sm.name+".json"), rec)
}

// unpersistMachine removes a deleted state machine's record.
func (e *Engine) unpersistMachine(sm *stateMachine) {
	if e.stateDir == "" {
		return
	}
	err := os.Remove(filepath.Join(e.stateDir, machinesDir, sm.name+".json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		e.log.Error("remove state machine record", "stateMachine", sm.arn, "err", err)
	}
}

// checkpoint records that the execution is entering a top-level state;
// at.visits must not change afterwards. Without a state directory nobody
// resumes from it, so it is not kept.
func (e *Engine) checkpoint(x *execution, at checkpoint) {
	if e.stateDir == "" {
		return
	}
	x.mu.Lock()
	x.at = at
	x.mu.Unlock()
	e.persist(x)
}

// persist writes the execution's record; without a state directory it does
// nothing. Writes of one execution are ordered, so the file always holds
// its latest state.
func (e *Engine) persist(x *execution) {
	if e.stateDir == "" {
		return
	}
	x.persistMu.Lock()
	defer x.persistMu.Unlock()
	e.write(filepath.Join(executionsDir, recordName(x.arn)), x.snapshot())
}

// recordName is the file name of an execution's record.
func recordName(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return hex.EncodeToString(sum[:16]) + ".json"
}

// snapshot returns the execution as persisted.
func (x *execution) snapshot() executionRecord {
	x.mu.Lock()
	defer x.mu.Unlock()
	return executionRecord{
		ARN: x.arn, Name: x.name, MachineARN: x.machine.arn, Definition: x.def.source,
		Input: x.input, Started: x.started, Secret: x.secret, TestCase: x.testCase,
		Status: x.status, Stopped: x.stopped, Output: x.output, Error: x.errorName,
		Cause: x.cause, Events: append([]historyEvent(nil), x.events...),
		Transitions: x.transitions, AtState: x.at.state, AtInput: encodeJSON(x.at.input),
		Visits: copyMap(x.at.visits), Waiting: copyMap(x.waiting),
		Resolved: copyMap(x.resolved), MockCalls: copyMap(x.mockCalls),
	}
}

func copyMap[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// write replaces the file rel under the state directory with v as JSON,
// atomically: a reader, or a restarted engine, sees the old or the new file.
func (e *Engine) write(rel string, v any) {
	if err := writeAtomic(filepath.Join(e.stateDir, rel), v); err != nil {
		e.log.Error("persist local Step Functions state", "file", rel, "err", err)
	}
}

func writeAtomic(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// load reads the state directory: state machines first, then executions,
// resuming those still running. A file that cannot be decoded fails New,
// since skipping it would silently lose an execution.
func (e *Engine) load() error {
	if e.stateDir == "" {
		return nil
	}
	for _, dir := range []string{machinesDir, executionsDir} {
		if err := os.MkdirAll(filepath.Join(e.stateDir, dir), 0o755); err != nil {
			return fmt.Errorf("create state directory: %w", err)
		}
	}
	machines, err := readRecords[machineRecord](filepath.Join(e.stateDir, machinesDir))
	if err != nil {
		return err
	}
	for _, rec := range machines {
		if err := e.loadMachine(rec); err != nil {
			return err
		}
	}
	executions, err := readRecords[executionRecord](filepath.Join(e.stateDir, executionsDir))
	if err != nil {
		return err
	}
	sort.Slice(executions, func(i, j int) bool {
		return executions[i].Started.Before(executions[j].Started)
	})
	for _, rec := range executions {
		if err := e.loadExecution(rec); err != nil {
			return err
		}
	}
	return nil
}

// readRecords decodes every *.json file of dir.
func readRecords[T any](dir string) ([]T, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	out := make([]T, 0, len(names))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read state: %w", err)
		}
		var rec T
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, fmt.Errorf("decode %s: %w", name, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// loadMachine registers a persisted state machine.
func (e *Engine) loadMachine(rec machineRecord) error {
	def, err := parseDefinition(rec.Definition)
	if err != nil {
		return fmt.Errorf("reload state machine %s: %w", rec.ARN, err)
	}
	sm := &stateMachine{arn: rec.ARN, name: rec.Name, definition: rec.Definition,
		roleARN: rec.RoleARN, kind: rec.Kind, created: rec.Created, def: def}
	e.machines[sm.arn] = sm
	e.byCreation = append(e.byCreation, sm)
	sort.SliceStable(e.byCreation, func(i, j int) bool {
		return e.byCreation[i].created.Before(e.byCreation[j].created)
	})
	return nil
}

// loadExecution registers a persisted execution and resumes it if it was
// running, listening at once for the tokens its waiting tasks hold.
func (e *Engine) loadExecution(rec executionRecord) error {
	// rebuild the execution with the definition it started with
	x, err := e.rebuild(rec)
	if err != nil {
		return fmt.Errorf("reload execution %s: %w", rec.ARN, err)
	}

	// a closed execution is only listed; a running one resumes
	e.mu.Lock()
	defer e.mu.Unlock()
	if x.status != statusRunning {
		close(x.done)
		x.cancel = func(error) {}
		e.executions[x.arn] = x
		x.machine.executions = append(x.machine.executions, x)
		return nil
	}
	for token := range x.waiting {
		e.tokens.openWaiter(token, x)
	}
	e.log.Info("execution resumed", "execution", x.arn, "state", x.at.state)
	e.launch(x)
	return nil
}

// rebuild turns a record back into an execution.
func (e *Engine) rebuild(rec executionRecord) (*execution, error) {
	def, err := parseDefinition(rec.Definition)
	if err != nil {
		return nil, err
	}
	value, err := checkInput(rec.Input)
	if err != nil {
		return nil, err
	}
	at, err := decodeJSON([]byte(rec.AtInput))
	if err != nil {
		return nil, err
	}
	sm := e.machines[rec.MachineARN]
	if sm == nil { // deleted since: keep the execution under a detached machine
		sm = &stateMachine{arn: rec.MachineARN, name: machineName(rec.MachineARN), def: def}
	}
	mocks, _ := e.mocks.testCase(sm.name, rec.TestCase) // a lost test case runs unmocked
	return &execution{arn: rec.ARN, name: rec.Name, machine: sm, def: def,
		input: rec.Input, value: value, started: rec.Started, secret: rec.Secret,
		testCase: rec.TestCase, mocks: mocks, done: make(chan struct{}),
		status: rec.Status, stopped: rec.Stopped, output: rec.Output,
		errorName: rec.Error, cause: rec.Cause, events: rec.Events,
		transitions: rec.Transitions,
		at:          checkpoint{state: rec.AtState, input: at, visits: orEmpty(rec.Visits)},
		waiting:     orEmpty(rec.Waiting), resolved: orEmpty(rec.Resolved),
		mockCalls: orEmpty(rec.MockCalls)}, nil
}

func orEmpty[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

// machineName returns the name in a state machine ARN.
func machineName(arn string) string {
	return arn[strings.LastIndex(arn, ":")+1:]
}
