// Package strictjson is the only way teegate decodes an input document.
//
// The reference checkers decode with serde_json, which ignores unknown
// members; teegate refuses them, because a typo such as "effective_untill"
// must never silently drop a bound. Everything else serde_json refuses is
// refused here too: duplicate members, invalid UTF-8 and lone surrogates,
// wrong JSON types, numbers that are not unsigned 64-bit integers, null in a
// member that is not optional, missing required members and trailing data.
// Unlike serde_json, a struct written as a JSON array is refused.
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
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// MaxInputBytes bounds every input file. Governance documents are a few
// kilobytes; 16 MiB leaves room for thousands of operators and events while
// keeping a hostile file from exhausting memory before it is parsed.
const MaxInputBytes = 16 << 20

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
	var b strings.Builder
	fmt.Fprintf(&b, "%s [%s]: ", e.Op, e.File)
	if e.Pointer != "" {
		fmt.Fprintf(&b, "member %q: ", e.Pointer)
	}
	b.WriteString(e.Msg)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (at byte %d)", e.Offset)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrTooLarge is the cause of an Error for a file above MaxInputBytes.
var ErrTooLarge = errors.New("input larger than the limit")

// ReadFile reads a whole input file, refusing one larger than MaxInputBytes
// before reading past the limit.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Op: OpRead, File: path, Offset: -1, Msg: unwrapPathError(err), Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxInputBytes+1))
	if err != nil {
		return nil, &Error{Op: OpRead, File: path, Offset: -1, Msg: unwrapPathError(err), Err: err}
	}
	if len(data) > MaxInputBytes {
		return nil, &Error{Op: OpRead, File: path, Offset: -1, Err: ErrTooLarge,
			Msg: fmt.Sprintf("file is larger than the %d-byte input limit", MaxInputBytes)}
	}
	return data, nil
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Required reports whether the member at a schema path must be present. A
// schema path is a JSON pointer in which every array index is written "*",
// such as "/operators/*/effective_from". Only non-optional members are asked
// about.
type Required func(schemaPath string) bool

// Members returns a Required that requires exactly the listed schema paths.
func Members(paths ...string) Required {
	set := make(map[string]bool, len(paths))
	for _, p := range paths {
		set[p] = true
	}
	return func(p string) bool { return set[p] }
}

// options are the decoding rules every input shares. Duplicate names and
// invalid UTF-8 are already refused by default in json v2; they are named
// here so that the rules can be read in one place.
var options = json.JoinOptions(
	json.RejectUnknownMembers(true),
	jsontext.AllowDuplicateNames(false),
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
	// members are required; a second, allocation-light pass over the tokens
	// checks both against the Go schema.
	w := walker{file: file, dec: jsontext.NewDecoder(bytes.NewReader(data), options), required: required}
	return w.member(reflect.TypeOf(v).Elem(), "")
}

type walker struct {
	file     string
	dec      *jsontext.Decoder
	required Required
}

func (w *walker) fail(pointer string, offset int64, msg string) error {
	return &Error{Op: OpParse, File: w.file, Pointer: pointer, Offset: offset, Msg: msg}
}

// value checks the next JSON value against type t. schema is t's schema
// path. Unmarshal has already accepted the document, so the token kinds
// match t and reading cannot fail on syntax.
func (w *walker) value(t reflect.Type, schema string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if w.dec.PeekKind() == 'n' {
		_, err := w.dec.ReadToken()
		return err
	}
	switch t.Kind() {
	case reflect.Struct:
		return w.object(t, schema)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return w.dec.SkipValue() // []byte is a string in JSON
		}
		return w.array(t.Elem(), schema+"/*")
	case reflect.Map:
		return w.mapValues(t.Elem(), schema+"/*")
	default:
		return w.dec.SkipValue()
	}
}

func (w *walker) array(elem reflect.Type, schema string) error {
	if _, err := w.dec.ReadToken(); err != nil { // [
		return err
	}
	for w.dec.PeekKind() != ']' {
		if err := w.member(elem, schema); err != nil {
			return err
		}
	}
	_, err := w.dec.ReadToken() // ]
	return err
}

func (w *walker) mapValues(elem reflect.Type, schema string) error {
	if _, err := w.dec.ReadToken(); err != nil { // {
		return err
	}
	for w.dec.PeekKind() != '}' {
		if _, err := w.dec.ReadToken(); err != nil { // the key
			return err
		}
		if err := w.member(elem, schema); err != nil {
			return err
		}
	}
	_, err := w.dec.ReadToken() // }
	return err
}

func (w *walker) object(t reflect.Type, schema string) error {
	fields := fieldsOf(t)
	if _, err := w.dec.ReadToken(); err != nil { // {
		return err
	}
	// Both are known once the object has begun.
	objectPointer, objectOffset := string(w.dec.StackPointer()), w.dec.InputOffset()-1
	var seen uint64 // bit i: fields[i] is present; schemas stay far below 64 members
	for w.dec.PeekKind() != '}' {
		name, err := w.dec.ReadToken()
		if err != nil {
			return err
		}
		i := fields.index[name.String()] // Unmarshal refused unknown names
		seen |= 1 << i
		if err := w.member(fields.list[i].typ, schema+"/"+fields.list[i].name); err != nil {
			return err
		}
	}
	for i, f := range fields.list {
		if seen&(1<<i) == 0 && !f.optional && (w.required == nil || w.required(schema+"/"+f.name)) {
			return w.fail(objectPointer, objectOffset, fmt.Sprintf("missing required member %q", f.name))
		}
	}
	_, err := w.dec.ReadToken() // }
	return err
}

// member checks one member or element value, refusing null unless its Go
// type is a pointer (an optional member).
func (w *walker) member(t reflect.Type, schema string) error {
	if w.dec.PeekKind() == 'n' && t.Kind() != reflect.Pointer {
		// StackPointer names the member once its value has been read.
		if _, err := w.dec.ReadToken(); err != nil {
			return err
		}
		return w.fail(string(w.dec.StackPointer()), w.dec.InputOffset()-int64(len("null")), "null is not allowed here")
	}
	return w.value(t, schema)
}

type field struct {
	name     string
	typ      reflect.Type
	optional bool
}

type fieldSet struct {
	list  []field
	index map[string]int
}

var fieldCache sync.Map // reflect.Type -> *fieldSet

// fieldsOf lists the JSON members of a struct type from its json tags.
func fieldsOf(t reflect.Type) *fieldSet {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.(*fieldSet)
	}
	fs := &fieldSet{index: map[string]int{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fs.index[name] = len(fs.list)
		fs.list = append(fs.list, field{name: name, typ: sf.Type, optional: sf.Type.Kind() == reflect.Pointer})
	}
	if len(fs.list) > 64 {
		panic("strictjson: " + t.String() + " has more than 64 members")
	}
	fieldCache.Store(t, fs)
	return fs
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
	if e.Err != nil && e.JSONKind == 0 {
		return e.Err.Error()
	}
	if e.Err != nil {
		return fmt.Sprintf("want %s, found %s: %v", want, describeKind(e.JSONKind), e.Err)
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
