package main

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exampleDocs are the flags that serve the shipped examples at their
// instant.
var exampleDocs = []string{"--registry", "../../examples/registry.json", "--keyset", "../../examples/gate/keyset.json",
	"--revocation-registry", "../../examples/gate/revocation.json", "--now-unix", "1767225600"}

func exampleSession(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../examples/gate/session.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postGate posts the session to the gate and returns the status, or 0 when
// the request failed in transport (the process died, the connection broke).
func postGate(t *testing.T, url string, session []byte) (int, http.Header, string) {
	t.Helper()
	c := &http.Client{Timeout: 20 * time.Second}
	resp, err := c.Post(url+"/v1/gate", "application/json", bytes.NewReader(session))
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func getStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitExit waits for the process to end and returns its exit code.
func (p *serveProcess) waitExit(t *testing.T, within time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("teegate serve did not exit within %s; it logged:\n%s", within, strings.Join(p.seen, "\n"))
		return -1
	}
}

// Issue 14, defect 1: with the decision log on stdout and stdout a pipe
// whose reader has gone, a decision used to kill the process with SIGPIPE
// (exit 141). Now the decision is withheld with the documented 500, the
// process lives on, and readiness and metrics say why.
func TestServeSurvivesAGoneLogReader(t *testing.T) {
	bin := buildTeegate(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p := startServeStdout(t, bin, w, append([]string{"--listen", "127.0.0.1:0"}, exampleDocs...)...)
	w.Close()
	r.Close() // the reader exits
	session := exampleSession(t)
	for range 3 {
		status, h, body := postGate(t, p.url, session)
		if status != http.StatusInternalServerError || h.Get("Teegate-Decision") != "" {
			t.Fatalf("a decision with no log reader: %d %s", status, body)
		}
	}
	if status, _ := getStatus(t, p.url+"/healthz"); status != 200 {
		t.Fatalf("/healthz %d", status)
	}
	status, body := getStatus(t, p.url+"/readyz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "broken pipe") || !strings.Contains(body, `"decision_log_error"`) {
		t.Fatalf("/readyz %d %s", status, body)
	}
	_, metrics := getStatus(t, p.url+"/metrics")
	for _, want := range []string{"teegate_decision_log_failed 1", "teegate_decision_log_errors_total 3", "teegate_ready 0"} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics has no %q", want)
		}
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
}

// Issue 14, defect 2: with stdout a pipe whose reader stopped reading,
// every decision used to block for ever once the pipe was full, with
// /readyz 200, nothing in flight and no error counted, and SIGTERM waited
// 30 s and exited 2. Now each decision fails closed (500) within the
// decision log's bound, readiness and metrics show it, and SIGTERM ends
// the process at once.
func TestServeFailsClosedOnAStuckLogReader(t *testing.T) {
	bin := buildTeegate(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close() // never read: the reader is stuck
	p := startServeStdout(t, bin, w, append([]string{"--listen", "127.0.0.1:0", "--decision-log-timeout", "200ms"}, exampleDocs...)...)
	w.Close()
	session := exampleSession(t)
	allowed, withheld := 0, 0
	for range 2000 { // a pipe holds 64 KiB, a few hundred lines
		start := time.Now()
		status, h, body := postGate(t, p.url, session)
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("a decision took %s", took)
		}
		switch {
		case status == 200 && h.Get("Teegate-Decision") == "allow":
			if withheld > 0 {
				t.Fatalf("allowed after the log stuck: %s", body)
			}
			allowed++
			continue
		case status == http.StatusInternalServerError && h.Get("Teegate-Decision") == "":
			withheld++
		default:
			t.Fatalf("%d %s", status, body)
		}
		if withheld == 3 {
			break
		}
	}
	if withheld < 3 || allowed == 0 {
		t.Fatalf("%d allowed, %d withheld", allowed, withheld)
	}
	status, body := getStatus(t, p.url+"/readyz")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "decision log") {
		t.Fatalf("/readyz %d %s", status, body)
	}
	_, metrics := getStatus(t, p.url+"/metrics")
	for _, want := range []string{"teegate_decision_log_failed 1", "teegate_decision_log_errors_total 3", "teegate_decisions_in_flight 0"} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics has no %q", want)
		}
	}
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	t.Logf("%d decisions allowed, %d withheld; SIGTERM to exit: %s", allowed, withheld, time.Since(start).Round(time.Millisecond))
}

// Issue 14, defect 7, as reported: a document path replaced by a FIFO used
// to stop reloads for good (SIGHUP did nothing, later revocations were
// never applied, /readyz stayed 200 with no error, and SIGTERM logged
// "stopped" without the process exiting).
func TestServeReloadsPastAFIFO(t *testing.T) {
	bin := buildTeegate(t)
	reg, ks, rev := copyExampleDocs(t)
	p := startServe(t, bin, "--registry", reg, "--keyset", ks, "--revocation-registry", rev,
		"--now-unix", "1767225600", "--reload-interval", "1h")
	session := exampleSession(t)

	if err := syscall.Mkfifo(rev+".fifo", 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(rev+".fifo", rev); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor(t, "not a regular file (a FIFO)")
	if status, body := getStatus(t, p.url+"/readyz"); !strings.Contains(body, "FIFO") {
		t.Fatalf("/readyz %d does not show the refusal: %s", status, body)
	}

	copyFile(t, "../../examples/gate/revocation-bravo-revoked.json", rev)
	p.cmd.Process.Signal(syscall.SIGHUP)
	p.waitFor(t, "governed documents reloaded")
	if got := gateDecision(t, p.url, session); got != "reject" {
		t.Fatalf("bravo's revocation after the FIFO: %q", got)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.waitExit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
