package load

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak/shared/ingest"
)

// Summary is what a run did, checked against the table.
type Summary struct {
	Alerts  int           `json:"alerts"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// PerSecond is the alerts answered a second, over the whole run.
	PerSecond float64 `json:"alerts_per_second"`
	Latency   Latency `json:"latency"`
	// Statuses counts the answers by HTTP status; 0 is no answer.
	Statuses map[int]int `json:"statuses"`
	// Errors counts the alerts not answered 2xx; ServerErrors those
	// answered 5xx or not at all.
	Errors       int `json:"errors"`
	ServerErrors int `json:"server_errors"`
	// Investigations counts the investigations the answers named.
	Investigations int `json:"investigations"`
	// Stored counts the alerts found in the table; Lost those answered as
	// stored but not found there, which must be none.
	Stored int `json:"stored"`
	Lost   int `json:"lost"`
	// Duplicates counts the stored alerts answered as sent before.
	Duplicates int `json:"duplicates"`
	// FirstErrors are a few of the errors' reasons, to say what failed.
	FirstErrors []string `json:"first_errors,omitempty"`
}

// Latency holds the percentiles of the answers' latencies.
type Latency struct {
	P50 time.Duration `json:"p50_ns"`
	P90 time.Duration `json:"p90_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// maxFirstErrors bounds the reasons a Summary keeps.
const maxFirstErrors = 5

// Table is what a Summary checks the answers against: where the host
// stored each alert, by source and source alert id.
type Table interface {
	Lookup(ctx context.Context, source, sourceAlertID string) (
		alertID, investigationID string, ok bool, err error)
}

// Summarize tallies the answers of a run that took elapsed and checks,
// for each alert answered as stored, that table holds it under the
// alert id the answer gave.
func Summarize(ctx context.Context, table Table, source string, sent []Sent,
	elapsed time.Duration) (Summary, error) {
	s := Summary{Alerts: len(sent), Elapsed: elapsed, Statuses: map[int]int{},
		Latency: percentiles(sent)}
	if elapsed > 0 {
		s.PerSecond = float64(len(sent)) / elapsed.Seconds()
	}
	investigations := map[string]bool{}
	for _, x := range sent {
		s.count(x)
		if !x.Stored() {
			continue
		}
		if id := x.Results[0].InvestigationID; id != "" {
			investigations[id] = true
		}
		found, err := stored(ctx, table, source, x)
		if err != nil {
			return s, err
		}
		if found {
			s.Stored++
			if x.Results[0].Status == ingest.StatusDuplicate {
				s.Duplicates++
			}
		} else {
			s.Lost++
		}
	}
	s.Investigations = len(investigations)
	return s, nil
}

// count tallies one answer.
func (s *Summary) count(x Sent) {
	s.Statuses[x.Status]++
	if x.Stored() {
		return
	}
	s.Errors++
	if x.Status == 0 || x.Status >= 500 {
		s.ServerErrors++
	}
	if len(s.FirstErrors) < maxFirstErrors {
		s.FirstErrors = append(s.FirstErrors, fmt.Sprintf("%s: %d %s", x.Payload.Name,
			x.Status, reason(x)))
	}
}

// reason is why an alert was not stored, as its answer said.
func reason(x Sent) string {
	if x.Err != "" {
		return x.Err
	}
	if len(x.Results) > 0 {
		return x.Results[0].Status + " " + x.Results[0].Reason
	}
	return "no result"
}

// stored reports whether the table holds the alert x was answered for,
// under the alert id its answer gave.
func stored(ctx context.Context, table Table, source string, x Sent) (bool, error) {
	alertID, _, ok, err := table.Lookup(ctx, source, x.Payload.SourceAlertID)
	if err != nil {
		return false, fmt.Errorf("look up alert %s: %w", x.Payload.SourceAlertID, err)
	}
	return ok && alertID == x.Results[0].AlertID, nil
}

// percentiles returns the latency percentiles of the answered alerts.
func percentiles(sent []Sent) Latency {
	var ds []time.Duration
	for _, x := range sent {
		if x.Status != 0 {
			ds = append(ds, x.Latency)
		}
	}
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1))] }
	return Latency{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ds[len(ds)-1]}
}

// Write prints the summary, a figure a line.
func (s Summary) Write(w io.Writer) {
	fmt.Fprintf(w, "alerts sent       %d in %.1f s: %.0f alerts/s\n", s.Alerts,
		s.Elapsed.Seconds(), s.PerSecond)
	fmt.Fprintf(w, "latency           p50 %s  p90 %s  p99 %s  max %s\n", ms(s.Latency.P50),
		ms(s.Latency.P90), ms(s.Latency.P99), ms(s.Latency.Max))
	fmt.Fprintf(w, "answers           %s\n", statuses(s.Statuses))
	fmt.Fprintf(w, "errors            %d (%d 5xx or no answer)\n", s.Errors, s.ServerErrors)
	for _, e := range s.FirstErrors {
		fmt.Fprintf(w, "                  %s\n", e)
	}
	fmt.Fprintf(w, "investigations    %d\n", s.Investigations)
	fmt.Fprintf(w, "alerts stored     %d (%d answered as duplicates)\n", s.Stored,
		s.Duplicates)
	fmt.Fprintf(w, "alerts lost       %d (answered 2xx, not in the table)\n", s.Lost)
}

// ms prints d in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

// statuses prints the answer counts by status, in order.
func statuses(m map[int]int) string {
	codes := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(codes))
	for i, c := range codes {
		label := strconv.Itoa(c)
		if c == 0 {
			label = "no answer"
		}
		parts[i] = fmt.Sprintf("%s × %d", label, m[c])
	}
	return strings.Join(parts, ", ")
}
