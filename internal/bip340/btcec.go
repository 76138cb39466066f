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
// 13 ms on the machine of docs/performance.md, more than all the rest of a
// `teegate check token`. Until then s·G comes from baseTable, the
// binary's own table of 4-bit windows: a verification costs about 9 µs
// more there (BenchmarkVerifyCold, 143 µs, against BenchmarkVerifyTable,
// 134 µs), so btcec's table pays for itself after about 1,500. Switching
// there costs a process at most twice what the better choice would have,
// whatever number it goes on to verify: a check or a gate of a few
// hundred signatures never loads the table, and a service loads it in its
// first minutes.
const coldVerifies = 1500

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

// btcecVerifyCold is BIP-340 verification (the BIP's steps, as btcec's
// schnorrVerify does them) with s·G computed from baseTable rather than
// btcec's table. P comes from btcecParse, which lifted x to the point with
// even y. Like btcecVerifyTable it refuses r >= p and leaves s >= n to
// checkRanges: SetByteSlice reduces s modulo n.
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
	baseMultNonConst(&s, &sG)
	btcec.ScalarMultNonConst(&e, &p, &eP)
	btcec.AddNonConst(&sG, &eP, &rPoint)

	// Fail if R is infinite, if its y is odd, or if its x is not r.
	if (rPoint.X.IsZero() && rPoint.Y.IsZero()) || rPoint.Z.IsZero() {
		return false
	}
	rPoint.ToAffine()
	return !rPoint.Y.IsOdd() && r.Equals(&rPoint.X)
}
