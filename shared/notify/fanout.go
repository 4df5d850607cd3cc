package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// Fanout sends m to every notifier at once and waits for all of them: one
// that fails stops none of the others. It returns nil when every one
// sent, else a *FanoutError naming those that failed and those that sent.
func Fanout(ctx context.Context, notifiers []Notifier, m Message) error {
	errs := make([]error, len(notifiers))
	var wg sync.WaitGroup
	for i, n := range notifiers {
		wg.Go(func() { errs[i] = n.Send(ctx, m) })
	}
	wg.Wait()

	// sort the outcomes
	fe := &FanoutError{}
	for i, n := range notifiers {
		if errs[i] != nil {
			fe.Failed = append(fe.Failed, Failure{Notifier: n.Name(), Err: errs[i]})
		} else {
			fe.Sent = append(fe.Sent, n.Name())
		}
	}
	if len(fe.Failed) == 0 {
		return nil
	}
	return fe
}

// Failure is one notifier's failure.
type Failure struct {
	Notifier string
	Err      error
}

// FanoutError reports the notifiers that failed to send, and those that
// sent.
type FanoutError struct {
	Failed []Failure
	Sent   []string
}

func (e *FanoutError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		parts[i] = f.Notifier + ": " + f.Err.Error()
	}
	return fmt.Sprintf("notify: %d of %d failed: %s", len(e.Failed),
		len(e.Failed)+len(e.Sent), strings.Join(parts, "; "))
}

// Unwrap returns each notifier's error.
func (e *FanoutError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f.Err
	}
	return errs
}

// RetryableError reports whether sending again may reach a channel that
// failed: true when every failure is transient. Sending again repeats the
// message on the channels that sent.
func (e *FanoutError) RetryableError() bool {
	for _, f := range e.Failed {
		var r interface{ RetryableError() bool }
		if !errors.As(f.Err, &r) || !r.RetryableError() {
			return false
		}
	}
	return true
}

// LogValue gives a summary line the channels that sent and failed.
func (e *FanoutError) LogValue() slog.Value {
	failed := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		failed[i] = f.Notifier
	}
	return slog.GroupValue(slog.Any("sent", e.Sent), slog.Any("failed", failed),
		slog.String("error", e.Error()))
}
