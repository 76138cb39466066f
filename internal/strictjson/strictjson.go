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
// before reading past the limit.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ReadError(path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxInputBytes+1))
	if err != nil {
		return nil, ReadError(path, err)
	}
	if len(data) > MaxInputBytes {
		return nil, &Error{Op: OpRead, File: path, Offset: -1, Err: ErrTooLarge,
			Msg: fmt.Sprintf("file is larger than the %d-byte input limit", MaxInputBytes)}
	}
	return data, nil
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

// options are the decoding rules every input shares. Duplicate names are
// allowed at this level so that the schema pass refuses every duplicate
// member, of a struct or of a map, with one message and offset convention.
var options = json.JoinOptions(
	json.RejectUnknownMembers(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(false),
)

// Decode decodes the JSON document data, read from file, into v, which must
// be a non-nil pointer. required says which non-optional members must be
// present; nil requires all of them.
func Decode(file string, data []byte, v any, required Required) error {
	if len(data) > MaxInputBytes {
		return &Error{Op: OpParse, File: file, Offset: -1, Err: ErrTooLarge,
			Msg: fmt.Sprintf("document is larger than the %d-byte input limit", MaxInputBytes)}
	}
	if err := json.Unmarshal(data, v, options); err != nil {
		return fromJSONError(file, err)
	}
	// json v2 stores the zero value for null and does not know which
	// members are required; a second pass over the tokens checks both
	// against the schema, resolved once per type and requirement, so that
	// the pass builds no strings unless it fails.
	w := walker{file: file, dec: jsontext.NewDecoder(bytes.NewReader(data), options)}
	return w.member(rootOf(reflect.TypeOf(v).Elem(), required))
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

// fullSchemas caches the schema of each type decoded with every member
// required; a MemberSet caches its own.
var fullSchemas sync.Map // reflect.Type -> *field

// rootOf is the schema of t under required, resolved on its first use and
// cached, so that a decode walks no types and builds no paths.
func rootOf(t reflect.Type, required Required) *field {
	cache := &fullSchemas
	if required != nil {
		cache = &required.schemas
	}
	if f, ok := cache.Load(t); ok {
		return f.(*field)
	}
	seen := map[string]bool{}
	root := &field{typ: t, node: schemaOf(t, "", required, seen, map[reflect.Type]bool{})}
	if required != nil {
		for p := range required.paths {
			if !seen[p] {
				panic("strictjson: required path " + p + " names no member of " + t.String())
			}
		}
	}
	f, _ := cache.LoadOrStore(t, root)
	return f.(*field)
}

// node is the schema of one JSON value: an object with fields, an array or
// map of elements, or a leaf whose type json v2 has already checked.
type node struct {
	kind   reflect.Kind // Struct, Slice, Map, or Invalid for a leaf
	fields []field      // Struct
	index  map[string]int
	elem   *field // Slice and Map
}

// field is a member or an element: its Go type, whether it may be null or
// absent (a pointer), whether the caller requires it, and its schema.
type field struct {
	name     string
	typ      reflect.Type
	optional bool
	required bool
	node     *node
}

// schemaOf resolves the schema of t at the given schema path. The Go types
// are the schema, so it is walked once per Decode rather than per value.
// seen collects every member path of the schema.
func schemaOf(t reflect.Type, path string, required Required, seen map[string]bool, visiting map[reflect.Type]bool) *node {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if visiting[t] {
			panic("strictjson: recursive schema type " + t.String())
		}
		visiting[t] = true
		defer delete(visiting, t)
		n := &node{kind: reflect.Struct, index: map[string]int{}}
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			optional := sf.Type.Kind() == reflect.Pointer
			memberPath := path + "/" + name
			seen[memberPath] = true
			n.index[name] = len(n.fields)
			n.fields = append(n.fields, field{
				name:     name,
				typ:      sf.Type,
				optional: optional,
				required: !optional && (required == nil || required.paths[memberPath]),
				node:     schemaOf(sf.Type, memberPath, required, seen, visiting),
			})
		}
		if len(n.fields) > 64 {
			panic("strictjson: " + t.String() + " has more than 64 members")
		}
		return n
	case reflect.Slice, reflect.Map:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return &node{} // []byte is a string in JSON
		}
		elem := &field{typ: t.Elem(), optional: t.Elem().Kind() == reflect.Pointer}
		elem.node = schemaOf(t.Elem(), path+"/*", required, seen, visiting)
		return &node{kind: t.Kind(), elem: elem}
	default:
		return &node{}
	}
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
	case reflect.Struct:
		return w.object(n)
	case reflect.Slice, reflect.Map:
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
