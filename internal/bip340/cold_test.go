package bip340

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"testing"

	"github.com/teegate/teegate/internal/bip340/vectors"
)

// The two btcec paths, with and without the base-point table, agree with
// the BIP's vectors and with each other. They run in every build: the
// default build uses both, one after the other (coldVerifies).
func TestColdAndTablePathsAgree(t *testing.T) {
	check := func(what string, x *[PublicKeySize]byte, sig *[SignatureSize]byte, digest *[DigestSize]byte) (bool, bool) {
		t.Helper()
		k, ok := btcecParse(x)
		if !ok {
			return false, false
		}
		cold, table := btcecVerifyCold(&k, sig, digest), btcecVerifyTable(&k, sig, digest)
		if cold != table {
			t.Errorf("%s: key %x sig %x digest %x: without the table %v, with it %v", what, x, sig, digest, cold, table)
		}
		return true, cold
	}
	for _, v := range vectors.All(t) {
		parsed, valid := check("vector "+v.Index, &v.Key, &v.Sig, &v.Digest)
		// Vectors whose s >= n fail only in checkRanges, in front of both.
		if parsed && checkRanges(&v.Sig) == nil && valid != v.Valid {
			t.Errorf("vector %s: verified %v, want %v (%s)", v.Index, valid, v.Valid, v.Comment)
		}
	}

	// Valid signatures by random keys, and each with one bit flipped in
	// the signature, the digest or the key: the flips exercise every
	// failing step (R infinite aside, which no one can aim for).
	rng := rand.New(rand.NewPCG(1, 2))
	var verified, refused int
	for i := range 200 {
		var secret [32]byte
		var digest [DigestSize]byte
		fillRandom(rng, secret[:])
		fillRandom(rng, digest[:])
		x, sig := sign(t, secret[:], &digest)
		if _, ok := check("valid", &x, &sig, &digest); !ok {
			t.Fatalf("own key %x does not parse", x)
		}
		bit := rng.IntN(8 * (SignatureSize + DigestSize + PublicKeySize))
		switch {
		case bit < 8*SignatureSize:
			sig[bit/8] ^= 1 << (bit % 8)
		case bit < 8*(SignatureSize+DigestSize):
			bit -= 8 * SignatureSize
			digest[bit/8] ^= 1 << (bit % 8)
		default:
			bit -= 8 * (SignatureSize + DigestSize)
			x[bit/8] ^= 1 << (bit % 8)
		}
		if parsed, ok := check("flipped", &x, &sig, &digest); parsed && ok {
			t.Errorf("case %d: a flipped bit still verifies", i)
		} else if parsed {
			refused++
		}
		verified++
	}
	if verified != 200 || refused < 100 {
		t.Fatalf("%d valid and %d refused flipped signatures: the test did not see both kinds", verified, refused)
	}
}

// Verify switches from the cold path to the table after coldVerifies, and
// both answer through it alike.
func TestVerifySwitchesToTheTable(t *testing.T) {
	x, sig, digest := testSignature(t)
	bad := sig
	bad[5] ^= 1
	// Skip ahead to the last few cold verifications: the count only ever
	// moves a process toward the table, which both paths agree with.
	if n := verifies.Load(); n < coldVerifies-4 {
		verifies.CompareAndSwap(n, coldVerifies-4)
	}
	for i := 0; i < 8; i++ {
		if err := verifyBytes(&x, &sig, &digest); err != nil {
			t.Fatalf("verification %d (%d so far in the process): %v", i, verifies.Load(), err)
		}
		if err := verifyBytes(&x, &bad, &digest); err != ErrInvalid {
			t.Fatalf("verification %d of a bad signature: %v", i, err)
		}
	}
	if Backend == "btcec" && verifies.Load() <= coldVerifies {
		t.Fatalf("%d verifications counted, want more than %d", verifies.Load(), coldVerifies)
	}
}

func fillRandom(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}

// BenchmarkVerifyCold and BenchmarkVerifyTable are the two btcec paths.
// The table's one-time cost is not here (a benchmark pays it once, in its
// warm-up): scripts/bench-startup measures it, as `teegate check token`.
func BenchmarkVerifyCold(b *testing.B) {
	x, sig, digest := testSignature(b)
	k, _ := btcecParse(&x)
	for b.Loop() {
		if !btcecVerifyCold(&k, &sig, &digest) {
			b.Fatal("does not verify")
		}
	}
}

func BenchmarkVerifyTable(b *testing.B) {
	x, sig, digest := testSignature(b)
	k, _ := btcecParse(&x)
	for b.Loop() {
		if !btcecVerifyTable(&k, &sig, &digest) {
			b.Fatal("does not verify")
		}
	}
}

// The point of the cold path is that it never loads the base-point table
// (about 2 MB decompressed on first use). Only a fresh process can show
// it, so the test runs itself again with TEEGATE_COLD_CHILD set: the child
// verifies once on the cold path and prints what that allocated. A newer
// secp256k1 whose general multiplication used the table would fail here.
func TestColdPathLeavesTheTableAlone(t *testing.T) {
	if os.Getenv("TEEGATE_COLD_CHILD") == "1" {
		// A vector, not testSignature: signing would load the table.
		v := vectors.All(t)[0]
		if !v.Valid {
			t.Fatal("vector 0 is not a valid signature")
		}
		x, sig, digest := v.Key, v.Sig, v.Digest
		k, _ := btcecParse(&x)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ok := btcecVerifyCold(&k, &sig, &digest)
		runtime.ReadMemStats(&after)
		fmt.Printf("verified=%v allocated=%d\n", ok, after.TotalAlloc-before.TotalAlloc)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestColdPathLeavesTheTableAlone$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TEEGATE_COLD_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var verified bool
	var allocated uint64
	line := out[:bytes.IndexByte(out, '\n')+1]
	if _, err := fmt.Sscanf(string(line), "verified=%t allocated=%d\n", &verified, &allocated); err != nil {
		t.Fatalf("child said %q: %v", out, err)
	}
	if !verified || allocated > 64<<10 {
		t.Fatalf("cold verification in a fresh process: verified %v, allocated %d bytes (the table is about 2 MB)", verified, allocated)
	}
}
