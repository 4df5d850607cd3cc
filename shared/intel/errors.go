package intel

import (
	"errors"
	"log/slog"
	"time"
)

// TransientError is a failure of an outside service that asking again
// later may cure: throttling, a server error, the service out of reach.
// Its RetryableError method makes store.Transient, and the AWS SDK's
// retryers, recognise it through any wrapping.
type TransientError struct {
	// Err says what failed.
	Err error
	// RetryAfter is how long the service asked callers to wait; zero if
	// it did not say.
	RetryAfter time.Duration
}

func (e *TransientError) Error() string { return e.Err.Error() }

// Unwrap returns the failure.
func (e *TransientError) Unwrap() error { return e.Err }

// RetryableError reports that asking again may succeed.
func (e *TransientError) RetryableError() bool { return true }

// ErrKeyRefused means an outside service refused the API key: it is wrong,
// revoked, or not allowed what was asked. Asking again will not help.
var ErrKeyRefused = errors.New("API key refused")

// redacted stands for a secret wherever one would be printed.
const redacted = "[redacted]"

// APIKey is the key an outside service is asked with. It never prints
// itself, so it cannot leak into a log line or an error.
type APIKey string

// String hides the key.
func (APIKey) String() string { return redacted }

// GoString hides the key from %#v.
func (APIKey) GoString() string { return redacted }

// LogValue hides the key from log/slog.
func (APIKey) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText hides the key from encoders, JSON and text alike.
func (APIKey) MarshalText() ([]byte, error) { return []byte(redacted), nil }
