package host

import (
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/firebreak/firebreak/shared/stack"
	"github.com/firebreak/firebreak/shared/store"
)

// bus plays EventBridge's default event bus: PutEvents wraps each entry in
// the envelope EventBridge delivers and invokes the function of every rule
// of the stack that matches it. Unlike EventBridge it delivers before it
// answers, so a test sees the effect when PutEvents returns.
type bus struct {
	mu     sync.Mutex
	routes []busRoute
	log    func(msg string, args ...any)
}

type busRoute struct {
	rule stack.EventRule
	fn   lambda.Handler
}

func (b *bus) add(r stack.EventRule, fn lambda.Handler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.routes = append(b.routes, busRoute{r, fn})
}

// putEventsEntry is one entry of a PutEvents request.
type putEventsEntry struct {
	Source     string
	DetailType string
	Detail     string
	Resources  []string
	Time       *float64
}

// envelope is the event as EventBridge delivers it to a target.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// ServeHTTP answers PutEvents on the AWS JSON protocol.
func (b *bus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct{ Entries []putEventsEntry }
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"__type": "ValidationException",
			"message": "the request is not a PutEvents request"})
		return
	}
	type result struct {
		EventId      string `json:",omitempty"`
		ErrorCode    string `json:",omitempty"`
		ErrorMessage string `json:",omitempty"`
	}
	out := struct {
		FailedEntryCount int
		Entries          []result
	}{Entries: []result{}}
	for _, e := range in.Entries {
		id, err := b.deliver(r, e)
		if err != nil {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, result{ErrorCode: "MalformedDetail",
				ErrorMessage: err.Error()})
			continue
		}
		out.Entries = append(out.Entries, result{EventId: id})
	}
	json.NewEncoder(w).Encode(out)
}

// deliver wraps one entry and invokes the functions of matching rules.
// A function's failure is logged, not returned: EventBridge accepted the
// event either way.
func (b *bus) deliver(r *http.Request, e putEventsEntry) (string, error) {
	if !json.Valid([]byte(e.Detail)) {
		return "", errDetail
	}
	at := time.Now().UTC()
	if e.Time != nil {
		at = time.Unix(int64(*e.Time), 0).UTC()
	}
	ev := envelope{Version: "0", ID: store.NewID(), DetailType: e.DetailType,
		Source: e.Source, Account: AccountID, Time: at.Format(time.RFC3339), Region: Region,
		Resources: append([]string{}, e.Resources...), Detail: json.RawMessage(e.Detail)}
	payload, _ := json.Marshal(ev)

	b.mu.Lock()
	routes := slices.Clone(b.routes)
	b.mu.Unlock()
	for _, rt := range routes {
		if !slices.Contains(rt.rule.Sources, e.Source) ||
			!slices.Contains(rt.rule.DetailTypes, e.DetailType) {
			continue
		}
		if _, err := rt.fn.Invoke(r.Context(), payload); err != nil && b.log != nil {
			b.log("event delivery failed", "rule", rt.rule.Name, "error", err)
		}
	}
	return ev.ID, nil
}

type busError string

func (e busError) Error() string { return string(e) }

const errDetail = busError("Detail is not a JSON object")
