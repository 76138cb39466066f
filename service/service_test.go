package service

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/sync/semaphore"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

// The gate endpoint answers exactly what the library (and so teegate gate)
// decides on the same documents at the same instant, allow and reject.
func TestGateAnswersTheLibrarysDecision(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())

	r := ts.post(t, "/v1/gate", f.session)
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if want := f.library(t, f.session, testNow); !bytes.Equal(r.body, want) {
		t.Fatalf("body\n%s\nwant\n%s", r.body, want)
	}
	if got := r.header.Get("Teegate-Decision"); got != "allow" {
		t.Errorf("Teegate-Decision = %q", got)
	}
	if id := r.header.Get("Teegate-Decision-Id"); len(id) < 20 {
		t.Errorf("Teegate-Decision-Id = %q, want a random id", id)
	}

	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation-bravo-revoked.json"))
	if err := ts.svc.reload(false); err != nil {
		t.Fatal(err)
	}
	r = ts.post(t, "/v1/gate", f.session)
	if want := f.library(t, f.session, testNow); r.status != http.StatusOK || !bytes.Equal(r.body, want) {
		t.Fatalf("after revoking bravo: status %d, body\n%s\nwant\n%s", r.status, r.body, want)
	}
	if !bytes.Contains(r.body, []byte(`"decision": "reject"`)) || r.header.Get("Teegate-Decision") != "reject" {
		t.Fatalf("bravo's revocation did not reject: %s", r.body)
	}
}

// Each check endpoint answers the layer's own decision, from documents in
// the body (with AllowRequestDocuments) or, for the governed ones it lacks,
// the service's. An answer on the caller's documents or word says so.
func TestChecksAnswerTheLayersDecision(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.AllowRequestDocuments = true
	ts := f.start(t, opts)
	ex := func(name string) jsontext.Value { return jsontext.Value(readExample(t, name)) }
	body := func(members map[string]jsontext.Value) []byte {
		b, err := json.Marshal(members, json.Deterministic(true))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mustDecode := func(v any, err error) any {
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	reg := mustDecode(governance.DecodeRegistry("r", readExample(t, "registry.json"), governance.Requirement{})).(*governance.Registry)
	rejected := mustDecode(governance.DecodeRegistry("r", readExample(t, "registry-rejected.json"), governance.Requirement{})).(*governance.Registry)
	events := mustDecode(governance.DecodeAuditLog("e", readExample(t, "events.json"))).(*governance.AuditLog)
	tokKs := mustDecode(admission.DecodeKeyset("k", readExample(t, "token/keyset.json"))).(*admission.Keyset)
	gateKs := mustDecode(admission.DecodeKeyset("k", readExample(t, "gate/keyset.json"))).(*admission.Keyset)
	tok := mustDecode(admission.DecodeToken("t", readExample(t, "token/token.json"))).(*admission.Token)
	tokRev := mustDecode(admission.DecodeRevocationRegistry("v", readExample(t, "token/revocation-revoked.json"))).(*admission.RevocationRegistry)
	gateRev := mustDecode(admission.DecodeRevocationRegistry("v", readExample(t, "gate/revocation.json"))).(*admission.RevocationRegistry)
	rs := mustDecode(cohort.DecodeSession("s", readExample(t, "runtime/session-rejected.json"))).(*cohort.Session)
	ctx := mustDecode(enforce.DecodeContext("c", readExample(t, "enforcement/context-hard-canary.json"))).(*enforce.Context)

	const both = AdvisoryCallerAsserted + ", " + AdvisoryRequestDocuments
	for _, c := range []struct {
		name, path string
		body       []byte
		want       decision.Decision
		advisory   string
	}{
		{"registry from the body, with events", "/v1/check/registry",
			body(map[string]jsontext.Value{"registry": ex("registry.json"), "events": ex("events.json")}),
			governance.CheckRegistry(reg, events, testNow), AdvisoryRequestDocuments},
		{"a rejected registry from the body", "/v1/check/registry",
			body(map[string]jsontext.Value{"registry": ex("registry-rejected.json")}),
			governance.CheckRegistry(rejected, nil, testNow), AdvisoryRequestDocuments},
		{"the service's registry", "/v1/check/registry", []byte(`{}`),
			governance.CheckRegistry(reg, nil, testNow), ""},
		{"token with every document in the body", "/v1/check/token",
			body(map[string]jsontext.Value{"registry": ex("registry.json"), "keyset": ex("token/keyset.json"),
				"token": ex("token/token.json"), "revocation_registry": ex("token/revocation-revoked.json")}),
			admission.CheckToken(reg, tokKs, tok, tokRev, testNow), AdvisoryRequestDocuments},
		{"token against the service's documents", "/v1/check/token",
			body(map[string]jsontext.Value{"token": ex("token/token.json")}),
			admission.CheckToken(reg, gateKs, tok, gateRev, testNow), ""},
		{"runtime, with the session's denylist", "/v1/check/runtime",
			body(map[string]jsontext.Value{"session": ex("runtime/session-rejected.json")}),
			cohort.CheckRuntime(reg, rs, testNow), both},
		{"enforcement", "/v1/check/enforcement",
			body(map[string]jsontext.Value{"registry": ex("registry.json"), "context": ex("enforcement/context-hard-canary.json")}),
			enforce.CheckEnforcement(reg, ctx, testNow), both},
	} {
		t.Run(c.name, func(t *testing.T) {
			want, err := c.want.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			r := ts.post(t, c.path, c.body)
			if r.status != http.StatusOK || !bytes.Equal(r.body, want) {
				t.Fatalf("status %d, body\n%s\nwant\n%s", r.status, r.body, want)
			}
			if got := r.header.Get("Teegate-Decision"); got != string(c.want.Outcome) {
				t.Errorf("Teegate-Decision = %q, want %q", got, c.want.Outcome)
			}
			if got := r.header.Get("Teegate-Advisory"); got != c.advisory {
				t.Errorf("Teegate-Advisory = %q, want %q", got, c.advisory)
			}
		})
	}
}

// Bad requests get a 4xx JSON error that says what is wrong and where,
// and no decision: nothing is logged as decided.
func TestBadRequests(t *testing.T) {
	_, ts, decisions := startLogged(t)

	tooLarge := append([]byte(`{"session_id": "`), bytes.Repeat([]byte("a"), strictjson.MaxInputBytes)...)
	for _, c := range []struct {
		name, method, path, contentType string
		body                            []byte
		status                          int
		message, member                 string
	}{
		{"not JSON", "POST", "/v1/gate", "application/json", []byte(`{"session_id": `), 400, "unexpected end of input", "/session_id"},
		{"unknown member", "POST", "/v1/gate", "application/json", []byte(`{"sesion_id": "x"}`), 400, "unknown member", "/sesion_id"},
		{"wrong type", "POST", "/v1/gate", "application/json", []byte(`{"threshold": "3"}`), 400, "want an unsigned 64-bit integer", "/threshold"},
		{"missing member", "POST", "/v1/gate", "", []byte(`{"session_id": "x"}`), 400, `missing required member "phase"`, ""},
		{"invalid UTF-8", "POST", "/v1/gate", "application/json", []byte("{\"session_id\": \"\xff\"}"), 400, "invalid UTF-8", "/session_id"},
		{"trailing data", "POST", "/v1/check/registry", "application/json", []byte(`{} {}`), 400, "after the top-level value", ""},
		{"not an object", "POST", "/v1/check/registry", "application/json", []byte(`[]`), 400, "want an object, found an array", ""},
		{"unknown document", "POST", "/v1/check/token", "application/json", []byte(`{"tokens": {}}`), 400, "want one of registry, keyset, token, revocation_registry", "/tokens"},
		{"duplicate document", "POST", "/v1/check/registry", "application/json", []byte(`{"events": {"events": []}, "events": {"events": []}}`), 400, "duplicate member", "/events"},
		{"null document", "POST", "/v1/check/registry", "application/json", []byte(`{"registry": null}`), 400, "null is not allowed", "/registry"},
		{"no token", "POST", "/v1/check/token", "application/json", []byte(`{}`), 400, `missing required member "token"`, ""},
		{"bad member inside a document", "POST", "/v1/check/token", "application/json",
			[]byte(`{"token": {"payload_json": "{}", "signatures": [{"verifier_key_id": "a", "signature_hex": 7}]}}`), 400,
			"want a string, found a number", "/token/signatures/0/signature_hex"},
		{"too large", "POST", "/v1/gate", "application/json", tooLarge, 413, "larger than the 16777216-byte limit", ""},
		{"not JSON content", "POST", "/v1/gate", "text/plain", []byte(`{}`), 415, `content type "text/plain" is not application/json`, ""},
		{"wrong method", "GET", "/v1/gate", "", nil, 405, "method GET is not allowed here; use POST", ""},
		{"wrong method on metrics", "POST", "/metrics", "", nil, 405, "use GET, HEAD", ""},
		{"no such endpoint", "GET", "/v1/gates", "", nil, 404, "no such endpoint: /v1/gates", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := ts.do(t, c.method, c.path, c.contentType, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var e struct {
				Error  string `json:"error"`
				Member string `json:"member"`
				Offset *int64 `json:"offset"`
			}
			if err := json.Unmarshal(r.body, &e, json.RejectUnknownMembers(true)); err != nil {
				t.Fatalf("error body %s: %v", r.body, err)
			}
			if !strings.Contains(e.Error, c.message) || e.Member != c.member {
				t.Errorf("error %q, member %q; want %q in it, member %q", e.Error, e.Member, c.message, c.member)
			}
			if c.status == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
			if r.header.Get("Teegate-Decision") != "" {
				t.Error("an error carries a decision header")
			}
		})
	}
	// The bad member inside a document is located in the whole body.
	r := ts.post(t, "/v1/check/token", []byte(`{"token": {"payload_json": "{}", "signatures": [], "x": 1}}`))
	if !bytes.Contains(r.body, []byte(`"offset": 51`)) {
		t.Errorf("offset of /token/x in the body: %s", r.body)
	}
	if decisions.Len() != 0 {
		t.Errorf("refused requests were logged as decisions:\n%s", decisions.String())
	}
	if got := ts.metric(t, `teegate_refused_requests_total{endpoint="gate",status="400"}`); got != 5 {
		t.Errorf("gate input errors (400) = %v, want 5", got)
	}
	if got := ts.metric(t, `teegate_refused_requests_total{endpoint="gate",status="413"}`); got != 1 {
		t.Errorf("gate input errors (413) = %v, want 1", got)
	}
}

// healthz answers while the process runs; readyz reports the documents in
// force.
func TestHealthAndReadiness(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	if r := ts.get(t, "/healthz"); r.status != 200 || !bytes.Contains(r.body, []byte(`"status": "ok"`)) {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	rd := readiness(t, ts)
	if !rd.Ready || len(rd.Problems) != 0 || rd.LastReloadError != nil {
		t.Fatalf("not ready: %+v", rd)
	}
	sum := sha256.Sum256(readExample(t, "registry.json"))
	if got := rd.Documents.Registry; got.SHA256 != hex.EncodeToString(sum[:]) || got.Generation != 1 || got.Path != f.paths.Registry || got.LoadedAtUnix != testNow {
		t.Errorf("registry in force: %+v", got)
	}
	if rd.DenylistAgeSeconds != 20 || rd.DenylistMaxStalenessSeconds != 60 {
		t.Errorf("denylist age %d of %d, want 20 of 60", rd.DenylistAgeSeconds, rd.DenylistMaxStalenessSeconds)
	}
}

func readiness(t *testing.T, ts *testServer) Readiness {
	t.Helper()
	r := ts.get(t, "/readyz")
	var rd Readiness
	if err := json.Unmarshal(r.body, &rd, json.RejectUnknownMembers(true)); err != nil {
		t.Fatalf("readyz %s: %v", r.body, err)
	}
	if (r.status == http.StatusOK) != rd.Ready {
		t.Fatalf("readyz status %d with ready=%v", r.status, rd.Ready)
	}
	return rd
}

// Past denylist_max_staleness_seconds the service is not ready and
// session_start decisions reject; a fresh denylist restores both.
func TestStaleDenylistFailsClosed(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	// The examples' denylist was refreshed at testNow-20; the bound is 60.
	f.clock.Set(testNow + 40)
	if rd := readiness(t, ts); !rd.Ready {
		t.Fatalf("at the bound: not ready: %v", rd.Problems)
	}
	f.clock.Set(testNow + 41)
	rd := readiness(t, ts)
	if rd.Ready || len(rd.Problems) != 1 || !strings.Contains(rd.Problems[0], "61 s old") {
		t.Fatalf("one second past the bound: %+v", rd)
	}
	if got := ts.metric(t, "teegate_ready"); got != 0 {
		t.Errorf("teegate_ready = %v", got)
	}
	if got := ts.metric(t, "teegate_denylist_age_seconds"); got != 61 {
		t.Errorf("teegate_denylist_age_seconds = %v", got)
	}
	r := ts.post(t, "/v1/gate", f.session)
	if r.status != 200 || r.header.Get("Teegate-Decision") != "reject" || !bytes.Contains(r.body, []byte(`"code": "denylist_stale"`)) {
		t.Fatalf("session_start on a stale denylist: %d %s", r.status, r.body)
	}

	var rev admission.RevocationRegistry
	if err := json.Unmarshal(readExample(t, "gate/revocation.json"), &rev); err != nil {
		t.Fatal(err)
	}
	rev.DenylistRefreshedAtUnix = testNow + 41
	f.write(t, DocRevocationRegistry, marshal(t, rev))
	if err := ts.svc.reload(false); err != nil {
		t.Fatal(err)
	}
	if rd := readiness(t, ts); !rd.Ready {
		t.Fatalf("fresh denylist: not ready: %v", rd.Problems)
	}
	if r := ts.post(t, "/v1/gate", f.session); r.header.Get("Teegate-Decision") != "allow" {
		t.Fatalf("fresh denylist: %s", r.body)
	}

	// A denylist dated in the future cannot be trusted either.
	f.clock.Set(testNow + 30)
	if rd := readiness(t, ts); rd.Ready || !strings.Contains(rd.Problems[0], "in the future") {
		t.Fatalf("future denylist: %+v", rd)
	}
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A valid change is put in force; an invalid one is refused, reported and
// counted, and the set before it stays in force until a valid one comes.
func TestReload(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	opts := f.options()
	opts.Log = newTestLogger(&log)
	ts := f.start(t, opts)
	allows := func() bool {
		t.Helper()
		return ts.post(t, "/v1/gate", f.session).header.Get("Teegate-Decision") == "allow"
	}
	revoked := readExample(t, "gate/revocation-bravo-revoked.json")
	good := readExample(t, "gate/revocation.json")

	for _, c := range []struct {
		name    string
		doc     Document
		data    []byte
		refused string // "" when the change is put in force
		allows  bool
		revGen  uint64 // generation of the revocation registry after
	}{
		{"unchanged", DocRevocationRegistry, good, "", true, 1},
		{"not JSON", DocRevocationRegistry, []byte(`{"denylist_refreshed_at_unix": `), "unexpected end of input", true, 1},
		{"unknown member", DocKeyset, bytes.Replace(readExample(t, "gate/keyset.json"), []byte(`"threshold_m"`), []byte(`"treshold_m"`), 1), `member "/treshold_m": unknown member`, true, 1},
		{"registry layer A rejects", DocRegistry, readExample(t, "registry-rejected.json"), "layer A rejects the registry: ", true, 1},
		{"a valid revocation", DocRevocationRegistry, revoked, "", false, 2},
		{"back again", DocRevocationRegistry, good, "", true, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.doc != DocKeyset {
				f.write(t, DocKeyset, readExample(t, "gate/keyset.json"))
			}
			if c.doc != DocRegistry {
				f.write(t, DocRegistry, readExample(t, "registry.json"))
			}
			f.write(t, c.doc, c.data)
			err := ts.svc.reload(false)
			if c.refused == "" && err != nil || c.refused != "" && (err == nil || !strings.Contains(err.Error(), c.refused)) {
				t.Fatalf("Reload: %v, want refusal %q", err, c.refused)
			}
			rd := readiness(t, ts)
			if c.refused != "" {
				if rd.LastReloadError == nil || !strings.Contains(rd.LastReloadError.Message, c.refused) || !strings.Contains(rd.LastReloadError.Message, f.paths.of(c.doc)) {
					t.Errorf("readyz last_reload_error = %+v", rd.LastReloadError)
				}
				if !rd.Ready {
					t.Errorf("a refused reload made the service unready: %v", rd.Problems)
				}
				if ts.metric(t, "teegate_last_reload_failed") != 1 {
					t.Error("teegate_last_reload_failed is not 1")
				}
			} else if rd.LastReloadError != nil {
				t.Errorf("last_reload_error after a good reload: %+v", rd.LastReloadError)
			}
			if got := allows(); got != c.allows {
				t.Errorf("gate allows = %v, want %v", got, c.allows)
			}
			if got := rd.Documents.RevocationRegistry.Generation; got != c.revGen {
				t.Errorf("revocation generation %d, want %d", got, c.revGen)
			}
		})
	}
	if got := ts.metric(t, `teegate_reloads_total{result="failure"}`); got != 3 {
		t.Errorf("reload failures = %v, want 3", got)
	}
	if got := ts.metric(t, `teegate_reloads_total{result="success"}`); got != 2 {
		t.Errorf("reload successes = %v, want 2", got)
	}
	if !strings.Contains(log.String(), "governed documents refused; the previous set stays in force") {
		t.Errorf("refusals not logged:\n%s", log.String())
	}
}

// A missing file is refused at start and on reload.
func TestMissingDocument(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	if err := os.Remove(f.paths.Keyset); err != nil {
		t.Fatal(err)
	}
	err := ts.svc.Reload()
	var se *strictjson.Error
	if !errors.As(err, &se) || se.File != f.paths.Keyset {
		t.Fatalf("Reload without the keyset: %v", err)
	}
	if ts.post(t, "/v1/gate", f.session).header.Get("Teegate-Decision") != "allow" {
		t.Error("the keyset in force was dropped")
	}
	if _, err := New(f.options()); err == nil || !strings.Contains(err.Error(), f.paths.Keyset) {
		t.Errorf("New without the keyset: %v", err)
	}
}

// The service starts only on documents that load and validate.
func TestNewRefusesInvalidDocuments(t *testing.T) {
	f := newFixture(t)
	f.write(t, DocRegistry, readExample(t, "registry-rejected.json"))
	_, err := New(f.options())
	if !errors.Is(err, errRegistryRejected) || !strings.Contains(err.Error(), f.paths.Registry) {
		t.Fatalf("New with a rejected registry: %v", err)
	}
}

// The poller notices a replaced file without a signal.
func TestPollNoticesChanges(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.ReloadInterval = 10 * time.Millisecond
	ts := f.start(t, opts)
	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation-bravo-revoked.json"))
	deadline := time.Now().Add(10 * time.Second)
	for readiness(t, ts).Documents.RevocationRegistry.Generation != 2 {
		if time.Now().After(deadline) {
			t.Fatal("the poller did not load the new revocation registry within 10 s")
		}
		time.Sleep(5 * time.Millisecond) // waiting for the poller, not for the clock
	}
	if ts.post(t, "/v1/gate", f.session).header.Get("Teegate-Decision") != "reject" {
		t.Error("the polled revocation is not in force")
	}
}

// Metrics count decisions by endpoint, outcome, layer and code, time them
// and the signature verifications, and never carry an identifier.
func TestMetrics(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	ts.post(t, "/v1/gate", f.session)
	ts.post(t, "/v1/gate", f.session)
	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation-bravo-revoked.json"))
	if err := ts.svc.reload(false); err != nil {
		t.Fatal(err)
	}
	ts.post(t, "/v1/gate", f.session)

	for sample, want := range map[string]float64{
		`teegate_decisions_total{advisory="false",endpoint="gate",outcome="allow"}`:                                     2,
		`teegate_decisions_total{advisory="false",endpoint="gate",outcome="reject"}`:                                    1,
		`teegate_decision_reasons_total{code="selected_token_revoked",endpoint="gate",layer="runtime"}`:                 1,
		`teegate_decision_reasons_total{code="full_enforcement_violation_blocked",endpoint="gate",layer="enforcement"}`: 1,
		`teegate_decision_duration_seconds_count{endpoint="gate"}`:                                                      3,
		// 5 tokens of 3 signatures, verified once; the same signatures
		// answered from the cache twice more, across the reload.
		`teegate_signature_verification_duration_seconds_count`:       15,
		`teegate_signature_cache_hits_total`:                          30,
		`teegate_document_generation{document="revocation_registry"}`: 2,
		`teegate_keyset_version`:                                      9,
		`teegate_ready`:                                               1,
	} {
		if got := ts.metric(t, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	exposition := string(ts.get(t, "/metrics").body)
	for _, id := range []string{"keep-", "roast-", "adm-", "vk-", "0x"} {
		if strings.Contains(exposition, id) {
			t.Errorf("an identifier (%q...) appears in /metrics", id)
		}
	}
}

// Each decision is one JSON line naming its id, the documents it rests
// on and a digest of the request, and never a token or a signature.
func TestDecisionLog(t *testing.T) {
	f, ts, log := startLogged(t)
	r := ts.post(t, "/v1/gate", f.session)
	tokenBody := []byte(`{"token": ` + string(readExample(t, "token/token.json")) + `}`)
	r2 := ts.post(t, "/v1/check/token", tokenBody)
	ts.stop(t) // every line is written once Serve has returned

	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines:\n%s", len(lines), log.String())
	}
	type docVersion struct {
		SHA256     string `json:"sha256"`
		Generation uint64 `json:"generation"`
	}
	type entry struct {
		Time            string                `json:"time"`
		Level           string                `json:"level"`
		Msg             string                `json:"msg"`
		DecisionID      string                `json:"decision_id"`
		Endpoint        string                `json:"endpoint"`
		Decision        string                `json:"decision"`
		Codes           []string              `json:"codes"`
		ValidatedAtUnix uint64                `json:"validated_at_unix"`
		InputSHA256     string                `json:"input_sha256"`
		Documents       map[string]docVersion `json:"documents"`
		DurationUS      int64                 `json:"duration_us"`
		SessionID       string                `json:"session_id"`
	}
	var e [2]entry
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &e[i], json.RejectUnknownMembers(true)); err != nil {
			t.Fatalf("line %d %s: %v", i, l, err)
		}
	}
	regSum := sha256.Sum256(readExample(t, "registry.json"))
	for i, c := range []struct {
		resp     response
		body     []byte
		endpoint string
		docs     int
		session  string
	}{{r, f.session, "gate", 3, "roast-2026-01-01-000117"}, {r2, tokenBody, "check_token", 3, ""}} {
		bodySum := sha256.Sum256(c.body)
		if e[i].DecisionID != c.resp.header.Get("Teegate-Decision-Id") || e[i].Endpoint != c.endpoint ||
			e[i].Decision != c.resp.header.Get("Teegate-Decision") || e[i].InputSHA256 != hex.EncodeToString(bodySum[:]) ||
			e[i].ValidatedAtUnix != testNow || len(e[i].Documents) != c.docs || e[i].SessionID != c.session || e[i].Msg != "decision" {
			t.Errorf("line %d: %+v", i, e[i])
		}
		if got := e[i].Documents["registry"]; got.SHA256 != hex.EncodeToString(regSum[:]) || got.Generation != 1 {
			t.Errorf("line %d registry: %+v", i, got)
		}
	}
	var session struct {
		SelectedSigners []struct {
			Token admission.Token `json:"token"`
		} `json:"selected_signers"`
	}
	if err := json.Unmarshal(f.session, &session); err != nil {
		t.Fatal(err)
	}
	for _, s := range session.SelectedSigners {
		for _, sig := range s.Token.Signatures {
			if strings.Contains(log.String(), sig.SignatureHex) {
				t.Fatal("a signature is in the decision log")
			}
		}
	}
	if strings.Contains(log.String(), "payload_json") || strings.Contains(log.String(), "measurement_digest") {
		t.Fatal("a token payload is in the decision log")
	}
}

// slowBody is a request body the test releases, so that a request can be
// held in flight without any timing.
type slowBody struct {
	first []byte
	rest  chan []byte
	sent  bool
}

func (b *slowBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, b.first), nil
	}
	rest, ok := <-b.rest
	if !ok {
		return 0, io.EOF
	}
	return copy(p, rest), nil
}

// startBudgeted serves opts with a body budget of n bytes, below the
// minimum New keeps, so that a test can fill it with a few requests.
func (f *fixture) startBudgeted(t *testing.T, opts Options, n int64) *testServer {
	t.Helper()
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	svc.opts.MaxBodyBytes = n
	svc.bodyBudget = semaphore.NewWeighted(n)
	return serveOn(t, svc)
}

// heldBytes is what a held request for session reserves: its declared
// length and the byte that would show the body goes on.
func heldBytes(session []byte) int64 { return int64(len(session)) + 1 }

// hold sends a gate request whose body stops halfway until release is
// called, and waits until the service has reserved its bytes: the nth
// such request held at once. The response comes on the returned channel.
func hold(t *testing.T, ts *testServer, session []byte, nth int) (release func(), result chan response) {
	t.Helper()
	body := &slowBody{first: session[:len(session)/2], rest: make(chan []byte)}
	req, err := http.NewRequest(http.MethodPost, ts.url+"/v1/gate", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(session))
	req.Header.Set("Content-Type", "application/json")
	result = make(chan response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- response{status: -1, body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		result <- response{resp.StatusCode, resp.Header, b}
	}()
	// Once n bodies are held, what is left is less than the budget minus
	// n-1 bodies' reservations.
	probe := ts.svc.opts.MaxBodyBytes - int64(nth-1)*heldBytes(session)
	waitUntil(t, "the held request reaching the service", func() bool {
		if ts.svc.bodyBudget.TryAcquire(probe) {
			ts.svc.bodyBudget.Release(probe)
			return false
		}
		return true
	})
	return func() { body.rest <- session[len(session)/2:]; close(body.rest) }, result
}

// waitUntil polls cond until it holds, failing after 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within 10 s", what)
		}
		time.Sleep(time.Millisecond) // waiting for the server, not for the clock
	}
}

// Shutdown stops accepting, reports not ready, and finishes the requests
// in flight before Serve returns.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	f := newFixture(t)
	ts := f.startBudgeted(t, f.options(), 2*heldBytes(f.session))
	release, result := hold(t, ts, f.session, 1)

	ts.cancel()
	waitUntil(t, "draining", ts.svc.draining.Load)
	if rd := ts.svc.readiness(ts.svc.store.current.Load(), f.clock.Now()); rd.Ready || rd.Problems[len(rd.Problems)-1] != "shutting down" {
		t.Errorf("draining service readiness: %+v", rd)
	}
	// The listener closes just after draining starts.
	waitUntil(t, "refusing new connections", func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-ts.done:
		t.Fatalf("Serve returned (%v) with a request in flight", err)
	default:
	}
	release()
	r := <-result
	if r.status != 200 || r.header.Get("Teegate-Decision") != "allow" {
		t.Fatalf("the request in flight: %d %s", r.status, r.body)
	}
	if err := ts.stop(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// With DrainDelay the service keeps answering, not ready, before it stops
// accepting.
func TestDrainDelay(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.DrainDelay = time.Hour // ended by the test
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	drained := make(chan time.Time)
	svc.after = func(d time.Duration) <-chan time.Time {
		if d != time.Hour {
			t.Errorf("drain delay %v", d)
		}
		return drained
	}
	ts := serveOn(t, svc)
	ts.cancel()
	waitUntil(t, "draining", ts.svc.draining.Load)
	r := ts.get(t, "/readyz")
	if r.status != http.StatusServiceUnavailable || !bytes.Contains(r.body, []byte("shutting down")) {
		t.Fatalf("readyz while draining: %d %s", r.status, r.body)
	}
	if r := ts.post(t, "/v1/gate", f.session); r.header.Get("Teegate-Decision") != "allow" {
		t.Fatalf("a decision while draining: %d %s", r.status, r.body)
	}
	close(drained)
	if err := ts.stop(t); err != nil {
		t.Fatal(err)
	}
}

// A slow client holds only the budget for what it has sent: decisions go
// on for others, even with a single decision slot, until the budget is
// full; then a request waits for it, and is turned away with 503 after the
// queue timeout.
func TestSlowClientsHoldOnlyTheBodyBudget(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.MaxConcurrentDecisions = 1
	opts.QueueTimeout = 20 * time.Millisecond
	// The session fits one first chunk: two held bodies fill the budget.
	ts := f.startBudgeted(t, opts, 2*heldBytes(f.session))
	release1, result1 := hold(t, ts, f.session, 1)

	if r := ts.post(t, "/v1/check/registry", []byte(`{}`)); r.status != 200 {
		t.Fatalf("a decision beside a slow client: %d %s", r.status, r.body)
	}
	release2, result2 := hold(t, ts, f.session, 2)
	expectBusy(t, ts, f.session, "a request beyond the budget", "the request-body budget")
	// One at a time: with one slot and a 20 ms queue, two decisions at
	// once could turn one away.
	for _, held := range []struct {
		release func()
		result  chan response
	}{{release1, result1}, {release2, result2}} {
		held.release()
		if r := <-held.result; r.status != 200 {
			t.Fatalf("held request: %d %s", r.status, r.body)
		}
	}
	if r := ts.post(t, "/v1/gate", f.session); r.status != 200 {
		t.Fatalf("after the slow bodies: %d %s", r.status, r.body)
	}
}

// A connection that declares a large body holds nothing until its first
// byte, and then a small first chunk, not what it declares. Issue 14,
// defect 3: 4,200 connections that each declared 16 MiB and sent one byte
// used to hold a 64 KiB chunk each, the whole 256 MiB budget, and every
// real request got 503 while none was in progress. Here 50 such
// connections, against a 1 MiB budget, leave room for real requests (they
// held 3.2 MiB before).
func TestDeclaredLengthIsNotReserved(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.QueueTimeout = 20 * time.Millisecond
	const budget = 1 << 20
	ts := f.startBudgeted(t, opts, budget)
	addr := strings.TrimPrefix(ts.url, "http://")
	declare := func(first string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "POST /v1/gate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", strictjson.MaxInputBytes, first)
	}
	for range 10 {
		declare("") // headers only: nothing reserved
	}
	const started = 50
	for range started {
		declare("{") // one byte: one small first chunk
	}
	held := func() int64 {
		for n := int64(0); n <= budget; n += firstBodyChunk {
			if !ts.svc.bodyBudget.TryAcquire(budget - n) {
				continue
			}
			ts.svc.bodyBudget.Release(budget - n)
			return n
		}
		return budget
	}
	waitUntil(t, "every started body holding its first chunk", func() bool { return held() >= started*firstBodyChunk })
	if n := held(); n > started*firstBodyChunk {
		t.Fatalf("%d one-byte bodies hold %d bytes, more than %d each", started, n, firstBodyChunk)
	}
	for range 3 {
		if r := ts.post(t, "/v1/gate", f.session); r.status != 200 {
			t.Fatalf("beside %d stalled 16 MiB declarations: %d %s", started, r.status, r.body)
		}
	}
}

// A body that stops arriving is cut off after the stall timeout, well
// before the whole body's deadline, and gives its budget back.
func TestTricklingBodyIsCutOff(t *testing.T) {
	f := newFixture(t)
	svc, err := New(f.options())
	if err != nil {
		t.Fatal(err)
	}
	svc.bodyStallTimeout = 100 * time.Millisecond
	ts := serveOn(t, svc)
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	fmt.Fprintf(c, "POST /v1/gate HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !bytes.Contains(b, []byte("stopped arriving")) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("cut off after %s", took)
	}
	waitUntil(t, "the budget back", func() bool {
		if !svc.bodyBudget.TryAcquire(svc.opts.MaxBodyBytes) {
			return false
		}
		svc.bodyBudget.Release(svc.opts.MaxBodyBytes)
		return true
	})
}

// expectBusy sends a gate session that must be turned away as busy: 503,
// Retry-After, the first such refusal counted.
func expectBusy(t *testing.T, ts *testServer, session []byte, what, resource string) {
	t.Helper()
	r := ts.post(t, "/v1/gate", session)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !bytes.Contains(r.body, []byte("busy: "+resource)) {
		t.Fatalf("%s: %d %v %s", what, r.status, r.header, r.body)
	}
	if got := ts.metric(t, `teegate_refused_requests_total{endpoint="gate",status="503"}`); got != 1 {
		t.Errorf("gate 503s = %v, want 1", got)
	}
}

// When every decision slot stays busy past the queue timeout, a request is
// turned away with 503 and Retry-After, and counted.
func TestConcurrencyLimit(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.MaxConcurrentDecisions = 1
	opts.QueueTimeout = 20 * time.Millisecond
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	deciding, letGo := holdFirstDecision(svc)
	ts := serveOn(t, svc)
	t.Cleanup(letGo) // runs before the server's cleanup, which waits for the held request
	held := make(chan response, 1)
	go func() {
		resp, err := http.Post(ts.url+"/v1/gate", "application/json", bytes.NewReader(f.session))
		if err != nil {
			held <- response{status: -1}
			return
		}
		resp.Body.Close()
		held <- response{status: resp.StatusCode}
	}()
	<-deciding

	expectBusy(t, ts, f.session, "a second request", "all 1 decision slots")
	letGo()
	if r := <-held; r.status != 200 {
		t.Fatalf("held request: %d", r.status)
	}
	if r := ts.post(t, "/v1/gate", f.session); r.status != 200 {
		t.Fatalf("after the slot is free: %d %s", r.status, r.body)
	}
}

// newTestLogger logs to w as teegate serve logs to stderr.
func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// holdFirstDecision makes the first decision svc makes wait, holding its
// slot (and lane), until letGo is called; deciding is closed once it waits.
func holdFirstDecision(svc *Service) (deciding <-chan struct{}, letGo func()) {
	started, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var first atomic.Bool
	svc.testHookDecide = func() {
		if first.CompareAndSwap(false, true) {
			close(started)
			<-proceed
		}
	}
	return started, func() { once.Do(func() { close(proceed) }) }
}
