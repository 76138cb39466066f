package bounded

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"
)

// stuckWriter blocks every write until released.
type stuckWriter struct {
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func TestWriteReturnsAtItsBound(t *testing.T) {
	w := &stuckWriter{release: make(chan struct{})}
	b := New(w, 20*time.Millisecond)
	lateErr := make(chan error, 1)
	if err := b.WriteLate([]byte("line one\n"), func(err error) { lateErr <- err }); !errors.Is(err, ErrTimeout) {
		t.Fatalf("a stuck write returned %v, want ErrTimeout", err)
	}
	if err := b.TryWrite([]byte("x"), nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("TryWrite behind a stuck write: %v, want ErrBusy", err)
	}
	if _, err := b.Write([]byte("line two\n")); !errors.Is(err, ErrTimeout) {
		t.Fatalf("a write behind a stuck write: %v, want ErrTimeout", err)
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
	if _, err := b.Write([]byte("line two\n")); err != nil { // after the first, which holds the turn
		t.Fatal(err)
	}
	if got := w.buf.String(); got != "line one\nline two\n" {
		t.Fatalf("written %q", got)
	}
}
