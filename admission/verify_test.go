package admission

import (
	"encoding/csv"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
)

// The BIP-340 verification vectors (bips/bip-0340/test-vectors.csv, the 15
// with 32-byte messages: teegate only ever signs a SHA-256 digest) run
// through ParsePubKey and Verify, the same path CheckToken uses. The file
// was checked field by field against an independent copy, the test vectors
// shipped in the npm package bip-schnorr 0.6.7.
func TestBIP340Vectors(t *testing.T) {
	f, err := os.Open("testdata/bip340-vectors.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 16 {
		t.Fatalf("%d rows, want a header and 15 vectors", len(rows))
	}
	for _, row := range rows[1:] {
		index, pub, msg, sig, want, comment := row[0], row[1], row[2], row[3], row[4] == "TRUE", row[5]
		t.Run("vector-"+index, func(t *testing.T) {
			var digest [32]byte
			if n, err := hex.Decode(digest[:], []byte(msg)); err != nil || n != 32 {
				t.Fatalf("message %s: %v", msg, err)
			}
			pk, err := ParsePubKey(pub)
			if err == nil {
				err = Verify(pk, sig, digest)
			}
			if got := err == nil; got != want {
				t.Fatalf("verified = %v (%v), want %v; %s", got, err, want, comment)
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
}

// The messages are the reason details of CheckToken, so they must not
// depend on the verification backend: CI runs this test on both.
func TestVerifyErrorText(t *testing.T) {
	pk, _ := ParsePubKey(testKeys["key-a"].PubKeyHex())
	digest := PayloadDigest("{}")
	sig, err := signDigest(testKeys["key-a"], digest)
	if err != nil {
		t.Fatal(err)
	}
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
