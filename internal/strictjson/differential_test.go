package strictjson

import (
	"errors"

	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// letter is a string type that decodes itself through UnmarshalText, as
// governance.EventType does.
type letter string

func (l *letter) UnmarshalText(b []byte) error {
	if s := string(b); s == "a" || s == "b" {
		*l = letter(s)
		return nil
	}
	return errors.New("not a letter: " + string(b))
}

type key string

// rich holds every kind of member the project's documents use.
type rich struct {
	ID     string          `json:"id"`
	Small  uint32          `json:"small"`
	Letter letter          `json:"letter"`
	Raw    []byte          `json:"raw"`
	Opt    *[]string       `json:"opt"`
	OptN   *uint64         `json:"opt_n"`
	Keyed  map[key]*inner  `json:"keyed"`
	Ptrs   []*inner        `json:"ptrs"`
	Codes  []letter        `json:"codes"`
	Nested map[string]doc  `json:"nested"`
	Flags  map[string]bool `json:"flags"`
}

const goodRich = `{"id":"r","small":4294967295,"letter":"a","raw":"AAEC","opt":["x"],"opt_n":7,` +
	`"keyed":{"k":null,"j":{"name":"n","count":1,"tags":[]}},"ptrs":[null,{"name":"","count":0,"tags":["t"]}],` +
	`"codes":["a","b"],"nested":{"d":` + good + `},"flags":{"on":true,"off":false}}`

// sameAsTwoPass decodes data both ways into fresh values of T: both refuse
// it, or both accept it and decode the same value.
func sameAsTwoPass[T any](t *testing.T, data []byte, required Required) {
	t.Helper()
	var got, want T
	errGot := Decode("f.json", data, &got, required)
	errWant := decodeTwoPass("f.json", data, &want, required)
	if errGot != nil {
		var e *Error
		if !errors.As(errGot, &e) || e.File != "f.json" || e.Error() == "" {
			t.Fatalf("error %v is not an *Error naming the file", errGot)
		}
	}
	switch {
	case errGot == nil && errWant != nil:
		t.Fatalf("accepted %q, which the two-pass decoder refuses: %v", data, errWant)
	case errGot != nil && errWant == nil:
		t.Fatalf("refused %q, which the two-pass decoder accepts: %v", data, errGot)
	case errGot == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("decoded %q as\n%#v\nwant\n%#v", data, got, want)
	case errGot != nil:
		// The same fault is reported, at the same member.
		var g, w *Error
		errors.As(errGot, &g)
		errors.As(errWant, &w)
		if g.Pointer != w.Pointer && !syntactic(w) {
			t.Fatalf("refused %q at %q (%v), the two-pass decoder at %q (%v)", data, g.Pointer, errGot, w.Pointer, errWant)
		}
	}
}

func TestDecodeMatchesTwoPass(t *testing.T) {
	for _, in := range []string{
		good, goodRich,
		strings.Replace(goodRich, `"letter":"a"`, `"letter":"c"`, 1),
		strings.Replace(goodRich, `"letter":"a"`, `"letter":"\u0061"`, 1),
		strings.Replace(goodRich, `"small":4294967295`, `"small":4294967296`, 1),
		strings.Replace(goodRich, `"raw":"AAEC"`, `"raw":"AAE"`, 1),
		strings.Replace(goodRich, `"raw":"AAEC"`, `"raw":null`, 1),
		strings.Replace(goodRich, `"opt":["x"]`, `"opt":null`, 1),
		strings.Replace(goodRich, `"opt":["x"]`, `"opt":[]`, 1),
		strings.Replace(goodRich, `"keyed":{`, `"keyed":{"k":null,`, 1),
		strings.Replace(goodRich, `"codes":["a","b"]`, `"codes":[]`, 1),
		strings.Replace(goodRich, `"flags":{"on":true,"off":false}`, `"flags":{}`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"id":"\ud83d\ude00\u00e9\"\\\/\b\f\n\r\t"`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"id":"\ud83dx"`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"id":"\udc00\ud800"`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"i\u0064":"r"`, 1),
		strings.Replace(goodRich, `"id":"r"`, "\"id\":\"\xed\xa0\x80\"", 1),
		strings.Replace(goodRich, `"id":"r"`, "\"id\":\"\xef\xbf\xbd\"", 1),
		strings.Replace(goodRich, `"id":"r"`, "\"id\":\"\x7f\"", 1),
		strings.Replace(goodRich, `"id":"r"`, "\"id\":\"\x1f\"", 1),
		strings.Replace(goodRich, `"opt_n":7`, `"opt_n":-0.5e+3`, 1),
		strings.Replace(goodRich, `"opt_n":7`, `"opt_n":1E2`, 1),
		strings.Replace(goodRich, `"opt_n":7`, `"opt_n":1.`, 1),
		strings.Replace(goodRich, `"opt_n":7`, `"opt_n":-`, 1),
		strings.Replace(goodRich, `"opt_n":7`, `"opt_n":tru`, 1),
		strings.Replace(goodRich, `"opt_n":7`, `"opt_n":nul`, 1),
		strings.Replace(goodRich, `"raw":"AAEC"`, `"raw":{"a":1,"a":2}`, 1),
		`[]`, `{}`, `"x"`, `0`, `{"id":"a"`, `{"id":"a",}`, `{"id" "a"}`, `{,}`, `{"id":"a"}}`,
	} {
		t.Run("", func(t *testing.T) {
			sameAsTwoPass[rich](t, []byte(in), nil)
			sameAsTwoPass[rich](t, []byte(in), Members("/id"))
			sameAsTwoPass[doc](t, []byte(in), nil)
		})
	}
}

// FuzzDecodeMatchesTwoPass: the single-pass decoder keeps its contract
// with the two-pass one, stated at the top of decode.go.
func FuzzDecodeMatchesTwoPass(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(goodRich))
	f.Add([]byte(`{"keyed":{"k":{"name":"\u00e9","count":0,"tags":[]}},"ptrs":[null],"raw":"AA=="}`))
	f.Add([]byte(`{"nested":{"x":{"id":"a","by_name":{"k":{},"k":{}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsTwoPass[rich](t, data, nil)
		sameAsTwoPass[rich](t, data, Members("/id", "/nested", "/nested/*/id"))
		sameAsTwoPass[doc](t, data, nil)
	})
}

// syntactic says whether e is a fault of JSON syntax, whose pointer json v2
// and the single-pass decoder may place differently (v2 names the member
// being read, or the one after).
func syntactic(e *Error) bool {
	var se *jsontext.SyntacticError
	return errors.As(e, &se)
}

// A 0 byte is a byte, not the end of the input: after the document it is
// data after the top-level value, and where a value should be it is an
// invalid character at its own offset.
func TestZeroByteIsNotTheEnd(t *testing.T) {
	for _, in := range []string{good + "\x00", good + "\x00garbage{[", good + " \x00\xff", "\x00", `{"id":` + "\x00" + `}`} {
		sameAsTwoPass[doc](t, []byte(in), nil)
		var d doc
		err := Decode("f.json", []byte(in), &d, nil)
		var e *Error
		if !errors.As(err, &e) || strings.Contains(e.Msg, "end of input") {
			t.Fatalf("%q: err = %v, want an invalid character", in, err)
		}
		if want := int64(strings.IndexByte(in, 0)); e.Offset != want {
			t.Errorf("%q: offset %d, want %d (the 0 byte)", in, e.Offset, want)
		}
	}
}

// Nested lists are not sized from the bytes left in the document: a
// document of n bytes allocates in proportion to n, not n squared.
func TestNestedListsAreNotGuessed(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"id":"a","inner":{"name":"n","count":1,"tags":[]},"flag":false,"by_name":{},"items":[`)
	for i := range 3000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"name":"n","count":1,"tags":["` + strings.Repeat("a", 300) + `","b"]}`)
	}
	sb.WriteString(`]}`)
	var d doc
	if err := Decode("f.json", []byte(sb.String()), &d, nil); err != nil {
		t.Fatal(err)
	}
	for i, it := range d.Items {
		if cap(it.Tags) > 8 {
			t.Fatalf("items[%d].tags: capacity %d for %d tags", i, cap(it.Tags), len(it.Tags))
		}
	}
	if cap(d.Items) > 2*len(d.Items) {
		t.Errorf("items: capacity %d for %d", cap(d.Items), len(d.Items))
	}
}
