package admission

import (
	"os"
	"testing"
)

func BenchmarkVerify(b *testing.B) {
	pk, _ := ParsePubKey(testKeys["key-a"].PubKeyHex())
	digest := PayloadDigest(`{"token_id":"t"}`)
	sig, err := signDigest(testKeys["key-a"], digest)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := Verify(pk, sig, digest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckToken is a whole decision on decoded documents: three
// keys parsed, a payload decoded, three signatures verified.
func BenchmarkCheckToken(b *testing.B) {
	f := validFixture()
	tok := f.token(b)
	for b.Loop() {
		if d := CheckToken(f.reg, f.ks, tok, f.rev, testNow); len(d.Reasons) != 0 {
			b.Fatal(d)
		}
	}
}

func BenchmarkDecodeToken(b *testing.B) {
	data, err := os.ReadFile("../examples/token/token.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := DecodeToken("token.json", data); err != nil {
			b.Fatal(err)
		}
	}
}
