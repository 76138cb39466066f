package governance

import "github.com/teegate/teegate/decision"

// Reason codes of layer A, in evaluation order: the order in which they
// appear in a decision. Per-item codes repeat once per offending operator,
// approver or event, in input order.
const (
	// Profile and operator list.

	CodeProfileStatusInvalid decision.Code = "profile_status_invalid" // profile_status is neither draft nor mandatory; treated as draft from then on
	CodeOperatorsEmpty       decision.Code = "operators_empty"        // operators is []

	// Enforcement parameters: ranges and hard ceilings.

	CodeAttestationMaxAgeInvalid                       decision.Code = "attestation_max_age_invalid"                              // attestation_max_age_seconds is 0
	CodeAttestationMaxAgeExceedsHardCeiling            decision.Code = "attestation_max_age_exceeds_hard_ceiling"                 // attestation_max_age_seconds > MaxAttestationMaxAgeSeconds
	CodeGracePeriodExceedsAttestationMaxAge            decision.Code = "grace_period_exceeds_attestation_max_age"                 // grace_period_seconds > attestation_max_age_seconds
	CodeMinAttestedSignersInvalid                      decision.Code = "min_attested_signers_invalid"                             // min_attested_signers_per_cohort is 0
	CodeMaxSingleVendorSharePercentInvalid             decision.Code = "max_single_vendor_share_percent_invalid"                  // max_single_vendor_share_percent outside [1, 100]
	CodeDenylistMaxStalenessOutOfBounds                decision.Code = "denylist_max_staleness_out_of_bounds"                     // denylist_max_staleness_seconds outside [1, MaxDenylistStalenessSeconds]
	CodeBreakGlassTTLInvalid                           decision.Code = "break_glass_ttl_invalid"                                  // break_glass_ttl_seconds outside [1, SecondsPer7Days]
	CodeBreakGlassMaxActivationsInvalid                decision.Code = "break_glass_max_activations_invalid"                      // break_glass_max_activations_per_7d is 0
	CodeBreakGlassCooldownInvalid                      decision.Code = "break_glass_cooldown_invalid"                             // break_glass_cooldown_seconds outside [1, SecondsPer7Days]
	CodeBreakGlassScopeNotSupported                    decision.Code = "break_glass_scope_not_supported"                          // break_glass_scope is not named_operator_ids_only
	CodeBreakGlassQuorumInvalid                        decision.Code = "break_glass_quorum_invalid"                               // break_glass_quorum_bps outside [1, 10000]
	CodeActivationGateRequiredQuorumInvalid            decision.Code = "activation_gate_required_quorum_invalid"                  // activation_gate_required_quorum_bps outside [6700, 10000]
	CodeReAttestationPollIntervalInvalid               decision.Code = "re_attestation_poll_interval_invalid"                     // re_attestation_poll_interval_seconds is 0
	CodeReAttestationPollIntervalExceedsAttestationAge decision.Code = "re_attestation_poll_interval_exceeds_attestation_max_age" // poll interval > attestation_max_age_seconds

	// Operator records, per operator in array order.

	CodeOperatorIDMissing                        decision.Code = "operator_id_missing"                               // blank operator_id; the operator's other checks are skipped
	CodeOperatorIDDuplicate                      decision.Code = "operator_id_duplicate"                             // operator_id equal (normalised) to an earlier one
	CodeSignerIdentifierMissing                  decision.Code = "signer_identifier_missing"                         // blank signer_identifier; the operator's other checks are skipped
	CodeSignerIdentifierDuplicate                decision.Code = "signer_identifier_duplicate"                       // signer_identifier equal (normalised) to an earlier one
	CodeOperatorStatusInvalid                    decision.Code = "operator_status_invalid"                           // status is not active, suspended or revoked
	CodeAllowedTEETypesMissing                   decision.Code = "allowed_tee_types_missing"                         // allowed_tee_types is []
	CodeAllowedTEETypesContainsEmpty             decision.Code = "allowed_tee_types_contains_empty"                  // some allowed_tee_types item is blank (once per operator)
	CodeAllowedMeasurementsMissing               decision.Code = "allowed_measurements_missing"                      // allowed_measurements is []
	CodeAllowedMeasurementsContainsEmpty         decision.Code = "allowed_measurements_contains_empty"               // some allowed_measurements item is blank (once per operator)
	CodeAllowedMeasurementDigestInvalid          decision.Code = "allowed_measurement_digest_invalid"                // an allowed_measurements item is not sha256:<64 hex> (once per item)
	CodeOperatorAttestationMaxAgeInvalid         decision.Code = "operator_attestation_max_age_invalid"              // the operator's attestation_max_age_seconds is 0
	CodeOperatorGracePeriodExceedsAttestationAge decision.Code = "operator_grace_period_exceeds_attestation_max_age" // the operator's grace period > its max age
	CodeOperatorEffectiveFromInvalid             decision.Code = "operator_effective_from_invalid"                   // effective_from is 0
	CodeOperatorEffectiveWindowInvalid           decision.Code = "operator_effective_window_invalid"                 // effective_until < effective_from
	CodeActiveOperatorWindowExpired              decision.Code = "active_operator_window_expired"                    // an active operator's effective_until < now

	// Activation gate.

	CodeMandatoryProfileMissingActivationGate  decision.Code = "mandatory_profile_missing_activation_gate"  // mandatory profile without a gate; gate checks end
	CodeActivationGateDecisionIDMissing        decision.Code = "activation_gate_decision_id_missing"        // blank governance_decision_id
	CodeActivationGateEffectiveTimeInvalid     decision.Code = "activation_gate_effective_time_invalid"     // effective_at_unix is 0
	CodeActivationGateNotYetEffective          decision.Code = "activation_gate_not_yet_effective"          // mandatory profile and effective_at_unix > now
	CodeActivationGateQuorumDenominatorInvalid decision.Code = "activation_gate_quorum_denominator_invalid" // quorum_denominator is 0
	CodeActivationGateAchievedQuorumInvalid    decision.Code = "activation_gate_achieved_quorum_invalid"    // achieved_quorum_bps > 10000
	CodeActivationGateQuorumBelowRequired      decision.Code = "activation_gate_quorum_below_required"      // achieved_quorum_bps < activation_gate_required_quorum_bps
	CodeActivationGateTransitionInvalid        decision.Code = "activation_gate_transition_invalid"         // profile_status_transition is not draft->mandatory
	CodeActivationGateRollbackConditionMissing decision.Code = "activation_gate_rollback_condition_missing" // blank rollback_condition
	CodeActivationGateRollbackAuthorityMissing decision.Code = "activation_gate_rollback_authority_missing" // blank rollback_authority
	CodeActivationGateApproversMissing         decision.Code = "activation_gate_approvers_missing"          // approvers is []; gate checks end
	CodeActivationGateApproverIDMissing        decision.Code = "activation_gate_approver_id_missing"        // an approver's approver_id is blank
	CodeActivationGateApproverIDDuplicate      decision.Code = "activation_gate_approver_id_duplicate"      // an approver_id equal (normalised) to an earlier one
	CodeActivationGateApproverTimestampInvalid decision.Code = "activation_gate_approver_timestamp_invalid" // an approver's decided_at_unix is 0
	CodeActivationGateRoleInvalid              decision.Code = "activation_gate_role_invalid"               // an approver's role is not a required role
	CodeActivationGateRoleDuplicate            decision.Code = "activation_gate_role_duplicate"             // a role recorded by an earlier approver; the first decision stands
	CodeActivationGateRoleNotApproved          decision.Code = "activation_gate_role_not_approved"          // a required role decided something other than approved
	CodeActivationGateRoleMissing              decision.Code = "activation_gate_role_missing"               // a required role has no approver

	// Audit events (only when an event log is given).

	CodeAuditEventsMissing             decision.Code = "audit_events_missing"               // the log has no events; event checks end
	CodeAuditEventsNotChronological    decision.Code = "audit_events_not_chronological"     // first adjacent pair whose effective_at_unix decreases
	CodeAuditEventIDMissing            decision.Code = "audit_event_id_missing"             // blank event_id; the event is skipped
	CodeAuditEventIDDuplicate          decision.Code = "audit_event_id_duplicate"           // event_id equal (normalised) to an earlier one
	CodeAuditEventEffectiveTimeInvalid decision.Code = "audit_event_effective_time_invalid" // effective_at_unix is 0
	CodeAuditEventDecisionIDMissing    decision.Code = "audit_event_decision_id_missing"    // blank governance_decision_id

	CodeAuditAddOperatorIDMissing       decision.Code = "audit_add_operator_id_missing"       // add: operator_id present but blank
	CodeAuditAddSignerIdentifierMissing decision.Code = "audit_add_signer_identifier_missing" // add: signer_identifier present but blank
	CodeAuditAddDuplicateOperator       decision.Code = "audit_add_duplicate_operator"        // add: operator already added, whatever its status

	CodeAuditSuspendOperatorIDMissing decision.Code = "audit_suspend_operator_id_missing" // suspend: operator_id present but blank
	CodeAuditSuspendUnknownOperator   decision.Code = "audit_suspend_unknown_operator"    // suspend: operator never added
	CodeAuditSuspendAfterRevoke       decision.Code = "audit_suspend_after_revoke"        // suspend: operator already revoked

	CodeAuditRevokeOperatorIDMissing decision.Code = "audit_revoke_operator_id_missing" // revoke: operator_id present but blank
	CodeAuditRevokeUnknownOperator   decision.Code = "audit_revoke_unknown_operator"    // revoke: operator never added

	CodeAuditMeasurementUpdateOperatorIDMissing decision.Code = "audit_measurement_update_operator_id_missing" // measurement_update: operator_id present but blank
	CodeAuditMeasurementDigestMissing           decision.Code = "audit_measurement_digest_missing"             // measurement_update: digest present but blank
	CodeAuditMeasurementUpdateUnknownOperator   decision.Code = "audit_measurement_update_unknown_operator"    // measurement_update: operator never added
	CodeAuditMeasurementDigestInvalidFormat     decision.Code = "audit_measurement_digest_invalid_format"      // measurement_update: digest is not sha256:<64 hex>

	CodeAuditBreakGlassTicketMissing           decision.Code = "audit_break_glass_ticket_missing"            // activate: incident_ticket present but blank
	CodeAuditBreakGlassExpiryMissing           decision.Code = "audit_break_glass_expiry_missing"            // activate: expires_at_unix absent or null; the event is skipped
	CodeAuditBreakGlassExpiryInvalid           decision.Code = "audit_break_glass_expiry_invalid"            // activate: expires_at_unix <= effective_at_unix
	CodeAuditBreakGlassTTLExceedsPolicy        decision.Code = "audit_break_glass_ttl_exceeds_policy"        // activate: expiry - effective > break_glass_ttl_seconds
	CodeAuditBreakGlassScopeMissing            decision.Code = "audit_break_glass_scope_missing"             // activate: scope_operator_ids absent, null or []
	CodeAuditBreakGlassScopeContainsEmpty      decision.Code = "audit_break_glass_scope_contains_empty"      // activate: a blank scope entry (once per entry)
	CodeAuditBreakGlassScopeUnknownOperator    decision.Code = "audit_break_glass_scope_unknown_operator"    // activate: a scope entry never added
	CodeAuditBreakGlassScopeRevokedOperator    decision.Code = "audit_break_glass_scope_revoked_operator"    // activate: a scope entry currently revoked
	CodeAuditBreakGlassActivationLimitExceeded decision.Code = "audit_break_glass_activation_limit_exceeded" // activate: more activations in the trailing 7 days than allowed
	CodeAuditBreakGlassCooldownViolation       decision.Code = "audit_break_glass_cooldown_violation"        // activate: sooner than break_glass_cooldown_seconds after the last
	CodeAuditBreakGlassDuplicateIncident       decision.Code = "audit_break_glass_duplicate_incident"        // activate: the ticket is already open; its expiry is replaced

	CodeAuditBreakGlassExpireTicketMissing     decision.Code = "audit_break_glass_expire_ticket_missing"     // expire: incident_ticket present but blank
	CodeAuditBreakGlassExpireWithoutActivation decision.Code = "audit_break_glass_expire_without_activation" // expire: the ticket is not open
	CodeAuditBreakGlassExpireAfterTTL          decision.Code = "audit_break_glass_expire_after_ttl"          // expire: effective_at_unix after the incident's expiry

	CodeAuditBreakGlassMissingExpireEvent decision.Code = "audit_break_glass_missing_expire_event" // an incident still open whose expiry <= now (sorted by ticket)

	// Reconciliation of the event log with the registry.

	CodeOperatorStatusMismatchWithEvents           decision.Code = "operator_status_mismatch_with_events"             // registry status differs from the status the events lead to
	CodeOperatorMissingAddEvent                    decision.Code = "operator_missing_add_event"                       // registry operator never added by an event
	CodeOperatorSignerIdentifierMismatchWithEvents decision.Code = "operator_signer_identifier_mismatch_with_events"  // registry signer differs from the add event's
	CodeOperatorPresentInEventsMissingFromRegistry decision.Code = "operator_present_in_events_missing_from_registry" // operator added by events but not in the registry (sorted by id)
)
