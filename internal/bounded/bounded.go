// Package bounded writes to a writer that may stop returning: a pipe whose
// reader stopped reading, a hung network mount. A Writer gives each write a
// bound in time, so that its caller can fail instead of hanging with it.
//
// One goroutine writes, in the order writes are queued; writes queued
// while another is under way go out together, in one call to the
// underlying writer. A write that passes its bound is not cancelled
// (nothing can cancel a blocked write(2)): its caller stops waiting, and
// the bytes may still be written later. The goroutine ends after a second
// with nothing to write, and starts again with the next write.
package bounded

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// ErrTimeout is the cause of a write that did not return within its bound.
var ErrTimeout = errors.New("the write did not return in time")

// ErrBusy is the cause of a TryWrite refused because a write is under way,
// of a write refused because too many are queued, and of a write refused
// at once because the write under way has already passed its bound: the
// writer is stuck, and waiting behind it would only add one bound after
// another for callers that serialise their writes (log/slog holds a lock
// around each).
var ErrBusy = errors.New("an earlier write has not returned")

// Batch bounds: how many queued writes, and how many bytes, go out in one
// call to the underlying writer.
const (
	maxQueued     = 1024
	maxBatchBytes = 256 << 10
	idleExit      = time.Second
)

// Writer is a bounded writer over W. Build it with New.
type Writer struct {
	w       io.Writer
	timeout time.Duration
	queue   chan *write
	busy    atomic.Int64 // when the goroutine's call to w.Write began, Unix nanoseconds; 0 when it is in none
	overdue atomic.Int64 // the busy value of a call a caller gave up on: that call has passed a bound

	mu      sync.Mutex // guards running, and orders queueing against the goroutine's exit
	running bool
}

// A write's state moves from pending to writing (taken by the goroutine)
// to done; or to abandoned, by a caller whose bound passed first.
const (
	pending int32 = iota
	writing
	done
	abandoned
)

type write struct {
	p      []byte
	late   func(error)
	state  atomic.Int32
	result chan error // buffered: the goroutine never waits on it
}

// New returns a Writer over w whose writes, waiting in the queue included,
// return within timeout.
func New(w io.Writer, timeout time.Duration) *Writer {
	return &Writer{w: w, timeout: timeout, queue: make(chan *write, maxQueued)}
}

// Write writes p whole, as io.Writer does, or fails within the bound. p is
// copied first: the write may outlive the call, and io.Writer lets the
// caller reuse p once Write returns.
func (b *Writer) Write(p []byte) (int, error) {
	if err := b.WriteLate(bytes.Clone(p), nil); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteLate writes p whole within the bound. If the write has not
// returned by then, WriteLate returns an error wrapping ErrTimeout; if the
// write had begun, late, if not nil, is called with its own result once it
// returns: the bytes may have been written after all. A write still queued
// at its bound is dropped, never written. p is the write's: the caller
// must not modify it after the call.
func (b *Writer) WriteLate(p []byte, late func(error)) error {
	// The call under way is known stuck if a caller gave up on it, or if
	// it has run longer than a bound. The first does not depend on when
	// the goroutine was scheduled to begin the call.
	if at := b.busy.Load(); at != 0 {
		if stuck := time.Since(time.Unix(0, at)); stuck >= b.timeout || b.overdue.Load() == at {
			return fmt.Errorf("%w: it has not returned for %s", ErrBusy, stuck.Round(time.Millisecond))
		}
	}
	wr := &write{p: p, late: late, result: make(chan error, 1)}
	if !b.enqueue(wr) {
		return fmt.Errorf("%w: %d writes are queued", ErrBusy, maxQueued)
	}
	timer := time.NewTimer(b.timeout)
	defer timer.Stop()
	select {
	case err := <-wr.result:
		return err
	case <-timer.C:
	}
	if wr.state.CompareAndSwap(pending, abandoned) {
		return fmt.Errorf("%w: it waited %s behind an earlier write, and was dropped", ErrTimeout, b.timeout)
	}
	if wr.state.CompareAndSwap(writing, abandoned) {
		// busy is set before any write of the batch is taken, so it
		// names this write's call.
		if at := b.busy.Load(); at != 0 {
			b.overdue.Store(at)
		}
		return fmt.Errorf("%w: it has not returned after %s", ErrTimeout, b.timeout)
	}
	return <-wr.result // done as the bound passed
}

// TryWrite is WriteLate, but fails at once with ErrBusy while a write is
// under way.
func (b *Writer) TryWrite(p []byte, late func(error)) error {
	if b.busy.Load() != 0 {
		return ErrBusy
	}
	return b.WriteLate(p, late)
}

func (b *Writer) enqueue(wr *write) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case b.queue <- wr:
	default:
		return false
	}
	if !b.running {
		b.running = true
		go b.run()
	}
	return true
}

// run writes what is queued until nothing has been for idleExit.
func (b *Writer) run() {
	idle := time.NewTimer(idleExit)
	defer idle.Stop()
	var batch []*write
	var buf []byte
	for {
		select {
		case wr := <-b.queue:
			batch = append(batch[:0], wr)
		case <-idle.C:
			b.mu.Lock()
			if len(b.queue) == 0 {
				b.running = false
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
			idle.Reset(idleExit)
			continue
		}
		size := len(batch[0].p)
	more:
		for size < maxBatchBytes {
			select {
			case wr := <-b.queue:
				batch = append(batch, wr)
				size += len(wr.p)
			default:
				break more
			}
		}
		// Writes whose callers gave up while queued are dropped. busy is
		// set first, so that a caller who sees its write taken sees the
		// call it is in.
		b.busy.Store(time.Now().UnixNano())
		taken := batch[:0]
		for _, wr := range batch {
			if wr.state.CompareAndSwap(pending, writing) {
				taken = append(taken, wr)
			}
		}
		if len(taken) == 0 {
			b.busy.Store(0)
			continue
		}
		out := taken[0].p
		if len(taken) > 1 {
			buf = buf[:0]
			for _, wr := range taken {
				buf = append(buf, wr.p...)
			}
			out = buf
		}
		n, err := b.w.Write(out)
		b.busy.Store(0)
		end := 0 // where each write's bytes end in out
		for _, wr := range taken {
			end += len(wr.p)
			// A write whose bytes all went out succeeded, even if the
			// batch's call failed after them: its line is in the file,
			// and its caller must not report it as not written.
			werr := err
			if n >= end {
				werr = nil
			}
			if wr.state.CompareAndSwap(writing, done) {
				wr.result <- werr
			} else if wr.late != nil {
				go wr.late(werr) // it may write again: not on this goroutine
			}
		}
		if cap(buf) > maxBatchBytes*2 {
			buf = nil // a huge line once does not stay
		}
		idle.Reset(idleExit)
	}
}
