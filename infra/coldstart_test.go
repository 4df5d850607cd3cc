//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/firebreak/firebreak/shared/stack"
)

// targetBootstrapBytes is what every function's bootstrap stays under,
// far below Lambda's 250 MB limit on unzipped code, since Lambda fetches
// and maps the whole binary on a cold start.
const targetBootstrapBytes = 20 << 20

// rieModule is the Lambda Runtime Interface Emulator's module, which go.mod
// pins; the benchmark builds its command from the module cache.
const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator"

// How the benchmark waits on the emulator: it polls for the first answer
// every rieRetry, for up to rieDeadline.
const (
	rieRetry    = time.Millisecond
	rieDeadline = 10 * time.Second
)

// initReport is the emulator's log line that reports the runtime's
// initialisation time (INIT REPORT(durationMs: 14.656000)).
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// TestBootstrapSizes fails for a function whose bootstrap, as deployed,
// is not under the target, and logs every size. A binary's size is the
// same on every build of the same code, so this is no timed assertion.
//
// What makes a bootstrap large is what it links, and two things link far
// more than their code: a package's import alone links its init (an AWS
// service's schemas), and a reachable lookup of methods by name
// (text/template execution) keeps every exported method of every type the
// function converts to an interface, such as every operation of each AWS
// client. So a function builds through the coldstart packages that hold
// only what it uses, and only the functions that render pages link
// template execution.
func TestBootstrapSizes(t *testing.T) {
	assets := functions(t)
	var table strings.Builder
	w := tabwriter.NewWriter(&table, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "function\tsize MB (arm64)\t")
	for _, f := range stack.Firebreak.Functions {
		size := fileSize(t, filepath.Join(assets, f.Name, bootstrapFile))
		fmt.Fprintf(w, "%s\t%.1f\t\n", f.Name, float64(size)/(1<<20))
		if size >= targetBootstrapBytes {
			t.Errorf("function %s: got %d bytes, want under %d (%d MB)",
				f.Name, size, targetBootstrapBytes, targetBootstrapBytes>>20)
		}
	}
	w.Flush()
	t.Logf("bootstrap sizes:\n%s", table.String())
}

// fileSize returns the size of the file at path.
func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkColdStart starts each function's bootstrap, built for this
// machine, under the Lambda Runtime Interface Emulator, invokes it once
// and stops it. It reports the deployed (arm64) binary's size, the
// runtime's initialisation as the emulator measures it (init-ms), and the
// time from starting the emulator to the first invocation's answer
// (ready-ms), then prints them as a table.
//
// The functions get their environment with dummy values; every AWS
// endpoint but Secrets Manager points at a closed loopback port, so a cold
// start reaches nothing outside this machine, and Secrets Manager at a
// local server that answers GetSecretValue.
func BenchmarkColdStart(b *testing.B) {
	// the emulator, the functions for this machine and as deployed
	dir := b.TempDir()
	rie := buildRIE(b, dir)
	host := filepath.Join(dir, "functions")
	err := buildFunctionsFor(repositoryRoot(), host, stack.Firebreak.Functions, "amd64")
	if err != nil {
		b.Fatal(err)
	}
	deployed, err := builtFunctions()
	if err != nil {
		b.Fatal(err)
	}

	// what the functions' cold starts call
	secrets := httptest.NewServer(http.HandlerFunc(getSecretValue))
	defer secrets.Close()
	closed := closedPort(b)

	// each function, started afresh b.N times
	var rows []coldStart
	for _, f := range stack.Firebreak.Functions {
		b.Run(f.Name, func(b *testing.B) {
			env := coldStartEnv(f, closed, secrets.URL)
			var cs coldStart
			for b.Loop() {
				cs = cs.add(startOnce(b, rie, filepath.Join(host, f.Name), env, payload(f)))
			}
			cs = cs.mean()
			cs.name = f.Name
			cs.sizeMB = float64(fileSize(b, filepath.Join(deployed, f.Name, bootstrapFile))) /
				(1 << 20)
			b.ReportMetric(cs.sizeMB, "MB")
			b.ReportMetric(cs.initMS, "init-ms")
			b.ReportMetric(cs.readyMS, "ready-ms")
			rows = append(rows, cs)
		})
	}
	// a parent benchmark's log is not printed: the table goes to stdout,
	// with the benchmark lines
	fmt.Printf("cold starts under the Runtime Interface Emulator:\n%s", coldStartTable(rows))
}

// coldStart is what one function's cold starts measured.
type coldStart struct {
	name            string
	sizeMB          float64
	initMS, readyMS float64
	n               int
}

// add adds one cold start's measures to the running totals.
func (c coldStart) add(one coldStart) coldStart {
	c.initMS += one.initMS
	c.readyMS += one.readyMS
	c.n++
	return c
}

// mean turns the running totals into means.
func (c coldStart) mean() coldStart {
	if c.n > 0 {
		c.initMS /= float64(c.n)
		c.readyMS /= float64(c.n)
	}
	return c
}

// coldStartTable formats rows as an aligned table.
func coldStartTable(rows []coldStart) string {
	var sb strings.Builder
	w := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "function\tsize MB (arm64)\tinit ms\tready ms\truns\t")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%.1f\t%.1f\t%.1f\t%d\t\n", r.name, r.sizeMB, r.initMS, r.readyMS, r.n)
	}
	w.Flush()
	return sb.String()
}

// buildRIE builds the emulator's command from the module cache into dir.
// Its own go.mod holds its dependencies, so it builds as a module of its
// own rather than within Firebreak's.
func buildRIE(b *testing.B, dir string) string {
	b.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", rieModule).Output()
	if err != nil {
		b.Fatalf("find %s in the module cache: %v", rieModule, err)
	}
	bin := filepath.Join(dir, "aws-lambda-rie")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/aws-lambda-rie")
	cmd.Dir = strings.TrimSpace(string(out))
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		panic(fmt.Sprintf("build aws-lambda-rie: %v\n%s", err, b))
	}
	return bin
}

// getSecretValue answers Secrets Manager's GetSecretValue with the
// sources' signing secrets of a demo source.
func getSecretValue(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".GetSecretValue") {
		http.Error(w, `{"__type":"UnknownOperationException"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	io.WriteString(w, `{"ARN":"arn:aws:secretsmanager:us-east-1:000000000000:secret:bench",`+
		`"Name":"bench","SecretString":"{\"demo\":\"bench-secret\"}"}`)
}

// coldStartEnv is the environment of f for a cold start that reaches no
// AWS endpoint: each variable f reads with a dummy value, dummy
// credentials, one attempt per call, and the endpoints.
func coldStartEnv(f stack.Function, closed, secretsURL string) []string {
	dummy := map[string]string{
		stack.EnvTableName:       "firebreak-bench",
		stack.EnvStateMachineARN: "arn:aws:states:us-east-1:000000000000:stateMachine:bench",
		stack.EnvSourceSecretsARN: "arn:aws:secretsmanager:us-east-1:000000000000:" +
			"secret:bench",
		stack.EnvAPIKeySources: "{}",
		stack.EnvLogLevel:      logLevel,
		// the sign-in reads the pool's keys and token endpoint on first
		// use, not at cold start
		stack.EnvSignInIssuer:      "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_bench",
		stack.EnvSignInClientID:    "bench",
		stack.EnvSignInDomainURL:   "https://bench.auth.us-east-1.amazoncognito.com",
		stack.EnvSignInCallbackURL: "https://bench.example/v1/auth/callback",
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1",
		"AWS_ENDPOINT_URL=" + closed, "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + secretsURL,
	}
	for _, name := range f.Env {
		env = append(env, name+"="+dummy[name])
	}
	return env
}

// payload is an event f answers without calling AWS: a request without a
// signature for the intake, one for an investigation that is not there
// for the read API, an empty event for the rest.
func payload(f stack.Function) string {
	switch f.Name {
	case "ingest":
		return `{"httpMethod":"POST","path":"/alerts","body":"{}"}`
	case "api":
		return `{"httpMethod":"GET","path":"/api/investigations/x",` +
			`"pathParameters":{"id":"x"}}`
	}
	return `{}`
}

// closedPort returns the URL of a loopback port nothing listens on.
func closedPort(b *testing.B) string {
	b.Helper()
	addr := freeAddr(b)
	return "http://" + addr
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(b *testing.B) string {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startOnce starts the emulator on the bootstrap in dir with env, invokes
// it with payload until it answers, stops it, and returns the measures.
func startOnce(b *testing.B, rie, dir string, env []string, payload string) coldStart {
	b.Helper()

	// the emulator, in a process group of its own with the bootstrap
	addr := freeAddr(b)
	var logs bytes.Buffer
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr,
		"--runtime-api-address", freeAddr(b), "./"+bootstrapFile)
	cmd.Dir, cmd.Env = dir, env
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}

	// the first answer, then the emulator's own measure of the init
	err := invoke(addr, payload)
	ready := time.Since(start)
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	cmd.Wait()
	if err != nil {
		b.Fatalf("%s: %v\n%s", dir, err, logs.String())
	}
	m := initReport.FindStringSubmatch(logs.String())
	if m == nil {
		b.Fatalf("%s: no INIT REPORT in the emulator's log:\n%s", dir, logs.String())
	}
	initMS, _ := strconv.ParseFloat(m[1], 64)
	return coldStart{initMS: initMS, readyMS: float64(ready.Microseconds()) / 1000}
}

// invoke posts payload to the emulator at addr, retrying while it does
// not yet listen, and reads the answer.
func invoke(addr, payload string) error {
	url := "http://" + addr + "/2015-03-31/functions/function/invocations"
	deadline := time.Now().Add(rieDeadline)
	for {
		resp, err := http.Post(url, "application/json", strings.NewReader(payload))
		if err == nil {
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			return err
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || time.Now().After(deadline) {
			return fmt.Errorf("invoke: %w", err)
		}
		time.Sleep(rieRetry)
	}
}
