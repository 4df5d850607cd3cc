// Package dynamodblocal starts and stops DynamoDB Local, AWS's own
// DynamoDB emulator, for the local host and the tests.
//
// The emulator is a Java program installed into .cache/dynamodb-local by
// install.sh beside this file (make deps runs it). Start runs it in memory
// on a free loopback port; nothing is written to disk.
package dynamodblocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// EnvDir names the variable that overrides where the emulator is installed.
const EnvDir = "FIREBREAK_DYNAMODB_LOCAL_DIR"

// installDir is where install.sh puts the emulator, from the repository root.
const installDir = ".cache/dynamodb-local"

// startTimeout bounds how long the JVM may take to answer its first request.
const startTimeout = 60 * time.Second

// ErrNotInstalled means the emulator's jar was not found. Run `make deps`.
var ErrNotInstalled = errors.New("DynamoDB Local is not installed: run `make deps`")

// Server is a running DynamoDB Local. Its methods are safe for concurrent
// use.
type Server struct {
	// Endpoint is the base URL to give the DynamoDB client, such as
	// http://127.0.0.1:41234.
	Endpoint string

	cmd      *exec.Cmd
	workDir  string // the emulator writes a metadata file into its working directory
	output   *syncBuffer
	exited   chan struct{}
	stopOnce sync.Once
}

// Start runs DynamoDB Local in memory on a free loopback port and returns
// once it answers HTTP. The emulator stops when ctx is done or Stop is
// called; it is also killed if this process dies.
func Start(ctx context.Context) (*Server, error) { return StartIn(ctx, "") }

// StartIn is Start keeping the tables in dataDir, so they outlive the
// emulator; an empty dataDir keeps them in memory.
func StartIn(ctx context.Context, dataDir string) (*Server, error) {
	// find the installed jar
	dir, err := FindInstall()
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}

	// run the JVM in memory, telemetry off: this machine may have no network
	workDir, err := os.MkdirTemp("", "dynamodb-local-")
	if err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	s := &Server{
		workDir:  workDir,
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		output:   &syncBuffer{},
		exited:   make(chan struct{}),
	}
	storage := []string{"-inMemory"}
	if dataDir != "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("start DynamoDB Local: %w", err)
		}
		storage = []string{"-dbPath", dataDir}
	}
	args := append([]string{
		"-Djava.library.path=" + filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"),
		"-disableTelemetry", "-port", strconv.Itoa(port)}, storage...)
	s.cmd = exec.CommandContext(ctx, "java", args...)
	s.cmd.Dir = workDir
	s.cmd.Stdout = s.output
	s.cmd.Stderr = s.output
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(workDir)
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()

	// wait until it answers
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// Stop ends the emulator and waits for it to exit. It may be called more
// than once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd.Process != nil {
			s.cmd.Process.Kill()
		}
		<-s.exited
		os.RemoveAll(s.workDir)
	})
}

// waitReady polls the endpoint until any HTTP answer comes back.
func (s *Server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("DynamoDB Local exited at start: %s", s.output.String())
		case <-ctx.Done():
			return fmt.Errorf("start DynamoDB Local: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := client.Get(s.Endpoint)
		if err == nil {
			resp.Body.Close()
			return nil
		}
	}
	return fmt.Errorf("DynamoDB Local did not answer within %s: %s",
		startTimeout, s.output.String())
}

// FindInstall returns the folder holding DynamoDBLocal.jar: the one named
// by FIREBREAK_DYNAMODB_LOCAL_DIR, else .cache/dynamodb-local in the
// repository that holds the working directory. It returns ErrNotInstalled
// when there is none.
func FindInstall() (string, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		return checkInstall(dir)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find DynamoDB Local: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return checkInstall(filepath.Join(dir, installDir))
		}
		if filepath.Dir(dir) == dir {
			return "", ErrNotInstalled
		}
	}
}

func checkInstall(dir string) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, "DynamoDBLocal.jar")); err != nil {
		return "", fmt.Errorf("%w (looked in %s)", ErrNotInstalled, dir)
	}
	return dir, nil
}

// freePort asks the kernel for a loopback port nobody is listening on.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects the emulator's output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
