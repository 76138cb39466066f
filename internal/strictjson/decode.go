package strictjson

// This file is the walk: the decoder that reads a document once, checking
// it against the schema (schema.go) as it sets the Go value. Decode and
// DecodeReader (stream.go) both run it.
//
// The contract with the two-pass decoder it replaced (decodeTwoPass, kept
// in twopass_test.go as the oracle that tests and fuzzers compare it with):
// json v2's strict Unmarshal with the package's options, then a pass over
// the tokens refusing null where the Go type is not optional, a member or
// map key written twice, and a missing required member. The walk accepts
// exactly the documents that pair accepted, decodes them to the same
// values, and refuses a document with several faults for the same first
// fault, at the same member (a fault of syntax may be named at a
// neighbouring member, where json v2 places it differently):
//
//  1. first, the first fault of syntax or type, which Unmarshal refused:
//     bad syntax or trailing data, invalid UTF-8, a bad escape or lone
//     surrogate, an unknown member, a value of the wrong JSON kind, a
//     number that does not fit, a value its Go type refuses
//     (UnmarshalText, json v2 for kindOther), nesting too deep;
//  2. only if there is none, the first null, repeated or missing member in
//     the document, which the second pass refused (decoder.later).
//
// Two differences are deliberate: a name repeated inside a value handed to
// json v2 (kindOther, such as a field of type any) is refused at once, as
// a fault of syntax, where the pair let json v2 keep the later one; and a
// list longer than MaxListLength is refused where it is met.
//
// The three presence states of a member of an object:
//
//   - absent: an optional member (a pointer field) is left nil. Any other
//     member is missing, a fault, if it is required (Required is nil, or
//     names its schema path), and is left its zero value if it is not.
//   - null: an optional member is set to nil, as if absent. Any other
//     member is refused, "null is not allowed here", required or not.
//   - present and not null: the value is decoded against the member's
//     schema, allocating a pointer field.
//
// A member written twice, null or not, is a repeated member. An array
// element or a map value is always present: it may be null only if its Go
// type is a pointer. The document itself may not be null.

import (
	"encoding"
	"fmt"
	"hash/maphash"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
)

// decoder reads one document in a single pass, checking it against the
// schema as it sets the Go value: syntax (RFC 8259, with names unique in
// each object and strings valid UTF-8, as RFC 7493 asks), the JSON kind of
// each value against its Go type, null only where the Go type is optional,
// unknown and missing members. Values of kindOther are handed, alone, to
// json v2 with the package's options.
//
// Nothing is allocated for the path of the value being read unless an
// error must name it: path holds the members and indices that lead to it.
//
// The document is either whole in data, or read from r through data as a
// window (stream.go): then data holds the document's bytes from offset
// base, and only refill (before each peek and atEnd) and the functions
// that read a token (literal, number, strBytes) move the window, at their
// start, keeping the token whole in it. So an index into data held across
// one of those calls is stale: positions kept that long are offsets in the
// document (at).
type decoder struct {
	file    string
	data    []byte
	pos     int
	path    []step
	*stream        // nil when the document is whole in data
	buf     []byte // scratch for strings with escapes
	// strings keeps strings already made so that values repeated across
	// entries (measurements, TEE types, statuses, and the same names from
	// one request to the next in the service) are stored once: a fifth
	// less memory on a 20,000-operator registry.
	strings *internTable
	// later is the first null, repeated or missing member found, reported
	// only if the rest of the document has no fault of syntax or type: the
	// precedence of the contract at the top of this file.
	later error
}

// failLater keeps the fault at offset to report at the end, if nothing
// else fails first.
func (d *decoder) failLater(offset int64, msg string) {
	if d.later == nil {
		d.later = d.fail(offset, msg)
	}
}

// step is one member name, or array index (index >= 0), of a path.
type step struct {
	name  string
	index int
}

// pointer is the JSON pointer (RFC 6901) of the value being read.
func (d *decoder) pointer() string {
	var b strings.Builder
	for _, s := range d.path {
		b.WriteByte('/')
		if s.index >= 0 {
			b.WriteString(strconv.Itoa(s.index))
			continue
		}
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s.name))
	}
	return b.String()
}

// at is the offset in the document of data[i].
func (d *decoder) at(i int) int64 {
	if d.stream == nil {
		return int64(i)
	}
	return d.base + int64(i)
}

// index is the index in data of the document's offset, which must be in
// the window.
func (d *decoder) index(offset int64) int {
	if d.stream == nil {
		return int(offset)
	}
	return int(offset - d.base)
}

func (d *decoder) fail(offset int64, msg string) error {
	return &Error{Op: OpParse, File: d.file, Pointer: d.pointer(), Offset: offset, Msg: msg}
}

func (d *decoder) failf(offset int64, format string, args ...any) error {
	return d.fail(offset, fmt.Sprintf(format, args...))
}

// eof is the error for a document that ends inside a value.
func (d *decoder) eof() error { return d.fail(d.at(len(d.data)), "unexpected end of input") }

// invalid is the error for the byte at d.pos, which cannot come where it is.
func (d *decoder) invalid(where string) error {
	if d.pos >= len(d.data) {
		return d.eof()
	}
	return d.failf(d.at(d.pos), "invalid character %s %s", quoteByte(d.data[d.pos]), where)
}

func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("'\\x%02x'", c)
}

// atEnd skips whitespace and reports whether the input has ended (in a
// streamed document, after refill).
func (d *decoder) atEnd() bool {
	d.skipSpace()
	return d.pos == len(d.data)
}

// skipSpace skips whitespace in the window. It does not read more of a
// streamed document: a call would make it, and peek, too large to inline,
// which costs a tenth of the decoding time. So
// every peek and atEnd is preceded by refill, which reads on in a streamed
// document until the next byte that is not whitespace is in the window.
func (d *decoder) skipSpace() {
	for d.pos < len(d.data) && space[d.data[d.pos]] {
		d.pos++
	}
}

// space and plain classify bytes: JSON whitespace, and the bytes a string
// holds as they are (not '"', '\\', a control character or non-ASCII).
var space, plain = func() (space, plain [256]bool) {
	for _, c := range " \t\n\r" {
		space[c] = true
	}
	for c := ' '; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\\'
	}
	return
}()

// peek skips whitespace and returns the next byte, 0 at the end. A 0 byte
// in the input is not the end: where the end matters, atEnd tells them
// apart.
func (d *decoder) peek() byte {
	d.skipSpace()
	if d.pos == len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// document decodes the whole document into v, a non-nil pointer.
func (d *decoder) document(root *field, v reflect.Value) error {
	d.refill()
	if d.atEnd() {
		return d.eof()
	}
	if err := d.value(root, v); err != nil {
		return err
	}
	d.refill()
	if !d.atEnd() {
		return d.invalid("after top-level value")
	}
	return d.later
}

// value decodes the next value, described by f, into v.
func (d *decoder) value(f *field, v reflect.Value) error {
	d.refill()
	c := d.peek()
	if c == 'n' {
		start := d.at(d.pos)
		if err := d.literal("null"); err != nil {
			return err
		}
		if !f.optional {
			d.failLater(start, "null is not allowed here")
		}
		v.SetZero()
		return nil
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	n := f.node
	switch n.kind {
	case kindStruct:
		return d.object(n, v)
	case kindSlice:
		return d.array(n, v)
	case kindMap:
		return d.dict(n, v)
	case kindString:
		if c != '"' {
			return d.wrongKind(f, c)
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		v.SetString(s)
		return nil
	case kindText:
		if c != '"' {
			return d.wrongKind(f, c)
		}
		start := d.at(d.pos)
		b, err := d.strBytes() // UnmarshalText copies what it keeps
		if err != nil {
			return err
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(b); err != nil {
			return &Error{Op: OpParse, File: d.file, Pointer: d.pointer(), Offset: start, Msg: err.Error(), Err: err}
		}
		return nil
	case kindBool:
		switch c {
		case 't':
			v.SetBool(true)
			return d.literal("true")
		case 'f':
			v.SetBool(false)
			return d.literal("false")
		}
		return d.wrongKind(f, c)
	case kindUint:
		if c != '-' && (c < '0' || c > '9') {
			return d.wrongKind(f, c)
		}
		start := d.at(d.pos)
		u, ok, err := d.number(n.bits)
		if err != nil {
			return err
		}
		if !ok { // number kept its bytes in the window
			return d.failf(start, "%s is not %s", d.data[d.index(start):d.pos], describeType(f.typ))
		}
		v.SetUint(u)
		return nil
	default:
		return d.other(v)
	}
}

func (d *decoder) wrongKind(f *field, c byte) error {
	if d.pos == len(d.data) {
		return d.eof()
	}
	switch c {
	case '{', '[', '"', 't', 'f', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
	default:
		return d.invalid("at start of value")
	}
	return d.failf(d.at(d.pos), "want %s, found %s", describeType(f.typ), describe(c))
}

// other hands the next value alone to json v2, after checking its syntax.
// A window keeps the value's bytes whole while skip reads them.
func (d *decoder) other(v reflect.Value) error {
	start := d.at(d.pos)
	if d.stream != nil {
		d.keep = start
		defer func() { d.keep = -1 }()
	}
	if err := d.skip(0); err != nil {
		return err
	}
	if err := json.Unmarshal(d.data[d.index(start):d.pos], v.Addr().Interface(), options); err != nil {
		e := fromJSONError(d.file, err)
		e.Pointer = d.pointer() + e.Pointer
		if e.Offset >= 0 {
			e.Offset += start
		}
		return e
	}
	return nil
}

func (d *decoder) literal(lit string) error {
	if d.stream != nil {
		d.lookahead(len(lit))
	}
	for i := 0; i < len(lit); i++ {
		if d.pos+i >= len(d.data) {
			return d.eof()
		}
		if d.data[d.pos+i] != lit[i] {
			d.pos += i
			return d.invalid("in literal " + lit + " (expecting " + strconv.QuoteRune(rune(lit[i])) + ")")
		}
	}
	d.pos += len(lit)
	return nil
}

// object decodes an object into the struct v, member by member.
func (d *decoder) object(n *node, v reflect.Value) error {
	d.refill()
	if c := d.peek(); c != '{' {
		return d.wrongKind(&field{typ: v.Type()}, c)
	}
	open := d.at(d.pos)
	d.pos++
	var seen uint64 // bit i: n.fields[i] is present; schemaOf caps members at 64
	next := 0       // the field expected next
	d.refill()
	if d.peek() == '}' {
		d.pos++
	} else {
		for {
			d.refill()
			if d.peek() != '"' {
				return d.invalid("before object name (expecting '\"')")
			}
			nameStart := d.at(d.pos)
			name, err := d.strBytes()
			if err != nil {
				return err
			}
			// Members usually come in the schema's order: try the one
			// after the last before the map.
			i, ok := next, next < len(n.fields) && n.fields[next].name == string(name)
			if !ok {
				i, ok = n.index[string(name)]
			}
			next = i + 1
			if !ok {
				d.path = append(d.path, step{name: string(name), index: -1})
				return d.fail(nameStart, "unknown member")
			}
			d.path = append(d.path, step{name: n.fields[i].name, index: -1})
			if seen&(1<<i) != 0 {
				d.failLater(d.at(d.pos), "duplicate member")
			}
			seen |= 1 << i
			d.refill()
			if d.peek() != ':' {
				return d.invalid("after object name (expecting ':')")
			}
			d.pos++
			f := &n.fields[i]
			if err := d.value(f, v.Field(f.goIndex)); err != nil {
				return err
			}
			d.path = d.path[:len(d.path)-1]
			if done, err := d.next('}', "object"); done || err != nil {
				if err != nil {
					return err
				}
				break
			}
		}
	}
	for i := range n.fields {
		if f := &n.fields[i]; f.required && seen&(1<<i) == 0 {
			d.failLater(open, fmt.Sprintf("missing required member %q", f.name))
			break
		}
	}
	return nil
}

// next reads what follows a member or element: a comma (false), or the
// closing byte (true).
func (d *decoder) next(closing byte, what string) (bool, error) {
	d.refill()
	switch d.peek() {
	case ',':
		d.pos++
		return false, nil
	case closing:
		d.pos++
		return true, nil
	}
	return false, d.invalid(fmt.Sprintf("after %s value (expecting ',' or %s)", what, strconv.QuoteRune(rune(closing))))
}

// array decodes an array into the slice v, growing it in place.
func (d *decoder) array(n *node, v reflect.Value) error {
	d.refill()
	if c := d.peek(); c != '[' {
		return d.wrongKind(&field{typ: v.Type()}, c)
	}
	d.pos++
	d.refill()
	if d.peek() == ']' {
		d.pos++
		v.Set(reflect.MakeSlice(v.Type(), 0, 0)) // [] is an empty slice, not a nil one
		return nil
	}
	v.SetLen(0)
	start := d.at(d.pos)
	for i := 0; ; i++ {
		if i == MaxListLength {
			return d.failf(d.at(d.pos), "more than %d entries", MaxListLength)
		}
		switch {
		case i == 1 && d.at(d.pos)-start >= 256 && len(d.path) <= 1:
			// A top-level list of large elements (operators, events):
			// guess the count from the first element's size and the bytes
			// left, so that a long list is allocated about once rather
			// than copied as it doubles. Only a list at the top (the
			// document, or a member of it) is guessed: the bytes left are
			// the rest of the document, not of the list, and a guess for
			// every nested list would let a document of n bytes allocate
			// in proportion to n squared. A schema has few top-level
			// lists, and each guess is at most the bytes left over 256.
			guess := int(min(d.left()/(d.at(d.pos)-start)+2, MaxListLength))
			grown := reflect.MakeSlice(v.Type(), i, guess)
			reflect.Copy(grown, v)
			v.Set(grown)
		case i < v.Cap():
		case i < 256:
			v.Grow(max(4, i)) // doubles, in place
		default:
			// Doubling still: past 256 elements reflect's Grow adds a
			// quarter, which copies a long list many times over.
			grown := reflect.MakeSlice(v.Type(), i, 2*i)
			reflect.Copy(grown, v)
			v.Set(grown)
		}
		v.SetLen(i + 1)
		d.path = append(d.path, step{index: i})
		if err := d.value(n.elem, v.Index(i)); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
		done, err := d.next(']', "array")
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// dict decodes an object keyed by data into the map v. A key written twice
// is a duplicate member, as in any other object.
func (d *decoder) dict(n *node, v reflect.Value) error {
	d.refill()
	if c := d.peek(); c != '{' {
		return d.wrongKind(&field{typ: v.Type()}, c)
	}
	d.pos++
	m := reflect.MakeMap(v.Type())
	keyType, elemType := v.Type().Key(), v.Type().Elem()
	d.refill()
	if d.peek() == '}' {
		d.pos++
		v.Set(m)
		return nil
	}
	for count := 0; ; count++ {
		if count == MaxListLength {
			return d.failf(d.at(d.pos), "more than %d entries", MaxListLength)
		}
		d.refill()
		if d.peek() != '"' {
			return d.invalid("before object name (expecting '\"')")
		}
		name, err := d.str()
		if err != nil {
			return err
		}
		key := reflect.ValueOf(name)
		if keyType != key.Type() {
			key = key.Convert(keyType)
		}
		d.path = append(d.path, step{name: name, index: -1})
		if m.MapIndex(key).IsValid() {
			d.failLater(d.at(d.pos), "duplicate member")
		}
		d.refill()
		if d.peek() != ':' {
			return d.invalid("after object name (expecting ':')")
		}
		d.pos++
		elem := reflect.New(elemType).Elem()
		if err := d.value(n.elem, elem); err != nil {
			return err
		}
		m.SetMapIndex(key, elem)
		d.path = d.path[:len(d.path)-1]
		done, err := d.next('}', "object")
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	v.Set(m)
	return nil
}

// str reads a string at d.pos and returns it unescaped.
func (d *decoder) str() (string, error) {
	b, err := d.strBytes()
	if err != nil {
		return "", err
	}
	return d.strings.intern(b), nil
}

// internTable is a direct-mapped cache of strings by hash: a string that
// hashes to a taken slot replaces it, so the table never grows and no input
// can make a lookup cost more than one comparison. Its length is a power
// of two.
type internTable []string

// Table sizes, in strings. A large table is 64 KiB: allocating and
// zeroing it is 16 pages to fault in, about 0.2 ms of a process that
// checks a 4 KB registry on the machine of docs/performance.md, where a
// fresh page costs about 12 µs to fault in. Documents below smallDocumentBytes (the
// shipped examples, each under 7 KB) use a table of one page; larger ones,
// such as a ten-signer session in the service, would lose strings to
// collisions in it.
const (
	largeInternTable   = 1 << 12
	smallInternTable   = 1 << 8
	smallDocumentBytes = 8 << 10
)

// internTables are reused from one decode to the next, without clearing:
// a string is immutable, so one kept from another document is as good as a
// new one, and a table holds at most 4,096 strings of 128 bytes. One pool
// for each size.
var internTables = [2]sync.Pool{
	{New: func() any { t := make(internTable, smallInternTable); return &t }},
	{New: func() any { t := make(internTable, largeInternTable); return &t }},
}

// internPool is the pool of tables for a document of size bytes; a size
// below 0 is not known.
func internPool(size int64) *sync.Pool {
	if size >= 0 && size < smallDocumentBytes {
		return &internTables[0]
	}
	return &internTables[1]
}

// internMax is the longest string interned: longer values are rarely
// repeated.
const internMax = 128

var internSeed = maphash.MakeSeed()

func (t *internTable) intern(b []byte) string {
	if len(b) > internMax {
		return string(b)
	}
	slot := &(*t)[maphash.Bytes(internSeed, b)&uint64(len(*t)-1)]
	if *slot == string(b) { // compared without a copy
		return *slot
	}
	*slot = string(b)
	return *slot
}

// strBytes reads a string at d.pos and returns it unescaped, in bytes
// that are valid until the next read. Strings must be valid UTF-8, with no
// control characters and no escaped lone surrogates.
func (d *decoder) strBytes() ([]byte, error) {
	start := d.pos
	i := start + 1
	// The common case: ASCII without escapes, read in place. In a streamed
	// document, a string that is not, or that the window cuts, is first
	// brought whole into the window.
	for lookedAhead := d.stream == nil; ; lookedAhead = true {
		for i < len(d.data) && plain[d.data[i]] {
			i++
		}
		if i < len(d.data) && d.data[i] == '"' {
			d.pos = i + 1
			return d.data[start+1 : i], nil
		}
		if lookedAhead {
			break
		}
		d.lookaheadString()
		i -= start - d.pos // the window slid by what it dropped
		start = d.pos
	}
	b := append(d.buf[:0], d.data[start+1:i]...)
	for {
		if i >= len(d.data) {
			return nil, d.eof()
		}
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.buf = b
			return b, nil
		case c < ' ':
			d.pos = i
			return nil, d.invalid("in string (expecting non-control character)")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, d.failf(d.at(i), "invalid UTF-8 within string")
			}
			b = append(b, d.data[i:i+size]...)
			i += size
		case c != '\\':
			b = append(b, c)
			i++
		default:
			if i+1 >= len(d.data) {
				return nil, d.eof()
			}
			switch e := d.data[i+1]; {
			case unescape[e] != 0:
				b = append(b, unescape[e])
				i += 2
			case e == 'u':
				r, err := d.hex4(i)
				if err != nil {
					return nil, err
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if r < 0xdc00 && i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						if r2, err = d.hex4(i); err != nil {
							return nil, err
						}
					}
					dec := utf16.DecodeRune(r, r2)
					if dec == utf8.RuneError {
						return nil, d.failf(d.at(i-6), "invalid surrogate pair in string")
					}
					r = dec
					i += 6
				}
				b = utf8.AppendRune(b, r)
			default:
				return nil, d.failf(d.at(i), "invalid escape sequence %q in string", d.data[i:i+2])
			}
		}
	}
}

// unescape maps the byte after a backslash to the byte it stands for; 0
// for \u, which stands for a code point, and for what is not an escape.
var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 reads the four hex digits of the \u escape at i.
func (d *decoder) hex4(i int) (rune, error) {
	if i+6 > len(d.data) {
		return 0, d.eof()
	}
	var r rune
	for _, c := range d.data[i+2 : i+6] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, d.failf(d.at(i), "invalid escape sequence %q in string", d.data[i:i+6])
		}
	}
	return r, nil
}

// number reads a JSON number at d.pos. ok says whether it is a plain
// unsigned integer that fits in bits; u is its value then.
func (d *decoder) number(bits int) (u uint64, ok bool, err error) {
	if d.stream != nil {
		d.lookaheadNumber()
	}
	i := d.pos
	ok = true
	if d.data[i] == '-' {
		ok = false
		i++
	}
	switch {
	case i >= len(d.data):
		d.pos = i
		return 0, false, d.eof()
	case d.data[i] == '0':
		i++
	case d.data[i] >= '1' && d.data[i] <= '9':
		limit := uint64(1)<<bits - 1 // a shift by 64 is 0: the limit is then every bit
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			digit := uint64(d.data[i] - '0')
			if u > (limit-digit)/10 {
				ok = false
			}
			u = u*10 + digit
			i++
		}
	default:
		d.pos = i
		return 0, false, d.invalid("in number (expecting digit)")
	}
	if i < len(d.data) && d.data[i] == '.' {
		ok = false
		if i, err = d.digits(i + 1); err != nil {
			return 0, false, err
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		ok = false
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if i, err = d.digits(i); err != nil {
			return 0, false, err
		}
	}
	d.pos = i
	if !ok {
		u = 0
	}
	return u, ok, nil
}

// digits reads the one or more digits of a fraction or an exponent from i,
// and returns where they end.
func (d *decoder) digits(i int) (int, error) {
	if i >= len(d.data) || d.data[i] < '0' || d.data[i] > '9' {
		d.pos = i
		return i, d.invalid("in number (expecting digit)")
	}
	for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
		i++
	}
	return i, nil
}

const maxSkipDepth = 10000

// skip reads past the next value, at nesting depth, checking its syntax,
// for other. Nesting is bounded, as json v2 bounds it.
func (d *decoder) skip(depth int) error {
	if depth > maxSkipDepth {
		return d.failf(d.at(d.pos), "exceeded max depth")
	}
	d.refill()
	switch c := d.peek(); {
	case d.pos == len(d.data):
		return d.eof()
	case c == '"':
		_, err := d.strBytes() // checked, not kept
		return err
	case c == 'n':
		return d.literal("null")
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == '-' || c >= '0' && c <= '9':
		_, _, err := d.number(64)
		return err
	case c == '[':
		d.pos++
		d.refill()
		if d.peek() == ']' {
			d.pos++
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if done, err := d.next(']', "array"); done || err != nil {
				return err
			}
		}
	case c == '{':
		d.pos++
		d.refill()
		if d.peek() == '}' {
			d.pos++
			return nil
		}
		names := map[string]bool{}
		for {
			d.refill()
			if d.peek() != '"' {
				return d.invalid("before object name (expecting '\"')")
			}
			name, err := d.strBytes()
			if err != nil {
				return err
			}
			if names[string(name)] {
				return d.fail(d.at(d.pos), "duplicate member")
			}
			names[string(name)] = true
			d.refill()
			if d.peek() != ':' {
				return d.invalid("after object name (expecting ':')")
			}
			d.pos++
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if done, err := d.next('}', "object"); done || err != nil {
				return err
			}
		}
	default:
		return d.invalid("at start of value")
	}
}
