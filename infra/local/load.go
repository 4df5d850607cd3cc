package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/infra/local/load"
)

// loadFlags are the flags of firebreak load.
type loadFlags struct {
	scenario    string
	alerts      int
	hosts       int
	concurrency int
	rate        float64
	sample      string
	settle      time.Duration
	asJSON      bool
	quiet       bool
	cpuProfile  string
	root        string
}

// runLoad starts a local host, posts a scenario's alerts to it and prints
// what came of them and what they would cost. It exits 1 when an alert
// answered as stored is not in the table, or when one got a 5xx.
func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseLoadFlags(args, stderr)
	if err != nil {
		return exitError(2)
	}
	payloads, err := scenarioPayloads(f)
	if err != nil {
		return err
	}

	// a fresh host, quiet but metered
	h, err := host.Start(ctx, host.Options{Root: f.root, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer h.Close()

	// the run
	opts := load.Options{Concurrency: f.concurrency, Rate: f.rate}
	if !f.quiet {
		opts.Progress = stderr
	}
	stopProfile, err := startCPUProfile(f.cpuProfile)
	if err != nil {
		return err
	}
	res, err := load.Measure(ctx, h, f.scenario, payloads, opts, f.settle)
	stopProfile()
	if err != nil {
		return err
	}
	if err := writeResult(stdout, res, f.asJSON); err != nil {
		return err
	}
	if res.Summary.Lost > 0 || res.Summary.ServerErrors > 0 {
		return exitError(1)
	}
	return nil
}

// startCPUProfile profiles the process's CPU into path until the returned
// function is called; an empty path profiles nothing.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// parseLoadFlags reads firebreak load's flags.
func parseLoadFlags(args []string, stderr io.Writer) (loadFlags, error) {
	var f loadFlags
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.scenario, "scenario", "distinct", "what to send: distinct (unrelated "+
		"variations of every sample), storm (one campaign: --sample's file hash on --hosts "+
		"hosts) or samples (the samples as they are, in turn: repeats are duplicates)")
	fs.IntVar(&f.alerts, "alerts", 1000, "how many alerts to send")
	fs.IntVar(&f.hosts, "hosts", 200, "storm: how many hosts the campaign hits")
	fs.IntVar(&f.concurrency, "concurrency", 32, "how many senders post at once")
	fs.Float64Var(&f.rate, "rate", 0, "alerts a second at most; 0 sends as fast as it can")
	fs.StringVar(&f.sample, "sample", load.StormSample, "storm: the sample under events/alerts")
	fs.DurationVar(&f.settle, "settle", 10*time.Minute,
		"how long to wait for the investigations to finish their work")
	fs.BoolVar(&f.asJSON, "json", false, "write the figures as JSON")
	fs.BoolVar(&f.quiet, "quiet", false, "draw no progress bar")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	root := rootFlag(fs)
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	f.root = *root
	if f.alerts < 1 || f.concurrency < 1 || f.hosts < 1 || f.rate < 0 {
		fmt.Fprintln(stderr, "load: --alerts, --concurrency and --hosts must be at least 1, "+
			"--rate at least 0")
		return f, flag.ErrHelp
	}
	return f, nil
}

// scenarioPayloads builds the payloads of the scenario f names.
func scenarioPayloads(f loadFlags) ([]load.Payload, error) {
	templates, err := load.Templates(filepath.Join(f.root, "events", "alerts"))
	if err != nil {
		return nil, err
	}
	switch f.scenario {
	case "distinct":
		return load.Distinct(templates, f.alerts)
	case "storm":
		t, err := load.Find(templates, f.sample)
		if err != nil {
			return nil, err
		}
		return load.Storm(t, f.alerts, f.hosts)
	case "samples":
		return load.Samples(templates, f.alerts), nil
	}
	return nil, fmt.Errorf("load: unknown scenario %q: want distinct, storm or samples",
		f.scenario)
}

// writeResult prints a run's figures and cost, as text or JSON.
func writeResult(w io.Writer, res load.Result, asJSON bool) error {
	if asJSON {
		return writeJSON(w, res)
	}
	fmt.Fprintf(w, "scenario %s\n", res.Name)
	res.Summary.Write(w)
	fmt.Fprintln(w)
	res.Cost.Write(w)
	return nil
}
