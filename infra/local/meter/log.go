package meter

import (
	"context"
	"log/slog"
)

// LogHandler returns a handler that counts the bytes each record takes as
// the JSON line Lambda would ship to CloudWatch Logs at level INFO, then
// passes the record on to next if next is enabled for it. Records are
// counted even where next discards them, so a quiet run is metered too.
func (m *Meter) LogHandler(next slog.Handler) slog.Handler {
	counter := slog.NewJSONHandler(byteCounter{m}, &slog.HandlerOptions{Level: slog.LevelInfo})
	return countingHandler{json: counter, next: next}
}

// byteCounter adds what is written to the Meter's log bytes.
type byteCounter struct{ m *Meter }

func (c byteCounter) Write(p []byte) (int, error) {
	c.m.logBytes.Add(int64(len(p)))
	return len(p), nil
}

// countingHandler sends each record to json, which counts it, and to next.
type countingHandler struct {
	json, next slog.Handler
}

func (h countingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.json.Enabled(ctx, l) || h.next.Enabled(ctx, l)
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.json.Enabled(ctx, r.Level) {
		h.json.Handle(ctx, r.Clone())
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return countingHandler{json: h.json.WithAttrs(attrs), next: h.next.WithAttrs(attrs)}
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	return countingHandler{json: h.json.WithGroup(name), next: h.next.WithGroup(name)}
}
