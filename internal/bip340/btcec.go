package bip340

import (
	"sync/atomic"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// The btcec backend. It is compiled in every build: it is the default, and
// the libsecp256k1 build's differential test checks against it.

type btcecKey struct{ k *btcec.PublicKey }

func btcecParse(x *[PublicKeySize]byte) (btcecKey, bool) {
	k, err := schnorr.ParsePubKey(x[:])
	if err != nil {
		return btcecKey{}, false
	}
	return btcecKey{k}, true
}

// coldVerifies is how many verifications a process makes before it uses
// btcec's own Verify. That computes s·G from a table of base-point
// multiples which decred's secp256k1 decompresses on its first use: about
// 15 ms on the machine of docs/performance.md, more than all the rest of a
// `teegate check token`. Until then s·G is a general scalar
// multiplication, which costs about 200 µs more per signature there
// (BenchmarkVerifyCold against BenchmarkVerifyTable), so the table pays
// for itself after about 75 signatures; a long-running service passes
// this bound in its first requests.
const coldVerifies = 64

var verifies atomic.Int64

// btcecVerify does not check s < n (see checkRanges); it does refuse
// r >= p.
func btcecVerify(pk *btcecKey, sig *[SignatureSize]byte, digest *[DigestSize]byte) bool {
	if verifies.Add(1) <= coldVerifies {
		return btcecVerifyCold(pk, sig, digest)
	}
	return btcecVerifyTable(pk, sig, digest)
}

func btcecVerifyTable(pk *btcecKey, sig *[SignatureSize]byte, digest *[DigestSize]byte) bool {
	s, err := schnorr.ParseSignature(sig[:])
	return err == nil && s.Verify(digest[:], pk.k)
}

// generator is G, the secp256k1 base point, in affine coordinates (SEC 2,
// section 2.4.1). It is built from its coordinates because btcec's
// GeneratorJacobian computes 1·G through the table.
var generator = func() btcec.JacobianPoint {
	var g btcec.JacobianPoint
	g.X.SetByteSlice([]byte{
		0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07,
		0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98,
	})
	g.Y.SetByteSlice([]byte{
		0x48, 0x3a, 0xda, 0x77, 0x26, 0xa3, 0xc4, 0x65, 0x5d, 0xa4, 0xfb, 0xfc, 0x0e, 0x11, 0x08, 0xa8,
		0xfd, 0x17, 0xb4, 0x48, 0xa6, 0x85, 0x54, 0x19, 0x9c, 0x47, 0xd0, 0x8f, 0xfb, 0x10, 0xd4, 0xb8,
	})
	g.Z.SetInt(1)
	return g
}()

// btcecVerifyCold is BIP-340 verification (the BIP's steps, as btcec's
// schnorrVerify does them) with s·G computed without the table. P comes
// from btcecParse, which lifted x to the point with even y. Like
// btcecVerifyTable it refuses r >= p and leaves s >= n to checkRanges:
// SetByteSlice reduces s modulo n.
func btcecVerifyCold(pk *btcecKey, sig *[SignatureSize]byte, digest *[DigestSize]byte) bool {
	var r btcec.FieldVal
	if r.SetByteSlice(sig[:32]) { // r >= p
		return false
	}
	var s btcec.ModNScalar
	s.SetByteSlice(sig[32:])

	// e = int(hash_BIP0340/challenge(bytes(r) || bytes(P) || m)) mod n,
	// negated so that R = s·G + (-e)·P is one addition.
	h := chainhash.TaggedHash(chainhash.TagBIP0340Challenge, sig[:32], schnorr.SerializePubKey(pk.k), digest[:])
	var e btcec.ModNScalar
	e.SetBytes((*[32]byte)(h))
	e.Negate()

	var p, sG, eP, rPoint btcec.JacobianPoint
	pk.k.AsJacobian(&p)
	g := generator
	btcec.ScalarMultNonConst(&s, &g, &sG)
	btcec.ScalarMultNonConst(&e, &p, &eP)
	btcec.AddNonConst(&sG, &eP, &rPoint)

	// Fail if R is infinite, if its y is odd, or if its x is not r.
	if (rPoint.X.IsZero() && rPoint.Y.IsZero()) || rPoint.Z.IsZero() {
		return false
	}
	rPoint.ToAffine()
	return !rPoint.Y.IsOdd() && r.Equals(&rPoint.X)
}
