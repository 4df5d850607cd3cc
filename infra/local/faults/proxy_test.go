package faults

import (
	"io"
	"net"
	"sync"
	"testing"
)

// cutProxy is a TCP proxy in front of DynamoDB Local that a test cuts to
// play the table becoming unreachable: while cut it refuses new
// connections (nothing listens on its port) and has reset every open one,
// as a failed network path or a lost endpoint does; restored, it listens
// on the same port again.
type cutProxy struct {
	target string // DynamoDB Local's host:port
	addr   string // the proxy's host:port, the same across cuts

	mu    sync.Mutex
	ln    net.Listener // nil while cut
	conns map[net.Conn]bool
	cuts  int
}

// newCutProxy starts a proxy to endpoint (http://host:port) and stops it
// when t ends.
func newCutProxy(t *testing.T, endpoint string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{target: hostPort(endpoint), addr: ln.Addr().String(),
		conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

// hostPort is the host:port of an http:// endpoint.
func hostPort(endpoint string) string {
	const scheme = "http://"
	if len(endpoint) > len(scheme) && endpoint[:len(scheme)] == scheme {
		return endpoint[len(scheme):]
	}
	return endpoint
}

// URL is the endpoint clients use in place of DynamoDB Local's.
func (p *cutProxy) URL() string { return "http://" + p.addr }

// serve accepts on ln until it is closed.
func (p *cutProxy) serve(ln net.Listener) {
	p.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

// pipe joins client c to DynamoDB Local until either side closes or a
// cut resets both.
func (p *cutProxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	if !p.track(c, up) {
		reset(c)
		reset(up)
		return
	}
	defer p.untrack(c, up)
	done := make(chan struct{})
	go func() {
		io.Copy(up, c)
		close(done)
	}()
	io.Copy(c, up)
	c.Close()
	up.Close()
	<-done
}

// track notes open connections, unless the proxy was cut meanwhile.
func (p *cutProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return false
	}
	for _, c := range conns {
		p.conns[c] = true
	}
	return true
}

func (p *cutProxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		delete(p.conns, c)
	}
}

// cut stops listening and resets every open connection. Cutting a cut
// proxy does nothing.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		return
	}
	p.ln.Close()
	p.ln = nil
	p.cuts++
	for c := range p.conns {
		reset(c)
		delete(p.conns, c)
	}
}

// cutCount says how many times the proxy was cut.
func (p *cutProxy) cutCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// restore listens on the proxy's port again.
func (p *cutProxy) restore(t *testing.T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Errorf("restore the DynamoDB proxy on %s: %v", p.addr, err)
		return
	}
	p.serve(ln)
}

// reset closes c with a TCP reset rather than an orderly close.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
