package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/firebreak/firebreak/infra/local/host"
)

// loopbackAddr reports whether addr (host:port) listens on this machine
// only.
func loopbackAddr(addr string) bool {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(h)
	return h == "localhost" || (ip != nil && ip.IsLoopback())
}

// runServe runs the local host until ctx is done.
func runServe(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:3000", "address to listen on")
	stateDir := fs.String("state-dir", "", "keep the table and executions here across restarts "+
		"(default: in memory)")
	root := rootFlag(fs)
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}

	h, err := host.Start(ctx, host.Options{Addr: *addr, Root: *root, StateDir: *stateDir,
		Log: logTo(os.Stderr)})
	if err != nil {
		return err
	}
	defer h.Close()
	fmt.Fprintln(stdout, h.URL)
	if !loopbackAddr(*addr) {
		fmt.Fprintf(os.Stderr, "warning: %s is reachable from other machines, and every "+
			"request to the local host acts as %s, who may approve anything\n",
			*addr, host.DevAnalyst)
	}

	// run until interrupted or the server fails
	errc := make(chan error, 1)
	go func() { errc <- h.Wait() }()
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}
