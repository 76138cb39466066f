package service

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/teegate/teegate/decision"
)

// maxHeaderBytes bounds a request's header block. teegate's callers send
// a handful of short headers; net/http's default, 1 MiB per connection, is
// memory a hostile caller could hold on every connection.
const maxHeaderBytes = 64 << 10

// conns tracks the service's connections and their states, so that a
// shutdown can close idle keep-alive connections gracefully rather than
// reset requests that are already on their way.
type conns struct {
	mu    sync.Mutex
	state map[net.Conn]http.ConnState
	// closing is set once the listener is closed: every answer from then
	// on closes its connection (Connection: close).
	closing atomic.Bool
}

func newConns() *conns { return &conns{state: map[net.Conn]http.ConnState{}} }

// track is the http.Server's ConnState hook.
func (c *conns) track(conn net.Conn, st http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(c.state, conn)
	default:
		c.state[conn] = st
	}
}

// closeIdle gives every idle or new connection one read deadline, grace
// after it was first seen so: a request already on its way arrives within
// it and is answered (with Connection: close), and a connection that stays
// quiet is closed by its own server goroutine, with nothing unread, so its
// client sees a clean close instead of a reset. The deadline is set again
// on every call until it passes, because net/http sets its own idle
// deadline just after it reports a connection idle and would otherwise
// undo ours. It reports whether any connection is still open: an active
// one may yet answer keep-alive (its handler began before closing) and
// come back idle.
func (c *conns) closeIdle(now time.Time, grace time.Duration, until map[net.Conn]time.Time) (open bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for conn, st := range c.state {
		if st != http.StateIdle && st != http.StateNew {
			continue
		}
		d, ok := until[conn]
		if !ok {
			d = now.Add(grace)
			until[conn] = d
		}
		if now.Before(d) {
			conn.SetReadDeadline(d)
		}
	}
	return len(c.state) > 0
}

// closeWhenClosing makes every answer close its connection once the
// service is closing, so that no client reuses a connection that is about
// to close.
func (c *conns) closeWhenClosing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.closing.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// jsonErrorListener accepts connections whose plain-text error answers,
// those net/http writes itself before any handler runs (431 for oversized
// headers, 400 for a malformed request line), are rewritten as the JSON
// error of every other answer.
type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c}, nil
}

// plainErrorHeaders are the headers of net/http's own error answers, which
// it writes to the connection in one write, status line first. teegate's
// handlers answer only JSON, so nothing else matches.
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

type jsonErrorConn struct{ net.Conn }

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if !bytes.HasPrefix(p, []byte("HTTP/1.")) {
		return c.Conn.Write(p)
	}
	head, body, ok := bytes.Cut(p, []byte(plainErrorHeaders))
	if !ok || bytes.IndexByte(head, '\n') >= 0 {
		return c.Conn.Write(p)
	}
	// head is the status line, with net/http's detail after a colon;
	// body repeats it.
	status, _, _ := strings.Cut(string(head), ": ")
	msg := strings.TrimSpace(string(body))
	switch {
	case strings.HasPrefix(status, "HTTP/1.1 431 "):
		msg = "the request's headers are larger than the " + strconv.Itoa(maxHeaderBytes) + "-byte limit"
	case strings.HasSuffix(status, " "+msg):
		msg = "the request could not be read as HTTP (" + msg + ")"
	}
	out, err := decision.MarshalIndent(apiError{Message: msg})
	if err != nil {
		return c.Conn.Write(p)
	}
	var b bytes.Buffer
	b.WriteString(status)
	b.WriteString("\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ")
	b.WriteString(strconv.Itoa(len(out)))
	b.WriteString("\r\n\r\n")
	b.Write(out)
	if _, err := c.Conn.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite lets net/http half-close the connection after an error, as it
// does with a bare TCP connection, so that the client reads the answer
// before the connection ends.
func (c *jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
