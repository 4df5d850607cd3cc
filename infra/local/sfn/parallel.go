package sfn

import (
	"context"
	"fmt"
	"strconv"
	"sync"
)

// maxInlineConcurrency bounds the iterations an inline Map state runs at once
// when MaxConcurrency is 0, as Step Functions runs at most 40.
const maxInlineConcurrency = 40

// parallelState runs each of its branches on a copy of its input, all at
// once, and its result is the array of the branches' outputs in order.
type parallelState struct {
	branches       []*branch
	inputPath      ioPath
	parameters     template
	resultSelector template
	resultPath     resultPath
	outputPath     ioPath
	recovery
	next string
}

func parseParallel(f fields) state {
	f.allow("a Parallel state", "Type", "Comment", "Next", "End", "Branches",
		"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath",
		"Retry", "Catch")
	next, _ := f.transition()
	p := &parallelState{
		inputPath:      f.ioPath("InputPath"),
		parameters:     f.template("Parameters"),
		resultSelector: f.template("ResultSelector"),
		resultPath:     f.resultPath("ResultPath"),
		outputPath:     f.ioPath("OutputPath"),
		recovery:       parseRecovery(f),
		next:           next,
	}
	branches := f.objects("Branches")
	if len(branches) == 0 {
		f.problem("a Parallel state needs a non-empty Branches array")
	}
	for _, b := range branches {
		b.allow("a branch", "StartAt", "States", "Comment")
		p.branches = append(p.branches, f.v.branch(b))
	}
	return p
}

func (p *parallelState) kind() string { return "Parallel" }

func (p *parallelState) successors() []string {
	return append(optional(p.next), p.recovery.successors()...)
}

func (p *parallelState) run(ctx context.Context, s *step, in any) (any, string, error) {
	// select the effective input: InputPath, then Parameters
	args, err := effectiveInput(s, in, p.inputPath, p.parameters)
	if err != nil {
		return nil, "", err
	}

	// run every branch as Retry allows, then shape the result
	result, err := p.attempts(ctx, s, func(ctx context.Context, attempt int) (any, error) {
		return p.runBranches(ctx, s, args, attempt)
	})
	if err == nil && p.resultSelector != nil {
		result, err = p.resultSelector.eval(result, s)
	}
	if err != nil {
		return p.catchError(in, err)
	}
	out, err := stateOutput(s, in, result, p.resultPath, p.outputPath)
	return out, p.next, err
}

// runBranches runs every branch at once on a copy of args. The first branch
// to fail stops the others and fails the state.
func (p *parallelState) runBranches(ctx context.Context, s *step, args any,
	attempt int) (any, error) {
	s.record(historyEvent{Type: "ParallelStateStarted"})
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// start the branches
	outs := make([]any, len(p.branches))
	errs := make([]error, len(p.branches))
	var wg sync.WaitGroup
	for i, b := range p.branches {
		wg.Go(func() {
			prefix := fmt.Sprintf("%s/%d.%d/", s.where, attempt, i)
			at := checkpoint{state: b.startAt, input: cloneValue(args), visits: map[string]int{}}
			outs[i], errs[i] = s.e.runBranch(ctx, s.x, b, at, prefix)
			if errs[i] != nil {
				cancel(errs[i])
			}
		})
	}
	wg.Wait()

	// report the first failure, which stopped the others
	if err := firstFailure(ctx, errs); err != nil {
		s.record(historyEvent{Type: "ParallelStateFailed"})
		return nil, err
	}
	s.record(historyEvent{Type: "ParallelStateSucceeded"})
	return outs, nil
}

// firstFailure returns the error that cancelled ctx, or nil if none did.
func firstFailure(ctx context.Context, errs []error) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// mapState runs its item processor on each item of an array in the input,
// and its result is the array of the iterations' outputs in order.
type mapState struct {
	processor      *branch
	inputPath      ioPath
	itemsPath      *path
	itemSelector   template
	resultSelector template
	resultPath     resultPath
	outputPath     ioPath
	maxConcurrency int64
	tolerated      tolerance
	recovery
	next string
}

// tolerance is how many iterations of a Map state may fail before it does.
type tolerance struct {
	count   int64   // tolerated failures; -1 means unset
	percent float64 // tolerated failures in percent of the items; -1 means unset
}

func parseMap(f fields) state {
	f.allow("a Map state", "Type", "Comment", "Next", "End", "InputPath", "OutputPath",
		"ItemsPath", "ItemSelector", "Parameters", "ItemProcessor", "Iterator",
		"MaxConcurrency", "ResultSelector", "ResultPath", "Retry", "Catch",
		"ToleratedFailureCount", "ToleratedFailurePercentage")
	next, _ := f.transition()
	m := &mapState{
		inputPath:      f.ioPath("InputPath"),
		itemsPath:      f.referencePath("ItemsPath"),
		resultSelector: f.template("ResultSelector"),
		resultPath:     f.resultPath("ResultPath"),
		outputPath:     f.ioPath("OutputPath"),
		maxConcurrency: f.integer("MaxConcurrency", 0, 0),
		tolerated: tolerance{count: f.integer("ToleratedFailureCount", -1, 0),
			percent: f.number("ToleratedFailurePercentage", -1)},
		recovery: parseRecovery(f),
		next:     next,
	}
	m.itemSelector = m.parseSelector(f)
	m.processor = parseProcessor(f)
	if p := m.tolerated.percent; f.has("ToleratedFailurePercentage") && (p < 0 || p > 100) {
		f.problem("field \"ToleratedFailurePercentage\" must be between 0 and 100")
	}
	return m
}

// parseSelector reads ItemSelector or its older name, Parameters.
func (m *mapState) parseSelector(f fields) template {
	if f.has("ItemSelector") && f.has("Parameters") {
		f.problem("a Map state cannot have both ItemSelector and Parameters")
	}
	if f.has("Parameters") {
		return f.template("Parameters")
	}
	return f.template("ItemSelector")
}

// parseProcessor reads ItemProcessor or its older name, Iterator.
func parseProcessor(f fields) *branch {
	key := "ItemProcessor"
	switch {
	case f.has("ItemProcessor") && f.has("Iterator"):
		f.problem("a Map state cannot have both ItemProcessor and Iterator")
	case f.has("Iterator"):
		key = "Iterator"
	case !f.has("ItemProcessor"):
		f.problem("a Map state needs an ItemProcessor")
		return nil
	}
	raw, ok := f.raw[key].(map[string]any)
	if !ok {
		f.problem("field %q must be an object", key)
		return nil
	}
	pf := f.child(key, raw)
	pf.allow("an item processor", "StartAt", "States", "Comment", "ProcessorConfig")
	if cfg, ok := raw["ProcessorConfig"].(map[string]any); ok {
		if mode, _ := cfg["Mode"].(string); mode != "" && mode != "INLINE" {
			pf.problem("ProcessorConfig Mode %q is not supported by the local engine; "+
				"only INLINE", mode)
		}
	}
	return f.v.branch(pf)
}

func (m *mapState) kind() string { return "Map" }

func (m *mapState) successors() []string {
	return append(optional(m.next), m.recovery.successors()...)
}

func (m *mapState) run(ctx context.Context, s *step, in any) (any, string, error) {
	// select the effective input and the items in it
	eff, err := m.inputPath.apply(in, s, "InputPath")
	if err != nil {
		return nil, "", err
	}
	items, err := m.items(s, eff)
	if err != nil {
		return nil, "", err
	}

	// run every item as Retry allows, then shape the result
	result, err := m.attempts(ctx, s, func(ctx context.Context, attempt int) (any, error) {
		return m.runItems(ctx, s, eff, items, attempt)
	})
	if err == nil && m.resultSelector != nil {
		result, err = m.resultSelector.eval(result, s)
	}
	if err != nil {
		return m.catchError(in, err)
	}
	out, err := stateOutput(s, in, result, m.resultPath, m.outputPath)
	return out, m.next, err
}

// items returns the array ItemsPath selects, the effective input by default.
func (m *mapState) items(s *step, eff any) ([]any, error) {
	v := eff
	if m.itemsPath != nil {
		var err error
		if v, err = m.itemsPath.eval(eff, s, "ItemsPath"); err != nil {
			return nil, err
		}
	}
	items, ok := v.([]any)
	if !ok {
		return nil, runtimeErrorf("Map state input must be an array, but %s is %s",
			"ItemsPath", encodeJSON(v))
	}
	return items, nil
}

// runItems runs one iteration per item, at most MaxConcurrency at once.
func (m *mapState) runItems(ctx context.Context, s *step, eff any, items []any,
	attempt int) (any, error) {
	s.record(historyEvent{Type: "MapStateStarted",
		MapStateStarted: &mapStateStartedDetails{Length: int64(len(items))}})
	run := &mapRun{m: m, s: s, attempt: attempt, outs: make([]any, len(items)),
		limit: m.tolerated.limit(len(items))}
	ctx, run.cancel = context.WithCancelCause(ctx)
	defer run.cancel(nil)

	// start an iteration per item as the concurrency limit allows
	slots := make(chan struct{}, m.concurrency())
	var wg sync.WaitGroup
	for i, item := range items {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			run.iterate(ctx, eff, int64(i), item)
		})
	}
	wg.Wait()
	return run.finish(ctx)
}

// concurrency returns how many iterations may run at once.
func (m *mapState) concurrency() int64 {
	if m.maxConcurrency == 0 || m.maxConcurrency > maxInlineConcurrency {
		return maxInlineConcurrency
	}
	return m.maxConcurrency
}

// limit returns how many of n iterations may fail before the Map state does.
func (t tolerance) limit(n int) int64 {
	limit := int64(0)
	if t.count >= 0 {
		limit = t.count
	}
	if t.percent >= 0 {
		limit = max(limit, int64(t.percent*float64(n)/100))
	}
	return limit
}

// mapRun is one attempt of a Map state over its items.
type mapRun struct {
	m       *mapState
	s       *step
	attempt int
	cancel  context.CancelCauseFunc
	limit   int64 // failures tolerated

	mu       sync.Mutex
	outs     []any
	failures int64
}

// iterate runs the item processor on item number i.
func (r *mapRun) iterate(ctx context.Context, eff any, i int64, item any) {
	// select the iteration's input, with the item in the context object
	details := &mapIterationDetails{Name: r.s.name, Index: i}
	r.s.record(historyEvent{Type: "MapIterationStarted", MapIterationStarted: details})
	in, err := r.selectItem(eff, i, item)

	// run the iteration
	var out any
	if err == nil {
		prefix := r.s.where + "/" + strconv.Itoa(r.attempt) + "[" +
			strconv.FormatInt(i, 10) + "]/"
		at := checkpoint{state: r.m.processor.startAt, input: in, visits: map[string]int{}}
		out, err = r.s.e.runBranch(ctx, r.s.x, r.m.processor, at, prefix)
	}

	// record its outcome
	switch {
	case err == nil:
		r.s.record(historyEvent{Type: "MapIterationSucceeded", MapIterationSucceeded: details})
		r.set(i, out)
	case ctx.Err() != nil:
		r.s.record(historyEvent{Type: "MapIterationAborted", MapIterationAborted: details})
	default:
		r.s.record(historyEvent{Type: "MapIterationFailed", MapIterationFailed: details})
		r.fail(i, err)
	}
}

// selectItem applies ItemSelector to an item, or passes the item on.
func (r *mapRun) selectItem(eff any, i int64, item any) (any, error) {
	if r.m.itemSelector == nil {
		return cloneValue(item), nil
	}
	sel := *r.s
	sel.item = &mapItem{index: i, value: item}
	return r.m.itemSelector.eval(eff, &sel)
}

func (r *mapRun) set(i int64, out any) {
	r.mu.Lock()
	r.outs[i] = out
	r.mu.Unlock()
}

// fail counts a failed iteration, whose output becomes its error output,
// and stops the run once failures exceed what is tolerated.
func (r *mapRun) fail(i int64, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures++
	if se, ok := err.(*statesError); ok {
		r.outs[i] = errorOutput(se)
	}
	switch {
	case r.limit == 0:
		r.cancel(err)
	case r.failures > r.limit:
		r.cancel(&statesError{name: errToleratedFailure, cause: fmt.Sprintf(
			"The number of failed items, %d, exceeds the tolerated %d", r.failures, r.limit)})
	}
}

// finish records and returns how the run ended.
func (r *mapRun) finish(ctx context.Context) (any, error) {
	if err := context.Cause(ctx); err != nil {
		r.s.record(historyEvent{Type: "MapStateFailed"})
		return nil, err
	}
	r.s.record(historyEvent{Type: "MapStateSucceeded"})
	return r.outs, nil
}
