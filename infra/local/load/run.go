package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
	"golang.org/x/time/rate"

	"github.com/firebreak/firebreak/shared/ingest"
)

// maxReplyBytes bounds how much of an answer to POST /alerts is read.
const maxReplyBytes = 1 << 20

// Sender is how a run reaches the host and signs its requests.
type Sender struct {
	URL    string // base URL of the host's routes
	Source string
	Secret ingest.Secret
	HTTP   *http.Client
}

// Options shape a run.
type Options struct {
	// Concurrency is how many senders post at once; at least one.
	Concurrency int
	// Rate caps the alerts posted per second; 0 posts as fast as the
	// senders can.
	Rate float64
	// Progress, when set, gets a progress bar.
	Progress io.Writer
}

// Sent is what one posted payload got.
type Sent struct {
	Payload *Payload
	Status  int // the HTTP status; 0 when no answer came
	Results []ingest.Result
	Err     string // the transport's error, or the answer's {"error"}
	Latency time.Duration
}

// Stored reports whether the host said it stored the payload's alert.
func (s Sent) Stored() bool {
	if s.Status < 200 || s.Status > 299 || len(s.Results) != 1 {
		return false
	}
	switch s.Results[0].Status {
	case "accepted", "duplicate", "updated":
		return true
	}
	return false
}

// Run posts every payload, one alert a request, with opts' concurrency and
// rate, and returns what each got, in the payloads' order, and how long
// the whole run took. It stops early when ctx is done.
func Run(ctx context.Context, s Sender, payloads []Payload, opts Options) ([]Sent, time.Duration) {
	// the pace and the progress bar
	limit := rate.NewLimiter(rate.Inf, 1)
	if opts.Rate > 0 {
		limit = rate.NewLimiter(rate.Limit(opts.Rate), 1)
	}
	bar := newBar(opts.Progress, len(payloads))

	// the senders take the payloads in order
	sent := make([]Sent, len(payloads))
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range max(1, opts.Concurrency) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				sent[i] = s.post(ctx, &payloads[i])
				bar.Add(1)
			}
		}()
	}
	for i := range payloads {
		if limit.Wait(ctx) != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	bar.Finish()
	return sent, time.Since(start)
}

// newBar is a progress bar on w when w is a terminal, else one that draws
// nothing: redrawn into a file or a pipe, a bar is a carriage return and a
// line ten times a second.
func newBar(w io.Writer, n int) *progressbar.ProgressBar {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return progressbar.DefaultSilent(int64(n))
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("alerts"), progressbar.OptionShowCount(),
		progressbar.OptionShowIts(), progressbar.OptionSetItsString("alerts"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
}

// post signs p's body as s.Source and posts it to /alerts.
func (s Sender) post(ctx context.Context, p *Payload) Sent {
	out := Sent{Payload: p}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/alerts",
		bytes.NewReader(p.Body))
	if err != nil {
		out.Err = err.Error()
		return out
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(ingest.HeaderSource, s.Source)
	req.Header.Set(ingest.HeaderTimestamp, ts)
	req.Header.Set(ingest.HeaderSignature, ingest.Sign(s.Secret, ts, p.Body))

	start := time.Now()
	resp, err := s.HTTP.Do(req)
	if err != nil {
		out.Latency, out.Err = time.Since(start), err.Error()
		return out
	}
	defer resp.Body.Close()
	var reply struct {
		Results []ingest.Result `json:"results"`
		Error   string          `json:"error"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, maxReplyBytes)).Decode(&reply)
	out.Latency, out.Status = time.Since(start), resp.StatusCode
	out.Results, out.Err = reply.Results, reply.Error
	if err != nil && out.Err == "" {
		out.Err = "answer is not JSON: " + err.Error()
	}
	return out
}
