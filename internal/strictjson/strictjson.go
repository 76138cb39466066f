// Package strictjson is the only way teegate decodes an input document.
//
// The reference checkers decode with serde_json, which ignores unknown
// members; teegate refuses them, because a typo such as "effective_untill"
// must never silently drop a bound. Everything else serde_json refuses is
// refused here too: duplicate members, invalid UTF-8 and lone surrogates,
// wrong JSON types, numbers that are not unsigned 64-bit integers, null in a
// member that is not optional, missing required members and trailing data.
// Unlike serde_json, a struct written as a JSON array is refused, and so is
// a key written twice in a map (an object keyed by data, such as a
// revocation map): serde_json keeps the later entry, so that the order of
// two entries decides what the document means.
//
// Optional members are the pointer-typed fields of the Go schema: absent and
// null both leave them nil. Every other member must not be null, and must be
// present unless the caller's Required says the layer does not read it, so
// that one registry schema serves all four layers while each layer requires
// only what it reads, as in the reference.
//
// Errors are *Error values that name the file, the member as a JSON pointer
// and the byte offset.
package strictjson

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// MaxInputBytes bounds every input file. Governance documents are a few
// kilobytes; 16 MiB leaves room for thousands of operators and events while
// keeping a hostile file from exhausting memory before it is parsed.
const MaxInputBytes = 16 << 20

// MaxListLength bounds every array and object map of an input: operators,
// events, keys, signatures, selected signers, denylist entries, history.
// The largest real lists (a registry's operators, a cohort) are thousands;
// a list of a hundred thousand is an attack on the checks' time, refused
// before any check or signature runs.
const MaxListLength = 100_000

// Error is an input error: the document cannot be used, so no decision is
// made about it.
type Error struct {
	Op   Op     // what failed: reading the file or parsing it
	File string // the file as named on the command line
	// Pointer is the JSON pointer (RFC 6901) of the offending member; empty
	// for the whole document.
	Pointer string
	// Offset is the byte offset in the file where the problem was found, or
	// -1 when it is not known.
	Offset int64
	Msg    string
	Err    error // the underlying error, if any
}

// Op says which step an Error comes from. The wording follows the
// reference's messages, so scripts that read stderr keep working.
type Op string

const (
	OpRead  Op = "failed to read file"
	OpParse Op = "failed to parse JSON file"
)

func (e *Error) Error() string {
	return fmt.Sprintf("%s [%s]: %s", e.Op, e.File, e.Problem())
}

func (e *Error) Unwrap() error { return e.Err }

// Problem is the error without the operation and file: the member, what is
// wrong with it, and where. It suits a document that is not a file, such as
// a token payload carried inside another document.
func (e *Error) Problem() string {
	var b strings.Builder
	if e.Pointer != "" {
		fmt.Fprintf(&b, "member %q: ", e.Pointer)
	}
	b.WriteString(e.Msg)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (at byte %d)", e.Offset)
	}
	return b.String()
}

// ErrTooLarge is the cause of an Error for a file above MaxInputBytes.
var ErrTooLarge = errors.New("input larger than the limit")

// ReadFile reads a whole input file, refusing one larger than MaxInputBytes
// before reading past the limit. A regular file is read into one buffer of
// its size: growing a buffer as the bytes come (io.ReadAll) copies a large
// file many times and was half of a check's time on a 9 MB registry.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ReadError(path, err)
	}
	defer f.Close()
	return ReadOpenFile(path, f)
}

// ReadOpenFile is ReadFile on a file already open, named path in errors.
func ReadOpenFile(path string, f *os.File) ([]byte, error) {
	size := 512 // a pipe or a device: grown as it comes
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if fi.Size() > MaxInputBytes {
			return nil, tooLarge(path)
		}
		size = int(fi.Size()) + 1 // one more, so that the read that finds the end needs no growth
	}
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):min(cap(data), MaxInputBytes+1)])
		data = data[:len(data)+n]
		if len(data) > MaxInputBytes {
			return nil, tooLarge(path)
		}
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, ReadError(path, err)
		}
	}
}

func tooLarge(path string) *Error {
	return &Error{Op: OpRead, File: path, Offset: -1, Err: ErrTooLarge,
		Msg: fmt.Sprintf("file is larger than the %d-byte input limit", MaxInputBytes)}
}

// ReadError is the input error for a file that cannot be read (opened,
// stat'ed or read) at path.
func ReadError(path string, err error) *Error {
	return &Error{Op: OpRead, File: path, Offset: -1, Msg: unwrapPathError(err), Err: err}
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Required says which non-optional members must be present; nil requires
// every one. Build it once, with Members or Union, and reuse it: it caches
// the schema it resolves for each type it decodes.
type Required = *MemberSet

// MemberSet is a set of schema paths: JSON pointers in which every array
// index and map key is written "*", such as "/operators/*/effective_from".
type MemberSet struct {
	paths   map[string]bool
	schemas sync.Map // reflect.Type -> *field
}

// Members returns a Required that requires exactly the listed schema paths.
// A path that names no member of the type decoded is a programming error,
// reported by a panic on the first decode: left alone it would quietly make
// a member the layer reads optional.
func Members(paths ...string) Required {
	m := &MemberSet{paths: make(map[string]bool, len(paths))}
	for _, p := range paths {
		m.paths[p] = true
	}
	return m
}

// Union requires every member that any of sets requires; nil, every
// member, if one of them is nil.
func Union(sets ...Required) Required {
	var paths []string
	for _, m := range sets {
		if m == nil {
			return nil
		}
		for p := range m.paths {
			paths = append(paths, p)
		}
	}
	return Members(paths...)
}

// options are json v2's rules for the values the decoder hands it alone
// (kindOther, such as []byte) and for the two-pass oracle of the tests.
// Duplicate names are allowed at this level: the decoder's own scan has
// refused them first, with one message and offset convention.
var options = json.JoinOptions(
	json.RejectUnknownMembers(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(false),
)

// Decode decodes the JSON document data, read from file, into v, which must
// be a non-nil pointer; v is reset to its zero value first. required says
// which non-optional members must be present; nil requires all of them.
//
// It reads the document once, checking syntax, kinds and the schema as it
// sets v (decode.go). A document with several faults is refused for the
// first fault of syntax or type if it has one, else for the first null,
// repeated or missing member, as when json v2 decoded it before a second
// pass checked the schema.
func Decode(file string, data []byte, v any, required Required) error {
	if len(data) > MaxInputBytes {
		return &Error{Op: OpParse, File: file, Offset: -1, Err: ErrTooLarge,
			Msg: fmt.Sprintf("document is larger than the %d-byte input limit", MaxInputBytes)}
	}
	rv := reflect.ValueOf(v).Elem()
	rv.SetZero()
	d := decoder{file: file, data: data, strings: internTables.Get().(*internTable)}
	defer internTables.Put(d.strings)
	return d.document(rootOf(rv.Type(), required), rv)
}

// DecodeNew decodes data, read from file, into a new T, as Decode does.
// Every document type's Decode function is this with its own Required.
func DecodeNew[T any](file string, data []byte, required Required) (*T, error) {
	v := new(T)
	if err := Decode(file, data, v, required); err != nil {
		return nil, err
	}
	return v, nil
}

// fromJSONError turns a json v2 error into an Error that names the member.
func fromJSONError(file string, err error) error {
	var serr *json.SemanticError
	if errors.As(err, &serr) {
		return &Error{Op: OpParse, File: file, Pointer: string(serr.JSONPointer), Offset: serr.ByteOffset,
			Msg: semanticMessage(serr), Err: err}
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		msg := "invalid JSON"
		if syn.Err != nil {
			msg = syn.Err.Error()
		}
		switch {
		case errors.Is(err, jsontext.ErrDuplicateName):
			msg = "duplicate member"
		case errors.Is(err, io.ErrUnexpectedEOF):
			msg = "unexpected end of input"
		}
		return &Error{Op: OpParse, File: file, Pointer: string(syn.JSONPointer), Offset: syn.ByteOffset, Msg: msg, Err: err}
	}
	return &Error{Op: OpParse, File: file, Offset: -1, Msg: err.Error(), Err: err}
}

func semanticMessage(e *json.SemanticError) string {
	if errors.Is(e.Err, json.ErrUnknownName) {
		return "unknown member"
	}
	want := describeType(e.GoType)
	if e.JSONKind == '0' && len(e.JSONValue) > 0 && want == "an unsigned 64-bit integer" {
		return fmt.Sprintf("%s is not %s", e.JSONValue, want)
	}
	if e.Err != nil {
		return e.Err.Error() // a value of the right kind that the type refused, such as an unknown event type
	}
	return fmt.Sprintf("want %s, found %s", want, describeKind(e.JSONKind))
}

func describeType(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Uint64, reflect.Uint32, reflect.Uint:
		return "an unsigned 64-bit integer"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	default:
		return t.String()
	}
}

func describeKind(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	default:
		return "a value"
	}
}

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
