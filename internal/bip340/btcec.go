package bip340

import (
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
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

// btcecVerify does not check s < n (see checkRanges); it does refuse
// r >= p, through ParseSignature.
func btcecVerify(pk *btcecKey, sig *[SignatureSize]byte, digest *[DigestSize]byte) bool {
	s, err := schnorr.ParseSignature(sig[:])
	return err == nil && s.Verify(digest[:], pk.k)
}
