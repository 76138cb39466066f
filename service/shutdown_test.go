package service

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Issue 14, defect 8: with 16 keep-alive clients sending as fast as they
// can, SIGTERM used to reset a few requests on connections the service had
// accepted (14 with a drain delay). Now every request sent on an accepted
// connection is answered; a client that comes back after the service
// stopped accepting is refused a connection, which is no lost request.
func TestShutdownAnswersKeepAliveClients(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test; .ci/run runs it")
	}
	for _, drain := range []time.Duration{0, 200 * time.Millisecond} {
		t.Run(fmt.Sprint("drain ", drain), func(t *testing.T) {
			for round := range 5 {
				f := newFixture(t)
				opts := f.options()
				opts.DrainDelay = drain
				svc, err := New(opts)
				if err != nil {
					t.Fatal(err)
				}
				ts := serveOn(t, svc) // with the default grace for idle connections
				var answered, refused atomic.Int64
				var failures []string
				var mu sync.Mutex
				var wg sync.WaitGroup
				stopped := make(chan struct{})
				for range 16 {
					wg.Go(func() {
						c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
						defer c.CloseIdleConnections()
						for {
							resp, err := c.Post(ts.url+"/v1/gate", "application/json", bytes.NewReader(f.session))
							if err != nil {
								var op *net.OpError
								if errors.As(err, &op) && op.Op == "dial" {
									refused.Add(1) // never accepted: nothing lost
									return
								}
								mu.Lock()
								failures = append(failures, err.Error())
								mu.Unlock()
								return
							}
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
							if resp.StatusCode != 200 {
								select {
								case <-stopped:
								default:
									mu.Lock()
									failures = append(failures, resp.Status)
									mu.Unlock()
									return
								}
							}
							answered.Add(1)
						}
					})
				}
				waitUntil(t, "traffic", func() bool { return answered.Load() > 200 })
				if err := ts.stop(t); err != nil {
					t.Fatal(err)
				}
				close(stopped)
				wg.Wait()
				if len(failures) > 0 {
					t.Fatalf("round %d: %d answered, %d refused a connection, %d failed: %s", round, answered.Load(), refused.Load(), len(failures), strings.Join(failures, "; "))
				}
			}
		})
	}
}

// Issue 14, defect 9: oversized headers get the JSON error of every other
// 4xx, not net/http's plain text; so does a malformed request.
func TestServerErrorsAreJSON(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	for _, c := range []struct {
		name, request, status, msg string
	}{
		{"oversized headers", "POST /v1/gate HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", maxHeaderBytes+8192) + "\r\n\r\n",
			"431", fmt.Sprintf("larger than the %d-byte limit", maxHeaderBytes)},
		{"a malformed header", "POST /v1/gate HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", "400", "could not be read as HTTP (400 Bad Request)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			go io.WriteString(conn, c.request) // the server may answer before reading it all
			conn.SetReadDeadline(time.Now().Add(20 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.HasPrefix(resp.Status, c.status) || resp.Header.Get("Content-Type") != "application/json" ||
				!bytes.HasPrefix(body, []byte("{\n  \"error\": ")) || !bytes.Contains(body, []byte(c.msg)) {
				t.Fatalf("%s %v\n%s", resp.Status, resp.Header, body)
			}
		})
	}
}
