package jsonout

import (
	"strings"
	"testing"
)

// An output that fails (text that is not UTF-8) leaves nothing behind in
// the encoder it returns to the pool: the next output is whole and alone.
func TestFailedOutputLeavesNothingBehind(t *testing.T) {
	object := func(value string) func(*Writer) {
		return func(w *Writer) {
			w.Begin()
			w.Member("a", "1")
			w.Member("b", value)
			w.End()
		}
	}
	for range 3 {
		if out, err := Tokens(object("ok\xff")); err == nil {
			t.Fatalf("invalid UTF-8 written: %q", out)
		}
		out, err := Tokens(object("two"))
		if want := "{\n  \"a\": \"1\",\n  \"b\": \"two\"\n}\n"; err != nil || string(out) != want {
			t.Fatalf("after a failed output: %q, %v; want %q", out, err, want)
		}
	}
}

// The first error is the one returned, and the writes after it do not
// run into the encoder's own complaints about an unbalanced object.
func TestFirstErrorIsKept(t *testing.T) {
	_, err := Tokens(func(w *Writer) {
		w.Begin()
		w.Member("a", "\xff")
		w.End()
		w.End()
	})
	if err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("err = %v, want the invalid UTF-8", err)
	}
}

// A large output is returned whole, and its buffer is not kept for the
// next one.
func TestLargeOutput(t *testing.T) {
	long := strings.Repeat("x", 2*maxPooledBytes)
	out, err := Tokens(func(w *Writer) { w.String(long) })
	if err != nil || len(out) != len(long)+3 {
		t.Fatalf("%d bytes, %v", len(out), err)
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	if e.buf.Cap() > maxPooledBytes {
		t.Fatalf("a %d-byte buffer went back to the pool", e.buf.Cap())
	}
}

// An output left open is an error, not a truncated document.
func TestUnfinishedOutputIsAnError(t *testing.T) {
	for name, write := range map[string]func(*Writer){
		"object": func(w *Writer) { w.Begin(); w.Member("a", "1") },
		"array":  func(w *Writer) { w.BeginArray(); w.String("a") },
		"nested": func(w *Writer) { w.Begin(); w.Name("a"); w.BeginArray(); w.EndArray() },
	} {
		if out, err := Tokens(write); err == nil {
			t.Errorf("%s: %q, no error", name, out)
		}
	}
	out, err := Tokens(func(w *Writer) { w.BeginArray(); w.EndArray() })
	if err != nil || string(out) != "[]\n" {
		t.Fatalf("after unfinished outputs: %q, %v", out, err)
	}
}

// A write that panics leaves no encoder in the pool half-written; the
// next output is whole.
func TestPanicInWrite(t *testing.T) {
	func() {
		defer func() { _ = recover() }()
		Tokens(func(w *Writer) { w.Begin(); w.Member("a", "1"); panic("boom") })
	}()
	out, err := Tokens(func(w *Writer) { w.Begin(); w.Member("b", "2"); w.End() })
	if want := "{\n  \"b\": \"2\"\n}\n"; err != nil || string(out) != want {
		t.Fatalf("after a panic: %q, %v; want %q", out, err, want)
	}
}
