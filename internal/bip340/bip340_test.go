package bip340

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/teegate/teegate/internal/bip340/vectors"
)

// verifyBytes is ParsePublicKey then Verify.
func verifyBytes(x *[PublicKeySize]byte, sig *[SignatureSize]byte, digest *[DigestSize]byte) error {
	pk, ok := ParsePublicKey(x)
	if !ok {
		return errors.New("key does not parse")
	}
	return Verify(pk, sig, digest)
}

func TestVectors(t *testing.T) {
	for _, v := range vectors.All(t) {
		if err := verifyBytes(&v.Key, &v.Sig, &v.Digest); (err == nil) != v.Valid {
			t.Errorf("%s: vector %s: %v, want valid=%v (%s)", Backend, v.Index, err, v.Valid, v.Comment)
		}
	}
}

// sign makes a valid signature by the secret key over digest with btcec.
func sign(t testing.TB, secret []byte, digest *[DigestSize]byte) (x [PublicKeySize]byte, sig [SignatureSize]byte) {
	t.Helper()
	priv, _ := btcec.PrivKeyFromBytes(secret) // reduced mod n
	s, err := schnorr.Sign(priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	copy(x[:], schnorr.SerializePubKey(priv.PubKey()))
	copy(sig[:], s.Serialize())
	return x, sig
}

// testSignature is a valid signature by a fixed key over a fixed digest.
func testSignature(t testing.TB) (x [PublicKeySize]byte, sig [SignatureSize]byte, digest [DigestSize]byte) {
	t.Helper()
	copy(digest[:], "teegate bip340 test digest 32 by")
	x, sig = sign(t, []byte("teegate bip340 test key 32 bytes"), &digest)
	return x, sig, digest
}

func mustHex32(t testing.TB, s string) (b [32]byte) {
	t.Helper()
	if n, err := hex.Decode(b[:], []byte(s)); err != nil || n != 32 {
		t.Fatalf("%q is not 32 bytes of hex", s)
	}
	return b
}

const (
	pHex = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f"
	nHex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"
)

// The range checks name r >= p and s >= n in both builds, and a value just
// below the bound reaches the backend and fails there.
func TestVerifyRanges(t *testing.T) {
	x, valid, digest := testSignature(t)
	if err := verifyBytes(&x, &valid, &digest); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	p, n := mustHex32(t, pHex), mustHex32(t, nHex)
	pMinus1, nMinus1 := p, n
	pMinus1[31]--
	nMinus1[31]--
	for _, tc := range []struct {
		name string
		r, s *[32]byte
		want error
	}{
		{"r = p", &p, nil, ErrROutOfRange},
		{"r = 2^256-1", &allFF, nil, ErrROutOfRange},
		{"r = p-1", &pMinus1, nil, ErrInvalid},
		{"s = n", nil, &n, ErrSOutOfRange},
		{"s = 2^256-1", nil, &allFF, ErrSOutOfRange},
		{"s = n-1", nil, &nMinus1, ErrInvalid},
		{"r = p and s = n", &p, &n, ErrROutOfRange},
	} {
		sig := valid
		if tc.r != nil {
			copy(sig[:32], tc.r[:])
		}
		if tc.s != nil {
			copy(sig[32:], tc.s[:])
		}
		if err := verifyBytes(&x, &sig, &digest); err != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

var allFF = [32]byte{
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
}

func TestBelow(t *testing.T) {
	p := mustHex32(t, pHex)
	less, more := p, p
	less[31]--
	more[31]++
	for _, tc := range []struct {
		a    [32]byte
		want bool
	}{{less, true}, {p, false}, {more, false}, {[32]byte{}, true}} {
		if got := below(&tc.a, &p); got != tc.want {
			t.Errorf("below(%x, p) = %v, want %v", tc.a, got, tc.want)
		}
	}
}

func TestParsePublicKey(t *testing.T) {
	x, _, _ := testSignature(t)
	for _, tc := range []struct {
		name string
		x    [32]byte
		want bool
	}{
		{"a real key", x, true},
		{"x = 0 (7 has no square root mod p)", [32]byte{}, false},
		{"x = 1", [32]byte{31: 1}, true},
		{"x = p", mustHex32(t, pHex), false},
		{"x = 2^256-1", allFF, false},
	} {
		if _, ok := ParsePublicKey(&tc.x); ok != tc.want {
			t.Errorf("%s: parsed = %v, want %v", tc.name, ok, tc.want)
		}
	}
}

// The zero PublicKey is no key. On libsecp256k1 reaching the library with
// it would abort the process, so this test matters most there.
func TestZeroPublicKey(t *testing.T) {
	_, sig, digest := testSignature(t)
	if err := Verify(PublicKey{}, &sig, &digest); err != ErrInvalid {
		t.Fatalf("zero key: %v, want ErrInvalid", err)
	}
}
