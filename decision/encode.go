package decision

import (
	"bytes"
	"io"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// layout is the contract's output layout: two-space indentation, a space
// after each colon and, like the reference's serde_json, only what JSON
// requires escaped, so details keep '<', '>' and '&' as they are.
func layout() []jsontext.Options {
	return []jsontext.Options{
		jsontext.WithIndent("  "),
		jsontext.SpaceAfterColon(true),
		jsontext.EscapeForHTML(false),
		jsontext.EscapeForJS(false),
	}
}

// Marshal returns d as the contract prints it: one JSON object, members in
// the order decision, reasons, validated_at_unix (session_id after
// decision when set), in the layout of the reference's serde_json pretty
// printer, with a trailing newline. Reasons print as [] when there are
// none, never null.
//
// It writes d token by token rather than through json.Marshal, which
// reflects over the types on first use: in a check's process that cost
// more than the rest of printing (docs/performance.md). The output is the
// same byte for byte (TestMarshalMatchesReflection).
func (d Decision) Marshal() ([]byte, error) {
	return Tokens(func(w *Writer) {
		w.Begin()
		w.Member("decision", string(d.Outcome))
		if d.SessionID != "" {
			w.Member("session_id", d.SessionID)
		}
		w.Name("reasons")
		w.BeginArray()
		for _, r := range d.Reasons {
			w.Begin()
			w.Member("code", string(r.Code))
			w.Member("detail", r.Detail)
			w.End()
		}
		w.EndArray()
		w.Name("validated_at_unix")
		w.Uint(d.ValidatedAtUnix)
		w.End()
	})
}

// Writer writes one output token by token in the contract's layout. It
// keeps the first error and ignores every write after it, so that a
// writing function reads as the output it makes; Tokens returns the
// error.
type Writer struct {
	enc *jsontext.Encoder
	err error
}

func (w *Writer) token(t jsontext.Token) {
	if w.err == nil {
		w.err = w.enc.WriteToken(t)
	}
}

// Begin opens an object; End closes it.
func (w *Writer) Begin() { w.token(jsontext.BeginObject) }

// End closes the object Begin opened.
func (w *Writer) End() { w.token(jsontext.EndObject) }

// BeginArray opens an array; EndArray closes it.
func (w *Writer) BeginArray() { w.token(jsontext.BeginArray) }

// EndArray closes the array BeginArray opened.
func (w *Writer) EndArray() { w.token(jsontext.EndArray) }

// Name writes a member's name; its value comes next.
func (w *Writer) Name(name string) { w.token(jsontext.String(name)) }

// String writes a string value. Text that is not valid UTF-8 is an error,
// as it is for json.Marshal.
func (w *Writer) String(s string) { w.token(jsontext.String(s)) }

// Uint writes an unsigned integer value.
func (w *Writer) Uint(n uint64) { w.token(jsontext.Uint(n)) }

// Member writes a member whose value is a string.
func (w *Writer) Member(name, value string) {
	w.Name(name)
	w.String(value)
}

// Tokens returns the output that write writes, in the layout Marshal
// uses, with a trailing newline, or the first error met writing it.
func Tokens(write func(*Writer)) ([]byte, error) {
	var buf bytes.Buffer
	w := Writer{enc: jsontext.NewEncoder(&buf, layout()...)}
	write(&w)
	if w.err != nil {
		return nil, w.err
	}
	// The encoder ends each top-level value with a newline: the contract's.
	return buf.Bytes(), nil
}

// MarshalIndent renders any teegate output the way Marshal renders a
// decision, through json.Marshal, for outputs that extend the contract
// and are not printed by the checks, such as the service's answers.
func MarshalIndent(v any) ([]byte, error) {
	b, err := json.Marshal(v, layout()...)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Encode writes d to w as Marshal formats it.
func (d Decision) Encode(w io.Writer) error {
	b, err := d.Marshal()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
