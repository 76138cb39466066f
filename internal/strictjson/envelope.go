package strictjson

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Envelope is a document that carries other documents as its members, such
// as a request body holding a registry and a token. Each member is decoded
// on its own, with its own schema, by the caller.
type Envelope map[string]Member

// Member is one document of an Envelope: its bytes and where they start.
type Member struct {
	Data   []byte
	Offset int64 // byte offset of the member's value in the envelope
}

// SplitEnvelope splits data, read from file, into the members named in
// allowed. It refuses what Decode refuses at the top level: anything but one
// object, unknown, duplicate and null members, invalid UTF-8, trailing data
// and more than limit bytes. Members stay undecoded.
func SplitEnvelope(file string, data []byte, limit int, allowed ...string) (Envelope, error) {
	if len(data) > limit {
		return nil, &Error{Op: OpParse, File: file, Offset: -1, Err: ErrTooLarge,
			Msg: fmt.Sprintf("document is larger than the %d-byte input limit", limit)}
	}
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(false))
	fail := func(err error) error { return fromJSONError(file, err) }
	open, err := dec.ReadToken()
	if err == io.EOF {
		return nil, &Error{Op: OpParse, File: file, Offset: 0, Msg: "unexpected end of input", Err: io.ErrUnexpectedEOF}
	}
	if err != nil {
		return nil, fail(err)
	}
	if open.Kind() != '{' {
		return nil, &Error{Op: OpParse, File: file, Offset: 0, Msg: fmt.Sprintf("want an object, found %s", describeKind(open.Kind()))}
	}
	env := Envelope{}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, fail(err)
		}
		name := tok.String() // before the next read voids tok
		pointer := string(dec.StackPointer())
		if !slices.Contains(allowed, name) {
			return nil, &Error{Op: OpParse, File: file, Pointer: pointer, Offset: dec.InputOffset(),
				Msg: fmt.Sprintf("unknown member; want one of %s", strings.Join(allowed, ", "))}
		}
		if _, dup := env[name]; dup {
			return nil, &Error{Op: OpParse, File: file, Pointer: pointer, Offset: dec.InputOffset(), Msg: "duplicate member"}
		}
		if dec.PeekKind() == 'n' {
			return nil, &Error{Op: OpParse, File: file, Pointer: pointer, Offset: dec.InputOffset(), Msg: "null is not allowed here"}
		}
		value, err := dec.ReadValue()
		if err != nil {
			return nil, fail(err)
		}
		// value is valid only until the next read.
		env[name] = Member{Data: bytes.Clone(value), Offset: dec.InputOffset() - int64(len(value))}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, fail(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, &Error{Op: OpParse, File: file, Offset: dec.InputOffset(), Msg: "unexpected data after the top-level value"}
	}
	return env, nil
}

// Rebase makes err, from decoding member name of an envelope, name the
// envelope's file, the member's path within it and the offset in its bytes.
// Errors of other kinds are returned as they are.
func (m Member) Rebase(name string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	out.Pointer = "/" + name + e.Pointer
	if e.Offset >= 0 {
		out.Offset = m.Offset + e.Offset
	}
	return &out
}
