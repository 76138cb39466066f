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
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/internal/strictjson"
)

// A caller's runtime reasons, which layer D repeats as codes, never become
// metric label values: any caller could otherwise mint series without end.
func TestMetricLabelsStayBounded(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	ctx := monitorContext(t)
	for i := range 50 {
		ctx.RuntimeDecision.Reasons = append(ctx.RuntimeDecision.Reasons, decision.Reason{Code: decision.Code(fmt.Sprintf("invented-%d-keep-alpha", i)), Detail: "x"})
	}
	body := []byte(`{"context": ` + string(marshal(t, ctx)) + `}`)
	if r := ts.post(t, "/v1/check/enforcement", body); r.status != 200 || !bytes.Contains(r.body, []byte("runtime_invented-49-keep-alpha")) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	exposition := string(ts.get(t, "/metrics").body)
	if strings.Contains(exposition, "invented") {
		t.Fatal("a caller's code became a label value")
	}
	if got := ts.metric(t, `teegate_decision_reasons_total{code="runtime_*",endpoint="check_enforcement",layer="enforcement"}`); got != float64(len(ctx.RuntimeDecision.Reasons)) {
		t.Errorf("echoed runtime reasons counted %v times, want %d", got, len(ctx.RuntimeDecision.Reasons))
	}
}

// A token checked against the caller's own keyset never enters the shared
// verification cache; gate traffic on the service's keyset does.
func TestCallerKeysetsDoNotFillTheSharedCache(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.AllowRequestDocuments = true
	ts := f.start(t, opts)
	body := []byte(fmt.Sprintf(`{"token": %s, "keyset": %s}`, readExample(t, "token/token.json"), readExample(t, "token/keyset.json")))
	r := ts.post(t, "/v1/check/token", body)
	if r.status != 200 || r.header.Get("Teegate-Decision") != "allow" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got := r.header.Get("Teegate-Request-Documents"); got != "keyset" {
		t.Errorf("Teegate-Request-Documents = %q, want keyset", got)
	}
	if n := ts.svc.verifier.Len(); n != 0 {
		t.Fatalf("the shared cache holds %d payloads signed under a caller's keyset", n)
	}
	ts.post(t, "/v1/gate", f.session)
	if n := ts.svc.verifier.Len(); n != 5 {
		t.Fatalf("the shared cache holds %d payloads after the gate, want 5", n)
	}
}

// By default a check may not bring its own registry, keyset or
// revocation registry.
func TestGovernedDocumentsOnly(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	body := []byte(fmt.Sprintf(`{"token": %s, "keyset": %s}`, readExample(t, "token/token.json"), readExample(t, "token/keyset.json")))
	r := ts.post(t, "/v1/check/token", body)
	if r.status != http.StatusBadRequest || !bytes.Contains(r.body, []byte(`"member": "/keyset"`)) || !bytes.Contains(r.body, []byte("decides on its own")) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if r := ts.post(t, "/v1/check/token", []byte(`{"token": `+string(readExample(t, "token/token.json"))+`}`)); r.status != 200 || r.header.Get("Teegate-Request-Documents") != "" {
		t.Fatalf("the token alone: %d %v %s", r.status, r.header, r.body)
	}
}

// withMode returns the session with its enforcement mode and phase set.
func withMode(t *testing.T, session []byte, mode, phase string) []byte {
	t.Helper()
	var s map[string]jsontext.Value
	if err := json.Unmarshal(session, &s); err != nil {
		t.Fatal(err)
	}
	s["enforcement"] = jsontext.Value(fmt.Sprintf(`{"mode": %q, "canary_session": false}`, mode))
	s["phase"] = jsontext.Value(fmt.Sprintf("%q", phase))
	return marshal(t, s)
}

// Past the staleness bound no session starts in any mode: where layer D
// would admit with warnings (monitor, soft), the service rejects. A
// session already running is left to the gate.
func TestStaleDenylistRejectsSessionStartInEveryMode(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	f.clock.Set(testNow + 41) // the denylist is 61 s old; the bound is 60
	for _, c := range []struct {
		mode, phase, want string
		added             bool
	}{
		{"monitor_only", "session_start", "reject", true},
		{"soft_enforcement", "session_start", "reject", true},
		{"soft_enforcement", "no_such_phase", "reject", true}, // checked as session_start, as layer C does
		{"full_enforcement", "session_start", "reject", false},
		{"monitor_only", "mid_session", "allow_with_warnings", false},
	} {
		t.Run(c.mode+"/"+c.phase, func(t *testing.T) {
			session := withMode(t, f.session, c.mode, c.phase)
			r := ts.post(t, "/v1/gate", session)
			if r.status != 200 || r.header.Get("Teegate-Decision") != c.want {
				t.Fatalf("%d %s", r.status, r.body)
			}
			added := bytes.Contains(r.body, []byte(`"code": "service_denylist_stale_at_session_start"`))
			if added != c.added {
				t.Fatalf("service reason added = %v, want %v:\n%s", added, c.added, r.body)
			}
			if !c.added {
				// Otherwise the answer is the gate's own.
				if want := f.library(t, session, testNow+41); !bytes.Equal(r.body, want) {
					t.Fatalf("body\n%s\nwant the gate's\n%s", r.body, want)
				}
			}
		})
	}
}

func TestServiceCodesAreTestedAndDocumented(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	f.clock.Set(testNow + 41)
	var got struct {
		Reasons []struct {
			Layer string `json:"layer"`
			Code  string `json:"code"`
		} `json:"reasons"`
	}
	r := ts.post(t, "/v1/gate", withMode(t, f.session, "monitor_only", "session_start"))
	if err := json.Unmarshal(r.body, &got, json.RejectUnknownMembers(false)); err != nil {
		t.Fatal(err)
	}
	produced := map[decision.Code]bool{}
	for _, reason := range got.Reasons {
		if reason.Layer == string(LayerService) {
			produced[decision.Code(reason.Code)] = true
		}
	}
	// The code is the gate's (gate.Options.RejectStaleDenylist, whose
	// coverage the gate's tests check); the service turns the option on.
	if !produced[CodeDenylistStaleAtSessionStart] {
		t.Fatalf("a monitor_only session start on a stale denylist: reasons %+v, want %s under layer %s", got.Reasons, CodeDenylistStaleAtSessionStart, LayerService)
	}
}

// A decision that cannot be recorded in the decision log is not given.
func TestUnloggableDecisionsAreWithheld(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.DecisionLog = failingWriter{}
	ts := f.start(t, opts)
	r := ts.post(t, "/v1/gate", f.session)
	if r.status != http.StatusInternalServerError || r.header.Get("Teegate-Decision") != "" || bytes.Contains(r.body, []byte(`"decision"`)) {
		t.Fatalf("%d %v %s", r.status, r.header, r.body)
	}
	if got := ts.metric(t, "teegate_decision_log_errors_total"); got != 1 {
		t.Errorf("teegate_decision_log_errors_total = %v", got)
	}
	if got := ts.metric(t, `teegate_decisions_total{advisory="false",endpoint="gate",outcome="allow"}`); got != -1 {
		t.Errorf("a withheld decision was counted as made: %v", got)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// A clock before 1970 gives no decision and no readiness, never a
// decision at time 0.
func TestClockBeforeEpoch(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	f.clock.Set(-1)
	r := ts.post(t, "/v1/gate", f.session)
	if r.status != http.StatusServiceUnavailable || !bytes.Contains(r.body, []byte("before 1970")) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if rd := readiness(t, ts); rd.Ready || !strings.Contains(strings.Join(rd.Problems, "; "), "before 1970") {
		t.Fatalf("readiness: %+v", rd)
	}
}

// A replayed older keyset or denylist is refused as a rollback.
func TestRollbackRefused(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	ks, err := admission.DecodeKeyset("k", readExample(t, "gate/keyset.json"))
	if err != nil {
		t.Fatal(err)
	}
	ks.KeysetVersion--
	f.write(t, DocKeyset, marshal(t, ks))
	if err := ts.svc.reload(false); !errors.Is(err, errRollback) || !strings.Contains(err.Error(), "keyset_version 8 is below 9") {
		t.Fatalf("older keyset: %v", err)
	}
	f.write(t, DocKeyset, readExample(t, "gate/keyset.json"))
	rev, err := admission.DecodeRevocationRegistry("v", readExample(t, "gate/revocation.json"))
	if err != nil {
		t.Fatal(err)
	}
	rev.DenylistRefreshedAtUnix--
	f.write(t, DocRevocationRegistry, marshal(t, rev))
	if err := ts.svc.reload(false); !errors.Is(err, errRollback) || !strings.Contains(err.Error(), "denylist_refreshed_at_unix") {
		t.Fatalf("older denylist: %v", err)
	}
	rev.DenylistRefreshedAtUnix++
	rev.MinTokenRevocationEpoch--
	f.write(t, DocRevocationRegistry, marshal(t, rev))
	if err := ts.svc.reload(false); !errors.Is(err, errRollback) || !strings.Contains(err.Error(), "min_token_revocation_epoch") {
		t.Fatalf("lower revocation epoch: %v", err)
	}
	if rd := readiness(t, ts); rd.Documents.Keyset.Generation != 1 || rd.Documents.RevocationRegistry.Generation != 1 {
		t.Fatalf("a refused rollback changed the set in force: %+v", rd.Documents)
	}
	// The same versions with other bytes are no rollback.
	rev.MinTokenRevocationEpoch++
	rev.RevokedOperatorIDs = append(rev.RevokedOperatorIDs, "keep-golf")
	f.write(t, DocRevocationRegistry, marshal(t, rev))
	if err := ts.svc.reload(false); err != nil {
		t.Fatalf("same versions, new entries: %v", err)
	}
	if rd := readiness(t, ts); rd.Documents.RevocationRegistry.Generation != 2 {
		t.Fatalf("the new revocation registry is not in force: %+v", rd.Documents)
	}
}

// A refused set is tried again on every poll, without being reported
// again; putting the old files back clears the refusal.
func TestRefusedSetIsRetried(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	f.write(t, DocKeyset, []byte(`{`))
	for range 3 {
		if err := ts.svc.reload(false); err == nil {
			t.Fatal("a broken keyset was not refused on retry")
		}
	}
	if got := ts.metric(t, `teegate_reloads_total{result="failure"}`); got != 1 {
		t.Errorf("one refusal, retried, counted %v times", got)
	}
	f.write(t, DocKeyset, readExample(t, "gate/keyset.json"))
	if err := ts.svc.reload(false); err != nil {
		t.Fatal(err)
	}
	rd := readiness(t, ts)
	if rd.LastReloadError != nil || rd.Documents.Keyset.Generation != 1 {
		t.Fatalf("after putting the keyset back: %+v", rd)
	}
	if ts.metric(t, "teegate_last_reload_failed") != 0 {
		t.Error("teegate_last_reload_failed still set")
	}
}

// A long session id is cut in the decision log, with its digest.
func TestDecisionLogBoundsSessionID(t *testing.T) {
	f, ts, log := startLogged(t)
	var s map[string]jsontext.Value
	if err := json.Unmarshal(f.session, &s); err != nil {
		t.Fatal(err)
	}
	s["session_id"] = jsontext.Value(`"` + strings.Repeat("x", 100_000) + `"`)
	ts.post(t, "/v1/gate", marshal(t, s))
	ts.stop(t)
	if log.Len() > 4096 || !strings.Contains(log.String(), `"session_id_sha256":`) {
		t.Fatalf("%d bytes: %.300s", log.Len(), log.String())
	}
}

// Every way a request can end gives back its budget and its decision
// slot: bad bodies, oversized ones (declared or not), a wrong content
// type, a clock before 1970, an unwritable log and a panic while deciding.
func TestEveryPathReleasesBudgetAndSlot(t *testing.T) {
	f := newFixture(t)
	failing := &switchableWriter{}
	opts := f.options()
	opts.DecisionLog = failing
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	svc.decLog.retryEvery = 0 // the log is retried at once once it works again
	var panicking atomic.Bool
	svc.testHookDecide = func() {
		if panicking.Load() {
			panic("a decision that blows up")
		}
	}
	ts := serveOn(t, svc)
	released := func(what string) {
		t.Helper()
		waitUntil(t, what+": budget and slot back", func() bool {
			if !svc.bodyBudget.TryAcquire(svc.opts.MaxBodyBytes) {
				return false
			}
			svc.bodyBudget.Release(svc.opts.MaxBodyBytes)
			return len(svc.slots) == 0
		})
		if got := ts.metric(t, "teegate_decisions_in_flight"); got != 0 {
			t.Errorf("%s: %v decisions in flight", what, got)
		}
	}
	chunked := func(body []byte) {
		t.Helper()
		// An io.Reader that is not a *bytes.Reader has no known length, so
		// the client sends it chunked.
		resp, err := http.Post(ts.url+"/v1/gate", "application/json", io.MultiReader(bytes.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked oversized body: %d", resp.StatusCode)
		}
	}

	ts.post(t, "/v1/gate", []byte(`{"bad": `))
	released("400")
	ts.do(t, http.MethodPost, "/v1/gate", "text/plain", []byte(`{}`))
	released("415")
	big := bytes.Repeat([]byte(" "), strictjson.MaxInputBytes+1)
	ts.post(t, "/v1/gate", big)
	released("413, declared")
	chunked(big)
	released("413, chunked")
	f.clock.Set(-1)
	ts.post(t, "/v1/gate", f.session)
	released("503, clock")
	f.clock.Set(testNow)
	failing.fail.Store(true)
	if r := ts.post(t, "/v1/gate", f.session); r.status != http.StatusInternalServerError {
		t.Fatalf("unwritable log: %d", r.status)
	}
	released("500, log")
	failing.fail.Store(false)
	panicking.Store(true)
	if resp, err := http.Post(ts.url+"/v1/gate", "application/json", bytes.NewReader(f.session)); err == nil {
		resp.Body.Close()
		t.Fatalf("a panicking decision answered %d", resp.StatusCode)
	}
	released("panic")
	panicking.Store(false)
	if r := ts.post(t, "/v1/gate", f.session); r.status != 200 {
		t.Fatalf("after every failure: %d %s", r.status, r.body)
	}
	released("200")
}

// switchableWriter fails its writes while fail is set.
type switchableWriter struct{ fail atomic.Bool }

func (w *switchableWriter) Write(p []byte) (int, error) {
	if w.fail.Load() {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// A denylist dated after now is held back, the set before it staying in
// force, and put in force by the first poll once the clock reaches it.
func TestFutureDenylistWaitsForItsTime(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	rev, err := admission.DecodeRevocationRegistry("v", readExample(t, "gate/revocation.json"))
	if err != nil {
		t.Fatal(err)
	}
	rev.DenylistRefreshedAtUnix = testNow + 5
	f.write(t, DocRevocationRegistry, marshal(t, rev))
	if err := ts.svc.reload(false); !errors.Is(err, errFuture) {
		t.Fatalf("a denylist 5 s ahead: %v", err)
	}
	if rd := readiness(t, ts); !rd.Ready || rd.Documents.RevocationRegistry.Generation != 1 {
		t.Fatalf("while it waits, the set before it is in force and ready: %+v", rd)
	}
	if r := ts.post(t, "/v1/gate", f.session); r.header.Get("Teegate-Decision") != "allow" {
		t.Fatalf("while it waits: %s", r.body)
	}
	f.clock.Set(testNow + 5)
	if err := ts.svc.reload(false); err != nil {
		t.Fatalf("once its time has come: %v", err)
	}
	if rd := readiness(t, ts); !rd.Ready || rd.Documents.RevocationRegistry.Generation != 2 || rd.LastReloadError != nil {
		t.Fatalf("after its time: %+v", rd)
	}
}

// Layer D's own runtime_ codes keep their labels; only the caller's
// repeated ones are folded.
func TestOwnRuntimeCodesKeepTheirLabels(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	ctx := monitorContext(t)
	ctx.RuntimeDecision.Decision = "bogus"
	r := ts.post(t, "/v1/check/enforcement", []byte(`{"context": `+string(marshal(t, ctx))+`}`))
	if !bytes.Contains(r.body, []byte(`"code": "`+string(enforce.CodeRuntimeDecisionInvalid)+`"`)) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got := ts.metric(t, `teegate_decision_reasons_total{code="`+string(enforce.CodeRuntimeDecisionInvalid)+`",endpoint="check_enforcement",layer="enforcement"}`); got != 1 {
		t.Errorf("layer D's own runtime code counted %v times under its name, want 1", got)
	}
}

// Issue 19: a caller whose runtime reasons include decision_invalid made
// the service label layer D's own runtime_decision_invalid as a repeated
// caller code ("runtime_*"), because the two were told apart by their
// spelling. Layer D now says which reasons it re-emits.
func TestOwnRuntimeCodeIsNotTakenForACallersCode(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	ctx := monitorContext(t)
	ctx.RuntimeDecision.Decision = "bogus" // layer D's own runtime_decision_invalid
	ctx.RuntimeDecision.Reasons = append(ctx.RuntimeDecision.Reasons, decision.Reason{Code: "decision_invalid", Detail: "a caller's code"})
	r := ts.post(t, "/v1/check/enforcement", []byte(`{"context": `+string(marshal(t, ctx))+`}`))
	if !bytes.Contains(r.body, []byte(`"code": "`+string(enforce.CodeRuntimeDecisionInvalid)+`"`)) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got := ts.metric(t, `teegate_decision_reasons_total{code="`+string(enforce.CodeRuntimeDecisionInvalid)+`",endpoint="check_enforcement",layer="enforcement"}`); got != 1 {
		t.Errorf("layer D's own runtime_decision_invalid counted %v times under its name, want 1", got)
	}
	if got := ts.metric(t, `teegate_decision_reasons_total{code="runtime_*",endpoint="check_enforcement",layer="enforcement"}`); got > 0 { // -1: no such series
		t.Errorf("%v reasons counted as repeated caller codes; layer D repeated none (its pre-check failed)", got)
	}
}

// The decision log cuts codes a caller wrote, however long.
func TestDecisionLogBoundsCodes(t *testing.T) {
	_, ts, log := startLogged(t)
	ctx := monitorContext(t)
	ctx.RuntimeDecision.Reasons = append(ctx.RuntimeDecision.Reasons, decision.Reason{Code: decision.Code(strings.Repeat("c", 100_000)), Detail: "x"})
	if r := ts.post(t, "/v1/check/enforcement", []byte(`{"context": `+string(marshal(t, ctx))+`}`)); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	ts.stop(t)
	if log.Len() > 4096 || !strings.Contains(log.String(), "ccc…") {
		t.Fatalf("%d bytes: %.300s", log.Len(), log.String())
	}
}

// rawExchange writes a request on a raw connection, closes its writing
// half, and returns the status line of the answer ("" if none came).
func rawExchange(t *testing.T, ts *testServer, request string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// A body cut short is never decided: not when the connection ends before
// the declared length, nor when a chunked body lacks its last chunk. It
// gets the documented 400 (issue 14, defect 9: a half-close used to get
// 499, as if the client had gone).
func TestTruncatedBodiesAreNeverDecided(t *testing.T) {
	f, ts, log := startLogged(t)
	for _, c := range []struct{ name, request string }{
		{"short of Content-Length", fmt.Sprintf("POST /v1/gate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			len(f.session)+1000, f.session)},
		{"chunked without its last chunk", fmt.Sprintf("POST /v1/gate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n",
			len(f.session), f.session)},
	} {
		t.Run(c.name, func(t *testing.T) {
			for range 10 { // the client's going away once raced a free slot
				if status := rawExchange(t, ts, c.request); !strings.Contains(status, " 400 ") {
					t.Fatalf("a truncated body: %q, want 400", status)
				}
			}
		})
	}
	ts.stop(t)
	if log.Len() != 0 {
		t.Fatalf("a truncated body was logged as decided:\n%s", log.String())
	}
}

// A body that stalls past the read timeout gets 408 and gives its budget
// back.
func TestStalledBodyTimesOut(t *testing.T) {
	f := newFixture(t)
	svc, err := New(f.options())
	if err != nil {
		t.Fatal(err)
	}
	svc.bodyReadTimeout = 50 * time.Millisecond
	ts := serveOn(t, svc)
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/gate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(f.session), f.session[:100])
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	status, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.Contains(status, " 408 ") {
		t.Fatalf("stalled body: %q", status)
	}
	waitUntil(t, "the budget back", func() bool {
		if !svc.bodyBudget.TryAcquire(svc.opts.MaxBodyBytes) {
			return false
		}
		svc.bodyBudget.Release(svc.opts.MaxBodyBytes)
		return true
	})
}

// A body of exactly the endpoint's limit is read and decided.
func TestBodyAtTheLimit(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	body := append(bytes.Clone(f.session), bytes.Repeat([]byte(" "), strictjson.MaxInputBytes-len(f.session))...)
	if r := ts.post(t, "/v1/gate", body); r.status != 200 || r.header.Get("Teegate-Decision") != "allow" {
		t.Fatalf("a %d-byte session: %d %s", len(body), r.status, r.body)
	}
}

// A body is read in chunks no larger than it declares (and one byte), and
// joined only when it spans chunks.
func TestBudgetedReadSizes(t *testing.T) {
	f := newFixture(t)
	svc, err := New(f.options())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		size     int
		declared bool
	}{{0, true}, {100, true}, {firstBodyChunk - 1, true}, {firstBodyChunk, true}, {bodyChunk - 1, true}, {bodyChunk, true}, {3*bodyChunk + 5, true}, {100, false}, {3*bodyChunk + 5, false}} {
		data := bytes.Repeat([]byte("x"), c.size)
		b := budgeted{s: svc, ctx: t.Context(), declared: -1}
		if c.declared {
			b.declared = int64(c.size)
		}
		got, err := b.read(bytes.NewReader(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes (declared %v): %d bytes, %v", c.size, c.declared, len(got), err)
		}
		if c.declared && c.size < firstBodyChunk && c.size > 0 && cap(got) != c.size+1 {
			t.Errorf("%d declared bytes read into a buffer of %d", c.size, cap(got))
		}
		if c.declared && b.held > int64(c.size)+1 {
			t.Errorf("%d bytes hold %d after the read", c.size, b.held)
		}
		b.release()
	}
	b := budgeted{s: svc, ctx: t.Context(), declared: 200}
	if _, err := b.read(bytes.NewReader(make([]byte, 100))); !errors.Is(err, errBodyLength) {
		t.Fatalf("a body short of its declared length: %v", err)
	}
	b.release()
}

// A body longer than its declared length, as a middleware in front of
// Handler could produce, is refused, never read past (nor a panic).
func TestBudgetedReadRefusesALongerBody(t *testing.T) {
	f := newFixture(t)
	svc, err := New(f.options())
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{11, bodyChunk + 1, 3 * bodyChunk} {
		b := budgeted{s: svc, ctx: t.Context(), declared: 10}
		if _, err := b.read(bytes.NewReader(make([]byte, size))); !errors.Is(err, errBodyLength) {
			t.Fatalf("%d bytes declared as 10: %v", size, err)
		}
		b.release()
	}
}

// A body's read deadline does not outlive the body. Once a body has ended,
// net/http reads the connection in the background; a deadline left on it
// (set by a read after the end) used to end that read after the stall
// timeout and cancel the request, and every later request on the
// keep-alive connection, with 499. The bodies here end on a first byte
// that comes with the body's end (a 16 KiB chunk and one byte), or have no
// bytes at all; each decision takes several stall timeouts.
func TestBodyDeadlineEndsWithTheBody(t *testing.T) {
	f := newFixture(t)
	svc, err := New(f.options())
	if err != nil {
		t.Fatal(err)
	}
	svc.bodyStallTimeout = 20 * time.Millisecond
	var held atomic.Int32
	svc.testHookDecide = func() {
		held.Add(1)
		time.Sleep(10 * svc.bodyStallTimeout) // a decision slower than the stall bound, as under load
	}
	ts := serveOn(t, svc)
	c, err := net.Dial("tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	exchange := func(what, request string) (int, string) {
		t.Helper()
		if _, err := io.WriteString(c, request); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	padded := string(f.session) + strings.Repeat(" ", firstBodyChunk+1-len(f.session))
	gate := func(body string) string {
		return fmt.Sprintf("POST /v1/gate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
	for i := range 3 {
		if status, body := exchange("a 16 KiB and one byte body", gate(padded)); status != 200 {
			t.Fatalf("request %d on the connection: %d %s", i, status, body)
		}
	}
	if status, body := exchange("an empty body", gate("")); status != http.StatusBadRequest {
		t.Fatalf("an empty body: %d %s", status, body)
	}
	// The empty body's deadline would pass while the connection idles.
	time.Sleep(10 * svc.bodyStallTimeout)
	if status, body := exchange("after the empty body", gate(padded)); status != 200 {
		t.Fatalf("after an empty body: %d %s", status, body)
	}
	if held.Load() != 5 { // the hook runs in the slot, before decoding: the empty body too
		t.Fatalf("%d requests reached a decision slot, want 5", held.Load())
	}
}

// Without --request-documents allow, a check's body may carry only its
// members that are not governed documents, and its size limit counts only
// those and an allowance of 1 MiB (enough for a real governed document to
// be refused by name): a token check is refused past one document's size
// and the allowance, before any of it is read, and a registry check (all
// of whose members are governed) past the allowance. With allow, the
// limits count every member.
func TestCheckBodyLimitCountsOnlyWhatMayCome(t *testing.T) {
	declared := func(ts *testServer, path string, n int) string {
		t.Helper()
		return rawExchange(t, ts, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", path, n))
	}
	f := newFixture(t)
	ts := f.start(t, f.options())
	if status := declared(ts, "/v1/check/token", envelopeLimit(1)+refusedAllowance+1); !strings.Contains(status, " 413 ") {
		t.Fatalf("a token check body past one document: %q, want 413", status)
	}
	if status := declared(ts, "/v1/check/registry", envelopeLimit(0)+refusedAllowance+1); !strings.Contains(status, " 413 ") {
		t.Fatalf("a registry check body past the envelope: %q, want 413", status)
	}
	if r := ts.post(t, "/v1/check/registry", []byte(`{}`)); r.status != 200 {
		t.Fatalf("a registry check on the service's documents: %d %s", r.status, r.body)
	}

	opts := f.options()
	opts.AllowRequestDocuments = true
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	allow := serveOn(t, svc)
	if r := allow.post(t, "/v1/check/registry", []byte(`{"registry": `+string(readExample(t, "registry.json"))+`}`)); r.status != 200 {
		t.Fatalf("a registry check bringing its registry, with allow: %d %s", r.status, r.body)
	}
	if got, want := svc.checkLimit(tokenCheckMembers), envelopeLimit(4); got != want {
		t.Fatalf("token check limit with allow = %d, want %d", got, want)
	}
}

// Issue 19: the stale-denylist rule is the gate's (Options.
// RejectStaleDenylist). A coordinator that imports the gate with the option
// on rejects the same session start as the service, with the same reasons;
// without it, the library admits it with warnings, as teegate gate does.
func TestLibraryAndServiceRejectTheSameStaleSessionStart(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	now := uint64(testNow + 41) // past the example registry's staleness bound
	f.clock.Set(int64(now))
	body := withMode(t, f.session, "monitor_only", "session_start")
	r := ts.post(t, "/v1/gate", body)
	if want := f.library(t, body, now); !bytes.Equal(r.body, want) {
		t.Fatalf("the library with RejectStaleDenylist says\n%s\nthe service says\n%s", want, r.body)
	}
	if off := f.libraryWith(t, body, now, gate.Options{}); !bytes.Contains(off, []byte(`"decision": "allow_with_warnings"`)) {
		t.Fatalf("the library without the option: %s", off)
	}
	var fromService struct {
		Reasons []gate.Reason `json:"reasons"`
	}
	if err := json.Unmarshal(r.body, &fromService, json.RejectUnknownMembers(false)); err != nil {
		t.Fatal(err)
	}
	if len(fromService.Reasons) == 0 || fromService.Reasons[0].Layer != gate.LayerService || fromService.Reasons[0].Code != gate.CodeDenylistStaleAtSessionStart {
		t.Fatalf("service: %s", r.body)
	}
}
