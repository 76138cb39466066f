package bounded

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stuckWriter blocks every write until released.
type stuckWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
	calls   int
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls++
	return w.buf.Write(p)
}

func TestWriteReturnsAtItsBound(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{})}
	b := New(w, 100*time.Millisecond)
	lateErr := make(chan error, 1)
	if err := b.WriteLate([]byte("line one\n"), func(err error) { lateErr <- err }); !errors.Is(err, ErrTimeout) {
		t.Fatalf("a stuck write returned %v, want ErrTimeout", err)
	}
	if err := b.TryWrite([]byte("x"), nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("TryWrite behind a stuck write: %v, want ErrBusy", err)
	}
	// The write under way has passed its bound: the next fails at once,
	// rather than wait a bound of its own (callers that serialise their
	// writes, as log/slog does, would wait one bound after another).
	if _, err := b.Write([]byte("line two\n")); !errors.Is(err, ErrBusy) {
		t.Fatalf("a write behind a stuck write: %v, want ErrBusy", err)
	}
	close(w.release)
	if err := <-lateErr; err != nil {
		t.Fatalf("late result %v", err)
	}
	if _, err := b.Write([]byte("line three\n")); err != nil {
		t.Fatal(err)
	}
	if got := w.buf.String(); got != "line one\nline three\n" {
		t.Fatalf("written %q", got)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteErrorsPassThrough(t *testing.T) {
	b := New(failingWriter{}, time.Second)
	if _, err := b.Write([]byte("x")); err == nil || err.Error() != "broken pipe" {
		t.Fatalf("%v", err)
	}
	if err := b.TryWrite([]byte("x"), nil); err == nil || err.Error() != "broken pipe" {
		t.Fatalf("%v", err)
	}
}

// Write copies its bytes: the write may outlive the call, and io.Writer
// lets the caller reuse its buffer once Write returns.
func TestWriteCopies(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{})}
	b := New(w, 200*time.Millisecond)
	line := []byte("line one\n")
	if _, err := b.Write(line); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	copy(line, "clobbered")
	close(w.release)
	for b.busy.Load() != 0 {
		time.Sleep(time.Millisecond) // until the first write has returned: until then, the writer is stuck
	}
	if _, err := b.Write([]byte("line two\n")); err != nil {
		t.Fatal(err)
	}
	if got := w.buf.String(); got != "line one\nline two\n" {
		t.Fatalf("written %q", got)
	}
}

// Writes queued while another is under way go out together, in order, in
// one call; a late callback may write again.
func TestQueuedWritesGoOutTogether(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{})}
	b := New(w, 5*time.Second)
	errs := make(chan error, 10)
	go func() { errs <- b.WriteLate([]byte("0\n"), nil) }()
	for b.busy.Load() == 0 {
		time.Sleep(time.Millisecond) // until the first write is under way
	}
	for i := 1; i <= 3; i++ {
		go func() { errs <- b.WriteLate(fmt.Appendf(nil, "%d\n", i), nil) }()
	}
	for len(b.queue) < 3 {
		time.Sleep(time.Millisecond)
	}
	close(w.release)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got := w.buf.String()
	if len(got) != 8 || !strings.HasPrefix(got, "0\n") {
		t.Fatalf("written %q", got)
	}
	if w.calls != 2 {
		t.Fatalf("%d calls to Write, want 2: the three queued in one", w.calls)
	}
}

// A callback for a late write can write again without a deadlock.
func TestLateCallbackWrites(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{})}
	b := New(w, 50*time.Millisecond)
	wrote := make(chan error, 1)
	if err := b.WriteLate([]byte("late\n"), func(error) { wrote <- b.TryWrite([]byte("after\n"), nil) }); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	close(w.release)
	if err := <-wrote; err != nil {
		t.Fatal(err)
	}
	if got := w.buf.String(); got != "late\nafter\n" {
		t.Fatalf("written %q", got)
	}
}

// shortWriter blocks its first call until release, then writes at most
// room bytes of each later call and fails with ENOSPC past them.
type shortWriter struct {
	release chan struct{}
	room    int
	calls   int
	buf     bytes.Buffer
}

func (w *shortWriter) Write(p []byte) (int, error) {
	if w.calls++; w.calls == 1 {
		<-w.release
		return w.buf.Write(p)
	}
	if len(p) <= w.room {
		return w.buf.Write(p)
	}
	w.buf.Write(p[:w.room])
	return w.room, syscall.ENOSPC
}

// A batch cut short (a full disk) fails only the writes whose bytes did
// not all go out: the ones before the cut are in the file, and their
// callers are told so.
func TestShortBatchFailsOnlyWhatWasCut(t *testing.T) {
	w := &shortWriter{release: make(chan struct{}), room: 3}
	b := New(w, 5*time.Second)
	first := make(chan error, 1)
	go func() { first <- b.WriteLate([]byte("0\n"), nil) }()
	for b.busy.Load() == 0 {
		time.Sleep(time.Millisecond) // until the first write is under way
	}
	results := make([]chan error, 3)
	for i := range results {
		results[i] = make(chan error, 1)
		go func() { results[i] <- b.WriteLate(fmt.Appendf(nil, "%d\n", i+1), nil) }()
		for len(b.queue) < i+1 {
			time.Sleep(time.Millisecond) // queued in order
		}
	}
	close(w.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-results[0]; err != nil {
		t.Fatalf("the write before the cut: %v, want nil", err)
	}
	for i := 1; i < 3; i++ {
		if err := <-results[i]; !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("write %d, after the cut: %v, want ENOSPC", i+1, err)
		}
	}
	if got := w.buf.String(); got != "0\n1\n2" || w.calls != 2 {
		t.Fatalf("written %q in %d calls", got, w.calls)
	}
}
