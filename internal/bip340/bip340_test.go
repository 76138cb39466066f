package bip340

import (
	"encoding/csv"
	"encoding/hex"
	"errors"
	"os"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
)

// vector is one row of the official BIP-340 verification vectors.
type vector struct {
	index, comment string
	key            [PublicKeySize]byte
	digest         [DigestSize]byte
	sig            [SignatureSize]byte
	valid          bool
}

// readVectors reads the 15 BIP-340 vectors with 32-byte messages that
// admission keeps (see admission/verify_test.go for their provenance).
func readVectors(t testing.TB) []vector {
	t.Helper()
	f, err := os.Open("../../admission/testdata/bip340-vectors.csv")
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
	var out []vector
	for _, row := range rows[1:] {
		v := vector{index: row[0], valid: row[4] == "TRUE", comment: row[5]}
		for _, f := range []struct {
			dst []byte
			hex string
		}{{v.key[:], row[1]}, {v.digest[:], row[2]}, {v.sig[:], row[3]}} {
			if n, err := hex.Decode(f.dst, []byte(f.hex)); err != nil || n != len(f.dst) {
				t.Fatalf("vector %s: %q is not %d bytes of hex", v.index, f.hex, len(f.dst))
			}
		}
		out = append(out, v)
	}
	return out
}

// verifyBytes is ParsePublicKey then Verify.
func verifyBytes(x *[PublicKeySize]byte, sig *[SignatureSize]byte, digest *[DigestSize]byte) error {
	pk, ok := ParsePublicKey(x)
	if !ok {
		return errors.New("key does not parse")
	}
	return Verify(pk, sig, digest)
}

func TestVectors(t *testing.T) {
	for _, v := range readVectors(t) {
		if err := verifyBytes(&v.key, &v.sig, &v.digest); (err == nil) != v.valid {
			t.Errorf("%s: vector %s: %v, want valid=%v (%s)", Backend, v.index, err, v.valid, v.comment)
		}
	}
}

// testSignature is a valid signature by a fixed key over a fixed digest.
func testSignature(t testing.TB) (x [PublicKeySize]byte, sig [SignatureSize]byte, digest [DigestSize]byte) {
	t.Helper()
	priv, _ := btcec.PrivKeyFromBytes([]byte("teegate bip340 test key 32 bytes"))
	copy(digest[:], "teegate bip340 test digest 32 by")
	s, err := schnorr.Sign(priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	copy(x[:], schnorr.SerializePubKey(priv.PubKey()))
	copy(sig[:], s.Serialize())
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
