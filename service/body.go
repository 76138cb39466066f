package service

// Request bodies: their limits, and their reading against the body budget
// and the read deadlines.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/teegate/teegate/internal/strictjson"
)

// checkLimit is the body limit of a check with these members. Without
// --request-documents allow a body may carry only the members that are not
// governed documents, and its limit counts only those, and refusedAllowance:
// a body sized for four documents would hold four times the body budget it
// needs, read in full before its governed members were refused.
func (s *Service) checkLimit(members []string) int {
	if s.opts.AllowRequestDocuments {
		return envelopeLimit(len(members))
	}
	n := 0
	for _, m := range members {
		if !governedMember(m) {
			n++
		}
	}
	return envelopeLimit(n) + refusedAllowance
}

// refusedAllowance is the room a check's body has, without
// --request-documents allow, beyond the members it may carry: enough for a
// governed document of a real deployment (a registry of a thousand
// operators is about 450 KB) to arrive and be refused by name (400),
// rather than by size (413).
const refusedAllowance = 1 << 20

// governedMember says whether a check's member is a governed document:
// one of the service's own documents, or the audit log.
func governedMember(m string) bool {
	return slices.Contains(documents[:], Document(m))
}

// envelopeLimit is the body limit of a check that takes n documents: the
// CLI's limit for each, and room for the members' names around them.
func envelopeLimit(n int) int { return n*strictjson.MaxInputBytes + 1024 }

// Reading a body is bounded apart from deciding on it: a slow client
// holds only the budget for the bytes it has sent, never a decision slot.
const (
	// defaultBodyReadTimeout: the largest body, 64 MiB, takes well under
	// a second on loopback and a few seconds on a slow link.
	defaultBodyReadTimeout = 10 * time.Second
	// bodyChunk is the most a body reserves, and allocates, at a time: a
	// chunk is taken only once its first byte has arrived, so a connection
	// that sends nothing holds nothing.
	bodyChunk = 64 << 10
	// firstBodyChunk is the most a body's first byte reserves. A
	// connection that sends one byte and stalls holds this, not its
	// Content-Length; a small cohort's session (a ten-signer one is 14 KB)
	// is read in one chunk, with no copy to join chunks. 4 KiB chunks made
	// a ten-signer gate 15 % slower.
	firstBodyChunk = 16 << 10
	// bodyStallTimeout: a body whose bytes stop coming for this long is
	// cut off (408), so that a sender cannot hold its share of the budget
	// by trickling.
	bodyStallTimeout = 2 * time.Second
)

// errBodyLength: the body is not as long as its Content-Length says. The
// standard server never lets it be longer, but a middleware in front of
// Handler that replaces the body might.
var errBodyLength = errors.New("the body's length does not match its Content-Length")

// Why a request body could not be read, as readFailure classifies it.
var (
	errBodyStalled    = errors.New("the request body stopped arriving")
	errBodyTimedOut   = errors.New("the request body did not arrive in time")
	errBodyCut        = errors.New("the request body was cut short")
	errBodyUnreadable = errors.New("cannot read the request body")
)

// readFailure says why reading a body through sr failed, for response.
// The order matters: a deadline ends a read with the connection's error,
// and a client that goes away may also cut its body short.
func readFailure(err error, sr *stallReader, ctx context.Context) error {
	var maxBytes *http.MaxBytesError
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded) && sr.stalled:
		return errBodyStalled
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errBodyTimedOut
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, errBodyLength):
		return withCause(errBodyCut, err)
	case ctx.Err() != nil:
		return errClientClosed
	case errors.Is(err, errBusy):
		return err
	case errors.As(err, &maxBytes):
		return errBodyTooLarge
	default:
		return withCause(errBodyUnreadable, err)
	}
}

// budgeted reads a request body, reserving its bytes from the service's
// body budget as they arrive, so that what a request holds is what it has
// sent, not what it declares. Only a clean end of the body ends it: a
// body cut short (a closed connection, a chunked body without its last
// chunk) is an error, never a body.
type budgeted struct {
	s        *Service
	ctx      context.Context
	declared int64 // the body's Content-Length, or -1
	held     int64
}

func (b *budgeted) reserve(n int64) error {
	if !b.s.wait(b.ctx, func(ctx context.Context) error { return b.s.bodyBudget.Acquire(ctx, n) }) {
		return errBudgetFull
	}
	b.held += n
	return nil
}

func (b *budgeted) read(r io.Reader) ([]byte, error) {
	var chunks [][]byte
	total := 0
	for {
		// Nothing is reserved or allocated before the next byte arrives.
		var first [1]byte
		n, err := fill(r, first[:])
		if n == 0 {
			if err == io.EOF {
				break
			}
			return nil, err
		}
		ended := err == io.EOF // the last byte came with the end
		// What a body holds grows with what it has sent: the first chunk
		// is small, and each after is as large as the body so far, up to
		// bodyChunk. So a body holds at most twice what it has sent, and
		// a first chunk. No chunk exceeds the declared length and one
		// byte (to see the end).
		size := min(max(int64(firstBodyChunk), int64(total)), bodyChunk)
		if b.declared >= 0 {
			if int64(total) >= b.declared {
				return nil, errBodyLength // a byte beyond the declared length
			}
			size = min(size, b.declared-int64(total)+1)
		}
		if ended {
			size = 1
		}
		if err := b.reserve(size); err != nil {
			return nil, err
		}
		c := make([]byte, size)
		c[0] = first[0]
		if !ended {
			n, err = fill(r, c[1:])
		} else {
			n = 0
		}
		chunks = append(chunks, c[:1+n])
		total += 1 + n
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if b.declared >= 0 && int64(total) != b.declared {
		return nil, errBodyLength
	}
	switch len(chunks) {
	case 0:
		return nil, nil
	case 1:
		return chunks[0], nil
	}
	// The decoders want one slice: the joined copy is reserved, and the
	// chunks' reservation given back once they are garbage.
	chunkBytes := b.held
	if err := b.reserve(int64(total)); err != nil {
		return nil, err
	}
	body := bytes.Join(chunks, nil)
	b.s.bodyBudget.Release(chunkBytes)
	b.held -= chunkBytes
	return body, nil
}

// stallReader reads a request body under two deadlines: the whole body
// by end, and each read within stall of the one before, so that a body
// that trickles is cut off long before end.
//
// The deadlines are the connection's, and must not outlive the body: once
// a body has ended, net/http reads the connection in the background to
// notice a client that goes away, and a deadline left on it would end
// that read, cancelling this request's context and every later request's
// on the connection. So nothing is set once the body has returned an
// error (io.EOF included), and finish clears the deadline of a body that
// ended.
type stallReader struct {
	r       io.Reader
	rc      *http.ResponseController // nil: deadlines cannot be set
	end     time.Time
	stall   time.Duration
	stalled bool  // the deadline that passed was the stall deadline
	err     error // what the body returned last, once not nil
	setErr  error // why deadlines cannot be set
}

func (sr *stallReader) Read(p []byte) (int, error) {
	if sr.err != nil {
		return 0, sr.err
	}
	if sr.rc != nil {
		deadline := time.Now().Add(sr.stall)
		sr.stalled = deadline.Before(sr.end)
		if !sr.stalled {
			deadline = sr.end
		}
		if err := sr.rc.SetReadDeadline(deadline); err != nil {
			sr.rc, sr.setErr = nil, err
		}
	}
	n, err := sr.r.Read(p)
	sr.err = err
	return n, err
}

// finish clears the read deadline once the body has ended, and reports
// an error if deadlines could not be set at all. A body that did not end
// keeps its deadline: net/http discards what is left of it after the
// answer, and without the deadline a client that stopped sending would
// hold the connection for ever.
func (sr *stallReader) finish() error {
	if sr.rc != nil && sr.err == io.EOF {
		sr.rc.SetReadDeadline(time.Time{})
	}
	return sr.setErr
}

// fill reads into p until it is full or r ends. Unlike io.ReadFull it
// passes r's own errors through untouched: io.EOF is the body's clean
// end, and io.ErrUnexpectedEOF (net/http's for a body cut short) stays an
// error.
func fill(r io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := r.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// release gives back what the body holds; it may be called more than once.
func (b *budgeted) release() {
	b.s.bodyBudget.Release(b.held)
	b.held = 0
}
