package decision

import (
	"io"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/internal/jsonout"
)

// Marshal returns d as the contract prints it: one JSON object, members in
// the order decision, reasons, validated_at_unix (session_id after
// decision when set), in the layout of the reference's serde_json pretty
// printer, with a trailing newline. Reasons print as [] when there are
// none, never null.
//
// It writes d token by token (jsonout.Tokens), not through json.Marshal's
// reflection; the output is the same byte for byte
// (TestMarshalMatchesReflection).
func (d Decision) Marshal() ([]byte, error) {
	return jsonout.Tokens(func(w *jsonout.Writer) {
		w.Decision(string(d.Outcome), d.SessionID, len(d.Reasons), func(i int) {
			w.Member("code", string(d.Reasons[i].Code))
			w.Member("detail", d.Reasons[i].Detail)
		}, d.ValidatedAtUnix)
	})
}

// MarshalIndent renders any teegate output the way Marshal renders a
// decision, through json.Marshal, for outputs that extend the contract
// and are not printed by the checks, such as the service's answers.
func MarshalIndent(v any) ([]byte, error) {
	b, err := json.Marshal(v, jsonout.Layout()...)
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
