package strictjson

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// chunks is a reader that returns its bytes in chunks of random sizes,
// from 1 to max.
type chunks struct {
	data []byte
	rng  *rand.Rand
	max  int
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.rng.IntN(c.max))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// sameStreamed decodes data whole and through readers that cut it
// everywhere, with windows from one byte up: each gives the same value, or
// the same error, to the byte offset.
func sameStreamed[T any](t *testing.T, data []byte, required Required) {
	t.Helper()
	var want T
	errWant := Decode("f.json", data, &want, required)
	rng := rand.New(rand.NewPCG(uint64(len(data)), 7))
	for _, tc := range []struct {
		name   string
		r      io.Reader
		window int64
	}{
		{"whole", bytes.NewReader(data), windowBytes},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data)), 1},
		{"half reads", iotest.HalfReader(bytes.NewReader(data)), 3},
		{"data with EOF", iotest.DataErrReader(bytes.NewReader(data)), 5},
		{"random chunks", &chunks{data: data, rng: rng, max: 9}, int64(1 + rng.IntN(16))},
	} {
		var got T
		errGot := decodeReader("f.json", tc.r, &got, required, tc.window)
		switch {
		case (errGot == nil) != (errWant == nil):
			t.Fatalf("%s: %q: streamed %v, whole %v", tc.name, data, errGot, errWant)
		case errGot != nil && errGot.Error() != errWant.Error():
			t.Fatalf("%s: %q:\nstreamed: %v\nwhole:    %v", tc.name, data, errGot, errWant)
		case errGot == nil && !reflect.DeepEqual(got, want):
			t.Fatalf("%s: %q: streamed\n%#v\nwhole\n%#v", tc.name, data, got, want)
		}
	}
}

func TestDecodeReaderMatchesDecode(t *testing.T) {
	long := strings.Repeat("é\\\"x", 5000)
	for _, in := range []string{
		good, goodRich,
		strings.Replace(goodRich, `"id":"r"`, `"id":"`+long+`"`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"id":"\\\\\\\\"`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"id":"\\\\\\\""`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"id":"\ud83d\ude00"`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"id":"\ud83d\u"`, 1),
		strings.Replace(goodRich, `"id":"r"`, `"id":"\ud83d`, 1),
		strings.Replace(goodRich, `"id":"r"`, "\"id\":\"\xf0\x9f\x98\x80\"", 1),
		strings.Replace(goodRich, `"id":"r"`, "\"id\":\"\xf0\x9f\x98\"", 1),
		strings.Replace(goodRich, `"raw":"AAEC"`, `"raw":"`+strings.Repeat("AAEC", 3000)+`"`, 1),
		strings.Replace(goodRich, `"raw":"AAEC"`, `"raw":{"a":[1,2,{"b":"c"}],"a":2}`, 1),
		strings.Replace(goodRich, `"small":4294967295`, `"small":`+strings.Repeat("9", 400), 1),
		strings.Replace(goodRich, `"small":4294967295`, `"small":1.5e`, 1),
		strings.Replace(goodRich, `"small":4294967295`, `"small":-0.25E+10`, 1),
		strings.Replace(goodRich, `"opt_n":7`, `"opt_n":nul`, 1),
		strings.Replace(goodRich, `"opt_n":7`, `"opt_n":null`, 1),
		strings.Replace(goodRich, `"letter":"a"`, `"letter":"c"`, 1),
		strings.Replace(goodRich, `,"flags"`, strings.Repeat(" ", 3000)+`,"flags"`, 1),
		strings.Replace(goodRich, `"flags":{"on":true,"off":false}`, `"flags":{"on":true,"on":false}`, 1),
		strings.Replace(goodRich, `"keyed":{`, `"keyed":{"k":null,`, 1),
		goodRich + "   ", goodRich + " x", goodRich[:len(goodRich)-1], goodRich + "\x00",
		`[]`, `{}`, `"x"`, `0`, `{"id":"a"`, `{"id":"a",}`, `{"id" "a"}`, `{,}`, `{"id":"a"}}`, ``, ` `, `"`, `"\`,
	} {
		sameStreamed[rich](t, []byte(in), nil)
		sameStreamed[rich](t, []byte(in), Members("/id"))
		sameStreamed[doc](t, []byte(in), nil)
	}
}

// FuzzDecodeReaderMatchesDecode: a document read through a window, cut
// anywhere, decodes as the same document whole.
func FuzzDecodeReaderMatchesDecode(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(goodRich))
	f.Add([]byte(`{"id":"\\\"\u00e9\ud83d\ude00","raw":"AA==","small":12e1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sameStreamed[rich](t, data, nil)
		sameStreamed[doc](t, data, Members("/id"))
	})
}

// failAfter returns its data, then err.
type failAfter struct {
	data []byte
	err  error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// A read error is reported, not the fault of the bytes read before it,
// and not a success: as when the file was read whole before decoding.
func TestDecodeReaderReportsReadErrors(t *testing.T) {
	eio := errors.New("input/output error")
	for _, in := range []string{good, `{"id":`, `{"id":"a",,`, good + "\n"} {
		var d doc
		err := DecodeReader("f.json", &failAfter{data: []byte(in), err: eio}, &d, nil)
		var e *Error
		if !errors.As(err, &e) || e.Op != OpRead || !errors.Is(err, eio) || e.File != "f.json" {
			t.Fatalf("%q then a read error: %v, want the read error", in, err)
		}
	}
	var d doc
	err := DecodeReader("f.json", &failAfter{data: []byte(good), err: nil}, &d, nil)
	if !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("a reader that returns nothing: %v, want io.ErrNoProgress", err)
	}
}

// A document past MaxInputBytes is refused as ReadFile refuses it: before
// reading, when a regular file says its size, and else once the limit is
// passed, whatever fault the bytes before it hold.
func TestDecodeReaderRefusesLargeDocuments(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(path, []byte(`{"id":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, MaxInputBytes+1); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var d doc
	if err := DecodeReader(path, f, &d, nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("a regular file over the limit: %v", err)
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 0 {
		t.Fatalf("read %d bytes of a file known to be too large", off)
	}
	for _, prefix := range []string{`{"id":"a",`, `{"id": nul`} {
		r := io.MultiReader(strings.NewReader(prefix), strings.NewReader(strings.Repeat(" ", MaxInputBytes)))
		if err := DecodeReader("pipe", r, &d, nil); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%q and spaces past the limit: %v", prefix, err)
		}
	}
	r := io.MultiReader(strings.NewReader(good), strings.NewReader(strings.Repeat(" ", MaxInputBytes-len(good))))
	if err := DecodeReader("pipe", r, &d, nil); err != nil {
		t.Fatalf("a document of exactly the limit: %v", err)
	}
}

// The window stays its size when every token fits in it: the memory of a
// streamed decode is the window and the value, not the document.
func TestDecodeReaderHoldsAWindowNotTheDocument(t *testing.T) {
	doc8 := `{"id":"a","inner":{"name":"n","count":1,"tags":[]},"flag":false,"by_name":{},"items":[` +
		strings.Repeat(" ", 8<<20) + `]}`
	var before, after runtime.MemStats
	var d doc
	runtime.GC()
	runtime.ReadMemStats(&before)
	if err := DecodeReader("f.json", strings.NewReader(doc8), &d, nil); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("decoding an 8 MiB document through the window allocated %d bytes", alloc)
	}
}

// A regular file whose size reads as 0 (as files of /proc do) is read
// through a whole window, not one byte at a time.
func TestDecodeReaderZeroSizeFile(t *testing.T) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err) // Linux is where teegate runs and is tested
	}
	defer f.Close()
	counted := &countingReader{r: f}
	var s string
	err = DecodeReader("/proc/self/status", struct {
		io.Reader
		statter
	}{counted, f}, &s, nil)
	if err == nil || counted.reads > 3 {
		t.Fatalf("err %v after %d reads: want a parse error after a read or two", err, counted.reads)
	}
}

type statter interface{ Stat() (os.FileInfo, error) }

type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}
