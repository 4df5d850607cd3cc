// Package meter counts what a run of the local host would be billed for in
// AWS: API Gateway requests, Lambda invocations and their billed duration,
// DynamoDB read and write request units, Step Functions state transitions,
// and the bytes the functions log. Prices turns the counts into US dollars.
//
// The local host meters itself: it wraps every function's handler, its
// functions' logger and its DynamoDB endpoint with a Meter, so a load run
// or a benchmark reads the usage of exactly the code Lambda runs.
package meter

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// Meter counts usage. It is safe for concurrent use; the zero value is not
// usable, call New.
type Meter struct {
	apiRequests atomic.Int64
	inFlight    atomic.Int64
	logBytes    atomic.Int64

	mu        sync.Mutex
	functions map[string]Invocations
	dynamoDB  DynamoDBUsage
}

// New returns a Meter with every count at zero.
func New() *Meter {
	return &Meter{functions: map[string]Invocations{},
		dynamoDB: DynamoDBUsage{Operations: map[string]int64{}}}
}

// Invocations is what one function was invoked for.
type Invocations struct {
	Count int64
	// BilledMillis is the invocations' duration rounded up to the
	// millisecond each, as Lambda bills it.
	BilledMillis int64
}

// DynamoDBUsage is what the table was asked for. Units are the request
// units DynamoDB reported through ReturnConsumedCapacity, plus
// FailedWriteUnits for writes refused by a condition, which DynamoDB bills
// but reports no capacity for.
type DynamoDBUsage struct {
	Requests       int64
	FailedRequests int64
	// Operations counts the requests by operation, such as PutItem.
	Operations       map[string]int64
	ReadUnits        float64
	WriteUnits       float64
	FailedWriteUnits float64
}

// clone is a copy of u that shares nothing with it.
func (u DynamoDBUsage) clone() DynamoDBUsage {
	u.Operations = maps.Clone(u.Operations)
	return u
}

// Usage is a snapshot of the counts. Transitions and HistoryEvents come
// from the Step Functions engine, which counts them itself.
type Usage struct {
	APIRequests   int64
	Functions     map[string]Invocations
	DynamoDB      DynamoDBUsage
	Transitions   int64
	HistoryEvents int64
	// LogBytes counts the JSON lines the functions wrote.
	LogBytes int64
}

// Invocations returns the invocations of every function together.
func (u Usage) Invocations() Invocations {
	var all Invocations
	for _, inv := range u.Functions {
		all.Count += inv.Count
		all.BilledMillis += inv.BilledMillis
	}
	return all
}

// Since returns the usage between before and u, both snapshots of one
// Meter, u the later.
func (u Usage) Since(before Usage) Usage {
	d := Usage{
		APIRequests:   u.APIRequests - before.APIRequests,
		Transitions:   u.Transitions - before.Transitions,
		HistoryEvents: u.HistoryEvents - before.HistoryEvents,
		LogBytes:      u.LogBytes - before.LogBytes,
		Functions:     map[string]Invocations{},
		DynamoDB: DynamoDBUsage{
			Requests:         u.DynamoDB.Requests - before.DynamoDB.Requests,
			FailedRequests:   u.DynamoDB.FailedRequests - before.DynamoDB.FailedRequests,
			ReadUnits:        u.DynamoDB.ReadUnits - before.DynamoDB.ReadUnits,
			WriteUnits:       u.DynamoDB.WriteUnits - before.DynamoDB.WriteUnits,
			FailedWriteUnits: u.DynamoDB.FailedWriteUnits - before.DynamoDB.FailedWriteUnits,
			Operations:       map[string]int64{},
		},
	}
	for op, n := range u.DynamoDB.Operations {
		if n -= before.DynamoDB.Operations[op]; n > 0 {
			d.DynamoDB.Operations[op] = n
		}
	}
	for name, inv := range u.Functions {
		was := before.Functions[name]
		if n := inv.Count - was.Count; n > 0 {
			d.Functions[name] = Invocations{Count: n,
				BilledMillis: inv.BilledMillis - was.BilledMillis}
		}
	}
	return d
}

// Usage returns the counts so far.
func (m *Meter) Usage() Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Usage{
		APIRequests: m.apiRequests.Load(),
		Functions:   maps.Clone(m.functions),
		DynamoDB:    m.dynamoDB.clone(),
		LogBytes:    m.logBytes.Load(),
	}
}

// APIRequest counts one request API Gateway would bill: one that reached
// a route, whatever its answer.
func (m *Meter) APIRequest() { m.apiRequests.Add(1) }

// Busy reports whether a function is being invoked now.
func (m *Meter) Busy() bool { return m.inFlight.Load() > 0 }

// Handler returns h counting each invocation as function name's, with its
// billed duration.
func (m *Meter) Handler(name string, h lambda.Handler) lambda.Handler {
	return invocationCounter{m: m, name: name, next: h}
}

type invocationCounter struct {
	m    *Meter
	name string
	next lambda.Handler
}

func (c invocationCounter) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	c.m.inFlight.Add(1)
	start := time.Now()
	defer func() {
		c.m.invoked(c.name, time.Since(start))
		c.m.inFlight.Add(-1)
	}()
	return c.next.Invoke(ctx, payload)
}

// invoked counts one invocation of function name that took d.
func (m *Meter) invoked(name string, d time.Duration) {
	billed := (d + time.Millisecond - 1).Milliseconds()
	m.mu.Lock()
	inv := m.functions[name]
	inv.Count++
	inv.BilledMillis += billed
	m.functions[name] = inv
	m.mu.Unlock()
}
