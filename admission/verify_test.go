package admission

import (
	"errors"
	"strings"
	"testing"

	"github.com/teegate/teegate/internal/bip340/vectors"
)

// The BIP-340 verification vectors run through ParsePubKey and Verify, as
// hex, the same path CheckToken uses.
func TestBIP340Vectors(t *testing.T) {
	for _, v := range vectors.All(t) {
		t.Run("vector-"+v.Index, func(t *testing.T) {
			pk, err := ParsePubKey(v.KeyHex)
			if err == nil {
				err = Verify(pk, v.SigHex, v.Digest)
			}
			if got := err == nil; got != v.Valid {
				t.Fatalf("verified = %v (%v), want %v; %s", got, err, v.Valid, v.Comment)
			}
		})
	}
}

func TestParsePubKeyErrors(t *testing.T) {
	good := testKeys["key-a"].PubKeyHex()
	for _, tc := range []struct {
		in   string
		want error
	}{
		{"", ErrPubkeyEmpty},
		{" \t", ErrPubkeyEmpty},
		{"0x" + good, ErrPubkeyHex},
		{good[:63], ErrPubkeyHex},
		{good + "00", ErrPubkeyLength},
		{"REPLACE_WITH_XONLY_PUBKEY_HEX", ErrPubkeyHex},
		{strings.Repeat("ff", 32), ErrPubkeyNotOnCurve}, // x >= p
	} {
		if _, err := ParsePubKey(tc.in); !errors.Is(err, tc.want) {
			t.Errorf("ParsePubKey(%q) = %v, want %v", tc.in, err, tc.want)
		}
	}
	pk, err := ParsePubKey(" " + strings.ToUpper(good) + "\n")
	if err != nil || pk.Hex != good {
		t.Errorf("upper case with spaces: %v, %q; want canonical %q", err, pk.Hex, good)
	}
}

func TestVerifyErrors(t *testing.T) {
	pk, _ := ParsePubKey(testKeys["key-a"].PubKeyHex())
	digest := PayloadDigest("{}")
	sig, err := signDigest(testKeys["key-a"], digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(pk, sig, digest); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	other := PayloadDigest("{} ") // trimmed: the same digest
	if other != digest {
		t.Fatal("PayloadDigest does not trim")
	}
	for _, tc := range []struct {
		sig  string
		want error
	}{
		{"zz" + sig[2:], ErrSignatureHex},
		{sig[:126], ErrSignatureLength},
		{sig[:64] + strings.Repeat("f", 64), ErrSignatureInvalid}, // s >= n
		{sig[:127] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", sig[127])+1)%16]), ErrSignatureInvalid},
	} {
		if err := Verify(pk, tc.sig, digest); !errors.Is(err, tc.want) {
			t.Errorf("Verify(%s…) = %v, want %v", tc.sig[:8], err, tc.want)
		}
	}
	if err := Verify(pk, sig, PayloadDigest("{\"a\":1}")); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("other message: %v", err)
	}
	if err := Verify(PubKey{}, sig, digest); !errors.Is(err, ErrSignatureInvalid) {
		t.Errorf("zero PubKey: %v", err)
	}

	// The messages are the reason details of CheckToken, so they must not
	// depend on the verification backend: CI runs this test on both.
	const p = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"
	const n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
	for _, tc := range []struct{ sig, want string }{
		{p + sig[64:], "signature does not verify: r is not below the field prime"},
		{sig[:64] + n, "signature does not verify: s is not below the group order"},
		{sig[:64] + sig[:64], "signature does not verify"},
		{sig[:62], "signature is not 64 bytes (31 bytes)"},
	} {
		if err := Verify(pk, tc.sig, digest); err == nil || err.Error() != tc.want {
			t.Errorf("Verify(%s…) = %v, want %q", tc.sig[:8], err, tc.want)
		}
	}
}
