//go:build libsecp256k1

package bip340

import (
	"math/rand/v2"
	"testing"

	"github.com/teegate/teegate/internal/bip340/vectors"
)

// differ runs inputs through both backends and counts what it saw, so that
// the test can also show its inputs were not all of one kind.
type differ struct {
	t                          *testing.T
	keys, keysParsed           int
	verifies, verified, ranged int
}

// check runs one input through both backends: parse, raw verify, and
// this package's Verify against btcec behind the same range checks. It
// reports whether the signature verified.
func (d *differ) check(what string, x *[PublicKeySize]byte, sig *[SignatureSize]byte, digest *[DigestSize]byte) bool {
	d.t.Helper()
	bk, sk, ok := d.parse(what, x)
	if !ok {
		return false
	}
	d.verifies++
	bv, sv := btcecVerify(&bk, sig, digest), secpVerify(&sk, sig, digest)
	if bv != sv {
		d.t.Errorf("%s: key %x sig %x digest %x: btcec says %v, libsecp256k1 says %v", what, x, sig, digest, bv, sv)
	}
	rangeErr := checkRanges(sig)
	if rangeErr != nil {
		d.ranged++
	}
	viaAPI := Verify(PublicKey{k: sk, ok: true}, sig, digest) == nil
	if want := rangeErr == nil && bv; viaAPI != want {
		d.t.Errorf("%s: key %x sig %x digest %x: Verify says %v, btcec with range checks %v", what, x, sig, digest, viaAPI, want)
	}
	if sv {
		d.verified++
	}
	return sv
}

// parse parses x on both backends and reports whether both accept it.
func (d *differ) parse(what string, x *[PublicKeySize]byte) (btcecKey, secpKey, bool) {
	d.t.Helper()
	d.keys++
	bk, bok := btcecParse(x)
	sk, sok := secpParse(x)
	if bok != sok {
		d.t.Errorf("%s: key %x parses on btcec: %v, on libsecp256k1: %v", what, x, bok, sok)
		return bk, sk, false
	}
	if bok {
		d.keysParsed++
	}
	return bk, sk, bok
}

func flip(b []byte, bit int) { b[bit/8] ^= 1 << (bit % 8) }

// signed is a random key's valid signature over a random digest.
func signed(t *testing.T, rng *rand.Rand) (x [32]byte, sig [64]byte, digest [32]byte) {
	t.Helper()
	var secret [32]byte
	fill(rng, secret[:])
	fill(rng, digest[:])
	x, sig = sign(t, secret[:], &digest)
	return x, sig, digest
}

// bits picks n bit positions below size at random, or all of them.
func bits(rng *rand.Rand, n, size int, all bool) []int {
	if all {
		n = size
	}
	out := make([]int, n)
	for i := range out {
		out[i] = i
		if !all {
			out[i] = rng.IntN(size)
		}
	}
	return out
}

func fill(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

// TestDifferential: libsecp256k1 and btcec agree on the BIP-340 vectors and
// on thousands of valid, corrupted and random keys and signatures.
func TestDifferential(t *testing.T) {
	if Backend != "libsecp256k1" {
		t.Fatalf("the libsecp256k1 tag selected backend %q", Backend)
	}
	d := &differ{t: t}
	rng := rand.New(rand.NewPCG(8, 340)) // fixed: a failure reproduces

	for _, v := range vectors.All(t) {
		if got := d.check("vector "+v.Index, &v.Key, &v.Sig, &v.Digest); got != v.Valid {
			t.Errorf("vector %s: libsecp256k1 says %v, want %v (%s)", v.Index, got, v.Valid, v.Comment)
		}
	}

	// Valid signatures, then each with one bit flipped: every bit of the
	// first few, a random sample of the rest.
	for i := range 64 {
		x, sig, digest := signed(t, rng)
		if !d.check("valid", &x, &sig, &digest) {
			t.Fatalf("a fresh valid signature (%d) does not verify", i)
		}
		all := i < 4
		for _, bit := range bits(rng, 16, 512, all) {
			s := sig
			flip(s[:], bit)
			d.check("signature bit flipped", &x, &s, &digest)
		}
		for _, bit := range bits(rng, 8, 256, all) {
			k := x
			flip(k[:], bit)
			d.check("key bit flipped", &k, &sig, &digest)
		}
		for _, bit := range bits(rng, 8, 256, all) {
			m := digest
			flip(m[:], bit)
			d.check("digest bit flipped", &x, &sig, &m)
		}
	}

	// Random x values: about half are not on the curve. One in eight of
	// those that are gets a random signature to verify too.
	x0, sig0, digest0 := signed(t, rng)
	for i := range 4096 {
		var x [32]byte
		fill(rng, x[:])
		if i%8 != 0 {
			d.parse("random key", &x)
			continue
		}
		var sig [64]byte
		fill(rng, sig[:])
		d.check("random key and signature", &x, &sig, &digest0)
	}
	for range 256 {
		var sig [64]byte
		fill(rng, sig[:])
		d.check("random signature", &x0, &sig, &digest0)
	}

	// Edge values of r, s and x, and digests of all zeros and all ones.
	p, n := mustHex32(t, pHex), mustHex32(t, nHex)
	edges := func(bound [32]byte) [][32]byte {
		minus, plus := bound, bound
		minus[31]--
		plus[31]++
		return [][32]byte{{}, {31: 1}, minus, bound, plus, allFF}
	}
	rs := append(edges(p), [32]byte(sig0[:32]))
	ss := append(edges(n), [32]byte(sig0[32:]))
	for _, r := range rs {
		for _, s := range ss {
			var sig [64]byte
			copy(sig[:32], r[:])
			copy(sig[32:], s[:])
			d.check("edge r and s", &x0, &sig, &digest0)
		}
	}
	for _, x := range append(edges(p), [32]byte{31: 2}, x0) {
		d.check("edge key", &x, &sig0, &digest0)
	}
	for _, digest := range [][32]byte{{}, allFF} {
		x, sig := sign(t, []byte("teegate differential test key 32"), &digest)
		if !d.check("edge digest", &x, &sig, &digest) {
			t.Errorf("a valid signature over digest %x does not verify", digest)
		}
		var zero [64]byte
		d.check("zero signature", &x, &zero, &digest)
	}

	t.Logf("%d keys (%d parsed), %d verifications (%d valid, %d out of range)",
		d.keys, d.keysParsed, d.verifies, d.verified, d.ranged)
	// Not degenerate: every kind of outcome occurred many times.
	if d.verifies < 5000 || d.verified < 70 || d.keys-d.keysParsed < 1000 || d.ranged < 20 {
		t.Errorf("too few inputs of some kind: %+v", *d)
	}
}
