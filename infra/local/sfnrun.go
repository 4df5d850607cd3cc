package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/firebreak/firebreak/infra/local/sfn"
)

// Exit codes of firebreak sfn run.
const (
	exitSucceeded = 0
	exitFailed    = 1
	exitInvalid   = 2
	sfnRunUsage   = "usage: firebreak sfn run --definition FILE --input FILE [--name NAME] " +
		"[--mock-config FILE --test-case CASE]"
)

// runSFN runs the sfn subcommands; run is the only one.
func runSFN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(stderr, sfnRunUsage)
		return exitError(exitInvalid)
	}
	return runSFNRun(ctx, args[1:], stdout, stderr)
}

// sfnRunFlags are the flags of firebreak sfn run.
type sfnRunFlags struct {
	definition, input, name, mockConfig, testCase string
}

// runSFNRun runs one execution of a definition on the local engine with the
// wall clock. It prints the output JSON and exits 0 when the execution
// succeeds, prints {"error":…,"cause":…} and exits 1 when it does not, and
// exits 2 with the problems when the definition or the flags are invalid.
func runSFNRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// read the flags and files
	f, err := parseSFNRunFlags(args, stderr)
	if err != nil {
		return err
	}
	definition, input, mocks, err := f.read()
	if err != nil {
		fmt.Fprintln(stderr, "firebreak sfn run:", err)
		return exitError(exitInvalid)
	}

	// create the state machine, reporting every problem of the definition
	engine, err := sfn.New(sfn.Options{MockConfig: mocks, Logger: logTo(io.Discard)})
	if err != nil {
		return err
	}
	defer engine.Close()
	arn, err := engine.CreateStateMachine(ctx, f.name, definition)
	if err != nil {
		return reportInvalid(stderr, err)
	}

	// run the execution and print how it ended
	if f.testCase != "" {
		arn += "#" + f.testCase
	}
	r, err := engine.RunExecution(ctx, arn, "", input)
	if err != nil {
		return reportInvalid(stderr, err)
	}
	return printResult(stdout, r)
}

func parseSFNRunFlags(args []string, stderr io.Writer) (*sfnRunFlags, error) {
	fs := flag.NewFlagSet("sfn run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &sfnRunFlags{}
	fs.StringVar(&f.definition, "definition", "", "ASL definition `FILE`")
	fs.StringVar(&f.input, "input", "", "execution input JSON `FILE`")
	fs.StringVar(&f.name, "name", "", "state machine `NAME`; default: the definition's "+
		"base name")
	fs.StringVar(&f.mockConfig, "mock-config", "", "Step Functions Local mock config `FILE`")
	fs.StringVar(&f.testCase, "test-case", "", "test `CASE` of the mock config to run")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, sfnRunUsage)
		return nil, exitError(exitInvalid)
	}
	if f.definition == "" || f.input == "" || (f.mockConfig == "") != (f.testCase == "") {
		fmt.Fprintln(stderr, sfnRunUsage)
		return nil, exitError(exitInvalid)
	}
	if f.name == "" {
		base := filepath.Base(f.definition)
		f.name = strings.TrimSuffix(strings.TrimSuffix(base, ".json"), ".asl")
	}
	return f, nil
}

// read returns the definition, the input and the mock config.
func (f *sfnRunFlags) read() (string, string, *sfn.MockConfig, error) {
	definition, err := os.ReadFile(f.definition)
	if err != nil {
		return "", "", nil, fmt.Errorf("read definition: %w", err)
	}
	input, err := os.ReadFile(f.input)
	if err != nil {
		return "", "", nil, fmt.Errorf("read input: %w", err)
	}
	if f.mockConfig == "" {
		return string(definition), string(input), nil, nil
	}
	data, err := os.ReadFile(f.mockConfig)
	if err != nil {
		return "", "", nil, fmt.Errorf("read mock config: %w", err)
	}
	mocks, err := sfn.ParseMockConfig(data)
	if err != nil {
		return "", "", nil, err
	}
	return string(definition), string(input), mocks, nil
}

// reportInvalid prints why the engine refused the definition or the input.
func reportInvalid(stderr io.Writer, err error) error {
	var ve *sfn.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Fprintln(stderr, p)
		}
	} else {
		fmt.Fprintln(stderr, "firebreak sfn run:", err)
	}
	return exitError(exitInvalid)
}

// printResult prints the output of a successful execution, or its error and
// cause.
func printResult(stdout io.Writer, r *sfn.ExecutionResult) error {
	if r.Status == "SUCCEEDED" {
		fmt.Fprintln(stdout, r.Output)
		return nil
	}
	b, err := json.Marshal(map[string]string{"error": r.Error, "cause": r.Cause})
	if err != nil {
		return fmt.Errorf("encode the failure: %w", err)
	}
	fmt.Fprintln(stdout, string(b))
	return exitError(exitFailed)
}
