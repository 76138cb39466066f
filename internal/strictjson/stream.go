package strictjson

import (
	"bytes"
	"io"
	"os"
	"reflect"
)

// windowBytes is the window through which DecodeReader reads a document:
// large enough that a read fetches many values at once, small beside the
// documents worth streaming (a 20,000-operator registry is 9 MB). A token
// longer than the window (a string, a number, a value handed to json v2)
// grows it by doubling, to at most twice that token; an unterminated
// string holds the rest of the document, which MaxInputBytes bounds.
const windowBytes = 64 << 10

// maxEmptyReads is how many reads in a row may return nothing, and no
// error, before the reader is taken as broken, as bufio does.
const maxEmptyReads = 100

// stream is the state of a decoder that reads its document from r. The
// decoder's data is the window: the document's bytes from offset base.
type stream struct {
	r    io.Reader
	file string
	base int64 // the document offset of data[0]
	read int64 // bytes read so far
	size int64 // the document's size if known beforehand (a regular file), else -1
	// keep is the document offset from which the window must keep every
	// byte, whatever the token being read: other's value. -1 when none.
	keep int64
	// last is the index in data of the window's last byte that is not
	// whitespace, -1 if none: before it, skipSpace cannot run out of the
	// window, and refill has nothing to do.
	last  int
	ended bool   // r has returned io.EOF
	err   *Error // a read error, or the document past MaxInputBytes: it ends the decode
}

// more slides the window to keep data[from:] (and the bytes from d.keep),
// grows it if that fills it, and reads into the room left until a read
// returns bytes, an error or the end. It reports whether it read anything;
// d.pos follows the slide.
func (d *decoder) more(from int) bool {
	st := d.stream
	if st.ended || st.err != nil {
		return false
	}
	if st.keep >= 0 {
		from = min(from, int(st.keep-st.base))
	}
	if from > 0 {
		n := copy(d.data[:cap(d.data)], d.data[from:])
		d.data = d.data[:n]
		d.pos -= from
		st.last -= from
		st.base += int64(from)
	}
	if len(d.data) == cap(d.data) {
		grown := make([]byte, len(d.data), 2*cap(d.data))
		copy(grown, d.data)
		d.data = grown
	}
	for range maxEmptyReads {
		n, err := st.r.Read(d.data[len(d.data):cap(d.data)])
		d.data = d.data[:len(d.data)+n]
		st.read += int64(n)
		for i := len(d.data) - 1; i >= len(d.data)-n; i-- {
			if !space[d.data[i]] {
				st.last = i
				break
			}
		}
		switch {
		case st.read > MaxInputBytes:
			st.err = tooLarge(st.file)
			return false
		case err == io.EOF:
			st.ended = true
			return n > 0
		case err != nil:
			st.err = ReadError(st.file, err)
			return n > 0
		case n > 0:
			return true
		}
	}
	st.err = ReadError(st.file, io.ErrNoProgress)
	return false
}

// refill reads on in a streamed document until the byte after the
// whitespace at d.pos is in the window, or the document has ended: the
// next peek or atEnd then sees what a whole document would show.
func (d *decoder) refill() {
	if d.stream != nil && d.pos > d.stream.last {
		d.skipSpaceStreamed()
	}
}

func (d *decoder) skipSpaceStreamed() {
	for {
		d.skipSpace()
		if d.pos < len(d.data) || !d.more(d.pos) {
			return
		}
	}
}

// lookahead makes n bytes from d.pos available in the window, or as many
// as the document has left.
func (d *decoder) lookahead(n int) {
	for len(d.data)-d.pos < n && d.more(d.pos) {
	}
}

// lookaheadNumber makes the number at d.pos whole in the window: it reads
// until a byte that no number holds follows it, or the document ends.
func (d *decoder) lookaheadNumber() {
	j := d.pos
	for {
		for j < len(d.data) && numberByte[d.data[j]] {
			j++
		}
		if j < len(d.data) {
			return
		}
		from := d.pos
		if !d.more(from) {
			return
		}
		j -= from - d.pos // the window slid by what more dropped
	}
}

// numberByte are the bytes a JSON number may hold.
var numberByte = func() (b [256]bool) {
	for _, c := range "0123456789+-.eE" {
		b[c] = true
	}
	return
}()

// lookaheadString makes the string at d.pos whole in the window, up to
// its closing quote: the first quote after the opening one that follows
// an even number of backslashes, and a few bytes after it. strBytes then
// reads it as it reads a whole document, and reports its faults. An unterminated string reads
// the rest of the document, which is bounded by MaxInputBytes.
func (d *decoder) lookaheadString() {
	j := d.pos + 1
	for {
		if q := bytes.IndexByte(d.data[j:], '"'); q >= 0 {
			q += j
			backslashes := 0
			for k := q - 1; k > d.pos && d.data[k] == '\\'; k-- {
				backslashes++
			}
			if backslashes%2 == 0 {
				// A \u escape just before the quote is read as six bytes,
				// past the quote: keep them too, so that its fault is the
				// one the whole document gives.
				for len(d.data)-q < 8 {
					from := d.pos
					if !d.more(from) {
						break
					}
					q -= from - d.pos
				}
				return
			}
			j = q + 1
			continue
		}
		j = len(d.data)
		from := d.pos
		if !d.more(from) {
			return
		}
		j -= from - d.pos
	}
}

// left is how many bytes of the document follow d.pos, or an estimate
// when a streamed document's size is not known.
func (d *decoder) left() int64 {
	if d.stream == nil || d.size < 0 {
		return int64(len(d.data) - d.pos)
	}
	return max(d.size-d.at(d.pos), 0)
}

// drain reads the rest of a document whose decode failed, so that a read
// error, or the document being too large, is reported before a fault of
// its contents, as when the file was read whole first.
func (d *decoder) drain() {
	for !d.stream.ended && d.stream.err == nil {
		d.data = d.data[:0]
		d.pos = 0
		d.stream.keep = -1
		d.more(0)
	}
}

// DecodeReader is Decode for a document read from r, named file in
// errors: the same checks and errors, without holding the document in
// memory, except that a document over MaxInputBytes is a read error, as
// from ReadFile. It reads through a window of windowBytes, which grows only to
// hold a token longer than it, and it refuses a document larger than
// MaxInputBytes as ReadFile does. A read error, or a document too large,
// is reported rather than a fault in the bytes before it.
func DecodeReader(file string, r io.Reader, v any, required Required) error {
	return decodeReader(file, r, v, required, windowBytes)
}

// decodeReader is DecodeReader with a window of at most window bytes to
// start with: tests make it tiny, so that every token crosses its edge.
func decodeReader(file string, r io.Reader, v any, required Required, window int64) error {
	size := int64(-1) // known for a regular file, and a reader from memory
	switch r := r.(type) {
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := r.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	case interface{ Len() int }:
		size = int64(r.Len())
	}
	if size > MaxInputBytes {
		return tooLarge(file)
	}
	if size > 0 { // a size of 0 may be a file of /proc, which is not empty
		window = min(window, size+1) // one more, so that the read that finds the end needs no growth
	}
	rv := reflect.ValueOf(v).Elem()
	rv.SetZero()
	pool := internPool(size)
	d := decoder{
		file:    file,
		data:    make([]byte, 0, window),
		strings: pool.Get().(*internTable),
		stream:  &stream{r: r, file: file, size: size, keep: -1, last: -1},
	}
	defer pool.Put(d.strings)
	err := d.document(rootOf(rv.Type(), required), rv)
	if err != nil {
		d.drain()
	}
	if d.stream.err != nil {
		return d.stream.err
	}
	return err
}

// DecodeNewReader decodes the document read from r into a new T, as
// DecodeReader does.
func DecodeNewReader[T any](file string, r io.Reader, required Required) (*T, error) {
	v := new(T)
	if err := DecodeReader(file, r, v, required); err != nil {
		return nil, err
	}
	return v, nil
}
