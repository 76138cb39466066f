// Package bounded writes to a writer that may stop returning: a pipe whose
// reader stopped reading, a hung network mount. A Writer gives each write a
// bound in time, so that its caller can fail instead of hanging with it.
//
// Writes are serialised, in the order they obtain their turn. A write that
// passes its bound is not cancelled (nothing can cancel a blocked write(2));
// it goes on in the background, holding the turn, and the writes after it
// fail at their own bound, or at once with TryWrite.
package bounded

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrTimeout is the cause of a write that did not return within its bound.
var ErrTimeout = errors.New("the write did not return in time")

// ErrBusy is the cause of a TryWrite refused because a write is under way.
var ErrBusy = errors.New("an earlier write has not returned")

// Writer is a bounded writer over W. Its zero value is not usable; build
// it with New.
type Writer struct {
	w       io.Writer
	timeout time.Duration
	turn    chan struct{} // held by the write in progress
}

// New returns a Writer over w whose writes, waiting for their turn
// included, return within timeout.
func New(w io.Writer, timeout time.Duration) *Writer {
	return &Writer{w: w, timeout: timeout, turn: make(chan struct{}, 1)}
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

// WriteLate writes p whole within the bound. If the write is still under
// way at the bound, WriteLate returns an error wrapping ErrTimeout, and
// late, if not nil, is called with the write's own result once it
// returns: the bytes may have been written after all. p is the write's
// until then: the caller must not modify it after the call.
func (b *Writer) WriteLate(p []byte, late func(error)) error {
	timer := time.NewTimer(b.timeout)
	defer timer.Stop()
	select {
	case b.turn <- struct{}{}:
	case <-timer.C:
		return fmt.Errorf("%w: an earlier write has held the writer for over %s", ErrTimeout, b.timeout)
	}
	return b.write(p, timer.C, late)
}

// TryWrite is WriteLate, but fails at once with ErrBusy, without waiting,
// while another write is under way.
func (b *Writer) TryWrite(p []byte, late func(error)) error {
	select {
	case b.turn <- struct{}{}:
	default:
		return ErrBusy
	}
	timer := time.NewTimer(b.timeout)
	defer timer.Stop()
	return b.write(p, timer.C, late)
}

// write writes p holding the turn, which it gives back when the write
// returns, however late.
func (b *Writer) write(p []byte, deadline <-chan time.Time, late func(error)) error {
	done := make(chan error, 1)
	go func() {
		_, err := b.w.Write(p)
		done <- err
	}()
	select {
	case err := <-done:
		<-b.turn
		return err
	case <-deadline:
		go func() {
			err := <-done
			<-b.turn
			if late != nil {
				late(err)
			}
		}()
		return fmt.Errorf("%w: it has not returned after %s", ErrTimeout, b.timeout)
	}
}
