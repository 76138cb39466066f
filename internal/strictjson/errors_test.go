package strictjson

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// spaces is an endless document of whitespace, of unknown size.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// sized claims a size, as a regular file or a reader from memory does,
// without holding the bytes.
type sized struct {
	io.Reader
	n int
}

func (s sized) Len() int { return s.n }

// Every error path of the decoder, of Decode and of DecodeReader returns an
// *Error that names the file and, where a member is at fault, the member:
// deterministically, each path once, rather than only where fuzzing finds
// it.
func TestEveryErrorPathIsAnError(t *testing.T) {
	eio := errors.New("input/output error")
	for _, tc := range []struct {
		name string
		in   string // decoded whole and streamed, into a rich
		// run, if set, decodes instead of in.
		run     func(file string) error
		op      Op
		pointer string
		msg     string
		cause   error // errors.Is(err, cause), if set
	}{
		{name: "unknown member", in: strings.Replace(goodRich, `"id":"r"`, `"id":"r","idd":1`, 1),
			op: OpParse, pointer: "/idd", msg: "unknown member"},
		{name: "duplicate member", in: strings.Replace(goodRich, `"id":"r"`, `"id":"r","id":"s"`, 1),
			op: OpParse, pointer: "/id", msg: "duplicate member"},
		{name: "duplicate map key", in: strings.Replace(goodRich, `"on":true`, `"on":true,"on":false`, 1),
			op: OpParse, pointer: "/flags/on", msg: "duplicate member"},
		{name: "null not allowed", in: strings.Replace(goodRich, `"id":"r"`, `"id":null`, 1),
			op: OpParse, pointer: "/id", msg: "null is not allowed here"},
		{name: "missing member", in: strings.Replace(goodRich, `"flag":false,`, ``, 1),
			op: OpParse, pointer: "/nested/d", msg: `missing required member "flag"`},
		{name: "wrong kind", in: strings.Replace(goodRich, `"small":4294967295`, `"small":"1"`, 1),
			op: OpParse, pointer: "/small", msg: "want an unsigned 64-bit integer, found a string"},
		{name: "number overflow", in: strings.Replace(goodRich, `"small":4294967295`, `"small":4294967296`, 1),
			op: OpParse, pointer: "/small", msg: "4294967296 is not an unsigned 64-bit integer"},
		{name: "invalid UTF-8", in: strings.Replace(goodRich, `"id":"r"`, "\"id\":\"\xff\"", 1),
			op: OpParse, pointer: "/id", msg: "invalid UTF-8"},
		{name: "bad escape", in: strings.Replace(goodRich, `"id":"r"`, `"id":"\q"`, 1),
			op: OpParse, pointer: "/id", msg: "invalid escape sequence"},
		{name: "bad \\u escape", in: strings.Replace(goodRich, `"id":"r"`, `"id":"\u12x4"`, 1),
			op: OpParse, pointer: "/id", msg: "invalid escape sequence"},
		{name: "lone surrogate", in: strings.Replace(goodRich, `"id":"r"`, `"id":"\ud800"`, 1),
			op: OpParse, pointer: "/id", msg: "invalid surrogate pair"},
		{name: "UnmarshalText failure", in: strings.Replace(goodRich, `"letter":"a"`, `"letter":"c"`, 1),
			op: OpParse, pointer: "/letter", msg: "not a letter: c"},
		{name: "json v2 value failure", in: strings.Replace(goodRich, `"raw":"AAEC"`, `"raw":"AAE"`, 1),
			op: OpParse, pointer: "/raw", msg: "illegal base64"},
		{name: "exceeded depth in a skipped value", in: strings.Replace(goodRich, `"raw":"AAEC"`, `"raw":`+strings.Repeat("[", maxSkipDepth+2), 1),
			op: OpParse, pointer: "/raw", msg: "exceeded max depth"},
		{name: "more than MaxListLength entries", in: `{"codes":[` + strings.Repeat(`"a",`, MaxListLength) + `"a"]}`,
			op: OpParse, pointer: "/codes", msg: "more than 100000 entries"},
		{name: "invalid character", in: strings.Replace(goodRich, `"small":4294967295`, `"small":x`, 1),
			op: OpParse, pointer: "/small", msg: "invalid character 'x' at start of value"},
		{name: "truncated", in: goodRich[:len(goodRich)-1],
			op: OpParse, pointer: "", msg: "unexpected end of input"},
		{name: "trailing data", in: goodRich + " x",
			op: OpParse, pointer: "", msg: "after top-level value"},
		{name: "empty input", in: "",
			op: OpParse, pointer: "", msg: "unexpected end of input"},
		{name: "document too large", run: func(file string) error {
			var v rich
			return Decode(file, make([]byte, MaxInputBytes+1), &v, nil)
		}, op: OpParse, msg: "larger than the", cause: ErrTooLarge},
		{name: "streamed document too large, by its size", run: func(file string) error {
			var v rich
			return DecodeReader(file, sized{strings.NewReader(goodRich), MaxInputBytes + 1}, &v, nil)
		}, op: OpRead, msg: "larger than the", cause: ErrTooLarge},
		{name: "streamed document too large, as read", run: func(file string) error {
			var v rich
			return DecodeReader(file, io.MultiReader(strings.NewReader(`{"id":`), spaces{}), &v, nil)
		}, op: OpRead, msg: "larger than the", cause: ErrTooLarge},
		{name: "read error via DecodeReader", run: func(file string) error {
			var v rich
			return DecodeReader(file, &failAfter{data: []byte(goodRich[:20]), err: eio}, &v, nil)
		}, op: OpRead, msg: "input/output error", cause: eio},
		{name: "reader that makes no progress", run: func(file string) error {
			var v rich
			return DecodeReader(file, &failAfter{data: []byte(goodRich)}, &v, nil)
		}, op: OpRead, msg: "multiple Read calls return no data", cause: io.ErrNoProgress},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(how string, err error) {
				t.Helper()
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("%s: err = %#v, want an *Error", how, err)
				}
				if e.File != "f.json" || e.Op != tc.op || e.Pointer != tc.pointer || !strings.Contains(e.Msg, tc.msg) {
					t.Fatalf("%s: err = %q (op %q, file %q, pointer %q); want op %q, file f.json, pointer %q, text %q",
						how, e, e.Op, e.File, e.Pointer, tc.op, tc.pointer, tc.msg)
				}
				if tc.cause != nil && !errors.Is(err, tc.cause) {
					t.Fatalf("%s: err = %v does not wrap %v", how, err, tc.cause)
				}
			}
			if tc.run != nil {
				check("run", tc.run("f.json"))
				return
			}
			var whole, streamed rich
			check("Decode", Decode("f.json", []byte(tc.in), &whole, nil))
			check("DecodeReader", DecodeReader("f.json", iotest.HalfReader(bytes.NewReader([]byte(tc.in))), &streamed, nil))
		})
	}
}

// An error UnmarshalText returns is the cause of the *Error, as it was when
// json v2 decoded the value.
func TestUnmarshalTextErrorIsTheCause(t *testing.T) {
	var v rich
	err := Decode("f.json", []byte(strings.Replace(goodRich, `"letter":"a"`, `"letter":"c"`, 1)), &v, nil)
	var e *Error
	if !errors.As(err, &e) || e.Err == nil || e.Err.Error() != "not a letter: c" {
		t.Fatalf("err = %#v, want the UnmarshalText error as its cause", err)
	}
}

// fromJSONError makes an *Error of any error, not only of json v2's two
// kinds: a value's own decoder may return anything.
func TestFromJSONErrorFallback(t *testing.T) {
	other := errors.New("something else")
	e := fromJSONError("f.json", other)
	if e.File != "f.json" || e.Op != OpParse || e.Offset != -1 || e.Msg != "something else" || !errors.Is(e, other) {
		t.Fatalf("fromJSONError = %#v", e)
	}
}
