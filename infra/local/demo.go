package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/firebreak/firebreak/infra/local/demo"
	"github.com/firebreak/firebreak/infra/local/host"
)

// runDemo starts a host, plays each playbook's scene on a fresh
// environment, then pushes every sample alert, and prints the report. It
// fails when an alert is refused or an investigation's execution fails.
func runDemo(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "write the report as JSON")
	root := rootFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}

	// the handlers' log lines go to a file, so the report stays readable
	logPath := filepath.Join(os.TempDir(), "firebreak-demo.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	h, err := host.Start(ctx, host.Options{Root: *root, Log: logTo(logFile)})
	if err != nil {
		return err
	}
	defer h.Close()

	rep, err := demo.Run(ctx, demo.Target{
		URL: h.URL, ExecutionARN: h.ExecutionARN, StateMachineARN: h.StateMachineARN,
		Reset: h.Reset, Region: host.Region,
		Source: host.DemoSource, Secret: host.DemoSecret,
		AlertsDir: filepath.Join(*root, "events", "alerts"),
		HTTP:      &http.Client{Timeout: 30 * time.Second}, Now: time.Now,
		PollInterval: 50 * time.Millisecond,
	}, demo.Scenes)
	if err != nil {
		return err
	}
	if err := write(stdout, rep, *asJSON); err != nil {
		return err
	}
	if !*asJSON {
		if err := showRemediation(ctx, h, stdout, *root); err != nil {
			return err
		}
	}
	if !rep.OK() {
		fmt.Fprintf(os.Stderr, "demo: an alert was refused or an investigation failed; log: %s\n",
			logPath)
		return exitError(1)
	}
	return nil
}

func write(w io.Writer, rep demo.Report, asJSON bool) error {
	if !asJSON {
		demo.Print(w, rep)
		return nil
	}
	return writeJSON(w, rep)
}

// writeJSON writes v as indented JSON, as every command's --json does.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// showRemediation plays the demo's remediation part: the malware scene
// changing the simulated tenant, and one action undone through the API.
func showRemediation(ctx context.Context, h *host.Host, w io.Writer, root string) error {
	r, err := demo.ShowRemediation(ctx, demo.Target{
		URL: h.URL, ExecutionARN: h.ExecutionARN, StateMachineARN: h.StateMachineARN,
		Reset: h.Reset, Region: host.Region,
		Source: host.DemoSource, Secret: host.DemoSecret,
		AlertsDir: filepath.Join(root, "events", "alerts"),
		HTTP:      &http.Client{Timeout: 30 * time.Second}, Now: time.Now,
		PollInterval: 50 * time.Millisecond,
	}, h.Tenant)
	if err != nil {
		return fmt.Errorf("remediation: %w", err)
	}
	fmt.Fprintln(w)
	demo.PrintRemediation(w, r)
	return nil
}
