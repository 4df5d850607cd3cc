package meter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// targetPrefix starts the X-Amz-Target of every DynamoDB request.
const targetPrefix = "DynamoDB_20120810."

// writeOperations are the DynamoDB operations billed in write request
// units; every other operation that reports capacity is billed in read
// request units.
var writeOperations = map[string]bool{
	"PutItem": true, "UpdateItem": true, "DeleteItem": true,
	"BatchWriteItem": true, "TransactWriteItems": true,
}

// capacityOperations are the operations that take ReturnConsumedCapacity.
var capacityOperations = map[string]bool{
	"GetItem": true, "PutItem": true, "UpdateItem": true, "DeleteItem": true,
	"Query": true, "Scan": true, "BatchGetItem": true, "BatchWriteItem": true,
	"TransactGetItems": true, "TransactWriteItems": true,
}

// DynamoDB returns a reverse proxy to the DynamoDB endpoint target that
// meters every request: it asks DynamoDB for the consumed capacity of each
// operation that reports one (ReturnConsumedCapacity TOTAL, unless the
// caller asked for more) and adds what the answer says. The answer's body
// is passed on unchanged, so its CRC32 still holds. DynamoDB Local does
// not check signatures, so the rewritten request needs no new one.
func (m *Meter) DynamoDB(target string) (http.Handler, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("parse DynamoDB endpoint %q: %w", target, err)
	}
	p := httputil.NewSingleHostReverseProxy(u)
	p.Transport = pooled()
	direct := p.Director
	p.Director = func(r *http.Request) {
		direct(r)
		askForCapacity(r)
	}
	p.ModifyResponse = m.countCapacity
	p.ErrorHandler = unreachable
	return p, nil
}

// maxIdleConns is how many connections to DynamoDB the proxy keeps open:
// as many as the host's busiest moment asks at once, so that DynamoDB
// Local is not made to accept a connection a request, which costs it more
// than many a request does.
const maxIdleConns = 128

// pooled is a transport that keeps maxIdleConns connections to DynamoDB.
func pooled() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = maxIdleConns, maxIdleConns
	return t
}

// unreachable answers a request DynamoDB did not answer as a client that
// cannot reach it would see it: the connection closed, no answer. A 502
// from the proxy would be a DynamoDB answer the real service never gives.
func unreachable(w http.ResponseWriter, _ *http.Request, _ error) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	w.WriteHeader(http.StatusBadGateway)
}

// askForCapacity sets ReturnConsumedCapacity on a request whose operation
// reports it and which does not ask already. It splices the field into
// the JSON object rather than decoding it: the proxy sits on every
// request's path, and the object's other fields are left as they are.
func askForCapacity(r *http.Request) {
	op := operation(r)
	if !capacityOperations[op] || r.Body == nil {
		return
	}
	body, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err == nil && !bytes.Contains(body, []byte(`"ReturnConsumedCapacity"`)) {
		body = spliceCapacity(body)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
	r.Header.Set("Content-Length", fmt.Sprint(len(body)))
}

// spliceCapacity adds "ReturnConsumedCapacity":"TOTAL" as the first field
// of the JSON object body; a body that is no object is left as it is, for
// DynamoDB to refuse.
func spliceCapacity(body []byte) []byte {
	start := bytes.IndexByte(body, '{')
	if start < 0 || len(bytes.TrimSpace(body[:start])) > 0 {
		return body
	}
	field := `"ReturnConsumedCapacity":"TOTAL"`
	if len(bytes.TrimSpace(body[start+1:])) > 0 && bytes.TrimSpace(body[start+1:])[0] != '}' {
		field += ","
	}
	out := make([]byte, 0, len(body)+len(field))
	return append(append(append(out, body[:start+1]...), field...), body[start+1:]...)
}

// operation is the DynamoDB operation a request calls.
func operation(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
}

// countCapacity adds the capacity an answer reports to the usage of its
// operation's kind, and counts a refused write as one unit an item.
func (m *Meter) countCapacity(resp *http.Response) error {
	op := operation(resp.Request)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("read DynamoDB answer to %s: %w", op, err)
	}
	units := consumedUnits(body)
	failed := resp.StatusCode >= 400

	m.mu.Lock()
	defer m.mu.Unlock()
	m.dynamoDB.Requests++
	m.dynamoDB.Operations[op]++
	switch {
	case failed:
		m.dynamoDB.FailedRequests++
		if writeOperations[op] {
			m.dynamoDB.FailedWriteUnits += float64(max(1, refusedItems(resp.Request, op)))
		}
	case writeOperations[op]:
		m.dynamoDB.WriteUnits += units
	default:
		m.dynamoDB.ReadUnits += units
	}
	return nil
}

// consumedUnits sums the capacity units an answer's ConsumedCapacity
// reports: one object, or one a table for batches and transactions.
func consumedUnits(body []byte) float64 {
	var answer struct {
		ConsumedCapacity json.RawMessage
	}
	if json.Unmarshal(body, &answer) != nil || len(answer.ConsumedCapacity) == 0 {
		return 0
	}
	type capacity struct{ CapacityUnits float64 }
	var one capacity
	if json.Unmarshal(answer.ConsumedCapacity, &one) == nil {
		return one.CapacityUnits
	}
	var many []capacity
	json.Unmarshal(answer.ConsumedCapacity, &many)
	total := 0.0
	for _, c := range many {
		total += c.CapacityUnits
	}
	return total
}

// refusedItems is how many items a refused write request named: the items
// of a transaction (each billed twice, as transactions are), else one.
func refusedItems(r *http.Request, op string) int {
	if op != "TransactWriteItems" || r.GetBody == nil {
		return 1
	}
	body, err := r.GetBody()
	if err != nil {
		return 1
	}
	var in struct{ TransactItems []json.RawMessage }
	if json.NewDecoder(body).Decode(&in) != nil {
		return 1
	}
	return 2 * len(in.TransactItems)
}
