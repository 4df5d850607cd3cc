package sfn

import (
	"context"
	"time"
)

// Clock is the engine's source of time. Wait states, Retry intervals and
// timeouts all wait on it, and history events are stamped with it, so a test
// can supply a clock that advances instantly instead of sleeping.
//
// A Clock must be safe for concurrent use by executions running in parallel.
type Clock interface {
	// Now returns the current time.
	Now() time.Time

	// Sleep waits until d has passed on this clock or ctx is done, whichever
	// comes first. It returns ctx.Err() if ctx ended the wait and nil otherwise.
	// A d of zero or less returns at once.
	Sleep(ctx context.Context, d time.Duration) error
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
