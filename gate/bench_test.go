package gate

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/teegate/teegate/admission"
)

// BenchmarkEvaluate: whole-session decisions for cohorts of 10, 100 and
// 1,000 signers with 2 and 3 signatures per token. Cold builds a new Gate
// for every evaluation, so every signature is verified; warm evaluates the
// same session on one Gate, whose verifications are remembered.
func BenchmarkEvaluate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		for _, sigs := range []int{2, 3} {
			b.Run(fmt.Sprintf("cold/%d-signers/%d-of-3", n, sigs), func(b *testing.B) {
				sc := newScenario(b, n, sigs)
				for b.Loop() {
					if r := New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow); r.Outcome != "allow" {
						b.Fatal(r.Reasons)
					}
				}
			})
			b.Run(fmt.Sprintf("warm/%d-signers/%d-of-3", n, sigs), func(b *testing.B) {
				sc := newScenario(b, n, sigs)
				g := New(sc.reg, sc.ks, sc.rev, Options{})
				g.Evaluate(sc.session, testNow)
				for b.Loop() {
					if r := g.Evaluate(sc.session, testNow); r.Outcome != "allow" {
						b.Fatal(r.Reasons)
					}
				}
			})
		}
	}
}

// oneSignature is a verifier's public key, a signature and its digest.
func oneSignature(b *testing.B) (admission.PubKey, string, [32]byte) {
	sc := newScenario(b, 1, 1)
	tok := sc.session.SelectedSigners[0].Token
	pk, err := admission.ParsePubKey(sc.ks.Keys[0].PubkeyHex)
	if err != nil {
		b.Fatal(err)
	}
	return pk, tok.Signatures[0].SignatureHex, admission.PayloadDigest(tok.PayloadJSON)
}

// BenchmarkVerify is one BIP-340 verification, the unit of the cold cost.
func BenchmarkVerify(b *testing.B) {
	pk, sig, digest := oneSignature(b)
	for b.Loop() {
		if err := admission.Verify(pk, sig, digest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel is BenchmarkVerify on every CPU at once: the
// machine's real throughput of verifications, the floor of a cold
// evaluation.
func BenchmarkVerifyParallel(b *testing.B) {
	pk, sig, digest := oneSignature(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := admission.Verify(pk, sig, digest); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkColdVersusVerification measures a cold 100-signer 3-of-3
// evaluation against its own 300 verifications, done one after the other
// on one goroutine and divided by the CPUs, in the same iterations, so
// that the machine's drift affects both alike. ratio is the first over
// the second: the cost of everything that is not verification, and of
// imperfect parallelism.
func BenchmarkColdVersusVerification(b *testing.B) {
	sc := newScenario(b, 100, 3)
	type sig struct {
		pk     admission.PubKey
		hex    string
		digest [32]byte
	}
	var sigs []sig
	for _, s := range sc.session.SelectedSigners {
		digest := admission.PayloadDigest(s.Token.PayloadJSON)
		for i, ts := range s.Token.Signatures {
			pk, err := admission.ParsePubKey(sc.ks.Keys[i].PubkeyHex)
			if err != nil {
				b.Fatal(err)
			}
			sigs = append(sigs, sig{pk, ts.SignatureHex, digest})
		}
	}
	var evaluate, verify time.Duration
	for b.Loop() {
		start := time.Now()
		if r := New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow); r.Outcome != "allow" {
			b.Fatal(r.Reasons)
		}
		evaluate += time.Since(start)
		start = time.Now()
		for _, s := range sigs {
			if err := admission.Verify(s.pk, s.hex, s.digest); err != nil {
				b.Fatal(err)
			}
		}
		verify += time.Since(start)
	}
	floor := verify / time.Duration(runtime.GOMAXPROCS(0))
	b.ReportMetric(evaluate.Seconds()*1000/float64(b.N), "evaluate-ms/op")
	b.ReportMetric(floor.Seconds()*1000/float64(b.N), "verify/cpus-ms/op")
	b.ReportMetric(float64(evaluate)/float64(floor), "ratio")
}
