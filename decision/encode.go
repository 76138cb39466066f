package decision

import (
	"io"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Marshal returns d as the contract prints it: one JSON object, members in
// the order decision, reasons, validated_at_unix, two-space indentation and
// a trailing newline, the layout of the reference's serde_json pretty
// printer. Like serde_json, it escapes only what JSON requires, so details
// keep '<', '>' and '&' as they are.
func (d Decision) Marshal() ([]byte, error) {
	if d.Reasons == nil {
		d.Reasons = []Reason{} // the contract prints [] for no reasons, never null
	}
	return MarshalIndent(d)
}

// MarshalIndent renders any teegate output the way Marshal renders a
// decision, for outputs that extend the contract, such as the session
// gate's.
func MarshalIndent(v any) ([]byte, error) {
	b, err := json.Marshal(v,
		jsontext.WithIndent("  "),
		jsontext.SpaceAfterColon(true),
		jsontext.EscapeForHTML(false),
		jsontext.EscapeForJS(false),
	)
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
