package strictjson

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

type inner struct {
	Name  string   `json:"name"`
	Count uint64   `json:"count"`
	Until *uint64  `json:"until"`
	Tags  []string `json:"tags"`
}

type doc struct {
	ID     string           `json:"id"`
	Inner  inner            `json:"inner"`
	Items  []inner          `json:"items"`
	Opt    *inner           `json:"opt"`
	Flag   bool             `json:"flag"`
	ByName map[string]inner `json:"by_name"`
}

const good = `{"id":"a","inner":{"name":"n","count":1,"tags":[]},"items":[],"flag":false,"by_name":{}}`

func TestDecodeAccepts(t *testing.T) {
	for _, in := range []string{
		good,
		" \n\t" + good + "\r\n ",
		strings.Replace(good, `"tags":[]`, `"tags":[],"until":null`, 1),
		strings.Replace(good, `"flag":false`, `"flag":false,"opt":null`, 1),
		strings.Replace(good, `"count":1`, `"count":18446744073709551615`, 1),
		strings.Replace(good, `"name":"n"`, `"name":"\u00e9\ud83d\ude00"`, 1),
	} {
		var d doc
		if err := Decode("f.json", []byte(in), &d, nil); err != nil {
			t.Errorf("Decode(%s): %v", in, err)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name, in, pointer, msg string
	}{
		{"unknown member", strings.Replace(good, `"id":"a"`, `"id":"a","idd":1`, 1), "/idd", "unknown member"},
		{"unknown nested member", strings.Replace(good, `"count":1`, `"count":1,"x":null`, 1), "/inner/x", "unknown member"},
		{"case-sensitive names", strings.Replace(good, `"id"`, `"ID"`, 1), "/ID", "unknown member"},
		{"duplicate member", strings.Replace(good, `"id":"a"`, `"id":"a","id":"b"`, 1), "/id", "duplicate member"},
		{"duplicate nested member", strings.Replace(good, `"count":1`, `"count":1,"count":2`, 1), "/inner/count", "duplicate member"},
		{"duplicate member in a map value", strings.Replace(good, `"by_name":{}`, `"by_name":{"k":{"name":"","name":"","count":0,"tags":[]}}`, 1), "/by_name/k/name", "duplicate member"},
		{"invalid UTF-8", strings.Replace(good, `"a"`, "\"\xff\"", 1), "/id", "UTF-8"},
		{"lone surrogate", strings.Replace(good, `"a"`, `"\ud800"`, 1), "/id", "surrogate"},
		{"byte order mark", "\ufeff" + good, "", "invalid character"},
		{"trailing data", good + " {}", "", "after top-level value"},
		{"struct as array", strings.Replace(good, `{"name":"n","count":1,"tags":[]}`, `["n",1,[]]`, 1), "/inner", "want an object, found an array"},
		{"string for integer", strings.Replace(good, `"count":1`, `"count":"1"`, 1), "/inner/count", "want an unsigned 64-bit integer, found a string"},
		{"fraction", strings.Replace(good, `"count":1`, `"count":1.0`, 1), "/inner/count", "1.0 is not an unsigned 64-bit integer"},
		{"exponent", strings.Replace(good, `"count":1`, `"count":1e3`, 1), "/inner/count", "1e3 is not"},
		{"negative", strings.Replace(good, `"count":1`, `"count":-1`, 1), "/inner/count", "-1 is not"},
		{"minus zero", strings.Replace(good, `"count":1`, `"count":-0`, 1), "/inner/count", "-0 is not"},
		{"overflow", strings.Replace(good, `"count":1`, `"count":18446744073709551616`, 1), "/inner/count", "is not an unsigned"},
		{"leading zero", strings.Replace(good, `"count":1`, `"count":01`, 1), "/inner", "invalid character"},
		{"number for boolean", strings.Replace(good, `"flag":false`, `"flag":0`, 1), "/flag", "want a boolean"},
		{"null required string", strings.Replace(good, `"id":"a"`, `"id":null`, 1), "/id", "null is not allowed"},
		{"null required integer", strings.Replace(good, `"count":1`, `"count":null`, 1), "/inner/count", "null is not allowed"},
		{"null required array", strings.Replace(good, `"items":[]`, `"items":null`, 1), "/items", "null is not allowed"},
		{"null array element", strings.Replace(good, `"tags":[]`, `"tags":["a",null]`, 1), "/inner/tags/1", "null is not allowed"},
		{"null map value", strings.Replace(good, `"by_name":{}`, `"by_name":{"k":null}`, 1), "/by_name/k", "null is not allowed"},
		{"null document", `null`, "", "null is not allowed"},
		{"missing member", strings.Replace(good, `"flag":false,`, ``, 1), "", `missing required member "flag"`},
		{"missing nested member", strings.Replace(good, `"count":1,`, ``, 1), "/inner", `missing required member "count"`},
		{"missing member in an array element", strings.Replace(good, `"items":[]`, `"items":[{"name":"n","count":1,"tags":[]},{"name":"n","tags":[]}]`, 1), "/items/1", `missing required member "count"`},
		{"missing member of an optional object", strings.Replace(good, `"flag":false`, `"flag":false,"opt":{"name":"n","count":1}`, 1), "/opt", `missing required member "tags"`},
		{"empty document", ``, "", "unexpected end of input"},
		{"truncated", good[:20], "/inner", "unexpected end of input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d doc
			err := Decode("input.json", []byte(tc.in), &d, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.File != "input.json" || e.Op != OpParse || e.Pointer != tc.pointer || !strings.Contains(e.Error(), tc.msg) {
				t.Fatalf("err = %q\n(pointer %q); want pointer %q and text %q", e, e.Pointer, tc.pointer, tc.msg)
			}
			if !strings.HasPrefix(e.Error(), "failed to parse JSON file [input.json]: ") {
				t.Errorf("message %q does not name the file first", e)
			}
		})
	}
}

// Map keys are data, but a key written twice is a duplicate member as in any
// other object: the reference keeps the later entry, so that the order of
// two entries would decide what the document means.
func TestDecodeMapRefusesRepeatedKey(t *testing.T) {
	entry := func(name string) string { return `{"name":"` + name + `","count":0,"tags":[]}` }
	for _, tc := range []struct {
		name, byName, pointer string
	}{
		{"adjacent", `{"k":` + entry("first") + `,"k":` + entry("second") + `}`, "/by_name/k"},
		{"apart", `{"k":` + entry("") + `,"j":` + entry("") + `,"k":` + entry("") + `}`, "/by_name/k"},
		{"escaped", `{"k":` + entry("") + `,"\u006b":` + entry("") + `}`, "/by_name/k"},
		{"empty key", `{"":` + entry("") + `,"":` + entry("") + `}`, "/by_name/"},
		{"pointer escapes", `{"a/b~c":` + entry("") + `,"a/b~c":` + entry("") + `}`, "/by_name/a~1b~0c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := strings.Replace(good, `"by_name":{}`, `"by_name":`+tc.byName, 1)
			var d doc
			err := Decode("f.json", []byte(in), &d, nil)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			// The offset is just past the repeated key, as for a repeated
			// member of a struct.
			end := strings.LastIndex(in, `":{"name"`) + 1
			want := fmt.Sprintf("failed to parse JSON file [f.json]: member %q: duplicate member (at byte %d)", tc.pointer, end)
			if e.Pointer != tc.pointer || e.Offset != int64(end) || e.Error() != want {
				t.Fatalf("err = %q\nwant  %q", e, want)
			}
		})
	}
}

// Distinct keys still decode, including keys that differ only in case or
// whitespace: they are different data.
func TestDecodeMapDistinctKeys(t *testing.T) {
	in := strings.Replace(good, `"by_name":{}`, `"by_name":{"k":{"name":"a","count":0,"tags":[]},"K":{"name":"b","count":0,"tags":[]},"k ":{"name":"c","count":0,"tags":[]}}`, 1)
	var d doc
	if err := Decode("f.json", []byte(in), &d, nil); err != nil {
		t.Fatal(err)
	}
	if len(d.ByName) != 3 || d.ByName["k"].Name != "a" || d.ByName["K"].Name != "b" || d.ByName["k "].Name != "c" {
		t.Fatalf("by_name = %+v", d.ByName)
	}
	// The same key in two different maps is not a duplicate either.
	type two struct {
		A map[string]inner `json:"a"`
		B map[string]inner `json:"b"`
	}
	var tw two
	if err := Decode("f.json", []byte(`{"a":{"k":{"name":"","count":0,"tags":[]}},"b":{"k":{"name":"","count":0,"tags":[]}}}`), &tw, nil); err != nil {
		t.Fatal(err)
	}
	if len(tw.A) != 1 || len(tw.B) != 1 {
		t.Fatalf("decoded %+v", tw)
	}
}

func TestDecodeRequired(t *testing.T) {
	in := `{"id":"a","inner":{"name":"n"},"items":[{"name":"x"}]}`
	var d doc
	req := Members("/id", "/inner", "/inner/name", "/items", "/items/*/name")
	if err := Decode("f.json", []byte(in), &d, req); err != nil {
		t.Fatalf("narrow requirement: %v", err)
	}
	if d.Items[0].Name != "x" || d.Inner.Name != "n" {
		t.Errorf("decoded %+v", d)
	}
	err := Decode("f.json", []byte(in), &d, Members("/id", "/items/*/count"))
	if err == nil || !strings.Contains(err.Error(), `"/items/0": missing required member "count"`) {
		t.Fatalf("err = %v, want missing count in /items/0", err)
	}
	// A member that is not required may still not be null.
	if err := Decode("f.json", []byte(`{"id":"a","flag":null}`), &d, Members("/id")); err == nil {
		t.Fatal("null accepted in a member that is not optional")
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.json")
	if err := os.WriteFile(small, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if data, err := ReadFile(small); err != nil || string(data) != good {
		t.Fatalf("ReadFile = %q, %v", data, err)
	}

	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxInputBytes + 1); err != nil { // sparse: no real 16 MiB write
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFile(big)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "big.json") {
		t.Fatalf("oversized file: err = %v, want ErrTooLarge naming the file", err)
	}
	if err := os.Truncate(big, MaxInputBytes); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big); err != nil {
		t.Fatalf("file of exactly the limit refused: %v", err)
	}

	_, err = ReadFile(filepath.Join(dir, "absent.json"))
	var e *Error
	if !errors.As(err, &e) || e.Op != OpRead || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v", err)
	}
	if !strings.HasPrefix(err.Error(), "failed to read file [") {
		t.Errorf("message %q", err)
	}
}

func TestDecodeRefusesOversizedDocument(t *testing.T) {
	var d doc
	err := Decode("f.json", make([]byte, MaxInputBytes+1), &d, nil)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestDecodeRefusesLongLists(t *testing.T) {
	list := func(n int) string {
		return `{"id":"a","inner":{"name":"n","count":1,"tags":[` + strings.TrimSuffix(strings.Repeat(`"x",`, n), ",") +
			`]},"items":[],"flag":false,"by_name":{}}`
	}
	var d doc
	if err := Decode("f.json", []byte(list(MaxListLength)), &d, nil); err != nil {
		t.Fatalf("a list of exactly the limit: %v", err)
	}
	err := Decode("f.json", []byte(list(MaxListLength+1)), &d, nil)
	var e *Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Pointer, "/inner/tags") || !strings.Contains(e.Msg, "more than 100000 entries") {
		t.Fatalf("err = %v, want a refusal of /inner/tags", err)
	}
}

// A requirement resolves each type's schema once; later decodes reuse it.
func TestSchemaCachedPerRequirement(t *testing.T) {
	req := Members("/id", "/items/*/count")
	typ := reflect.TypeOf(doc{})
	if rootOf(typ, req) != rootOf(typ, req) {
		t.Fatal("the schema of one type under one requirement was resolved twice")
	}
	if rootOf(typ, req) == rootOf(typ, Members("/id", "/items/*/count")) {
		t.Fatal("two requirements share a schema")
	}
}

// A required path that names no member is a programming error, caught on
// the first decode rather than left to make a member optional.
func TestMistypedRequiredPathPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "/items/*/cuont") {
			t.Fatalf("recovered %v, want a panic naming the path", r)
		}
	}()
	var d doc
	Decode("f.json", []byte(`{}`), &d, Members("/id", "/items/*/cuont"))
}

func TestUnion(t *testing.T) {
	if Union(Members("/id"), nil) != nil {
		t.Fatal("a union with every member is not every member")
	}
	u := Union(Members("/id"), Members("/items/*/count", "/id"))
	if set := u.set(); !set["/id"] || !set["/items/*/count"] || len(set) != 2 {
		t.Fatalf("union paths %v", set)
	}
}

// A pipe has no size to read into: ReadFile grows its buffer as the bytes
// come, and still stops just past the limit.
func TestReadFileFromAPipe(t *testing.T) {
	for _, n := range []int{0, 511, 512, 513, 100_000, MaxInputBytes, MaxInputBytes + 1} {
		fifo := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		go func() {
			f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer f.Close()
			f.Write(bytes.Repeat([]byte{' '}, n)) // fails once the reader stops at the limit
		}()
		data, err := ReadFile(fifo)
		switch {
		case n > MaxInputBytes:
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%d bytes from a pipe: err = %v, want ErrTooLarge", n, err)
			}
		case err != nil || len(data) != n:
			t.Fatalf("%d bytes from a pipe: read %d, err = %v", n, len(data), err)
		}
	}
}
