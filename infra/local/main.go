// Command firebreak runs Firebreak on one machine, with no AWS account and
// no Docker.
//
//	firebreak serve [--addr HOST:PORT]   run the local host until interrupted
//	firebreak demo [--json]              show each playbook, then every sample
//	firebreak normalize FILE             print a payload's normalized alert
//	firebreak load [--scenario NAME]     replay alerts at a rate, print figures and cost
//	firebreak bench                      every performance scenario beside its target
//
// Run it from the repository (or pass --root): it reads the state machine
// from infra/statemachine/ and the samples and tenant from events/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

const usage = `usage:
  firebreak serve [--addr HOST:PORT] [--state-dir DIR] [--root DIR]
  firebreak demo [--json] [--root DIR]
  firebreak normalize [--format NAME] FILE
  firebreak sfn run --definition FILE --input FILE [--name NAME]
                    [--mock-config FILE --test-case CASE]
  firebreak load [--scenario distinct|storm|samples] [--alerts N] [--concurrency N]
                 [--rate N] [--hosts N] [--sample FILE] [--settle DURATION]
                 [--json] [--quiet] [--cpuprofile FILE] [--root DIR]
  firebreak bench [--small] [--json] [--quiet] [--root DIR]
Each command's --help lists its flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	switch os.Args[1] {
	case "serve":
		err = runServe(ctx, os.Args[2:], os.Stdout)
	case "demo":
		err = runDemo(ctx, os.Args[2:], os.Stdout)
	case "normalize":
		err = runNormalize(os.Args[2:], os.Stdout, os.Stderr)
	case "sfn":
		err = runSFN(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case "load":
		err = runLoad(ctx, os.Args[2:], os.Stdout, os.Stderr)
	case "bench":
		err = runBench(ctx, os.Args[2:], os.Stdout, os.Stderr)
	default:
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var exit exitError
	if errors.As(err, &exit) {
		os.Exit(int(exit))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "firebreak:", err)
		os.Exit(1)
	}
}

// exitError ends the command with its code, after the command printed why.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// rootFlag adds --root, defaulting to the repository around the working
// directory.
func rootFlag(fs *flag.FlagSet) *string {
	return fs.String("root", findRoot(), "repository root (holds infra/ and events/)")
}

// findRoot walks up from the working directory to the folder with go.mod.
func findRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}

// logTo returns a JSON logger writing to w.
func logTo(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
