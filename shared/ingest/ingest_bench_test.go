package ingest_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/shared/config"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/store"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

// countingDB counts the DynamoDB requests the store sends.
type countingDB struct {
	*dynamodb.Client
	reads, writes atomic.Int64
}

func (c *countingDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput,
	o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.reads.Add(1)
	return c.Client.GetItem(ctx, in, o...)
}

func (c *countingDB) Query(ctx context.Context, in *dynamodb.QueryInput,
	o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.reads.Add(1)
	return c.Client.Query(ctx, in, o...)
}

func (c *countingDB) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput,
	o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.reads.Add(1)
	return c.Client.BatchGetItem(ctx, in, o...)
}

func (c *countingDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput,
	o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.writes.Add(1)
	return c.Client.PutItem(ctx, in, o...)
}

func (c *countingDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput,
	o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.writes.Add(1)
	return c.Client.UpdateItem(ctx, in, o...)
}

func (c *countingDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput,
	o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.writes.Add(1)
	return c.Client.DeleteItem(ctx, in, o...)
}

func (c *countingDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput,
	o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.writes.Add(1)
	return c.Client.TransactWriteItems(ctx, in, o...)
}

// startedExecutions stands in for Step Functions, which this benchmark
// does not measure.
type startedExecutions struct{}

func (startedExecutions) StartExecution(context.Context, *sfn.StartExecutionInput,
	...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	return &sfn.StartExecutionOutput{}, nil
}

// newService returns an intake over a fresh table, with its DB counted.
func newService(tb testing.TB) (*ingest.Service, *countingDB) {
	tb.Helper()
	db := &countingDB{Client: dynamodblocal.NewClient(dynamodblocal.Endpoint(tb))}
	name := "bench-" + strings.ToLower(store.NewID())
	if err := store.CreateTable(context.Background(), db.Client, name); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Parse(firebreak.ConfigYAML, firebreak.ConfigFile)
	if err != nil {
		tb.Fatal(err)
	}
	return &ingest.Service{Store: store.New(db, name), Executions: startedExecutions{},
		StateMachineARN: "arn:aws:states:us-east-1:000000000000:stateMachine:x",
		Sources:         ingest.Sources{"bench": "secret"}, Policy: cfg.Policy,
		Window: cfg.CorrelationWindow, Now: time.Now,
		Log: slog.New(slog.DiscardHandler)}, db
}

// signedRequest is a signed push of body from the bench source.
func signedRequest(body []byte) ingest.Request {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h := http.Header{}
	h.Set(ingest.HeaderSource, "bench")
	h.Set(ingest.HeaderTimestamp, ts)
	h.Set(ingest.HeaderSignature, ingest.Sign("secret", ts, body))
	return ingest.Request{Header: h.Get, ContentType: "application/json", Body: body}
}

const eicarSHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"

// finding returns the GuardDuty malware sample with id and instance set.
func finding(tb testing.TB, id, instance string) []byte {
	tb.Helper()
	raw, err := os.ReadFile("../../events/alerts/guardduty/execution-ec2-maliciousfile-ebs-scan.json")
	if err != nil {
		tb.Fatal(err)
	}
	s := strings.ReplaceAll(string(raw), "1a3c5e7b9d2f4a6c8e0b2d4f6a8c1e3b", id)
	return []byte(strings.ReplaceAll(s, "i-0a1b2c3d4e5f60718", instance))
}

// BenchmarkIngestRequests reports the DynamoDB requests one accepted alert
// costs on each path (target: at most 3 writes and 2 reads), and the time
// per alert against DynamoDB Local.
func BenchmarkIngestRequests(b *testing.B) {
	paths := []struct {
		name string
		body func(i int) []byte
	}{
		// every alert a new threat on a new host: a new investigation each
		{"opens", func(i int) []byte {
			id := fmt.Sprintf("open-%d-%d", b.N, i)
			f := finding(b, id, fmt.Sprintf("i-%d", i))
			hash := fmt.Sprintf("%064x", sha256.Sum256([]byte(id)))
			return []byte(strings.ReplaceAll(string(f), eicarSHA256, hash))
		}},
		// one campaign: the first opens, the rest join
		{"joins", func(i int) []byte {
			return finding(b, fmt.Sprintf("join-%d-%d", b.N, i), "i-0a1b2c3d4e5f60718")
		}},
		// the same alert again and again
		{"duplicate", func(int) []byte { return finding(b, "dup", "i-0a1b2c3d4e5f60718") }},
	}
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			svc, db := newService(b)
			bodies := make([][]byte, b.N)
			for i := range bodies {
				bodies[i] = p.body(i)
			}
			b.ResetTimer()
			for i := range b.N {
				if _, err := svc.Ingest(context.Background(), signedRequest(bodies[i])); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(db.reads.Load())/float64(b.N), "reads/alert")
			b.ReportMetric(float64(db.writes.Load())/float64(b.N), "writes/alert")
		})
	}
}
