//go:build !libsecp256k1

package bip340

// Backend names the implementation this build verifies with.
const Backend = "btcec"

type backendKey = btcecKey

func parse(x *[PublicKeySize]byte) (backendKey, bool) { return btcecParse(x) }

func verify(pk *backendKey, sig *[SignatureSize]byte, digest *[DigestSize]byte) bool {
	return btcecVerify(pk, sig, digest)
}
