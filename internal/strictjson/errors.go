package strictjson

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

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

// MemberError is the input error for a member that decodes but that a
// rule beyond the schema refuses (a member of another policy version, an
// identifier outside the profile): no byte offset is known for it.
func MemberError(file, pointer, msg string) *Error {
	return &Error{Op: OpParse, File: file, Pointer: pointer, Offset: -1, Msg: msg}
}

// ProblemOf is err's Problem when it is an *Error, and its message
// otherwise: for a document carried inside another, whose errors are
// reported without a file name of their own.
func ProblemOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Problem()
	}
	return err.Error()
}

// ErrTooLarge is the cause of an Error for a file above MaxInputBytes.
var ErrTooLarge = errors.New("input larger than the limit")

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

// fromJSONError turns a json v2 error into an Error that names the member;
// an error of another kind becomes an Error for the whole document.
func fromJSONError(file string, err error) *Error {
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

// describe names the JSON kind of the value starting with c.
func describe(c byte) string {
	switch {
	case c == 'n':
		return "null"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == '"':
		return "a string"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	default:
		return "a value"
	}
}
