package meter

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
)

func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }

// metered returns a DynamoDB client whose every request goes through m's
// proxy to the test binary's DynamoDB Local, and a fresh table.
func metered(t *testing.T, m *Meter) (*dynamodb.Client, string) {
	t.Helper()
	proxy, err := m.DynamoDB(dynamodblocal.Endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	db := dynamodblocal.NewClient(srv.URL)
	table := strings.ReplaceAll(t.Name(), "/", "-")
	_, err = db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, table
}

func item(pk string, bytes int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"v":  &types.AttributeValueMemberS{Value: strings.Repeat("x", bytes)},
	}
}

func TestDynamoDBProxyCountsTheUnitsDynamoDBReports(t *testing.T) {
	m := New()
	db, table := metered(t, m)
	ctx := context.Background()
	before := m.Usage()

	// a 2.5 KB item is 3 write units; reading it back eventually
	// consistent is half a read unit; two small items in a transaction
	// are 2 units each
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table,
		Item: item("a", 2500)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table,
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &table, Item: item("b", 10)}},
			{Put: &types.Put{TableName: &table, Item: item("c", 10)}},
		}})
	if err != nil {
		t.Fatal(err)
	}

	got := m.Usage().Since(before).DynamoDB
	want := DynamoDBUsage{Requests: 3, ReadUnits: 0.5, WriteUnits: 7,
		Operations: map[string]int64{"PutItem": 1, "GetItem": 1, "TransactWriteItems": 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

func TestDynamoDBProxyBillsARefusedConditionalWrite(t *testing.T) {
	m := New()
	db, table := metered(t, m)
	ctx := context.Background()
	put := &dynamodb.PutItemInput{TableName: &table, Item: item("a", 10),
		ConditionExpression: aws.String("attribute_not_exists(pk)")}
	if _, err := db.PutItem(ctx, put); err != nil {
		t.Fatal(err)
	}
	before := m.Usage()
	if _, err := db.PutItem(ctx, put); err == nil {
		t.Fatal("the second conditional put succeeded, want it refused")
	}
	got := m.Usage().Since(before).DynamoDB
	if got.FailedRequests != 1 || got.FailedWriteUnits != 1 || got.WriteUnits != 0 {
		t.Errorf("got %d refused requests, %v refused units, %v units; want 1, 1, 0",
			got.FailedRequests, got.FailedWriteUnits, got.WriteUnits)
	}
}

func TestDynamoDBProxyLeavesACallersOwnCapacityRequest(t *testing.T) {
	m := New()
	db, table := metered(t, m)
	out, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &table,
		Item: item("a", 10), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	// only INDEXES answers the table's share apart from the total
	c := out.ConsumedCapacity
	if c == nil || aws.ToFloat64(c.CapacityUnits) != 1 || c.Table == nil ||
		aws.ToFloat64(c.Table.CapacityUnits) != 1 {
		t.Errorf("got consumed capacity %+v, want the caller's INDEXES answer: 1 unit, "+
			"1 of them the table's", c)
	}
}

func TestSpliceCapacity(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{}`, `{"ReturnConsumedCapacity":"TOTAL"}`},
		{`{ }`, `{"ReturnConsumedCapacity":"TOTAL" }`},
		{`{"TableName":"t"}`, `{"ReturnConsumedCapacity":"TOTAL","TableName":"t"}`},
		{` {"a":1}`, ` {"ReturnConsumedCapacity":"TOTAL","a":1}`},
		{`[1]`, `[1]`},
		{`x{}`, `x{}`},
		{``, ``},
	} {
		if got := string(spliceCapacity([]byte(tc.in))); got != tc.want {
			t.Errorf("spliceCapacity(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLogHandlerCountsWhatADiscardingLoggerDrops(t *testing.T) {
	m := New()
	log := slog.New(m.LogHandler(slog.DiscardHandler)).With("function", "ingest")
	at := time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)

	// the bytes are those of the JSON line Lambda would ship
	var want bytes.Buffer
	json := slog.New(slog.NewJSONHandler(&want, nil)).With("function", "ingest")
	for _, l := range []*slog.Logger{log, json} {
		r := slog.NewRecord(at, slog.LevelInfo, "ingest", 0)
		r.AddAttrs(slog.Int("accepted", 3))
		l.Handler().Handle(context.Background(), r)
	}
	log.Debug("not at INFO")
	if got := m.Usage().LogBytes; got != int64(want.Len()) {
		t.Errorf("got %d log bytes, want %d, the length of %q", got, want.Len(), want.String())
	}
}

func TestInvocationsAreBilledByTheMillisecondRoundedUp(t *testing.T) {
	m := New()
	for _, d := range []time.Duration{time.Millisecond, 1500 * time.Microsecond, 10} {
		m.invoked("ingest", d)
	}
	got := m.Usage().Functions["ingest"]
	if want := (Invocations{Count: 3, BilledMillis: 4}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestCostPricesEachService(t *testing.T) {
	u := Usage{
		APIRequests: 1000,
		Functions:   map[string]Invocations{"ingest": {Count: 1000, BilledMillis: 40000}},
		DynamoDB:    DynamoDBUsage{ReadUnits: 999.5, WriteUnits: 20000, FailedWriteUnits: 10},
		Transitions: 40,
		LogBytes:    1e6,
	}
	memory := func(string) int { return 512 }
	got := ListPrices.Cost(u, memory)
	logged := 1e6 + 1000*platformLogBytesPerInvocation + 1000*accessLogBytesPerRequest
	want := Cost{
		APIGateway:    1000 * 3.50 / 1e6,
		Lambda:        1000*0.20/1e6 + 0.5*40*0.0000133334,
		DynamoDB:      1000*0.125/1e6 + 20010*0.625/1e6,
		StepFunctions: 40 * 0.025 / 1e3,
		Logs:          logged / 1e9 * 0.50,
	}
	approx := cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("cost (-want +got):\n%s", diff)
	}
	if per := got.Per(1000, 500).Total(); math.Abs(per-2*got.Total()) > 1e-12 {
		t.Errorf("per 1,000 of 500 alerts: got %v, want twice %v", per, got.Total())
	}
}
