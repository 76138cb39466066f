// Package admission is layer B: verifier keysets, the m-of-n BIP-340
// admission tokens that attestation verifiers sign, the token revocation
// registry, CheckToken, which decides whether a token admits its signer, and
// the issuing side (GenerateKey, Sign, Assemble) that verifier operators use.
//
// Cryptographic verification (parsing keys, verifying signatures; verify.go)
// is kept apart from policy validation (windows, allowlists, revocation,
// quorum; check.go), as go-sev-guest keeps verify apart from validate.
package admission

import (
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

// Keyset is the set of attestation-verifier keys whose signatures a token
// needs, with the threshold.
type Keyset struct {
	KeysetVersion uint64 `json:"keyset_version"`
	// ThresholdM is how many distinct verifier instances must sign.
	ThresholdM uint64 `json:"threshold_m"`
	// MaxKeyAgeSeconds bounds each key's validity window; at most
	// MaxVerifierKeyRotationSeconds.
	MaxKeyAgeSeconds uint64        `json:"max_key_age_seconds"`
	Keys             []VerifierKey `json:"keys"`
}

// VerifierKey is one verifier instance's signing key.
type VerifierKey struct {
	KeyID              string  `json:"key_id" teegate:"id"`
	VerifierInstanceID string  `json:"verifier_instance_id" teegate:"id"`
	TrustRootID        string  `json:"trust_root_id" teegate:"id"`
	PubkeyHex          string  `json:"pubkey_hex"`      // BIP-340 x-only key, 64 hex digits
	ValidFromUnix      uint64  `json:"valid_from_unix"` // Unix seconds, inclusive
	ValidUntilUnix     uint64  `json:"valid_until_unix"`
	RevokedAtUnix      *uint64 `json:"revoked_at_unix"` // nil: not revoked
}

// Token is the admission-token artifact a signer presents: the payload, as
// the exact string the verifiers signed, and their signatures.
type Token struct {
	PayloadJSON string           `json:"payload_json"`
	Signatures  []TokenSignature `json:"signatures"`
}

// TokenSignature is one verifier's BIP-340 signature over the payload.
type TokenSignature struct {
	VerifierKeyID string `json:"verifier_key_id" teegate:"id"`
	SignatureHex  string `json:"signature_hex"` // 64 bytes, hex
}

// Payload is what the verifiers attest: which signer, in which TEE, running
// which measurement, for how long, and which keys are to sign it.
type Payload struct {
	TokenID                 string   `json:"token_id" teegate:"id"`
	OperatorID              string   `json:"operator_id" teegate:"id"`
	SignerIdentifier        string   `json:"signer_identifier" teegate:"id"`
	TEEType                 string   `json:"tee_type"`
	MeasurementDigest       string   `json:"measurement_digest"`
	IssuedAtUnix            uint64   `json:"issued_at_unix"`
	ExpiresAtUnix           uint64   `json:"expires_at_unix"`
	RegistrySnapshotVersion uint64   `json:"registry_snapshot_version"`
	VerifierKeyIDs          []string `json:"verifier_key_ids" teegate:"id"`
	TokenRevocationEpoch    uint64   `json:"token_revocation_epoch"`
}

// RevocationRegistry is the token denylist: revoked token ids, revoked
// verifier key ids, and the minimum revocation epoch a token must carry.
type RevocationRegistry struct {
	DenylistRefreshedAtUnix uint64 `json:"denylist_refreshed_at_unix"`
	// MinTokenRevocationEpoch, RevokedTokenIDs and RevokedVerifierKeyIDs
	// may be absent (zero, empty) but not null, as in the reference. A key
	// written twice in one map is a duplicate member, an input error, where
	// the reference keeps the later entry; keys that differ but are equal
	// once normalised are all kept (normaliseRevocations).
	MinTokenRevocationEpoch uint64                      `json:"min_token_revocation_epoch"`
	RevokedTokenIDs         map[string]RevocationRecord `json:"revoked_token_ids" teegate:"id"`
	RevokedVerifierKeyIDs   map[string]RevocationRecord `json:"revoked_verifier_key_ids" teegate:"id"`
	// RevokedOperatorIDs and RevokedSignerIdentifiers complete the denylist
	// for the session gate, which applies layer C's checks with them; they
	// may be absent (empty) but not null, and teegate check token, like the
	// reference, does not read them.
	RevokedOperatorIDs       []string `json:"revoked_operator_ids" teegate:"id"`
	RevokedSignerIdentifiers []string `json:"revoked_signer_identifiers" teegate:"id"`
}

// RevocationRecord says when, and optionally why, something was revoked.
type RevocationRecord struct {
	RevokedAtUnix uint64 `json:"revoked_at_unix"`
	Reason        string `json:"reason"` // may be absent
}

// InForce reports whether the revocation has taken effect at now: one
// dated later is not yet a revocation.
func (r RevocationRecord) InForce(now uint64) bool { return r.RevokedAtUnix <= now }

// RegistryMembers are the registry members layer B reads, and therefore
// requires; the rest of the registry schema may be absent.
var RegistryMembers = governance.RequireMembers(
	"/profile_status",
	"/enforcement",
	"/enforcement/attestation_max_age_seconds",
	"/enforcement/denylist_max_staleness_seconds",
	"/operators",
	"/operators/*/operator_id",
	"/operators/*/signer_identifier",
	"/operators/*/status",
	"/operators/*/allowed_tee_types",
	"/operators/*/allowed_measurements",
	"/operators/*/attestation_max_age_seconds",
	"/operators/*/effective_from",
)

// DecodeKeyset decodes a verifier keyset strictly; file names it in errors.
func DecodeKeyset(file string, data []byte) (*Keyset, error) {
	return strictjson.DecodeNew[Keyset](file, data, nil)
}

// DecodeToken decodes a token artifact strictly. The payload inside stays a
// string: it is decoded, and judged, by CheckToken.
func DecodeToken(file string, data []byte) (*Token, error) {
	return strictjson.DecodeNew[Token](file, data, nil)
}

// revocationMembers: only the refresh time and each record's time are
// required; the epoch, the maps and the reasons default when absent.
var revocationMembers = strictjson.Members(
	"/denylist_refreshed_at_unix",
	"/revoked_token_ids/*/revoked_at_unix",
	"/revoked_verifier_key_ids/*/revoked_at_unix",
)

// DecodeRevocationRegistry decodes a token revocation registry strictly.
func DecodeRevocationRegistry(file string, data []byte) (*RevocationRegistry, error) {
	return strictjson.DecodeNew[RevocationRegistry](file, data, revocationMembers)
}

// DecodePayload decodes a token payload strictly. The name in errors is
// "payload_json", the member that carries it.
func DecodePayload(payload string) (*Payload, error) {
	return strictjson.DecodeNew[Payload]("payload_json", []byte(payload), nil)
}
