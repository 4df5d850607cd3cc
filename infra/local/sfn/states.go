package sfn

import (
	"context"
	"time"
)

// passState passes its input to its output, optionally injecting a fixed
// Result or reshaping the input with Parameters.
type passState struct {
	inputPath  ioPath
	parameters template
	result     any
	hasResult  bool
	resultPath resultPath
	outputPath ioPath
	next       string
}

func parsePass(f fields) state {
	f.allow("a Pass state", "Type", "Comment", "Next", "End",
		"InputPath", "OutputPath", "Parameters", "Result", "ResultPath")
	next, _ := f.transition()
	return &passState{
		inputPath:  f.ioPath("InputPath"),
		parameters: f.template("Parameters"),
		result:     f.raw["Result"],
		hasResult:  f.has("Result"),
		resultPath: f.resultPath("ResultPath"),
		outputPath: f.ioPath("OutputPath"),
		next:       next,
	}
}

func (p *passState) kind() string { return "Pass" }

func (p *passState) successors() []string { return optional(p.next) }

func (p *passState) run(_ context.Context, s *step, in any) (any, string, error) {
	// select the effective input and shape it with Parameters
	eff, err := effectiveInput(s, in, p.inputPath, p.parameters)
	if err != nil {
		return nil, "", err
	}

	// the state's result is Result if it has one, else the effective input
	result := eff
	if p.hasResult {
		result = cloneValue(p.result)
	}

	// place the result and select the output
	out, err := stateOutput(s, in, result, p.resultPath, p.outputPath)
	return out, p.next, err
}

// waitState delays the execution for a time or until a timestamp.
type waitState struct {
	inputPath     ioPath
	outputPath    ioPath
	seconds       time.Duration
	secondsPath   *path
	timestamp     time.Time
	timestampPath *path
	next          string
}

func parseWait(f fields) state {
	f.allow("a Wait state", "Type", "Comment", "Next", "End", "InputPath", "OutputPath",
		"Seconds", "SecondsPath", "Timestamp", "TimestampPath")
	next, _ := f.transition()
	w := &waitState{
		inputPath:     f.ioPath("InputPath"),
		outputPath:    f.ioPath("OutputPath"),
		seconds:       f.seconds("Seconds", 0),
		secondsPath:   f.referencePath("SecondsPath"),
		timestampPath: f.referencePath("TimestampPath"),
		next:          next,
	}

	// exactly one way to say how long to wait
	n := 0
	for _, k := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
		if f.has(k) {
			n++
		}
	}
	if n != 1 {
		f.problem("a Wait state needs exactly one of Seconds, SecondsPath, " +
			"Timestamp and TimestampPath")
	}
	if f.has("Timestamp") {
		ts, ok := parseTimestamp(f.raw["Timestamp"])
		if !ok {
			f.problem("field \"Timestamp\" must be an RFC 3339 timestamp")
		}
		w.timestamp = ts
	}
	return w
}

func (w *waitState) kind() string { return "Wait" }

func (w *waitState) successors() []string { return optional(w.next) }

func (w *waitState) run(ctx context.Context, s *step, in any) (any, string, error) {
	// select the effective input
	eff, err := w.inputPath.apply(in, s, "InputPath")
	if err != nil {
		return nil, "", err
	}

	// wait on the engine's clock
	d, err := w.duration(s, eff)
	if err != nil {
		return nil, "", err
	}
	if err := s.e.clock.Sleep(ctx, d); err != nil {
		return nil, "", err
	}

	// select the output
	out, err := w.outputPath.apply(eff, s, "OutputPath")
	return out, w.next, err
}

// duration returns how long the state waits from now.
func (w *waitState) duration(s *step, eff any) (time.Duration, error) {
	switch {
	case w.secondsPath != nil:
		v, err := w.secondsPath.eval(eff, s, "SecondsPath")
		if err != nil {
			return 0, err
		}
		n, ok := v.(int64)
		if !ok || n < 0 || n > maxWaitSeconds {
			return 0, runtimeErrorf("The SecondsPath parameter does not reference "+
				"a valid non-negative integer: %s", encodeJSON(v))
		}
		return time.Duration(n) * time.Second, nil
	case w.timestampPath != nil:
		v, err := w.timestampPath.eval(eff, s, "TimestampPath")
		if err != nil {
			return 0, err
		}
		ts, ok := parseTimestamp(v)
		if !ok {
			return 0, runtimeErrorf("The TimestampPath parameter does not reference "+
				"a valid ISO-8601 extended offset date-time format string: %s", encodeJSON(v))
		}
		return ts.Sub(s.e.clock.Now()), nil
	case !w.timestamp.IsZero():
		return w.timestamp.Sub(s.e.clock.Now()), nil
	}
	return w.seconds, nil
}

// maxWaitSeconds is the longest a Standard execution can exist: one year.
const maxWaitSeconds = 365 * 24 * 60 * 60

// succeedState ends the execution successfully.
type succeedState struct {
	inputPath  ioPath
	outputPath ioPath
}

func parseSucceed(f fields) state {
	f.allow("a Succeed state", "Type", "Comment", "InputPath", "OutputPath")
	return &succeedState{inputPath: f.ioPath("InputPath"), outputPath: f.ioPath("OutputPath")}
}

func (*succeedState) kind() string { return "Succeed" }

func (*succeedState) successors() []string { return nil }

func (u *succeedState) run(_ context.Context, s *step, in any) (any, string, error) {
	eff, err := u.inputPath.apply(in, s, "InputPath")
	if err != nil {
		return nil, "", err
	}
	out, err := u.outputPath.apply(eff, s, "OutputPath")
	return out, "", err
}

// failState ends the execution as failed with an error name and a cause.
type failState struct {
	errorName string
	cause     string
	errorPath *path
	causePath *path
}

func parseFail(f fields) state {
	f.allow("a Fail state", "Type", "Comment", "Error", "Cause", "ErrorPath", "CausePath")
	if f.has("Error") && f.has("ErrorPath") || f.has("Cause") && f.has("CausePath") {
		f.problem("a Fail state cannot have both a field and its Path variant")
	}
	return &failState{
		errorName: f.string("Error"),
		cause:     f.string("Cause"),
		errorPath: f.path("ErrorPath"),
		causePath: f.path("CausePath"),
	}
}

func (*failState) kind() string { return "Fail" }

func (*failState) successors() []string { return nil }

func (fl *failState) run(_ context.Context, s *step, in any) (any, string, error) {
	name, err := pathOr(fl.errorPath, fl.errorName, s, in, "ErrorPath")
	if err != nil {
		return nil, "", err
	}
	cause, err := pathOr(fl.causePath, fl.cause, s, in, "CausePath")
	if err != nil {
		return nil, "", err
	}
	return nil, "", &statesError{name: name, cause: cause}
}

// pathOr returns the string p selects from in, or literal when p is nil.
func pathOr(p *path, literal string, s *step, in any, field string) (string, error) {
	if p == nil {
		return literal, nil
	}
	v, err := p.eval(in, s, field)
	if err != nil {
		return "", err
	}
	str, ok := v.(string)
	if !ok {
		return "", runtimeErrorf("%s must select a string, got %s", field, encodeJSON(v))
	}
	return str, nil
}

// effectiveInput applies InputPath and then Parameters to a state's raw input.
func effectiveInput(s *step, in any, inputPath ioPath, parameters template) (any, error) {
	eff, err := inputPath.apply(in, s, "InputPath")
	if err != nil || parameters == nil {
		return eff, err
	}
	return parameters.eval(eff, s)
}

// stateOutput places a state's result into its raw input with ResultPath and
// selects the output with OutputPath.
func stateOutput(s *step, in, result any, rp resultPath, op ioPath) (any, error) {
	out, err := rp.apply(in, result)
	if err != nil {
		return nil, err
	}
	return op.apply(out, s, "OutputPath")
}

// optional returns name as a list of successors, none if it is empty.
func optional(name string) []string {
	if name == "" {
		return nil
	}
	return []string{name}
}

// parseTimestamp parses an ASL timestamp: RFC 3339 with an uppercase T and Z.
func parseTimestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}
