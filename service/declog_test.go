package service

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// stuckLog is a decision log whose writes block until released, as a pipe
// whose reader stopped reading does.
type stuckLog struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *stuckLog) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *stuckLog) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// A decision whose line is not written within the bound is withheld; the
// log is failed until a retry writes again, and a line written late is
// followed by a record that its decision was withheld.
func TestStuckDecisionLogFailsClosedAndRecovers(t *testing.T) {
	f := newFixture(t)
	w := &stuckLog{release: make(chan struct{})}
	opts := f.options()
	opts.DecisionLog = w
	opts.DecisionLogTimeout = 50 * time.Millisecond
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	svc.decLog.retryEvery = 0
	ts := serveOn(t, svc)

	r := ts.post(t, "/v1/gate", f.session)
	if r.status != http.StatusInternalServerError || r.header.Get("Teegate-Decision") != "" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	// Behind the stuck write, the next fails without waiting its turn.
	start := time.Now()
	if r := ts.post(t, "/v1/gate", f.session); r.status != http.StatusInternalServerError {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("a decision behind a stuck log took %s", took)
	}
	rd := readiness(t, ts)
	if rd.Ready || rd.DecisionLogError == nil || !strings.Contains(*rd.DecisionLogError, "has not returned") {
		t.Fatalf("readiness with a stuck log: %+v", rd)
	}
	if got := ts.metric(t, "teegate_decision_log_failed"); got != 1 {
		t.Errorf("teegate_decision_log_failed = %v", got)
	}

	close(w.release) // the reader reads again
	waitUntil(t, "the log resumes", func() bool { return readiness(t, ts).Ready })
	if r := ts.post(t, "/v1/gate", f.session); r.status != 200 {
		t.Fatalf("after the log resumed: %d %s", r.status, r.body)
	}
	type line struct {
		Msg       string         `json:"msg"`
		ID        string         `json:"decision_id"`
		Withheld  *int           `json:"decisions_withheld"`
		Decision  string         `json:"decision"`
		FailedAt  string         `json:"failed_at"`
		Error     string         `json:"error"`
		Remaining map[string]any `json:",unknown"`
	}
	var lines []line
	for l := range strings.Lines(w.String()) {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		lines = append(lines, x)
	}
	// The first decision's line, written late; the record that it was
	// withheld; the log's resumption, counting both withheld decisions;
	// the decision made after.
	if len(lines) != 4 || lines[0].Msg != "decision" || lines[1].Msg != "decision withheld" || lines[1].ID != lines[0].ID ||
		lines[2].Msg != "decision log resumed" || lines[2].Withheld == nil || *lines[2].Withheld != 2 || lines[2].Error == "" ||
		lines[3].Msg != "decision" || lines[3].Decision != "allow" {
		t.Fatalf("decision log:\n%s", w.String())
	}
}

// Shutting down while the decision log is stuck ends promptly: no request
// waits on the log past its bound.
func TestShutdownWithAStuckDecisionLog(t *testing.T) {
	f := newFixture(t)
	w := &stuckLog{release: make(chan struct{})}
	defer close(w.release)
	opts := f.options()
	opts.DecisionLog = w
	opts.DecisionLogTimeout = 50 * time.Millisecond
	ts := f.start(t, opts)
	ts.post(t, "/v1/gate", f.session)
	start := time.Now()
	if err := ts.stop(t); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown took %s", took)
	}
}
