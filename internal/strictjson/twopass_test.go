package strictjson

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// decodeTwoPass is how Decode worked until issue 15, kept as the oracle
// that the single-pass decoder is fuzzed against: json v2's strict
// Unmarshal, then a second pass over the tokens for what json v2 does not
// check (null where the Go type is not optional, required members,
// repeated names in maps). The contract between the two is stated at the
// top of decode.go.
func decodeTwoPass(file string, data []byte, v any, required Required) error {
	if err := json.Unmarshal(data, v, options); err != nil {
		return fromJSONError(file, err)
	}
	w := walker{file: file, dec: jsontext.NewDecoder(bytes.NewReader(data), options)}
	if err := w.member(rootOf(reflect.TypeOf(v).Elem(), required)); err != nil {
		// The walker's own refusals are *Error already; a token read
		// cannot fail once Unmarshal has accepted the document, but if
		// it did, it is an *Error too, so that the oracle keeps the
		// package's promise.
		var e *Error
		if !errors.As(err, &e) {
			return fromJSONError(file, err)
		}
		return err
	}
	return nil
}

type walker struct {
	file string
	dec  *jsontext.Decoder
}

func (w *walker) fail(pointer string, offset int64, msg string) error {
	return &Error{Op: OpParse, File: w.file, Pointer: pointer, Offset: offset, Msg: msg}
}

// member checks the next value, a member or element described by f,
// refusing null unless f is optional. Unmarshal has already accepted the
// document, so token kinds match the schema and reading cannot fail on
// syntax.
func (w *walker) member(f *field) error {
	if w.dec.PeekKind() == 'n' {
		if _, err := w.dec.ReadToken(); err != nil {
			return err
		}
		if f.optional {
			return nil
		}
		// StackPointer names the member once its value has been read.
		return w.fail(string(w.dec.StackPointer()), w.dec.InputOffset()-int64(len("null")), "null is not allowed here")
	}
	switch n := f.node; n.kind {
	case kindStruct:
		return w.object(n)
	case kindSlice, kindMap:
		return w.elements(n)
	default:
		return w.dec.SkipValue()
	}
}

// elements checks the values of an array, or of a map's object. A map's
// keys are data, but a key written twice is still a duplicate member, as in
// any other object: Unmarshal would keep the later entry, so that the order
// of two entries decided what the document means.
func (w *walker) elements(n *node) error {
	open, err := w.dec.ReadToken()
	if err != nil {
		return err
	}
	end := jsontext.Kind(']')
	var keys map[string]struct{}
	if open.Kind() == '{' {
		end = '}'
	}
	for count := 0; w.dec.PeekKind() != end; count++ {
		if count == MaxListLength {
			return w.fail(string(w.dec.StackPointer()), w.dec.InputOffset(),
				fmt.Sprintf("more than %d entries", MaxListLength))
		}
		if end == '}' {
			key, err := w.dec.ReadToken()
			if err != nil {
				return err
			}
			k := key.String() // unescaped, so "t" and "\u0074" are one key
			if _, dup := keys[k]; dup {
				return w.fail(string(w.dec.StackPointer()), w.dec.InputOffset(), "duplicate member")
			}
			if keys == nil {
				keys = map[string]struct{}{}
			}
			keys[k] = struct{}{}
		}
		if err := w.member(n.elem); err != nil {
			return err
		}
	}
	_, err = w.dec.ReadToken()
	return err
}

func (w *walker) object(n *node) error {
	if _, err := w.dec.ReadToken(); err != nil { // {
		return err
	}
	offset := w.dec.InputOffset() - 1
	var seen uint64 // bit i: n.fields[i] is present; schemaOf caps members at 64
	for w.dec.PeekKind() != '}' {
		name, err := w.dec.ReadToken()
		if err != nil {
			return err
		}
		i, ok := n.index[name.String()]
		if !ok { // Unmarshal refuses unknown names; this guards the schema walk, not the input
			return w.fail(string(w.dec.StackPointer()), w.dec.InputOffset(), "unknown member")
		}
		if seen&(1<<i) != 0 {
			return w.fail(string(w.dec.StackPointer()), w.dec.InputOffset(), "duplicate member")
		}
		seen |= 1 << i
		if err := w.member(&n.fields[i]); err != nil {
			return err
		}
	}
	if _, err := w.dec.ReadToken(); err != nil { // }
		return err
	}
	for i := range n.fields {
		if f := &n.fields[i]; f.required && seen&(1<<i) == 0 {
			// Having read the whole object, StackPointer names it.
			return w.fail(string(w.dec.StackPointer()), offset, fmt.Sprintf("missing required member %q", f.name))
		}
	}
	return nil
}
