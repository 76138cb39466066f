package admission

import "github.com/teegate/teegate/decision"

// Policy 2 only: the operator and the keys at now, not only at issue, and
// the registry version the token names.
const (
	CodeTokenPayloadIdentifierInvalid     decision.Code = "token_payload_identifier_invalid"      // an identifier of the payload outside the profile; checks end
	CodeTokenOperatorNotYetEffective      decision.Code = "token_operator_not_yet_effective"      // the operator's effective_from is after now
	CodeTokenOperatorWindowClosed         decision.Code = "token_operator_window_closed"          // the operator's effective_until is before now
	CodeTokenRegistryVersionBelowMinimum  decision.Code = "token_registry_version_below_minimum"  // registry_snapshot_version < min_token_registry_version
	CodeTokenRegistryVersionAboveRegistry decision.Code = "token_registry_version_above_registry" // registry_snapshot_version > registry_version
	CodeTokenSignatureKeyExpired          decision.Code = "token_signature_key_expired"           // the signing key's valid_until is before now; the signature does not count
)
