package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/infra/local/load"
)

// runBench runs the performance scenarios (storm, distinct, malware,
// scale) and prints each figure beside its target, then each run's
// figures and cost. It exits 1 when a correctness figure (alerts lost,
// 5xx answers, investigations opened) misses its target; a speed or cost
// figure that misses is reported, not failed, since it depends on the
// machine.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "write the report as JSON")
	quiet := fs.Bool("quiet", false, "print no progress")
	small := fs.Bool("small", false, "run every scenario at a tenth of its size, "+
		"to try the bench quickly (the targets are for the full sizes)")
	root := rootFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}

	progress := stderr
	if *quiet {
		progress = nil
	}
	opts := host.Options{Root: *root, Log: slog.New(slog.DiscardHandler)}
	sizes := load.TargetSizes
	if *small {
		sizes = sizes.Scaled(10)
	}
	report, err := load.Bench(ctx, opts, sizes, progress)
	if err != nil {
		return err
	}
	if err := writeBench(stdout, report, *asJSON); err != nil {
		return err
	}
	if !report.Correct() {
		return exitError(1)
	}
	return nil
}

// writeBench prints a bench report, as text or JSON.
func writeBench(w io.Writer, r load.BenchReport, asJSON bool) error {
	if asJSON {
		return writeJSON(w, r)
	}
	fmt.Fprintf(w, "machine: %s\n\n", r.Machine)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\ttarget\tmet")
	for _, f := range r.Figures {
		target, met := f.Target, "yes"
		switch {
		case target == "":
			target, met = "—", "—"
		case !f.Met:
			met = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, f.Value, target, met)
	}
	tw.Flush()
	for _, run := range r.Runs {
		fmt.Fprintln(w)
		if err := writeResult(w, run, false); err != nil {
			return err
		}
	}
	return nil
}
