package service

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 14, defect 7: a document path that blocks on open (a FIFO) used to
// stop reloads for good. It is now refused at once as not a regular file,
// shown in /readyz, and the next good file comes into force.
func TestFIFODocumentIsRefused(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	fifo := f.paths.RevocationRegistry + ".fifo"
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(fifo, f.paths.RevocationRegistry); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ts.svc.Reload() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file (a FIFO)") || !strings.Contains(err.Error(), f.paths.RevocationRegistry) {
			t.Fatalf("reload of a FIFO: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the reload of a FIFO blocked")
	}
	if rd := readiness(t, ts); rd.LastReloadError == nil || !strings.Contains(rd.LastReloadError.Message, "FIFO") {
		t.Fatalf("/readyz does not show the refusal: %+v", rd.LastReloadError)
	}
	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation-bravo-revoked.json"))
	if err := ts.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	if r := ts.post(t, "/v1/gate", f.session); r.header.Get("Teegate-Decision") != "reject" {
		t.Fatalf("the revocation after the FIFO is not in force: %s", r.body)
	}
}

// A document whose read blocks (a regular file on a hung network mount)
// holds no reload past ReloadTimeout: the reload is reported as stuck, the
// set in force stays, the service shuts down promptly, and once the read
// returns, reloads resume.
func TestStuckReloadIsBounded(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.ReloadTimeout = 50 * time.Millisecond
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	unblock := make(chan struct{})
	svc.store.read = func(path string) ([]byte, error) {
		if path == f.paths.RevocationRegistry {
			<-unblock
		}
		return readDocument(path)
	}
	ts := serveOn(t, svc)
	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation-bravo-revoked.json"))

	for i := range 3 { // SIGHUP, again and again, while the read hangs
		start := time.Now()
		err := svc.Reload()
		if !errors.Is(err, errReloadStuck) {
			t.Fatalf("reload %d: %v", i, err)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("reload %d took %s", i, took)
		}
	}
	if got := ts.metric(t, `teegate_reloads_total{result="failure"}`); got != 1 {
		t.Errorf("a stuck reload counted %v times, want once", got)
	}
	rd := readiness(t, ts)
	if rd.LastReloadError == nil || !strings.Contains(rd.LastReloadError.Message, "has not finished") {
		t.Fatalf("/readyz: %+v", rd.LastReloadError)
	}
	if r := ts.post(t, "/v1/gate", f.session); r.header.Get("Teegate-Decision") != "allow" {
		t.Fatalf("the set in force changed: %s", r.body)
	}

	close(unblock) // the mount answers again
	waitUntil(t, "the stuck reload puts the new denylist in force", func() bool {
		return bytes.Contains(ts.post(t, "/v1/gate", f.session).body, []byte(`"decision": "reject"`))
	})
	if err := svc.Reload(); err != nil {
		t.Fatal(err)
	}
	if rd := readiness(t, ts); rd.LastReloadError != nil {
		t.Fatalf("the stuck reload is still reported: %+v", rd.LastReloadError)
	}
}

// Shutting down while a reload hangs ends promptly: the poll is bounded.
func TestShutdownWithAStuckReload(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.ReloadTimeout = 50 * time.Millisecond
	opts.ReloadInterval = 10 * time.Millisecond
	svc, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	unblock := make(chan struct{})
	defer close(unblock)
	svc.store.read = func(path string) ([]byte, error) {
		<-unblock
		return readDocument(path)
	}
	ts := serveOn(t, svc)
	f.write(t, DocRevocationRegistry, readExample(t, "gate/revocation-bravo-revoked.json"))
	waitUntil(t, "the poll is stuck", func() bool { return svc.lastReloadError() != nil })
	start := time.Now()
	if err := ts.stop(t); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown took %s", took)
	}
}
