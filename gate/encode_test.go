package gate

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/teegate/teegate/decision"
)

// TestMarshalMatchesReflection holds Result.Marshal, written token by
// token, to json.Marshal's rendering of the same result through its
// struct tags (decision.MarshalIndent), byte for byte, with and without
// signers, over texts that need escaping and texts that are not UTF-8.
func TestMarshalMatchesReflection(t *testing.T) {
	texts := []string{"", "op-1", "a <b> & \"c\" \\", "\x00\x1f", "\u2028", "é 漢字", "\xff", "\ufffd"}
	layers := []Layer{LayerToken, LayerRuntime, LayerEnforcement, LayerService}
	outcomes := []decision.Outcome{decision.Allow, decision.AllowWithWarnings, decision.Reject}
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func() string { return texts[rng.IntN(len(texts))] }
	for i := range 2000 {
		r := Result{Outcome: outcomes[rng.IntN(len(outcomes))], ValidatedAtUnix: rng.Uint64() >> rng.IntN(64)}
		if n := rng.IntN(5); n > 0 {
			r.Reasons = make([]Reason, n-1)
			for j := range r.Reasons {
				r.Reasons[j] = Reason{Layer: layers[rng.IntN(len(layers))], Signer: pick(), Code: decision.Code(pick()), Detail: pick()}
			}
		}
		got, gotErr := r.Marshal()
		ref := r
		if ref.Reasons == nil {
			ref.Reasons = []Reason{}
		}
		want, wantErr := decision.MarshalIndent(ref)
		if (gotErr != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("result %d %+v:\nMarshal: %q, %v\nreflection: %q, %v", i, r, got, gotErr, want, wantErr)
		}
	}
}
