package service

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/gate"
)

// Issue 14, defect 4: a cohort larger than MaxSigners is refused before
// any token is checked, on every endpoint that takes a cohort.
func TestCohortSizeIsBounded(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	opts := f.options()
	opts.MaxSigners = 4 // the examples' cohort has five
	opts.DecisionLog = &log
	ts := f.start(t, opts)
	for _, c := range []struct{ path, body, member string }{
		{"/v1/gate", string(f.session), "/selected_signers"},
		// heavy: counted before decoding
		{"/v1/gate", string(f.session) + strings.Repeat(" ", heavyBodyBytes), "/selected_signers"},
		{"/v1/check/runtime", `{"session": ` + string(runtimeSession(t)) + `}`, "/session/selected_signers"},
		{"/v1/check/enforcement", `{"context": ` + string(readExample(t, "enforcement/context-monitor.json")) + `}`, "/context/selected_operator_ids"},
	} {
		r := ts.post(t, c.path, []byte(c.body))
		var e apiError
		if err := json.Unmarshal(r.body, &e); err != nil || r.status != http.StatusBadRequest || e.Member != c.member || !strings.Contains(e.Message, "--max-signers") {
			t.Errorf("%s: %d %s", c.path, r.status, r.body)
		}
	}
	ts.stop(t)
	if log.Len() != 0 {
		t.Fatalf("a refused cohort was logged as decided:\n%s", log.String())
	}
}

// A decision past DecisionTimeout is abandoned: 503, and no decision is
// given or logged.
func TestDecisionTimeout(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	opts := f.options()
	opts.DecisionTimeout = 1 // a nanosecond: past before the first token
	opts.DecisionLog = &log
	ts := f.start(t, opts)
	r := ts.post(t, "/v1/gate", f.session)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Teegate-Decision") != "" || !bytes.Contains(r.body, []byte("did not finish within 1ns")) {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if got := ts.metric(t, `teegate_refused_requests_total{endpoint="gate",status="503"}`); got != 1 {
		t.Errorf("refused 503s = %v", got)
	}
	ts.stop(t)
	if log.Len() != 0 {
		t.Fatalf("an abandoned decision was logged:\n%s", log.String())
	}
}

// withDuplicateSignatures gives the second signer's token n extra copies
// of its first signature: each is a reason of its own.
func withDuplicateSignatures(t *testing.T, session []byte, n int) []byte {
	t.Helper()
	var s gate.Session
	if err := json.Unmarshal(session, &s); err != nil {
		t.Fatal(err)
	}
	tok := &s.SelectedSigners[1].Token
	for range n {
		tok.Signatures = append(tok.Signatures, tok.Signatures[0])
	}
	return marshal(t, s)
}

// An answer repeats at most MaxReasonsPerSigner reasons for one signer,
// and says how many it left out; the decision is the gate's, and the
// reasons kept are the gate's first ones. Below the cap the answer is the
// CLI's, byte for byte.
func TestAnswerBoundsReasonsPerSigner(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	session := withDuplicateSignatures(t, f.session, 40)
	r := ts.post(t, "/v1/gate", session)
	if r.status != 200 || r.header.Get("Teegate-Decision") != "reject" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var got struct {
		Decision       string          `json:"decision"`
		Reasons        []gate.Reason   `json:"reasons"`
		ReasonsOmitted *reasonsOmitted `json:"reasons_omitted"`
		Validated      uint64          `json:"validated_at_unix"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	var want gate.Result
	if err := json.Unmarshal(f.library(t, session, testNow), &want); err != nil {
		t.Fatal(err)
	}
	perSigner := map[string]int{}
	for _, x := range want.Reasons {
		perSigner[x.Signer]++
	}
	bravo := want.Reasons[len(want.Reasons)-1].Signer
	if perSigner[bravo] <= MaxReasonsPerSigner {
		t.Fatalf("the session gives %s only %d reasons", bravo, perSigner[bravo])
	}
	if got.ReasonsOmitted == nil || *got.ReasonsOmitted != (reasonsOmitted{PerSignerLimit: MaxReasonsPerSigner, Reasons: perSigner[bravo] - MaxReasonsPerSigner, Signers: 1}) {
		t.Fatalf("reasons_omitted %+v", got.ReasonsOmitted)
	}
	kept := 0
	for _, x := range want.Reasons {
		if x.Signer == bravo {
			if kept++; kept > MaxReasonsPerSigner {
				continue
			}
		}
		if len(got.Reasons) == 0 || got.Reasons[0] != x {
			t.Fatalf("answer's reasons differ from the gate's first ones at %+v", x)
		}
		got.Reasons = got.Reasons[1:]
	}
	if len(got.Reasons) != 0 || got.Decision != string(want.Outcome) {
		t.Fatalf("%d extra reasons; decision %s", len(got.Reasons), got.Decision)
	}
	// Under the cap, byte for byte.
	session = withDuplicateSignatures(t, f.session, 2)
	if r := ts.post(t, "/v1/gate", session); !bytes.Equal(r.body, f.library(t, session, testNow)) {
		t.Fatalf("under the cap the answer is not the CLI's:\n%s", r.body)
	}
}

// Heavy bodies take a heavy lane as well as a slot: while every heavy
// lane is taken, another heavy request is turned away (503, naming the
// lanes), and light requests are still decided.
func TestHeavyRequestsCannotStarveLightOnes(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.MaxConcurrentDecisions = 4 // one heavy lane
	opts.QueueTimeout = 20 * time.Millisecond
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	heavy := append(bytes.Clone(f.session), bytes.Repeat([]byte(" "), heavyBodyBytes)...)
	deciding, letGo := holdFirstDecision(svc)
	ts := serveOn(t, svc)
	t.Cleanup(letGo)
	held := make(chan int, 1)
	go func() {
		resp, err := http.Post(ts.url+"/v1/gate", "application/json", bytes.NewReader(heavy))
		if err != nil {
			held <- -1
			return
		}
		resp.Body.Close()
		held <- resp.StatusCode
	}()
	<-deciding
	r := ts.post(t, "/v1/gate", heavy)
	if r.status != http.StatusServiceUnavailable || !bytes.Contains(r.body, []byte(fmt.Sprintf("lanes for bodies over %d bytes", heavyBodyBytes))) {
		t.Fatalf("a second heavy request: %d %s", r.status, r.body)
	}
	for range 3 {
		if r := ts.post(t, "/v1/gate", f.session); r.status != 200 {
			t.Fatalf("a light request beside a heavy one: %d %s", r.status, r.body)
		}
	}
	letGo()
	if status := <-held; status != 200 {
		t.Fatalf("the heavy request: %d", status)
	}
}

// countElements counts a top-level array's elements, stopping at its
// limit, and never fails: what it cannot scan the decoder judges.
func TestCountElements(t *testing.T) {
	for _, c := range []struct {
		doc   string
		limit int
		want  int
	}{
		{`{"a": 1, "selected_signers": [{}, [1, 2], "x", {"b": [3]}]}`, 10, 4},
		{`{"selected_signers": [1, 2, 3, 4, 5]}`, 3, 3},
		{`{"selected_signers": []}`, 3, 0},
		{`{"other": [1, 2]}`, 3, 0},
		{`[1, 2]`, 3, 0},
		{`{"selected_signers": {"a": 1}}`, 3, 0},
		{`{"selected_signers": [1, 2, }`, 10, 2},
		{`{"selected_signers": [1, 2`, 10, 2},
		{``, 3, 0},
	} {
		if got := countElements([]byte(c.doc), "selected_signers", c.limit); got != c.want {
			t.Errorf("%s (limit %d): %d, want %d", c.doc, c.limit, got, c.want)
		}
	}
}
