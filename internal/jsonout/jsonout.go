// Package jsonout writes teegate's outputs in the command-line contract's
// layout: two-space indentation, a space after each colon, a trailing
// newline and, like the reference's serde_json, only what JSON requires
// escaped, so that details keep '<', '>' and '&' as they are.
//
// The decisions and the session gate's result are written token by token
// (Tokens) rather than through json.Marshal, which reflects over the types
// on first use: in a check's process that cost more than the rest of
// printing. The bytes are the same (the property tests of decision and
// gate hold them to json.Marshal's).
package jsonout

import (
	"bytes"
	"errors"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

var (
	layoutOnce sync.Once
	layout     []jsontext.Options
)

// Layout returns the encoder options of the contract's layout, for
// json.Marshal and for Tokens. They are built on first use, not when the
// program starts, and shared: a caller must not modify the slice.
func Layout() []jsontext.Options {
	layoutOnce.Do(func() {
		layout = []jsontext.Options{
			jsontext.WithIndent("  "),
			jsontext.SpaceAfterColon(true),
			jsontext.EscapeForHTML(false),
			jsontext.EscapeForJS(false),
		}
	})
	return layout
}

// Writer writes one output token by token. It keeps the first error and
// ignores every write after it, so that a writing function reads as the
// output it makes; Tokens returns the error. Only Tokens makes one, and it
// is valid only while Tokens' write runs: it is reused for later outputs.
type Writer struct {
	enc *jsontext.Encoder
	err error
}

func (w *Writer) token(t jsontext.Token) {
	if w.err == nil {
		w.err = w.enc.WriteToken(t)
	}
}

// Begin opens an object; End closes it.
func (w *Writer) Begin() { w.token(jsontext.BeginObject) }

// End closes the object Begin opened.
func (w *Writer) End() { w.token(jsontext.EndObject) }

// BeginArray opens an array; EndArray closes it.
func (w *Writer) BeginArray() { w.token(jsontext.BeginArray) }

// EndArray closes the array BeginArray opened.
func (w *Writer) EndArray() { w.token(jsontext.EndArray) }

// Name writes a member's name; its value comes next.
func (w *Writer) Name(name string) { w.token(jsontext.String(name)) }

// String writes a string value. Text that is not valid UTF-8 is an error,
// as it is for json.Marshal.
func (w *Writer) String(s string) { w.token(jsontext.String(s)) }

// Uint writes an unsigned integer value.
func (w *Writer) Uint(n uint64) { w.token(jsontext.Uint(n)) }

// Member writes a member whose value is a string.
func (w *Writer) Member(name, value string) {
	w.Name(name)
	w.String(value)
}

// Decision writes the contract's decision object: "decision", then
// "session_id" when it is set, "reasons" with n objects, each written by
// reason(i) between its braces, and "validated_at_unix". The checks'
// decisions and the session gate's result, whose reasons say more, share
// it.
func (w *Writer) Decision(outcome, sessionID string, n int, reason func(i int), validatedAtUnix uint64) {
	w.Begin()
	w.Member("decision", outcome)
	if sessionID != "" {
		w.Member("session_id", sessionID)
	}
	w.Name("reasons")
	w.BeginArray()
	for i := range n {
		w.Begin()
		reason(i)
		w.End()
	}
	w.EndArray()
	w.Name("validated_at_unix")
	w.Uint(validatedAtUnix)
	w.End()
}

// encoder is an encoder and its buffer, reused: teegate serve writes an
// answer per request.
type encoder struct {
	buf bytes.Buffer
	enc jsontext.Encoder
	w   Writer // here rather than on the stack, which write's unknown body would make escape
}

var encoders = sync.Pool{New: func() any { return new(encoder) }}

// maxPooledBytes bounds the buffer an encoder keeps for the next output
// (a hundred-signer gate answer is tens of kilobytes): a rare huge answer
// is not held for the later ones. The pool itself is emptied by the
// garbage collector.
const maxPooledBytes = 1 << 20

// Tokens returns the output that write writes, in the contract's layout
// with a trailing newline, or the first error met writing it. An output
// left unfinished (an object or array not closed) is an error.
func Tokens(write func(*Writer)) ([]byte, error) {
	e := encoders.Get().(*encoder)
	e.buf.Reset()
	e.enc.Reset(&e.buf, Layout()...)
	e.w = Writer{enc: &e.enc}
	write(&e.w) // a panic leaves e to the garbage collector, not to the pool
	err := e.w.err
	if err == nil && e.enc.StackDepth() != 0 {
		err = errUnfinished
	}
	var out []byte
	if err == nil {
		// The encoder ends each top-level value with a newline: the contract's.
		out = bytes.Clone(e.buf.Bytes())
	}
	e.w = Writer{}
	if e.buf.Cap() <= maxPooledBytes {
		encoders.Put(e)
	}
	return out, err
}

var errUnfinished = errors.New("jsonout: an object or array was left open")
