package load

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/firebreak/firebreak/infra/local/host"
	"github.com/firebreak/firebreak/infra/local/meter"
	"github.com/firebreak/firebreak/shared/stack"
)

// idleQuiet is how long a host must do nothing for its run to be over:
// longer than any pause between the steps of an investigation.
const idleQuiet = time.Second

// Result is a measured run: what the answers and the table say, and what
// the run would cost in AWS.
type Result struct {
	Name    string       `json:"name"`
	Summary Summary      `json:"summary"`
	Cost    meter.Report `json:"cost"`
}

// Measure posts payloads to h with opts, waits until the investigations
// they started have done all they can without a person (settle bounds the
// wait), and returns the run's figures and its cost.
func Measure(ctx context.Context, h *host.Host, name string, payloads []Payload,
	opts Options, settle time.Duration) (Result, error) {
	// send, metering from before the first request to the end of the work
	before := h.Usage()
	sent, elapsed := Run(ctx, senderTo(h, opts.Concurrency), payloads, opts)
	wait, cancel := context.WithTimeout(ctx, settle)
	defer cancel()
	if err := h.WaitIdle(wait, idleQuiet); err != nil {
		return Result{}, err
	}
	used := h.Usage().Since(before)

	// check the answers against the table, and price the run
	sum, err := Summarize(ctx, h.Store, host.DemoSource, sent, elapsed)
	if err != nil {
		return Result{}, fmt.Errorf("summarize %s: %w", name, err)
	}
	report := meter.NewReport(used, len(payloads), meter.ListPrices, functionMemory)
	return Result{Name: name, Summary: sum, Cost: report}, nil
}

// senderTo signs as the host's demo source, over connections enough for
// concurrency senders.
func senderTo(h *host.Host, concurrency int) Sender {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = max(concurrency, 2)
	return Sender{URL: h.URL, Source: host.DemoSource, Secret: host.DemoSecret,
		HTTP: &http.Client{Transport: transport, Timeout: time.Minute}}
}

// functionMemory is a function's memory as the stack deploys it.
func functionMemory(name string) int {
	f, _ := stack.Firebreak.Function(name)
	return f.MemoryMB
}
