//go:build libsecp256k1

package bip340

import (
	"testing"
	"time"
)

// BenchmarkBackends runs both backends' raw verification in one binary.
func BenchmarkBackends(b *testing.B) {
	x, sig, digest := testSignature(b)
	bk, bok := btcecParse(&x)
	sk, sok := secpParse(&x)
	if !bok || !sok {
		b.Fatal("key does not parse")
	}
	b.Run("btcec", func(b *testing.B) {
		for b.Loop() {
			if !btcecVerify(&bk, &sig, &digest) {
				b.Fatal("does not verify")
			}
		}
	})
	b.Run("libsecp256k1", func(b *testing.B) {
		for b.Loop() {
			if !secpVerify(&sk, &sig, &digest) {
				b.Fatal("does not verify")
			}
		}
	})
}

// BenchmarkVerifyNative is libsecp256k1's own cost: all b.N verifications
// in one C loop, with no Go call and no cgo transition per verification.
func BenchmarkVerifyNative(b *testing.B) {
	x, sig, digest := testSignature(b)
	sk, ok := secpParse(&x)
	if !ok {
		b.Fatal("key does not parse")
	}
	b.ResetTimer()
	if !secpVerifyLoop(&sk, &sig, &digest, b.N) {
		b.Fatal("does not verify")
	}
}

// BenchmarkBindingVersusNative times, in the same iterations, a batch of
// verifications through Verify (range checks, the cgo call) and the same
// batch in one C loop, alternating which goes first, so that the machine's
// drift affects both alike. ratio is the first over the second: what the
// binding adds.
func BenchmarkBindingVersusNative(b *testing.B) {
	const batch = 100
	x, sig, digest := testSignature(b)
	pk, ok := ParsePublicKey(&x)
	if !ok {
		b.Fatal("key does not parse")
	}
	var binding, native time.Duration
	viaBinding := func() {
		start := time.Now()
		for range batch {
			if Verify(pk, &sig, &digest) != nil {
				b.Fatal("does not verify")
			}
		}
		binding += time.Since(start)
	}
	inC := func() {
		start := time.Now()
		if !secpVerifyLoop(&pk.k, &sig, &digest, batch) {
			b.Fatal("does not verify")
		}
		native += time.Since(start)
	}
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			viaBinding()
			inC()
		} else {
			inC()
			viaBinding()
		}
	}
	perOp := func(d time.Duration) float64 { return d.Seconds() * 1e6 / float64(b.N*batch) }
	b.ReportMetric(perOp(binding), "binding-µs/verify")
	b.ReportMetric(perOp(native), "native-µs/verify")
	b.ReportMetric(float64(binding)/float64(native), "ratio")
}
