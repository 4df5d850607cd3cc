package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Request headers of a signed alert push.
const (
	HeaderSource    = "X-Firebreak-Source"
	HeaderTimestamp = "X-Firebreak-Timestamp"
	HeaderSignature = "X-Firebreak-Signature"
)

// signatureVersion prefixes the hex HMAC in HeaderSignature.
const signatureVersion = "v1="

// ReplayWindow is how far a request's timestamp may be from now, either
// way, before the request is refused as stale.
const ReplayWindow = 5 * time.Minute

// Secret is a source's signing secret. It never prints itself, so it cannot
// leak into a log line.
type Secret string

// String hides the secret.
func (Secret) String() string { return "[redacted]" }

// LogValue hides the secret from log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalText hides the secret from encoders, JSON and text alike.
func (Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Sources maps a source name to its signing secret.
type Sources map[string]Secret

// LogValue lists the source names only.
func (srcs Sources) LogValue() slog.Value {
	names := make([]string, 0, len(srcs))
	for n := range srcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return slog.AnyValue(names)
}

// AuthError is a request that failed authentication. Missing is true when
// credentials were absent (401) rather than wrong or stale (403).
type AuthError struct {
	Missing bool
	Reason  string
}

func (e *AuthError) Error() string { return e.Reason }

// Sign returns the HeaderSignature value for body sent at timestamp ts
// (Unix seconds) with secret: v1=<hex HMAC-SHA256(secret, ts + "." + body)>.
func Sign(secret Secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return signatureVersion + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a request's signed headers against the known sources and
// returns the authenticated source name. header reads a header by its
// canonical name. The comparison takes constant time.
func (srcs Sources) Verify(header func(string) string, body []byte, now time.Time) (
	string, error) {
	source, ts, sig := header(HeaderSource), header(HeaderTimestamp), header(HeaderSignature)
	if missing := absent(header); len(missing) > 0 {
		return "", &AuthError{Missing: true, Reason: fmt.Sprintf(
			"missing credentials: no %s; send %s, %s and %s", strings.Join(missing, ", "),
			HeaderSource, HeaderTimestamp, HeaderSignature)}
	}
	secret, ok := srcs[source]
	if !ok {
		return "", &AuthError{Reason: fmt.Sprintf("unknown source %q", source)}
	}
	if err := checkTimestamp(ts, now); err != nil {
		return "", err
	}
	want := Sign(secret, ts, body)
	if !strings.HasPrefix(sig, signatureVersion) ||
		!hmac.Equal([]byte(sig), []byte(want)) {
		return "", &AuthError{Reason: "signature does not match: sign " +
			`"<timestamp>.<body>" with HMAC-SHA256 and send v1=<hex>`}
	}
	return source, nil
}

// absent lists the signing headers a request lacks.
func absent(header func(string) string) []string {
	var missing []string
	for _, name := range []string{HeaderSource, HeaderTimestamp, HeaderSignature} {
		if header(name) == "" {
			missing = append(missing, name)
		}
	}
	return missing
}

// checkTimestamp refuses a timestamp that is not Unix seconds, as plain
// digits, within the replay window of now.
func checkTimestamp(ts string, now time.Time) error {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || strings.TrimLeft(ts, "0123456789") != "" {
		return &AuthError{Reason: fmt.Sprintf("%s must be Unix seconds, got %q",
			HeaderTimestamp, ts)}
	}
	// compare in seconds: a millisecond timestamp would overflow a Duration
	window := int64(ReplayWindow / time.Second)
	switch age := now.Unix() - sec; {
	case age > window:
		return &AuthError{Reason: fmt.Sprintf("%s is %d seconds old, more than the %s allowed",
			HeaderTimestamp, age, ReplayWindow)}
	case age < -window:
		return &AuthError{Reason: fmt.Sprintf(
			"%s is %d seconds in the future, more than the %s allowed (milliseconds sent as seconds?)",
			HeaderTimestamp, -age, ReplayWindow)}
	}
	return nil
}
