package bip340

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/teegate/teegate/internal/ident"
)

// Errors of the hex forms, matched with errors.Is. Keys and signatures
// travel as hex in every document teegate reads (keysets, governance
// keys, tokens, grants); each is parsed here, once, the same way.
var (
	ErrPubkeyEmpty      = errors.New("public key is empty; want 64 hex digits")
	ErrPubkeyHex        = errors.New("public key is not valid hex")
	ErrPubkeyLength     = errors.New("public key is not 32 bytes")
	ErrPubkeyNotOnCurve = errors.New("public key is not a valid x-only secp256k1 key")
	ErrSignatureHex     = errors.New("signature is not valid hex")
	ErrSignatureLength  = errors.New("signature is not 64 bytes")
)

// ParsePublicKeyHex parses an x-only public key written as hex: trimmed,
// either case, no "0x", exactly 32 bytes, x below the field prime and on
// the curve. canonical is the key as 64 lower-case hex digits: two texts
// with the same canonical form are the same key.
func ParsePublicKeyHex(s string) (pk PublicKey, canonical string, err error) {
	t := ident.Trim(s)
	if t == "" {
		return PublicKey{}, "", ErrPubkeyEmpty
	}
	b, err := hex.DecodeString(t)
	if err != nil {
		return PublicKey{}, "", ErrPubkeyHex
	}
	if len(b) != PublicKeySize {
		return PublicKey{}, "", fmt.Errorf("%w (%d bytes)", ErrPubkeyLength, len(b))
	}
	pk, ok := ParsePublicKey((*[PublicKeySize]byte)(b))
	if !ok {
		return PublicKey{}, "", ErrPubkeyNotOnCurve
	}
	return pk, hex.EncodeToString(b), nil
}

// ParseSignatureHex reads a signature written as hex (trimmed, either
// case): 64 bytes. It does not check r and s; Verify does.
func ParseSignatureHex(s string) (*[SignatureSize]byte, error) {
	b, err := hex.DecodeString(ident.Trim(s))
	if err != nil {
		return nil, ErrSignatureHex
	}
	if len(b) != SignatureSize {
		return nil, fmt.Errorf("%w (%d bytes)", ErrSignatureLength, len(b))
	}
	return (*[SignatureSize]byte)(b), nil
}
