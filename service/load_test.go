package service

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/teegate/teegate/admission"
)

// The load test's size. The defaults keep it to a few seconds in CI, under
// the race detector; docs/performance.md gives the command that measures
// with more.
var (
	loadRequests = flag.Int("load.requests", 0, "gate requests the load test sends (0: 1000, or 200 under the race detector)")
	loadClients  = flag.Int("load.clients", 8, "concurrent clients of the load test, each with its own connection")
	loadSigners  = flag.Int("load.signers", 100, "signers in the load test's session")
	loadReloads  = flag.Int("load.reloads", 9, "reloads of the revocation registry spread through the load test")
	loadReport   = flag.String("load.report", "", "file to write the load test's figures to, as JSON")
)

// loadResult is what the load test measured.
type loadResult struct {
	Requests         int     `json:"requests"`
	Clients          int     `json:"clients"`
	Signers          int     `json:"signers"`
	Reloads          int     `json:"reloads"`
	Seconds          float64 `json:"seconds"`
	DecisionsPerSec  float64 `json:"decisions_per_second"`
	P50Ms            float64 `json:"p50_ms"`
	P99Ms            float64 `json:"p99_ms"`
	MaxMs            float64 `json:"max_ms"`
	GOMAXPROCS       int     `json:"gomaxprocs"`
	RaceDetectorOn   bool    `json:"race_detector"`
	DecisionLogLines int     `json:"decision_log_lines"`
}

// lineCounter counts the lines written to it.
type lineCounter struct{ n atomic.Int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n.Add(int64(bytes.Count(p, []byte("\n"))))
	return len(p), nil
}

// The gate on a session of 100 signers (each token signed by three
// verifiers) under concurrent load on loopback, while the revocation
// registry is replaced and reloaded again and again: every request must be
// answered, with the right decision and no error, and logged once.
func TestLoadGateUnderReload(t *testing.T) {
	f := newFixture(t)
	f.useScenario(t, newScenario(t, *loadSigners))
	var logged lineCounter
	opts := f.options()
	opts.DecisionLog = &logged
	opts.MaxConcurrentDecisions = *loadClients // every client is decided at once, none turned away
	ts := f.start(t, opts)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *loadClients}, Timeout: time.Minute}
	post := func() (int, string, error) {
		resp, err := client.Post(ts.url+"/v1/gate", "application/json", bytes.NewReader(f.session))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return 0, "", err
		}
		return resp.StatusCode, resp.Header.Get("Teegate-Decision"), nil
	}
	// The first decision verifies every signature; the load measures the
	// steady state, where the cache has them.
	if status, dec, err := post(); err != nil || status != 200 || dec != "allow" {
		t.Fatalf("warm-up: %d %q %v", status, dec, err)
	}

	rev, err := admission.DecodeRevocationRegistry("revocation", readScenarioRevocation(t, f))
	if err != nil {
		t.Fatal(err)
	}
	n := *loadRequests
	if n <= 0 {
		n = 1000
		if raceEnabled {
			n = 200
		}
	}
	latencies := make([]time.Duration, n)
	failures := make(chan string, n)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *loadClients {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				status, dec, err := post()
				latencies[i] = time.Since(t0)
				if err != nil || status != 200 || dec != "allow" {
					failures <- fmt.Sprintf("request %d: status %d, decision %q, error %v", i, status, dec, err)
				}
				done.Add(1)
			}
		})
	}
	// The reloads are spread through the load by progress, not by time:
	// each replaces the revocation registry with a fresh one (a new
	// refresh time, so new bytes) while the clients keep sending.
	reloads := 0
	for k := 1; k <= *loadReloads; k++ {
		for done.Load() < int64(k*n/(*loadReloads+1)) {
			time.Sleep(100 * time.Microsecond) // waiting for progress, not for the clock
		}
		// Time moves on a second per reload, and so does the denylist:
		// an older one would be refused as a rollback.
		f.clock.Set(testNow + int64(k))
		rev.DenylistRefreshedAtUnix = testNow - 20 + uint64(k)
		f.write(t, DocRevocationRegistry, marshal(t, rev))
		if err := ts.svc.reload(false); err != nil {
			t.Fatalf("reload %d: %v", k, err)
		}
		reloads++
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(failures)
	for msg := range failures {
		t.Error(msg)
	}
	if got := int(done.Load()); got != n {
		t.Fatalf("%d of %d requests answered", got, n)
	}
	if err := ts.stop(t); err != nil {
		t.Fatal(err)
	}
	if got := int(logged.n.Load()); got != n+1 {
		t.Errorf("decision log has %d lines, want %d", got, n+1)
	}
	if got := readinessGeneration(ts); got != uint64(reloads+1) {
		t.Errorf("revocation registry generation %d, want %d", got, reloads+1)
	}

	slices.Sort(latencies)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	res := loadResult{Requests: n, Clients: *loadClients, Signers: *loadSigners, Reloads: reloads,
		Seconds: elapsed.Seconds(), DecisionsPerSec: float64(n) / elapsed.Seconds(),
		P50Ms: ms(latencies[n/2]), P99Ms: ms(latencies[n*99/100]), MaxMs: ms(latencies[n-1]),
		GOMAXPROCS: runtime.GOMAXPROCS(0), RaceDetectorOn: raceEnabled, DecisionLogLines: int(logged.n.Load())}
	t.Logf("%d gate decisions (%d signers) from %d clients with %d reloads: %.0f decisions/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms (GOMAXPROCS %d, race detector %v)",
		n, res.Signers, res.Clients, reloads, res.DecisionsPerSec, res.P50Ms, res.P99Ms, res.MaxMs, res.GOMAXPROCS, raceEnabled)
	if *loadReport != "" {
		b, err := json.Marshal(res, jsontext.WithIndent("  "))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(*loadReport, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readScenarioRevocation(t *testing.T, f *fixture) []byte {
	t.Helper()
	b, err := os.ReadFile(f.paths.RevocationRegistry)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readinessGeneration reads the revocation registry's generation from the
// stopped service directly.
func readinessGeneration(ts *testServer) uint64 {
	return ts.svc.store.current.Load().infoOf(DocRevocationRegistry).Generation
}

// BenchmarkServeGate is one gate decision over HTTP on loopback: a
// session of 10 or 100 signers, verifications cached as in steady state,
// from one client at a time and from one client per CPU.
func BenchmarkServeGate(b *testing.B) {
	for _, signers := range []int{10, 100} {
		f := newFixture(b)
		f.useScenario(b, newScenario(b, signers))
		ts := f.start(b, f.options())
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		post := func(b *testing.B) {
			resp, err := client.Post(ts.url+"/v1/gate", "application/json", bytes.NewReader(f.session))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.Header.Get("Teegate-Decision") != "allow" {
				b.Fatalf("status %d, decision %q", resp.StatusCode, resp.Header.Get("Teegate-Decision"))
			}
		}
		b.Run(fmt.Sprintf("%d-signers/serial", signers), func(b *testing.B) {
			post(b)
			for b.Loop() {
				post(b)
			}
		})
		b.Run(fmt.Sprintf("%d-signers/parallel", signers), func(b *testing.B) {
			post(b)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					post(b)
				}
			})
		})
	}
}
