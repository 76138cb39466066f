// Package bip340 verifies BIP-340 Schnorr signatures on one of two
// backends: btcec (pure Go, the default) or Bitcoin Core's libsecp256k1
// through cgo, chosen by the build tag libsecp256k1. Both take exactly a
// 32-byte digest, and both give the same answer on every input; nothing
// outside this package knows which one runs.
package bip340

import "errors"

// Sizes of the encodings, in bytes.
const (
	PublicKeySize = 32
	SignatureSize = 64
	DigestSize    = 32
)

// Errors from Verify. ErrROutOfRange and ErrSOutOfRange name a signature
// that no key can have made (BIP-340 steps 3 and 4); ErrInvalid is every
// other failure.
var (
	ErrROutOfRange = errors.New("r is not below the field prime")
	ErrSOutOfRange = errors.New("s is not below the group order")
	ErrInvalid     = errors.New("signature does not verify")
)

// PublicKey is a parsed x-only public key, in the form the backend verifies
// against. The zero value is no key: every signature fails against it.
type PublicKey struct {
	k  backendKey
	ok bool
}

// ParsePublicKey parses a 32-byte x-only key: x below the field prime and
// the x coordinate of a curve point.
func ParsePublicKey(x *[PublicKeySize]byte) (PublicKey, bool) {
	k, ok := parse(x)
	return PublicKey{k: k, ok: ok}, ok
}

// Verify checks sig as a BIP-340 signature by pk over digest.
func Verify(pk PublicKey, sig *[SignatureSize]byte, digest *[DigestSize]byte) error {
	if err := checkRanges(sig); err != nil {
		return err
	}
	if !pk.ok || !verify(&pk.k, sig, digest) {
		return ErrInvalid
	}
	return nil
}

// fieldPrime is p and groupOrder is n, big-endian.
var (
	fieldPrime = [32]byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xfc, 0x2f,
	}
	groupOrder = [32]byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
	}
)

// checkRanges does BIP-340 steps 3 and 4 here, for both backends, so that
// the reason a signature fails does not depend on the backend. It is also
// needed for correctness: btcec v2.3.5's schnorr.ParseSignature reduces s
// modulo n instead of refusing s >= n.
func checkRanges(sig *[SignatureSize]byte) error {
	if !below((*[32]byte)(sig[:32]), &fieldPrime) {
		return ErrROutOfRange
	}
	if !below((*[32]byte)(sig[32:]), &groupOrder) {
		return ErrSOutOfRange
	}
	return nil
}

// below reports whether a < b, both big-endian.
func below(a, b *[32]byte) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}
