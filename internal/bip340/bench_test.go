package bip340

import "testing"

// BenchmarkVerify is one verification through the package's API, on the
// build's backend: compare a default run with a -tags libsecp256k1 run.
func BenchmarkVerify(b *testing.B) {
	x, sig, digest := testSignature(b)
	pk, ok := ParsePublicKey(&x)
	if !ok {
		b.Fatal("key does not parse")
	}
	for b.Loop() {
		if err := Verify(pk, &sig, &digest); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePublicKey(b *testing.B) {
	x, _, _ := testSignature(b)
	for b.Loop() {
		if _, ok := ParsePublicKey(&x); !ok {
			b.Fatal("key does not parse")
		}
	}
}
