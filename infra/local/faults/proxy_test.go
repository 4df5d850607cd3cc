package faults

import (
	"io"
	"net"
	"sync"
	"testing"
)

// proxyMode is how a cutProxy treats connections.
type proxyMode int

const (
	forwarding proxyMode = iota // to DynamoDB Local
	refusing                    // nothing listens on the port
	hanging                     // connections are taken and never answered
)

// cutProxy is a TCP proxy in front of DynamoDB Local that a test breaks
// to play the table becoming unreachable: cut, it refuses new
// connections (nothing listens on its port) and resets every open one,
// as a lost endpoint does; hung, it takes connections and never answers,
// as a network path that drops packets does; restored, it forwards on
// the same port again.
type cutProxy struct {
	target string // DynamoDB Local's host:port
	addr   string // the proxy's host:port, the same across cuts

	mu    sync.Mutex
	mode  proxyMode
	ln    net.Listener // nil while refusing
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

// serve accepts on ln until it is closed; the caller holds mu or is the
// only user.
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
// break resets both; while hanging it holds c and answers nothing.
func (p *cutProxy) pipe(c net.Conn) {
	if p.holding(c) {
		io.Copy(io.Discard, c)
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil || !p.track(c, up) {
		reset(c)
		if up != nil {
			reset(up)
		}
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

// holding tracks c and reports true when the proxy hangs.
func (p *cutProxy) holding(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode != hanging {
		return false
	}
	p.conns[c] = true
	return true
}

// track notes open connections, unless the proxy broke meanwhile.
func (p *cutProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode != forwarding {
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
	if p.mode == refusing {
		return
	}
	p.ln.Close()
	p.ln, p.mode = nil, refusing
	p.cuts++
	p.resetAll()
}

// hang resets every open connection and holds every new one unanswered.
func (p *cutProxy) hang(t *testing.T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.listen(t)
	p.resetAll()
	p.mode = hanging
}

// restore forwards on the proxy's port again; connections a hang held
// are reset, as they would time out.
func (p *cutProxy) restore(t *testing.T) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.listen(t)
	if p.mode == hanging {
		p.resetAll()
	}
	p.mode = forwarding
}

// listen listens on the proxy's port unless it does; mu is held.
func (p *cutProxy) listen(t *testing.T) {
	if p.ln != nil {
		return
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Errorf("listen again on the DynamoDB proxy's %s: %v", p.addr, err)
		return
	}
	p.serve(ln)
}

// resetAll resets every tracked connection; mu is held.
func (p *cutProxy) resetAll() {
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

// reset closes c with a TCP reset rather than an orderly close.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}
