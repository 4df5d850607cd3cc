// Package host is the local host: the whole Firebreak stack in one process,
// with no AWS account and no Docker. It starts DynamoDB Local, creates the
// table from the store's schema, seeds the simulated tenant, runs the
// state machine from the very ASL file the CDK app deploys on the local
// Step Functions engine, and serves the stack's HTTP routes by playing API
// Gateway in front of the same handlers Lambda runs.
//
// The handlers are built by shared/coldstart, exactly as each Lambda's
// main builds them, from the environment the host sets: the standard
// AWS_ENDPOINT_URL_<SERVICE> variables point the unchanged SDK clients at
// DynamoDB Local and at this host. Because that environment is the
// process's, a process runs one host at a time.
package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/firebreak/firebreak/infra/local/dynamodblocal"
	"github.com/firebreak/firebreak/infra/local/meter"
	"github.com/firebreak/firebreak/infra/local/sfn"
	"github.com/firebreak/firebreak/shared/ingest"
	"github.com/firebreak/firebreak/shared/store"
	"github.com/firebreak/firebreak/shared/tenant"
)

// Local identity of the emulated account.
const (
	Region    = "us-east-1"
	AccountID = "000000000000"
	tableName = "firebreak"
)

// DemoSource and DemoSecret are the ingest source the local host accepts
// by default. They are for local use only; a deployed stack generates its
// secrets in Secrets Manager.
const (
	DemoSource = "demo"
	DemoSecret = "demo-secret"
	DemoAPIKey = "demo-api-key"
)

// Options configure a Host.
type Options struct {
	// Addr is the HOST:PORT to listen on; "127.0.0.1:0" picks a free port.
	Addr string
	// Root is the repository root, where the ASL file and events/ are.
	Root string
	// DynamoDBEndpoint reuses a running DynamoDB Local; empty starts one.
	DynamoDBEndpoint string
	// StateDir, when set, keeps the table, the executions and the
	// link-signing secret there, so a restarted host resumes executions
	// that wait on a task token and takes the approval links it sent
	// before; empty keeps everything in memory.
	StateDir string
	// Sources are the ingest sources and their secrets; nil means the
	// demo source only.
	Sources ingest.Sources
	// APIKeys maps an API key's value to its source, for POST
	// /alerts/keyed; nil means DemoAPIKey for the demo source.
	APIKeys map[string]string
	// Remediation, when set, is a document shaped as firebreak.yaml whose
	// remediation section replaces the compiled-in one for every function
	// of the host: a test routes actions to providers it runs (a webhook
	// receiver on httptest, say). It is checked as make synth checks
	// firebreak.yaml; Start fails with its line when it is wrong.
	Remediation []byte
	// Secrets are more secrets the local Secrets Manager endpoint serves,
	// by name, such as the signing key Remediation's webhook names.
	Secrets map[string]string
	Log     *slog.Logger
}

// Host is a running local stack.
type Host struct {
	// URL is the base URL of the routes and of the Step Functions and
	// Secrets Manager endpoints, such as http://127.0.0.1:3000.
	URL string
	// StateMachineARN is the investigation state machine's ARN.
	StateMachineARN string
	// Store and Tenant read the host's table, for reports and tests.
	Store  *store.Store
	Tenant *tenant.Tenant

	opts Options
	// meter counts what the host's functions, routes and table would be
	// billed for in AWS; Usage reads it with the engine's counts, which
	// it lacks.
	meter *meter.Meter
	log   *slog.Logger
	// funcLog is the functions' logger, which the meter counts.
	funcLog *slog.Logger
	ddb     *dynamodblocal.Server
	// metered serves the metering proxy in front of DynamoDB Local.
	metered *http.Server
	// dynamoDBEndpoint is DynamoDB Local's endpoint, which the engine's
	// DynamoDB integrations call.
	dynamoDBEndpoint string
	engine           *sfn.Engine
	// linkSecret signs approval links; kept in StateDir when there is one.
	linkSecret string
	bus        bus
	server     *http.Server
	done       chan error
}

// running guards the one host a process may run.
var running sync.Mutex

// Start brings the whole local stack up and returns once it accepts
// requests. Stop it with Close.
func Start(ctx context.Context, opts Options) (_ *Host, err error) {
	if !running.TryLock() {
		return nil, errors.New("a local host is already running in this process")
	}
	h := &Host{opts: withDefaults(opts), done: make(chan error, 1), meter: meter.New()}
	h.log = h.opts.Log
	h.funcLog = slog.New(h.meter.LogHandler(h.log.Handler()))
	defer func() {
		if err != nil {
			h.Close()
		}
	}()

	// the listener first: every endpoint URL is derived from it
	ln, err := net.Listen("tcp", h.opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", h.opts.Addr, err)
	}
	h.URL = "http://" + ln.Addr().String()
	if h.linkSecret, err = loadLinkSecret(h.opts.StateDir); err != nil {
		ln.Close()
		return nil, err
	}

	// state: DynamoDB Local, the table and the tenant
	if err := h.startState(ctx); err != nil {
		ln.Close()
		return nil, err
	}

	// the state machine, then serve, then the routes' functions
	if err := h.buildStateMachine(ctx); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	h.server = &http.Server{Handler: h.byTarget(mux), ReadHeaderTimeout: 10 * time.Second}
	go func() { h.done <- h.server.Serve(ln) }()
	if err := h.buildRoutes(ctx, mux); err != nil {
		return nil, err
	}
	return h, nil
}

func withDefaults(o Options) Options {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Sources == nil {
		o.Sources = ingest.Sources{DemoSource: DemoSecret}
	}
	if o.APIKeys == nil {
		o.APIKeys = map[string]string{DemoAPIKey: DemoSource}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return o
}

// startState starts DynamoDB Local unless one was given, sets the
// environment the handlers read, creates the table and seeds the tenant.
func (h *Host) startState(ctx context.Context) error {
	endpoint := h.opts.DynamoDBEndpoint
	if endpoint == "" {
		dataDir := ""
		if h.opts.StateDir != "" {
			dataDir = filepath.Join(h.opts.StateDir, "dynamodb")
		}
		srv, err := dynamodblocal.StartIn(ctx, dataDir)
		if err != nil {
			return err
		}
		h.ddb, endpoint = srv, srv.Endpoint
	}
	endpoint, err := h.meterDynamoDB(endpoint)
	if err != nil {
		return err
	}
	h.setEnvironment(endpoint)
	h.dynamoDBEndpoint = endpoint

	db := dynamodblocal.NewClient(endpoint)
	if err := store.CreateTable(ctx, db, tableName); err != nil {
		return err
	}
	h.Store = store.New(db, tableName)
	h.Tenant = tenant.New(db, tableName)
	return h.seedTenant(ctx)
}

// meterDynamoDB serves the meter's proxy in front of DynamoDB Local's
// endpoint and returns the proxy's, which everything then calls.
func (h *Host) meterDynamoDB(endpoint string) (string, error) {
	proxy, err := h.meter.DynamoDB(endpoint)
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("listen for the DynamoDB meter: %w", err)
	}
	h.metered = &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	go h.metered.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

// Usage is what the host was asked for since it started, as AWS would
// bill it: the meter's counts and the engine's state transitions.
func (h *Host) Usage() meter.Usage {
	u := h.meter.Usage()
	stats := h.engine.Stats()
	u.Transitions, u.HistoryEvents = stats.Transitions, stats.HistoryEvents
	return u
}

// setEnvironment points the SDK clients the handlers build at the local
// endpoints, as Lambda's runtime sets a function's environment before its
// main runs.
func (h *Host) setEnvironment(dynamoDB string) {
	for k, v := range map[string]string{
		"AWS_REGION":                       Region,
		"AWS_ACCESS_KEY_ID":                "local",
		"AWS_SECRET_ACCESS_KEY":            "local",
		"AWS_SESSION_TOKEN":                "",
		"AWS_PROFILE":                      "",
		"AWS_ENDPOINT_URL_DYNAMODB":        dynamoDB,
		"AWS_ENDPOINT_URL_SFN":             h.URL,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": h.URL,
		"AWS_ENDPOINT_URL_SNS":             h.URL,
		"AWS_EC2_METADATA_DISABLED":        "true",
	} {
		os.Setenv(k, v)
	}
}

// seedTenant loads events/tenant/tenant.json into the table.
func (h *Host) seedTenant(ctx context.Context) error {
	path := filepath.Join(h.opts.Root, "events", "tenant", "tenant.json")
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open the simulated tenant: %w", err)
	}
	defer f.Close()
	snap, err := tenant.ReadSnapshot(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	_, err = h.Tenant.SeedOnce(ctx, snap)
	return err
}

// Close stops serving, ends running executions and stops DynamoDB Local
// if the host started it.
func (h *Host) Close() error {
	defer running.Unlock()
	var err error
	if h.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = h.server.Shutdown(ctx)
	}
	if h.engine != nil {
		h.engine.Close()
	}
	if h.metered != nil {
		h.metered.Close()
	}
	if h.ddb != nil {
		h.ddb.Stop()
	}
	return err
}

// Wait blocks until the server stops and returns why.
func (h *Host) Wait() error { return <-h.done }

// functionARN is the ARN a function of the stack has on the local host.
func (h *Host) functionARN(name string) string { return h.engine.FunctionARN(name) }

// ExecutionARN is the ARN of investigation id's execution.
func (h *Host) ExecutionARN(id string) string {
	return strings.Replace(h.StateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + id
}

// Reset forgets everything the host holds, investigations, alerts and what
// remediation changed in the tenant, and seeds the tenant anew: a test
// that needs a fresh environment calls it first. It must not race a
// running execution.
func (h *Host) Reset(ctx context.Context) error {
	db := dynamodblocal.NewClient(h.dynamoDBEndpoint)
	if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{
		TableName: aws.String(tableName)}); err != nil {
		return fmt.Errorf("delete table %s: %w", tableName, err)
	}
	if err := store.CreateTable(ctx, db, tableName); err != nil {
		return err
	}
	return h.seedTenant(ctx)
}
