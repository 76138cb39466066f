package cohort

import "github.com/teegate/teegate/decision"

// Reason codes of layer C, in evaluation order. Per-signer codes repeat
// once per signer, in cohort order; the codes marked "skips" end the checks
// of that signer, which is then not counted for its vendor.
const (
	// Registry policy.

	CodeGovernanceProfileNotMandatory          decision.Code = "governance_profile_not_mandatory"              // profile_status is not mandatory
	CodeGracePeriodExceedsHardCeiling          decision.Code = "grace_period_exceeds_hard_ceiling"             // enforcement.grace_period_seconds > 3600
	CodeAttestationMaxAgeExceedsHardCeiling    decision.Code = "attestation_max_age_exceeds_hard_ceiling"      // enforcement.attestation_max_age_seconds > 86400
	CodeDenylistMaxStalenessInvalidZero        decision.Code = "denylist_max_staleness_invalid_zero"           // enforcement.denylist_max_staleness_seconds is 0
	CodeDenylistMaxStalenessExceedsHardCeiling decision.Code = "denylist_max_staleness_exceeds_hard_ceiling"   // enforcement.denylist_max_staleness_seconds > 300
	CodeMinAttestedSignersBelowAbsoluteFloor   decision.Code = "min_attested_signers_below_absolute_floor"     // enforcement.min_attested_signers_per_cohort < 2
	CodeMaxSingleVendorSharePercentOutOfBounds decision.Code = "max_single_vendor_share_percent_out_of_bounds" // enforcement.max_single_vendor_share_percent outside [1, 60]

	// Session.

	CodeRuntimePhaseInvalid                     decision.Code = "runtime_phase_invalid"                         // phase is neither session_start nor mid_session; treated as session_start
	CodeSessionIDMissing                        decision.Code = "session_id_missing"                            // blank session_id
	CodeThresholdInvalid                        decision.Code = "threshold_invalid"                             // threshold is 0
	CodeMinAttestedSignersBelowThresholdPlusOne decision.Code = "min_attested_signers_below_threshold_plus_one" // min_attested_signers_per_cohort < threshold + 1
	CodeSelectedSignersBelowPolicyMinimum       decision.Code = "selected_signers_below_policy_minimum"         // fewer signers selected than min_attested_signers_per_cohort
	CodeSelectedSignersEmpty                    decision.Code = "selected_signers_empty"                        // no signers selected

	// Denylist freshness.

	CodeDenylistRefreshedAtInvalid  decision.Code = "denylist_refreshed_at_invalid"   // denylist.refreshed_at_unix is 0
	CodeDenylistRefreshedAtInFuture decision.Code = "denylist_refreshed_at_in_future" // the denylist was refreshed after now
	CodeDenylistStale               decision.Code = "denylist_stale"                  // the denylist is older than denylist_max_staleness_seconds

	// Vendor outage relaxation: only the first failure is reported, and the policy cap stays.

	CodeVendorOutageNotDeclared                 decision.Code = "vendor_outage_not_declared"                   // an outage object with declared false
	CodeVendorOutageDeclaredAtInvalid           decision.Code = "vendor_outage_declared_at_invalid"            // declared_at_unix is 0
	CodeVendorOutageDeclaredInFuture            decision.Code = "vendor_outage_declared_in_future"             // declared after now
	CodeVendorOutageRelaxationBelowPolicy       decision.Code = "vendor_outage_relaxation_below_policy"        // relaxed cap below the policy cap
	CodeVendorOutageRelaxationExceedsMaximum    decision.Code = "vendor_outage_relaxation_exceeds_maximum"     // relaxed cap above 60
	CodeVendorOutageRelaxationStepInvalid       decision.Code = "vendor_outage_relaxation_step_invalid"        // relaxed cap not 40, 50 or 60
	CodeVendorOutageExpiryWindowInvalid         decision.Code = "vendor_outage_expiry_window_invalid"          // expires_at_unix <= declared_at_unix
	CodeVendorOutageRelaxationExpired           decision.Code = "vendor_outage_relaxation_expired"             // expires_at_unix <= now
	CodeVendorOutageRelaxationTTLExceedsMaximum decision.Code = "vendor_outage_relaxation_ttl_exceeds_maximum" // the relaxation lasts more than 6 hours

	// Per selected signer.

	CodeSelectedOperatorIDMissing                decision.Code = "selected_operator_id_missing"                   // blank operator_id; skips
	CodeSelectedSignerIdentifierMissing          decision.Code = "selected_signer_identifier_missing"             // blank signer_identifier; skips
	CodeSelectedVendorIDMissing                  decision.Code = "selected_vendor_id_missing"                     // blank vendor_id; skips
	CodeSelectedTokenIDMissing                   decision.Code = "selected_token_id_missing"                      // blank token.token_id; skips
	CodeSelectedOperatorIDDuplicate              decision.Code = "selected_operator_id_duplicate"                 // operator selected twice
	CodeSelectedSignerIdentifierDuplicate        decision.Code = "selected_signer_identifier_duplicate"           // signer selected twice
	CodeSelectedTokenIDDuplicate                 decision.Code = "selected_token_id_duplicate"                    // token presented twice
	CodeSelectedOperatorNotInRegistry            decision.Code = "selected_operator_not_in_registry"              // no registry operator has the id; skips
	CodeSelectedOperatorNotActive                decision.Code = "selected_operator_not_active"                   // the operator's status is not active
	CodeSelectedSignerIdentifierRegistryMismatch decision.Code = "selected_signer_identifier_registry_mismatch"   // signer differs from the registry's
	CodeSelectedTokenBeforeOperatorEffectiveFrom decision.Code = "selected_token_before_operator_effective_from"  // token issued before the operator's window
	CodeSelectedTokenAfterOperatorEffectiveUntil decision.Code = "selected_token_after_operator_effective_until"  // token issued after the operator's window
	CodeSelectedTokenNotYetValid                 decision.Code = "selected_token_not_yet_valid"                   // token issued after now
	CodeSelectedTokenExpiryInvalid               decision.Code = "selected_token_expiry_invalid"                  // token expires_at_unix <= issued_at_unix
	CodeSelectedTokenTTLExceedsAttestationMaxAge decision.Code = "selected_token_ttl_exceeds_attestation_max_age" // token lifetime > attestation_max_age_seconds
	CodeSelectedTokenRevocationEpochBelowMinimum decision.Code = "selected_token_revocation_epoch_below_minimum"  // token epoch < the denylist's minimum
	CodeSelectedOperatorRevoked                  decision.Code = "selected_operator_revoked"                      // operator on the denylist
	CodeSelectedSignerRevoked                    decision.Code = "selected_signer_revoked"                        // signer on the denylist
	CodeSelectedTokenRevoked                     decision.Code = "selected_token_revoked"                         // token on the denylist
	CodeSelectedTokenExpiredForSessionStart      decision.Code = "selected_token_expired_for_session_start"       // token expired, at session start
	CodeSelectedTokenExpiredBeyondGrace          decision.Code = "selected_token_expired_beyond_grace"            // token expired longer ago than the grace period, mid-session

	// Vendor diversity, one per vendor over the cap, sorted by vendor id.

	CodeVendorDiversityCapExceeded decision.Code = "vendor_diversity_cap_exceeded" // a vendor's share of the cohort exceeds the cap
)
