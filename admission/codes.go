package admission

import "github.com/teegate/teegate/decision"

// Reason codes of layer B, in evaluation order. The codes marked "stops"
// end the evaluation at once, as in the reference; per-key and
// per-signature codes repeat once per offending entry, in input order.
const (
	// Registry policy.

	CodeGovernanceProfileNotMandatory          decision.Code = "governance_profile_not_mandatory"            // profile_status is not mandatory
	CodeAttestationMaxAgeExceedsHardCeiling    decision.Code = "attestation_max_age_exceeds_hard_ceiling"    // enforcement.attestation_max_age_seconds > 86400
	CodeDenylistMaxStalenessInvalidZero        decision.Code = "denylist_max_staleness_invalid_zero"         // enforcement.denylist_max_staleness_seconds is 0
	CodeDenylistMaxStalenessExceedsHardCeiling decision.Code = "denylist_max_staleness_exceeds_hard_ceiling" // enforcement.denylist_max_staleness_seconds > 300

	// Keyset.

	CodeKeysetVersionInvalid               decision.Code = "keyset_version_invalid"                  // keyset_version is 0
	CodeKeysetThresholdInvalid             decision.Code = "keyset_threshold_invalid"                // threshold_m < 2
	CodeKeysetMaxKeyAgeInvalid             decision.Code = "keyset_max_key_age_invalid"              // max_key_age_seconds outside [1, 2592000]
	CodeKeysetInsufficientKeys             decision.Code = "keyset_insufficient_keys"                // fewer keys listed than threshold_m
	CodeVerifierKeyIDMissing               decision.Code = "verifier_key_id_missing"                 // a key's key_id is blank; key skipped
	CodeVerifierKeyIDDuplicate             decision.Code = "verifier_key_id_duplicate"               // key_id repeats an earlier one; key skipped
	CodeVerifierInstanceIDMissing          decision.Code = "verifier_instance_id_missing"            // blank verifier_instance_id; key skipped
	CodeVerifierTrustRootIDMissing         decision.Code = "verifier_trust_root_id_missing"          // blank trust_root_id; key skipped
	CodeVerifierValidFromInvalid           decision.Code = "verifier_valid_from_invalid"             // valid_from_unix is 0; key skipped
	CodeVerifierValidityWindowInvalid      decision.Code = "verifier_validity_window_invalid"        // valid_until_unix <= valid_from_unix; key skipped
	CodeVerifierKeyAgeExceedsPolicy        decision.Code = "verifier_key_age_exceeds_policy"         // key lifetime > max_key_age_seconds; key kept
	CodeVerifierKeyRevokedBeforeValidFrom  decision.Code = "verifier_key_revoked_before_valid_from"  // revoked_at_unix < valid_from_unix; key kept
	CodeVerifierPubkeyInvalid              decision.Code = "verifier_pubkey_invalid"                 // pubkey_hex is not a BIP-340 x-only key; key skipped
	CodeVerifierPubkeyDuplicate            decision.Code = "verifier_pubkey_duplicate"               // the same public key under an earlier key id; key skipped
	CodeKeysetActiveKeysBelowThreshold     decision.Code = "keyset_active_keys_below_threshold"      // fewer keys active now than threshold_m
	CodeKeysetActiveTrustRootsBelowMinimum decision.Code = "keyset_active_trust_roots_below_minimum" // active keys span fewer than 2 trust roots
	CodeKeysetActiveInstancesBelowMinimum  decision.Code = "keyset_active_instances_below_minimum"   // active keys span fewer than 2 verifier instances

	// Denylist freshness.

	CodeDenylistRefreshedAtInvalid  decision.Code = "denylist_refreshed_at_invalid"   // denylist_refreshed_at_unix is 0
	CodeDenylistRefreshedAtInFuture decision.Code = "denylist_refreshed_at_in_future" // denylist refreshed after now
	CodeDenylistStale               decision.Code = "denylist_stale"                  // denylist older than denylist_max_staleness_seconds

	// Payload.

	CodeTokenPayloadMissing              decision.Code = "token_payload_missing"                // payload_json is blank; stops
	CodeTokenPayloadInvalid              decision.Code = "token_payload_invalid"                // payload_json does not decode strictly; stops
	CodeTokenIDMissing                   decision.Code = "token_id_missing"                     // blank token_id; stops
	CodeOperatorIDMissing                decision.Code = "operator_id_missing"                  // blank operator_id; stops
	CodeSignerIdentifierMissing          decision.Code = "signer_identifier_missing"            // blank signer_identifier; stops
	CodeTEETypeMissing                   decision.Code = "tee_type_missing"                     // blank tee_type; stops
	CodeMeasurementDigestInvalid         decision.Code = "measurement_digest_invalid"           // measurement_digest is not sha256:<64 hex>
	CodeTokenIssuedAtInvalid             decision.Code = "token_issued_at_invalid"              // issued_at_unix is 0
	CodeTokenExpiryInvalid               decision.Code = "token_expiry_invalid"                 // expires_at_unix <= issued_at_unix
	CodeTokenNotYetValid                 decision.Code = "token_not_yet_valid"                  // issued after now
	CodeTokenExpired                     decision.Code = "token_expired"                        // expired before now
	CodeRegistrySnapshotVersionInvalid   decision.Code = "registry_snapshot_version_invalid"    // registry_snapshot_version is 0
	CodeTokenVerifierKeyIDsMissing       decision.Code = "token_verifier_key_ids_missing"       // verifier_key_ids is empty
	CodeTokenVerifierKeyIDMissing        decision.Code = "token_verifier_key_id_missing"        // a blank verifier_key_ids entry
	CodeTokenVerifierKeyIDDuplicate      decision.Code = "token_verifier_key_id_duplicate"      // a repeated verifier_key_ids entry
	CodeTokenIDRevoked                   decision.Code = "token_id_revoked"                     // token id revoked at or before now
	CodeTokenRevocationEpochBelowMinimum decision.Code = "token_revocation_epoch_below_minimum" // token_revocation_epoch < min_token_revocation_epoch

	// Operator.

	CodeOperatorNotFound                 decision.Code = "operator_not_found"                    // no registry operator has the payload's operator_id; stops
	CodeOperatorNotActive                decision.Code = "operator_not_active"                   // the operator's status is not active
	CodeSignerIdentifierMismatch         decision.Code = "signer_identifier_mismatch"            // payload signer differs from the registry's
	CodeTEETypeNotAllowed                decision.Code = "tee_type_not_allowed"                  // tee_type not in allowed_tee_types
	CodeMeasurementNotAllowlisted        decision.Code = "measurement_not_allowlisted"           // measurement_digest not in allowed_measurements
	CodeOperatorNotYetEffective          decision.Code = "operator_not_yet_effective"            // issued before the operator's effective_from
	CodeOperatorEffectiveWindowExpired   decision.Code = "operator_effective_window_expired"     // issued after the operator's effective_until
	CodeTokenTTLExceedsAttestationMaxAge decision.Code = "token_ttl_exceeds_attestation_max_age" // lifetime > the smaller of the registry's and operator's max age

	// Signatures.

	CodeTokenSignaturesMissing                    decision.Code = "token_signatures_missing"                       // no signatures
	CodeTokenSignatureKeyIDMissing                decision.Code = "token_signature_key_id_missing"                 // a signature's verifier_key_id is blank
	CodeTokenSignatureKeyIDDuplicate              decision.Code = "token_signature_key_id_duplicate"               // a second signature for one key id; not verified
	CodeTokenSignatureKeyNotDeclared              decision.Code = "token_signature_key_not_declared"               // key id not in the payload's verifier_key_ids
	CodeTokenSignatureKeyUnknown                  decision.Code = "token_signature_key_unknown"                    // key id not a usable keyset key
	CodeTokenSignatureKeyNotValidAtIssueTime      decision.Code = "token_signature_key_not_valid_at_issue_time"    // issued outside the key's validity window
	CodeTokenSignatureKeyRevoked                  decision.Code = "token_signature_key_revoked"                    // key revoked at or before now, in the keyset or the revocation registry
	CodeTokenSignatureVerificationFailed          decision.Code = "token_signature_verification_failed"            // bad hex, not 64 bytes, or BIP-340 verification fails
	CodeTokenSignatureQuorumNotMet                decision.Code = "token_signature_quorum_not_met"                 // fewer distinct verifier instances signed validly than threshold_m
	CodeTokenSignatureTrustRootDiversityViolation decision.Code = "token_signature_trust_root_diversity_violation" // valid signatures span fewer than 2 trust roots
	CodeTokenSignatureInstanceDiversityViolation  decision.Code = "token_signature_instance_diversity_violation"   // valid signatures span fewer than 2 verifier instances
)
