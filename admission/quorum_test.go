package admission

import (
	"slices"
	"testing"

	"github.com/teegate/teegate/decision"
)

// During a rotation one verifier instance holds two keys. Its two
// signatures must not count as two verifiers: with threshold_m 3, instance
// A's two keys and instance B's key are three valid signatures from two
// instances, which is not a quorum (deliberate difference 5; the reference,
// counting key ids, would allow).
func TestOneInstanceWithTwoKeysCannotMakeAQuorum(t *testing.T) {
	f := validFixture()
	f.ks.ThresholdM = 3
	f.ks.Keys = []VerifierKey{
		key("key-a", "inst-a", "root-1"),
		key("key-a2", " INST-A", "root-3"), // the same instance, normalised
		key("key-b", "inst-b", "root-2"),
		key("key-c", "inst-c", "root-2"),
	}
	f.payload.VerifierKeyIDs = []string{"key-a", "key-a2", "key-b", "key-c"}
	f.signers = []string{"key-a", "key-a2", "key-b"}
	d := f.check(t)
	if got := d.Codes(); !slices.Equal(got, []decision.Code{CodeTokenSignatureQuorumNotMet}) {
		t.Fatalf("codes %v, want only %s", got, CodeTokenSignatureQuorumNotMet)
	}
	// A third instance makes the quorum.
	f.signers = append(f.signers, "key-c")
	if d := f.check(t); len(d.Reasons) != 0 {
		t.Fatalf("three instances: %v", d.Reasons)
	}
}

// Revocation keys that collide after normalisation: the earliest
// revocation stands, whatever the map's iteration order.
func TestCollidingRevocationKeysAreAllRevoked(t *testing.T) {
	f := validFixture()
	f.rev.RevokedTokenIDs = map[string]RevocationRecord{
		"tok-1":  {RevokedAtUnix: testNow + 1000, Reason: "scheduled"},
		"TOK-1 ": {RevokedAtUnix: testNow - 1, Reason: "compromised"},
		" Tok-1": {RevokedAtUnix: testNow + 5},
	}
	f.rev.RevokedVerifierKeyIDs = map[string]RevocationRecord{
		"key-c": {RevokedAtUnix: testNow + 1000},
		"KEY-C": {RevokedAtUnix: testNow - 1, Reason: "host lost"},
	}
	tok := f.token(t)
	var first decision.Decision
	for i := range 50 {
		d := CheckToken(f.reg, f.ks, tok, f.rev, testNow)
		want := []decision.Code{CodeTokenIDRevoked, CodeTokenSignatureKeyRevoked}
		if !slices.Equal(d.Codes(), want) {
			t.Fatalf("run %d: codes %v, want %v", i, d.Codes(), want)
		}
		if i == 0 {
			first = d
		} else if !slices.Equal(d.Reasons, first.Reasons) {
			t.Fatalf("run %d differs:\n%v\n%v", i, d.Reasons, first.Reasons)
		}
	}
}

// At most one signature is verified per declared key id: a token padded
// with thousands of entries costs no more verification than a clean one.
func TestSignatureWorkIsBoundedByDeclaredKeys(t *testing.T) {
	f := validFixture()
	f.editToken = func(tok *Token) {
		pad := tok.Signatures[0]
		pad.SignatureHex = "00" + pad.SignatureHex[2:]
		for range 5000 {
			tok.Signatures = append(tok.Signatures, pad)
		}
	}
	d := f.check(t)
	if len(d.Reasons) != 5000 || d.Has(CodeTokenSignatureVerificationFailed) {
		t.Fatalf("%d reasons; want 5000 duplicates and no verification", len(d.Reasons))
	}
}
