package admission

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/teegate/teegate/internal/bip340"
	"github.com/teegate/teegate/internal/ident"
)

// This file is the cryptography of layer B: parsing BIP-340 keys and
// signatures and verifying them. It knows nothing of policy, nor which
// backend (internal/bip340) does the arithmetic.

// Errors from ParsePubKey and Verify. Callers match them with errors.Is;
// the reason detail carries the message.
var (
	ErrPubkeyEmpty      = errors.New("public key is empty; want 64 hex digits")
	ErrPubkeyHex        = errors.New("public key is not valid hex")
	ErrPubkeyLength     = errors.New("public key is not 32 bytes")
	ErrPubkeyNotOnCurve = errors.New("public key is not a valid x-only secp256k1 key")
	ErrSignatureHex     = errors.New("signature is not valid hex")
	ErrSignatureLength  = errors.New("signature is not 64 bytes")
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
	t := ident.Trim(s)
	if t == "" {
		return PubKey{}, ErrPubkeyEmpty
	}
	b, err := hex.DecodeString(t)
	if err != nil {
		return PubKey{}, ErrPubkeyHex
	}
	if len(b) != bip340.PublicKeySize {
		return PubKey{}, fmt.Errorf("%w (%d bytes)", ErrPubkeyLength, len(b))
	}
	key, ok := bip340.ParsePublicKey((*[bip340.PublicKeySize]byte)(b))
	if !ok {
		return PubKey{}, ErrPubkeyNotOnCurve
	}
	return PubKey{key: key, Hex: hex.EncodeToString(b)}, nil
}

// PayloadDigest is the 32-byte message every verifier signs: SHA-256 of the
// payload string after trimming, exactly as the reference computes it. The
// payload is never re-serialised, so its bytes, not its meaning, are signed.
func PayloadDigest(payloadJSON string) [sha256.Size]byte {
	return sha256.Sum256([]byte(ident.Trim(payloadJSON)))
}

// decodeSignature reads a hex signature (trimmed, either case): 64 bytes.
func decodeSignature(signatureHex string) (*[bip340.SignatureSize]byte, error) {
	b, err := hex.DecodeString(ident.Trim(signatureHex))
	if err != nil {
		return nil, ErrSignatureHex
	}
	if len(b) != bip340.SignatureSize {
		return nil, fmt.Errorf("%w (%d bytes)", ErrSignatureLength, len(b))
	}
	return (*[bip340.SignatureSize]byte)(b), nil
}

// Verify checks a hex BIP-340 signature (trimmed, either case) over digest.
// A zero PubKey verifies nothing.
func Verify(pk PubKey, signatureHex string, digest [sha256.Size]byte) error {
	sig, err := decodeSignature(signatureHex)
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
