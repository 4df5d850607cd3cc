package sfn

import (
	"math"
	"time"
)

// Retry defaults from the Amazon States Language.
const (
	defaultRetryInterval = time.Second
	defaultMaxAttempts   = 3
	defaultBackoffRate   = 2.0
	maxRetryDelaySeconds = 31622400 // the MaxDelaySeconds limit: 366 days
)

// retrier is one entry of a Task state's Retry field.
type retrier struct {
	errorEquals []string
	interval    time.Duration
	maxAttempts int64
	backoffRate float64
	maxDelay    time.Duration // zero means no cap
	fullJitter  bool
}

// delay returns how long to wait before retry number n, counting from 0:
// IntervalSeconds × BackoffRate^n, capped at MaxDelaySeconds, and with FULL
// jitter a random point between zero and that. random returns a number in [0, 1).
func (r retrier) delay(n int64, random func() float64) time.Duration {
	d := float64(r.interval) * math.Pow(r.backoffRate, float64(n))
	limit := float64(maxRetryDelaySeconds * time.Second)
	if r.maxDelay > 0 {
		limit = float64(r.maxDelay)
	}
	d = math.Min(d, limit)
	if r.fullJitter {
		d *= random()
	}
	return time.Duration(d)
}

// catcher is one entry of a Task state's Catch field.
type catcher struct {
	errorEquals []string
	resultPath  resultPath
	next        string
}

// errorOutput is what a catcher places at its ResultPath.
func errorOutput(err *statesError) map[string]any {
	return map[string]any{"Error": err.name, "Cause": err.cause}
}

func parseRetriers(f fields) []retrier {
	entries := f.objects("Retry")
	out := make([]retrier, 0, len(entries))
	for i, r := range entries {
		r.allow("a retrier", "ErrorEquals", "IntervalSeconds", "MaxAttempts",
			"BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment")
		rt := retrier{
			errorEquals: errorEquals(r, i == len(entries)-1),
			interval:    r.seconds("IntervalSeconds", 1),
			maxAttempts: r.integer("MaxAttempts", defaultMaxAttempts, 0),
			backoffRate: r.number("BackoffRate", defaultBackoffRate),
			maxDelay:    r.seconds("MaxDelaySeconds", 1),
		}
		if !r.has("IntervalSeconds") {
			rt.interval = defaultRetryInterval
		}
		if rt.backoffRate < 1 {
			r.problem("field \"BackoffRate\" must be at least 1.0, got %v", rt.backoffRate)
		}
		if rt.maxDelay > maxRetryDelaySeconds*time.Second {
			r.problem("field \"MaxDelaySeconds\" must be below %d", maxRetryDelaySeconds)
		}
		switch js := r.string("JitterStrategy"); js {
		case "", "NONE":
		case "FULL":
			rt.fullJitter = true
		default:
			r.problem("field \"JitterStrategy\" must be FULL or NONE, got %q", js)
		}
		out = append(out, rt)
	}
	return out
}

func parseCatchers(f fields) []catcher {
	entries := f.objects("Catch")
	out := make([]catcher, 0, len(entries))
	for i, c := range entries {
		c.allow("a catcher", "ErrorEquals", "Next", "ResultPath", "Comment")
		out = append(out, catcher{
			errorEquals: errorEquals(c, i == len(entries)-1),
			resultPath:  c.resultPath("ResultPath"),
			next:        c.requiredString("Next"),
		})
	}
	return out
}

// errorEquals reads ErrorEquals, where States.ALL must stand alone and only in
// the last retrier or catcher.
func errorEquals(f fields, last bool) []string {
	names := f.strings("ErrorEquals")
	for _, n := range names {
		if n == errAll && (len(names) > 1 || !last) {
			f.problem("%s must appear alone and in the last entry", errAll)
		}
	}
	return names
}

// retrierFor returns the index of the first retrier that handles the error
// name, or -1.
func retrierFor(retry []retrier, name string) int {
	for i, r := range retry {
		if matchesError(r.errorEquals, name) {
			return i
		}
	}
	return -1
}
