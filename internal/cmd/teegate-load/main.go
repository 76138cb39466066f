// Command teegate-load measures a running teegate serve: it posts one body
// to one endpoint from a number of concurrent clients, each on its own
// keep-alive connection, for a fixed time, and prints requests per second
// and latency percentiles as one JSON object. It is the tool behind the
// service's load figures in docs/performance.md, so that two builds can be
// measured side by side with the same client.
//
//	teegate-load -url http://127.0.0.1:8340/v1/gate -body examples/gate/session.json -c 8 -d 10s
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"
)

type report struct {
	URL            string         `json:"url"`
	Clients        int            `json:"clients"`
	Seconds        float64        `json:"seconds"`
	Requests       int            `json:"requests"`
	RequestsPerSec float64        `json:"requests_per_second"`
	P50Ms          float64        `json:"p50_ms"`
	P99Ms          float64        `json:"p99_ms"`
	MaxMs          float64        `json:"max_ms"`
	Statuses       map[string]int `json:"statuses"`
	Decisions      map[string]int `json:"decisions"`
	Errors         int            `json:"transport_errors"`
	GOMAXPROCS     int            `json:"client_gomaxprocs"`
}

func main() {
	url := flag.String("url", "http://127.0.0.1:8340/v1/gate", "endpoint to post to")
	bodyPath := flag.String("body", "", "file whose bytes are every request's body")
	clients := flag.Int("c", 8, "concurrent clients, each with its own connection")
	dur := flag.Duration("d", 10*time.Second, "how long to send for, after a warm-up request per client")
	flag.Parse()
	if *bodyPath == "" || *clients < 1 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "usage: teegate-load -url <url> -body <file> [-c clients] [-d duration]")
		os.Exit(2)
	}
	body, err := os.ReadFile(*bodyPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	type sample struct {
		lat      time.Duration
		status   int
		decision string
		err      bool
	}
	results := make([][]sample, *clients)
	post := func(c *http.Client) sample {
		start := time.Now()
		resp, err := c.Post(*url, "application/json", bytes.NewReader(body))
		if err != nil {
			return sample{lat: time.Since(start), err: true}
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return sample{lat: time.Since(start), status: resp.StatusCode, decision: resp.Header.Get("Teegate-Decision")}
	}
	var ready, wg sync.WaitGroup
	startGun := make(chan struct{})
	var deadline time.Time
	for i := range *clients {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true}}
			post(c) // warm-up: the connection, and the service's caches
			ready.Done()
			<-startGun
			for time.Now().Before(deadline) {
				results[i] = append(results[i], post(c))
			}
		}()
	}
	ready.Wait()
	begin := time.Now()
	deadline = begin.Add(*dur)
	close(startGun)
	wg.Wait()
	elapsed := time.Since(begin)

	r := report{URL: *url, Clients: *clients, Seconds: elapsed.Seconds(), Statuses: map[string]int{}, Decisions: map[string]int{}, GOMAXPROCS: runtime.GOMAXPROCS(0)}
	var lats []time.Duration
	for _, rs := range results {
		for _, s := range rs {
			lats = append(lats, s.lat)
			if s.err {
				r.Errors++
				continue
			}
			r.Statuses[fmt.Sprint(s.status)]++
			if s.decision != "" {
				r.Decisions[s.decision]++
			}
		}
	}
	slices.Sort(lats)
	r.Requests = len(lats)
	r.RequestsPerSec = float64(len(lats)) / elapsed.Seconds()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if n := len(lats); n > 0 {
		r.P50Ms = ms(lats[n/2])
		r.P99Ms = ms(lats[min(n-1, n*99/100)])
		r.MaxMs = ms(lats[n-1])
	}
	out, _ := json.Marshal(r)
	fmt.Println(string(out))
}
