package dynamodblocal

import (
	"context"
	"sync"
	"testing"
)

// shared is the one emulator a test binary starts, on first use.
var shared struct {
	once   sync.Once
	server *Server
	err    error
}

// RunTests runs a package's tests and stops the emulator if any test
// started one. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(dynamodblocal.RunTests(m)) }
func RunTests(m *testing.M) int {
	code := m.Run()
	if shared.server != nil {
		shared.server.Stop()
	}
	return code
}

// Endpoint returns the endpoint of the test binary's emulator, starting it
// on first use. A test that needs DynamoDB fails, never skips, when the
// emulator cannot start, so a green run always means the tests ran.
func Endpoint(tb testing.TB) string {
	tb.Helper()
	shared.once.Do(func() {
		shared.server, shared.err = Start(context.Background())
	})
	if shared.err != nil {
		tb.Fatalf("DynamoDB Local is needed by this test: %v", shared.err)
	}
	return shared.server.Endpoint
}
