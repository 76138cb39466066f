package admission

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/teegate/teegate/internal/bip340"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/strictjson"
)

// This file is the issuing side of layer B, for verifier operators: keys,
// one signature per verifier, and the assembled token. Each verifier signs
// on its own machine; only signatures travel.

// SecretKey is a verifier's BIP-340 signing key. Its String and GoString
// methods never show the secret, so it cannot leak through a log line or
// an error.
type SecretKey struct {
	k *btcec.PrivateKey
}

func (SecretKey) String() string   { return "admission.SecretKey(redacted)" }
func (SecretKey) GoString() string { return "admission.SecretKey(redacted)" }

// GenerateKey makes a new key from the operating system's random source.
func GenerateKey() (*SecretKey, error) {
	k, err := btcec.NewPrivateKey()
	if err != nil {
		return nil, fmt.Errorf("generating a key: %w", err)
	}
	return &SecretKey{k: k}, nil
}

// ErrSecretKeyInvalid: the key text is not 64 hex digits of a scalar in
// [1, n-1]. The message never repeats the text.
var ErrSecretKeyInvalid = errors.New("not a secp256k1 secret key (want 64 hex digits, a scalar between 1 and the group order)")

// ParseSecretKey reads a key as written by KeyFile.
func ParseSecretKey(text []byte) (*SecretKey, error) {
	t := ident.Trim(string(text))
	if len(t) != 2*btcec.PrivKeyBytesLen {
		return nil, ErrSecretKeyInvalid
	}
	b, err := hex.DecodeString(t)
	if err != nil {
		return nil, ErrSecretKeyInvalid
	}
	var s btcec.ModNScalar
	if overflow := s.SetByteSlice(b); overflow || s.IsZero() {
		return nil, ErrSecretKeyInvalid
	}
	return &SecretKey{k: btcec.PrivKeyFromScalar(&s)}, nil
}

// KeyFile is the key file format: 64 lower-case hex digits and a newline.
// It is deliberately not MarshalText or MarshalJSON, so that no encoder,
// logger or template can write the secret by accident.
func (sk *SecretKey) KeyFile() []byte {
	return []byte(hex.EncodeToString(sk.k.Serialize()) + "\n")
}

// LogValue keeps log/slog from showing the key.
func (SecretKey) LogValue() slog.Value { return slog.StringValue("admission.SecretKey(redacted)") }

// PubKeyHex is the BIP-340 x-only public key, as a keyset's pubkey_hex.
func (sk *SecretKey) PubKeyHex() string {
	return hex.EncodeToString(schnorr.SerializePubKey(sk.k.PubKey()))
}

// ErrIssue marks a request the issuing tools refuse: signing or assembling
// it would only produce a token that CheckToken rejects.
var ErrIssue = errors.New("cannot issue")

// Sign makes keyID's signature over a payload. The payload must decode
// strictly and must declare keyID in verifier_key_ids; a verifier should
// never sign what it cannot read.
func Sign(sk *SecretKey, payloadJSON, keyID string) (TokenSignature, error) {
	p, err := decodeForIssue(payloadJSON)
	if err != nil {
		return TokenSignature{}, err
	}
	if ident.Blank(keyID) {
		return TokenSignature{}, fmt.Errorf("%w: the key id is empty", ErrIssue)
	}
	if !containsNorm(p.VerifierKeyIDs, keyID) {
		return TokenSignature{}, fmt.Errorf("%w: the payload's verifier_key_ids does not name key %q", ErrIssue, keyID)
	}
	sig, err := signDigest(sk, PayloadDigest(payloadJSON))
	if err != nil {
		return TokenSignature{}, err
	}
	return TokenSignature{VerifierKeyID: ident.Trim(keyID), SignatureHex: sig}, nil
}

// SignDigest makes a BIP-340 signature over a 32-byte digest, as hex:
// what a governance approver does to a grant (package grant), whose
// digest is its own.
func (sk *SecretKey) SignDigest(digest [32]byte) (string, error) { return signDigest(sk, digest) }

// signDigest makes a BIP-340 signature, as hex, with btcec's deterministic
// nonce (RFC 6979 over the key and digest).
func signDigest(sk *SecretKey, digest [32]byte) (string, error) {
	sig, err := schnorr.Sign(sk.k, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return hex.EncodeToString(sig.Serialize()), nil
}

// Assemble builds the token artifact from a payload and the verifiers'
// signatures. payload_json holds the payload exactly as it was signed (the
// trimmed text). Each signature must be for a declared key, once, and be 64
// bytes of hex. Assemble has no keyset, so it cannot verify signatures;
// CheckToken does.
func Assemble(payloadJSON string, sigs []TokenSignature) (*Token, error) {
	p, err := decodeForIssue(payloadJSON)
	if err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no signatures", ErrIssue)
	}
	seen := map[string]bool{}
	for _, s := range sigs {
		id := ident.Norm(s.VerifierKeyID)
		switch {
		case id == "":
			return nil, fmt.Errorf("%w: a signature has an empty verifier_key_id", ErrIssue)
		case seen[id]:
			return nil, fmt.Errorf("%w: two signatures for key %q", ErrIssue, s.VerifierKeyID)
		case !containsNorm(p.VerifierKeyIDs, s.VerifierKeyID):
			return nil, fmt.Errorf("%w: the payload's verifier_key_ids does not name key %q", ErrIssue, s.VerifierKeyID)
		}
		if _, err := bip340.ParseSignatureHex(s.SignatureHex); err != nil {
			return nil, fmt.Errorf("%w: the signature of key %q is not %d bytes of hex", ErrIssue, s.VerifierKeyID, bip340.SignatureSize)
		}
		seen[id] = true
	}
	return &Token{PayloadJSON: ident.Trim(payloadJSON), Signatures: sigs}, nil
}

func decodeForIssue(payloadJSON string) (*Payload, error) {
	if ident.Blank(payloadJSON) {
		return nil, fmt.Errorf("%w: the payload is empty", ErrIssue)
	}
	p, err := DecodePayload(ident.Trim(payloadJSON))
	if err != nil {
		return nil, fmt.Errorf("%w: the payload does not decode: %w", ErrIssue, err)
	}
	return p, nil
}

// DecodeSignature decodes one signature entry, as printed by Sign's CLI.
func DecodeSignature(file string, data []byte) (*TokenSignature, error) {
	return strictjson.DecodeNew[TokenSignature](file, data, nil)
}
