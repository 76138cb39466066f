package admission

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/teegate/teegate/internal/bip340"
	"github.com/teegate/teegate/internal/ident"
)

// This file is the cryptography of layer B: parsing BIP-340 keys and
// signatures and verifying them. It knows nothing of policy, nor which
// backend (internal/bip340) does the arithmetic.

// Errors from ParsePubKey and Verify. Callers match them with errors.Is;
// the reason detail carries the message. The parsing errors are
// internal/bip340's, which parses every hex key and signature.
var (
	ErrPubkeyEmpty      = bip340.ErrPubkeyEmpty
	ErrPubkeyHex        = bip340.ErrPubkeyHex
	ErrPubkeyLength     = bip340.ErrPubkeyLength
	ErrPubkeyNotOnCurve = bip340.ErrPubkeyNotOnCurve
	ErrSignatureHex     = bip340.ErrSignatureHex
	ErrSignatureLength  = bip340.ErrSignatureLength
	ErrSignatureInvalid = errors.New("signature does not verify")
)

// PubKey is a parsed BIP-340 x-only public key.
type PubKey struct {
	key bip340.PublicKey
	// Hex is the canonical form: 64 lower-case hex digits. Two key ids with
	// the same Hex are the same key.
	Hex string
}

// ParsePubKey parses a BIP-340 x-only public key written as hex: trimmed,
// either case, no "0x", exactly 32 bytes, x below the field prime and on
// the curve.
func ParsePubKey(s string) (PubKey, error) {
	key, canonical, err := bip340.ParsePublicKeyHex(s)
	if err != nil {
		return PubKey{}, err
	}
	return PubKey{key: key, Hex: canonical}, nil
}

// PayloadDigest is the 32-byte message every verifier signs: SHA-256 of the
// payload string after trimming, exactly as the reference computes it. The
// payload is never re-serialised, so its bytes, not its meaning, are signed.
func PayloadDigest(payloadJSON string) [sha256.Size]byte {
	return sha256.Sum256([]byte(ident.Trim(payloadJSON)))
}

// Verify checks a hex BIP-340 signature (trimmed, either case) over digest.
// A zero PubKey verifies nothing.
func Verify(pk PubKey, signatureHex string, digest [sha256.Size]byte) error {
	sig, err := bip340.ParseSignatureHex(signatureHex)
	if err != nil {
		return err
	}
	switch err := bip340.Verify(pk.key, sig, &digest); {
	case err == nil:
		return nil
	case errors.Is(err, bip340.ErrInvalid):
		return ErrSignatureInvalid
	default: // r or s out of range: say which
		return fmt.Errorf("%w: %w", ErrSignatureInvalid, err)
	}
}
