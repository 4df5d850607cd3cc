package load

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/infra/local/host"
	fbconfig "github.com/firebreak/firebreak/shared/config"
)

// Sizes are how large the bench's scenarios are.
type Sizes struct {
	// WarmAlerts are the storm's first alerts, sent to warm DynamoDB Local
	// before the scenarios, and reported by none: its JVM compiles its hot
	// paths over the first few thousand requests, and a scenario run
	// meanwhile would measure the compiler, which DynamoDB in AWS does
	// not have. None skips the warm-up.
	WarmAlerts              int
	StormAlerts, StormHosts int
	// Senders post the storm and the distinct alerts; ProbeSenders the
	// scale probes.
	Senders, ProbeSenders int
	DistinctAlerts        int
	// ScaleSmall and ScaleLarge are the stored alerts the scale probes of
	// ScaleProbes alerts each run at.
	ScaleSmall, ScaleLarge, ScaleProbes int
}

// TargetSizes are the sizes the performance targets name.
var TargetSizes = Sizes{WarmAlerts: 4000, StormAlerts: 10000, StormHosts: 200,
	Senders: 32, ProbeSenders: 8, DistinctAlerts: 1000,
	ScaleSmall: 1000, ScaleLarge: 100000, ScaleProbes: 1000}

// How the scale scenario seeds its table, and how long a run may take to
// settle.
const (
	seedBatch   = 100 // alerts a seeding request carries: POST /alerts' most
	seedSenders = 4
	benchSettle = 15 * time.Minute
)

// Targets the figures are held to (README, "Performance").
const (
	targetStormPerSecond      = 300
	targetStormCostPer1000    = 0.05
	targetDistinctCostPer1000 = 1.00
	targetMalwareTransitions  = 30
	targetScaleP99Ratio       = 1.5
)

// StormSample is the sample a storm repeats: a malware finding naming a
// file hash and a host.
const StormSample = "guardduty/execution-ec2-maliciousfile-ebs-scan.json"

// Figure is one measured figure beside its target.
type Figure struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Target is empty for a figure measured for context only.
	Target string `json:"target,omitempty"`
	Met    bool   `json:"met"`
	// Correctness is true for a figure that says whether Firebreak was
	// right (nothing lost, one investigation), not how fast or cheap.
	Correctness bool `json:"correctness"`
}

// BenchReport is a run of every scenario: the machine it ran on, each
// figure against its target, and each scenario's own figures and cost.
type BenchReport struct {
	Machine string   `json:"machine"`
	Figures []Figure `json:"figures"`
	Runs    []Result `json:"runs"`
}

// Correct reports whether every correctness figure met its target.
func (r BenchReport) Correct() bool {
	for _, f := range r.Figures {
		if f.Correctness && !f.Met {
			return false
		}
	}
	return true
}

// Bench runs the storm, distinct, malware and scale scenarios of sizes,
// each on a fresh local host started with opts and an empty table, and
// reports their figures. The hosts share one DynamoDB Local, warmed by a
// storm no figure counts. Progress, when set, gets each run's progress
// bar and a line a step.
func Bench(ctx context.Context, opts host.Options, sizes Sizes, progress io.Writer) (
	BenchReport, error) {
	templates, err := Templates(filepath.Join(opts.Root, "events", "alerts"))
	if err != nil {
		return BenchReport{}, err
	}
	if opts.DynamoDBEndpoint == "" {
		ddb, err := dynamodblocal.Start(ctx)
		if err != nil {
			return BenchReport{}, err
		}
		defer ddb.Stop()
		opts.DynamoDBEndpoint = ddb.Endpoint
	}
	b := &bench{opts: opts, sizes: sizes, templates: templates, progress: progress}
	report := BenchReport{Machine: Machine()}
	for _, scenario := range []func(context.Context) ([]Figure, error){
		b.warm, b.storm, b.distinct, b.malware, b.scale,
	} {
		figures, err := scenario(ctx)
		if err != nil {
			return report, err
		}
		report.Figures = append(report.Figures, figures...)
	}
	report.Runs = b.runs
	return report, nil
}

// bench holds what the scenarios share.
type bench struct {
	opts      host.Options
	sizes     Sizes
	templates []Template
	progress  io.Writer
	runs      []Result
}

// say prints one line of progress.
func (b *bench) say(format string, args ...any) {
	if b.progress != nil {
		fmt.Fprintf(b.progress, format+"\n", args...)
	}
}

// withHost runs fn on a fresh host, its table emptied of what the hosts
// before it stored.
func (b *bench) withHost(ctx context.Context, fn func(*host.Host) error) error {
	h, err := host.Start(ctx, b.opts)
	if err != nil {
		return err
	}
	defer h.Close()
	if err := h.Reset(ctx); err != nil {
		return err
	}
	return fn(h)
}

// warm runs the first alerts of the storm, measured but not reported, so
// that DynamoDB Local has compiled what the scenarios ask of it.
func (b *bench) warm(ctx context.Context) ([]Figure, error) {
	z := b.sizes
	if z.WarmAlerts == 0 {
		return nil, nil
	}
	t, err := Find(b.templates, StormSample)
	if err != nil {
		return nil, err
	}
	payloads, err := Storm(t, z.WarmAlerts, z.StormHosts)
	if err != nil {
		return nil, err
	}
	b.say("warm-up, not reported: %d alerts of the storm", len(payloads))
	return nil, b.withHost(ctx, func(h *host.Host) error {
		_, err := Measure(ctx, h, "warm-up", payloads,
			Options{Concurrency: z.Senders, Progress: b.progress}, benchSettle)
		return err
	})
}

// measure runs payloads on h and keeps the result.
func (b *bench) measure(ctx context.Context, h *host.Host, name string, payloads []Payload,
	senders int) (Result, error) {
	b.say("%s: %d alerts from %d senders", name, len(payloads), senders)
	res, err := Measure(ctx, h, name, payloads,
		Options{Concurrency: senders, Progress: b.progress}, benchSettle)
	if err == nil {
		b.runs = append(b.runs, res)
	}
	return res, err
}

// storm is one campaign, one file hash on many hosts, from many senders.
func (b *bench) storm(ctx context.Context) ([]Figure, error) {
	t, err := Find(b.templates, StormSample)
	if err != nil {
		return nil, err
	}
	z := b.sizes
	payloads, err := Storm(t, z.StormAlerts, z.StormHosts)
	if err != nil {
		return nil, err
	}
	var res Result
	err = b.withHost(ctx, func(h *host.Host) error {
		res, err = b.measure(ctx, h, "storm", payloads, z.Senders)
		return err
	})
	if err != nil {
		return nil, err
	}
	s, cost := res.Summary, res.Cost.PerThousand.Total()
	return []Figure{
		count("storm: investigations opened", s.Investigations, 1),
		count("storm: alerts stored", s.Stored, z.StormAlerts),
		count("storm: alerts lost", s.Lost, 0),
		count("storm: 5xx answers", s.ServerErrors, 0),
		atLeast("storm: throughput", s.PerSecond, targetStormPerSecond, "alerts/s"),
		dollars("storm: cost of 1,000 alerts", cost, targetStormCostPer1000),
	}, nil
}

// distinct is unrelated alerts.
func (b *bench) distinct(ctx context.Context) ([]Figure, error) {
	payloads, err := Distinct(b.templates, b.sizes.DistinctAlerts)
	if err != nil {
		return nil, err
	}
	var res Result
	err = b.withHost(ctx, func(h *host.Host) error {
		res, err = b.measure(ctx, h, "distinct", payloads, b.sizes.Senders)
		return err
	})
	if err != nil {
		return nil, err
	}
	s, cost := res.Summary, res.Cost.PerThousand.Total()
	return []Figure{
		count("distinct: alerts lost", s.Lost, 0),
		count("distinct: 5xx answers", s.ServerErrors, 0),
		dollars("distinct: cost of 1,000 alerts", cost, targetDistinctCostPer1000),
	}, nil
}

// count is a correctness figure that must equal want.
func count(name string, got, want int) Figure {
	return Figure{Name: name, Value: fmt.Sprint(got), Target: fmt.Sprint(want),
		Met: got == want, Correctness: true}
}

// measured is a figure with no target of its own, such as a term of a
// ratio that has one: it has no target and is always met.
func measured(name, value string) Figure {
	return Figure{Name: name, Value: value, Met: true}
}

// atLeast is a figure that must reach min.
func atLeast(name string, got, min float64, unit string) Figure {
	return Figure{Name: name, Value: fmt.Sprintf("%.0f %s", got, unit),
		Target: fmt.Sprintf("≥ %.0f %s", min, unit), Met: got >= min}
}

// atMost is a figure that must not pass most.
func atMost(name string, got, most float64, format string) Figure {
	return Figure{Name: name, Value: fmt.Sprintf(format, got),
		Target: "≤ " + fmt.Sprintf(format, most), Met: got <= most}
}

// dollars is a cost that must not pass most.
func dollars(name string, got, most float64) Figure {
	return atMost(name, got, most, "$%.4f")
}

// Machine says what the bench ran on: cores, processor, memory, Go and
// Java, so that a figure is read beside its machine.
func Machine() string {
	return fmt.Sprintf("%d cores (%s), %s memory, %s %s/%s, %s", runtime.NumCPU(), cpuModel(),
		memTotal(), runtime.Version(), runtime.GOOS, runtime.GOARCH, javaVersion())
}

// cpuModel is the processor's name, from /proc/cpuinfo where there is one.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown processor"
}

// memTotal is the machine's memory, from /proc/meminfo where there is one.
func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	var kb int64
	for _, line := range strings.Split(string(b), "\n") {
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
			return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

// storedOnly returns the templates firebreak.yaml's policy only
// stores.
func (b *bench) storedOnly() ([]Template, error) {
	cfg, err := fbconfig.Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		return nil, err
	}
	return StoredOnly(b.templates, cfg.Policy)
}

// Scaled is z with every count divided by d, senders and hosts kept
// where the division would leave too few to mean anything.
func (z Sizes) Scaled(d int) Sizes {
	div := func(n, least int) int { return max(least, n/d) }
	return Sizes{WarmAlerts: div(z.WarmAlerts, 1),
		StormAlerts: div(z.StormAlerts, 1), StormHosts: div(z.StormHosts, 2),
		Senders: z.Senders, ProbeSenders: z.ProbeSenders,
		DistinctAlerts: div(z.DistinctAlerts, 1), ScaleSmall: div(z.ScaleSmall, 1),
		ScaleLarge: div(z.ScaleLarge, 2), ScaleProbes: div(z.ScaleProbes, 1)}
}
