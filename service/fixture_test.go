package service

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/governance"
)

// testNow is the examples' instant, 2026-01-01T00:00:00Z.
const testNow = 1767225600

// testClock is a clock the test sets; the service reads it on every
// decision, so nothing here waits for time to pass.
type testClock struct{ unix atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.unix.Store(testNow)
	return c
}

func (c *testClock) Now() time.Time { return time.Unix(c.unix.Load(), 0) }
func (c *testClock) Set(unix int64) { c.unix.Store(unix) }

// fixture is a directory of governed documents, the examples' by default,
// and the session the examples admit.
type fixture struct {
	dir     string
	paths   Paths
	clock   *testClock
	session []byte
}

func readExample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, clock: newTestClock(), session: readExample(t, "gate/session.json"),
		paths: Paths{Registry: filepath.Join(dir, "registry.json"), Keyset: filepath.Join(dir, "keyset.json"),
			RevocationRegistry: filepath.Join(dir, "revocation.json")}}
	f.write(t, DocRegistry, readExample(t, "registry.json"))
	f.write(t, DocKeyset, readExample(t, "gate/keyset.json"))
	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation.json"))
	return f
}

// write replaces a document's file the way a deployment should, by
// renaming a complete new file over it, so a reader never sees half.
func (f *fixture) write(t testing.TB, d Document, data []byte) {
	t.Helper()
	path := f.paths.of(d)
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) options() Options {
	return Options{Paths: f.paths, Clock: f.clock.Now, ReloadInterval: -1}
}

// testServer is a Service serving on a loopback port.
type testServer struct {
	svc    *Service
	url    string
	cancel context.CancelFunc
	done   chan error
}

func (f *fixture) start(t testing.TB, opts Options) *testServer {
	t.Helper()
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	// Test clients leave keep-alive connections idle; a shutdown need not
	// wait for them (TestShutdownAnswersKeepAliveClients keeps the default).
	svc.idleCloseGrace = 20 * time.Millisecond
	return serveOn(t, svc)
}

func serveOn(t testing.TB, svc *Service) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{svc: svc, url: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { ts.done <- svc.Serve(ctx, ln) }()
	t.Cleanup(func() { ts.stop(t) })
	return ts
}

// stop shuts the server down and returns what Serve returned.
func (ts *testServer) stop(t testing.TB) error {
	t.Helper()
	ts.cancel()
	select {
	case err, ok := <-ts.done:
		if ok {
			close(ts.done)
		}
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop")
		return nil
	}
}

// response is an HTTP response, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (ts *testServer) do(t testing.TB, method, path, contentType string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, ts.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func (ts *testServer) post(t testing.TB, path string, body []byte) response {
	t.Helper()
	return ts.do(t, http.MethodPost, path, "application/json", body)
}

func (ts *testServer) get(t testing.TB, path string) response {
	t.Helper()
	return ts.do(t, http.MethodGet, path, "", nil)
}

// metric returns the value of one sample of /metrics, given as it is
// printed without its value, such as `teegate_ready`; -1 if absent.
func (ts *testServer) metric(t testing.TB, sample string) float64 {
	t.Helper()
	for line := range strings.Lines(string(ts.get(t, "/metrics").body)) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && name == sample {
			var v float64
			if _, err := fmt.Sscan(value, &v); err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	return -1
}

// library decides a gate session with the gate package directly, on the
// fixture's files, with the option the service turns on: what the service
// must answer, byte for byte.
func (f *fixture) library(t testing.TB, session []byte, now uint64) []byte {
	t.Helper()
	return f.libraryWith(t, session, now, gate.Options{RejectStaleDenylist: true})
}

// libraryWith is library with the gate's options opts.
func (f *fixture) libraryWith(t testing.TB, session []byte, now uint64, opts gate.Options) []byte {
	t.Helper()
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	reg, err := governance.DecodeRegistry("r", read(f.paths.Registry), gate.RegistryMembers)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := admission.DecodeKeyset("k", read(f.paths.Keyset))
	if err != nil {
		t.Fatal(err)
	}
	rev, err := admission.DecodeRevocationRegistry("v", read(f.paths.RevocationRegistry))
	if err != nil {
		t.Fatal(err)
	}
	s, err := gate.DecodeSession("s", session)
	if err != nil {
		t.Fatal(err)
	}
	out, err := gate.New(reg, ks, rev, opts).Evaluate(s, now).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// scenario is a valid set of documents of n signers built for the tests: a registry
// of n operators that passes layer A, a 2-of-3 keyset of fixed keys, a
// fresh revocation registry, and a session_start session whose every token
// all three verifiers signed.
type scenario struct {
	registry, keyset, revocation, session []byte
}

var cohortVendors = []string{"intel", "amd", "arm", "aws", "nvidia"}

func newScenario(t testing.TB, n int) scenario {
	t.Helper()
	var reg governance.Registry
	if err := json.Unmarshal(readExample(t, "registry.json"), &reg); err != nil {
		t.Fatal(err)
	}
	reg.Operators = nil
	threshold := uint64(n * 2 / 3)
	reg.Enforcement.MinAttestedSignersPerCohort = threshold + 1 // the threshold+1 floor
	const measurement = "sha256:5678953e9b1299497657ff10ebfb29ff90a6bdd2ce1dfa8b52711adf7e4db03d"
	for i := range n {
		reg.Operators = append(reg.Operators, governance.Operator{OperatorID: fmt.Sprintf("op-%04d", i),
			SignerIdentifier: fmt.Sprintf("0x%040x", i+1), Status: "active", AllowedTEETypes: []string{"sgx"},
			AllowedMeasurements: []string{measurement}, AttestationMaxAgeSeconds: 3600, GracePeriodSeconds: 900,
			EffectiveFrom: 1735689600})
	}

	ks := admission.Keyset{KeysetVersion: 9, ThresholdM: 2, MaxKeyAgeSeconds: 2592000}
	keys := map[string]*admission.SecretKey{}
	for i, k := range []struct{ id, instance, root string }{
		{"vk-a", "verifier-a", "root-1"}, {"vk-b", "verifier-b", "root-2"}, {"vk-c", "verifier-c", "root-2"}} {
		sk, err := admission.ParseSecretKey(fmt.Appendf(nil, "%064x", 0x7000+i))
		if err != nil {
			t.Fatal(err)
		}
		keys[k.id] = sk
		ks.Keys = append(ks.Keys, admission.VerifierKey{KeyID: k.id, VerifierInstanceID: k.instance, TrustRootID: k.root,
			PubkeyHex: sk.PubKeyHex(), ValidFromUnix: 1766620800, ValidUntilUnix: 1768435200})
	}

	rev := admission.RevocationRegistry{DenylistRefreshedAtUnix: testNow - 20, MinTokenRevocationEpoch: 3,
		RevokedTokenIDs: map[string]admission.RevocationRecord{}, RevokedVerifierKeyIDs: map[string]admission.RevocationRecord{}}

	session := gate.Session{SessionID: "load-session", Phase: "session_start", Threshold: threshold,
		Enforcement: gate.Enforcement{Mode: "full_enforcement"}}
	for i, op := range reg.Operators {
		p := admission.Payload{TokenID: "tok-" + op.OperatorID, OperatorID: op.OperatorID, SignerIdentifier: op.SignerIdentifier,
			TEEType: "sgx", MeasurementDigest: measurement, IssuedAtUnix: testNow - 600, ExpiresAtUnix: testNow + 3000,
			RegistrySnapshotVersion: 42, VerifierKeyIDs: []string{"vk-a", "vk-b", "vk-c"}, TokenRevocationEpoch: 3}
		text, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var sigs []admission.TokenSignature
		for _, id := range p.VerifierKeyIDs {
			sig, err := admission.Sign(keys[id], string(text), id)
			if err != nil {
				t.Fatal(err)
			}
			sigs = append(sigs, sig)
		}
		tok, err := admission.Assemble(string(text), sigs)
		if err != nil {
			t.Fatal(err)
		}
		session.SelectedSigners = append(session.SelectedSigners, gate.Signer{OperatorID: op.OperatorID,
			SignerIdentifier: op.SignerIdentifier, VendorID: cohortVendors[i%len(cohortVendors)], Token: *tok})
	}
	marshal := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return scenario{marshal(reg), marshal(ks), marshal(rev), marshal(session)}
}

// useCohort puts c's documents in the fixture's files.
func (f *fixture) useScenario(t testing.TB, c scenario) {
	t.Helper()
	f.write(t, DocRegistry, c.registry)
	f.write(t, DocKeyset, c.keyset)
	f.write(t, DocRevocationRegistry, c.revocation)
	f.session = c.session
}

// startLogged starts a server on the examples whose decision log the test
// reads; the log is complete once the server has stopped.
func startLogged(t testing.TB) (*fixture, *testServer, *bytes.Buffer) {
	t.Helper()
	f := newFixture(t)
	var log bytes.Buffer
	opts := f.options()
	opts.DecisionLog = &log
	return f, f.start(t, opts), &log
}

// monitorContext is the examples' monitor-mode enforcement context.
func monitorContext(t testing.TB) enforce.Context {
	t.Helper()
	var ctx enforce.Context
	if err := json.Unmarshal(readExample(t, "enforcement/context-monitor.json"), &ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}
