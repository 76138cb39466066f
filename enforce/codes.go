package enforce

import "github.com/teegate/teegate/decision"

// Reason codes of layer D, in evaluation order. Pre-check codes block and
// end the evaluation; mode codes come next, then the runtime decision's
// own reasons re-emitted with RuntimeReasonPrefix, then the break-glass
// codes of an invalid waiver.
const (
	// Pre-checks: any of them rejects, with the pre-check reasons only.

	CodeSessionIDMissing                           decision.Code = "session_id_missing"                               // blank session_id
	CodeSelectedOperatorIDsEmpty                   decision.Code = "selected_operator_ids_empty"                      // no operators selected
	CodeSelectedOperatorIDMissing                  decision.Code = "selected_operator_id_missing"                     // a blank selected operator id
	CodeSelectedOperatorIDDuplicate                decision.Code = "selected_operator_id_duplicate"                   // an operator selected twice
	CodeRuntimeDecisionValidatedAtInvalid          decision.Code = "runtime_decision_validated_at_invalid"            // runtime_decision.validated_at_unix is 0
	CodeRuntimeDecisionInvalid                     decision.Code = "runtime_decision_invalid"                         // runtime_decision.decision is not allow, allow_with_warnings or reject
	CodeEnforcementModeInvalid                     decision.Code = "enforcement_mode_invalid"                         // enforcement_mode is not a known mode; full_enforcement is assumed for the profile check
	CodeGovernanceProfileNotMandatoryForStrictMode decision.Code = "governance_profile_not_mandatory_for_strict_mode" // hard canary or full enforcement without a mandatory profile

	// Modes.

	CodeMonitorOnlyRuntimeViolationObserved        decision.Code = "monitor_only_runtime_violation_observed"          // warning: monitor_only saw a violation
	CodeSoftEnforcementViolationExclusionPreferred decision.Code = "soft_enforcement_violation_exclusion_preferred"   // warning: soft_enforcement saw a violation
	CodeHardEnforcementCanaryBreakGlassApplied     decision.Code = "hard_enforcement_canary_break_glass_applied"      // warning: a canary violation waived by a valid break-glass
	CodeHardEnforcementCanaryViolationBlocked      decision.Code = "hard_enforcement_canary_violation_blocked"        // blocks: a canary violation without a valid break-glass
	CodeHardEnforcementCanaryNonCanarySoftFallback decision.Code = "hard_enforcement_canary_non_canary_soft_fallback" // warning: a violation in a non-canary session
	CodeFullEnforcementBreakGlassApplied           decision.Code = "full_enforcement_break_glass_applied"             // warning: a violation waived by a valid break-glass
	CodeFullEnforcementViolationBlocked            decision.Code = "full_enforcement_violation_blocked"               // blocks: a violation without a valid break-glass
	CodeRuntimeDecisionRejectWithoutReasons        decision.Code = "runtime_decision_reject_without_reasons"          // a violating runtime decision carried no reasons

	// Break-glass: each makes the waiver invalid, except the hint mismatch.

	CodeBreakGlassScopeNotSupported                decision.Code = "break_glass_scope_not_supported"                  // registry break_glass_scope is not named_operator_ids_only
	CodeBreakGlassIncidentTicketMissing            decision.Code = "break_glass_incident_ticket_missing"              // blank incident_ticket
	CodeBreakGlassDeclaredAtInvalid                decision.Code = "break_glass_declared_at_invalid"                  // declared_at_unix is 0
	CodeBreakGlassDeclaredInFuture                 decision.Code = "break_glass_declared_in_future"                   // declared after now
	CodeBreakGlassExpiryWindowInvalid              decision.Code = "break_glass_expiry_window_invalid"                // expires_at_unix <= declared_at_unix
	CodeBreakGlassExpired                          decision.Code = "break_glass_expired"                              // expires_at_unix <= now
	CodeBreakGlassTTLPolicyInvalid                 decision.Code = "break_glass_ttl_policy_invalid"                   // registry break_glass_ttl_seconds outside [1, 604800]
	CodeBreakGlassTTLExceedsHardMax                decision.Code = "break_glass_ttl_exceeds_hard_max"                 // the waiver lasts more than 7 days
	CodeBreakGlassTTLExceedsPolicy                 decision.Code = "break_glass_ttl_exceeds_policy"                   // the waiver lasts longer than the registry allows
	CodeBreakGlassQuorumOutOfRange                 decision.Code = "break_glass_quorum_out_of_range"                  // approver_quorum_bps > 10000
	CodeBreakGlassQuorumBelowRequired              decision.Code = "break_glass_quorum_below_required"                // approver_quorum_bps below the registry's break_glass_quorum_bps
	CodeBreakGlassScopeEmpty                       decision.Code = "break_glass_scope_empty"                          // scope_operator_ids is empty
	CodeBreakGlassScopeOperatorMissing             decision.Code = "break_glass_scope_operator_missing"               // a blank scope entry
	CodeBreakGlassScopeOperatorNotCovered          decision.Code = "break_glass_scope_operator_not_covered"           // a selected operator the scope does not name
	CodeBreakGlassHistoryIncidentTicketMissing     decision.Code = "break_glass_history_incident_ticket_missing"      // a history record with a blank ticket
	CodeBreakGlassHistoryDuplicateIncidentTicket   decision.Code = "break_glass_history_duplicate_incident_ticket"    // a ticket recorded twice in the history
	CodeBreakGlassHistoryActivationInFuture        decision.Code = "break_glass_history_activation_in_future"         // a history activation after now
	CodeBreakGlassActivationHintMismatch           decision.Code = "break_glass_activation_hint_mismatch"             // is_new_activation contradicts the history; does not invalidate
	CodeBreakGlassReusedIncidentDeclaredAtMismatch decision.Code = "break_glass_reused_incident_declared_at_mismatch" // a reused ticket with a declared time other than its first activation
	CodeBreakGlassReusedIncidentExpired            decision.Code = "break_glass_reused_incident_expired"              // a reused ticket past first activation + policy TTL
	CodeBreakGlassReusedIncidentExtendsTTL         decision.Code = "break_glass_reused_incident_extends_ttl"          // a reused ticket expiring after first activation + policy TTL
	CodeBreakGlassActivationLimitExceeded          decision.Code = "break_glass_activation_limit_exceeded"            // a new activation over the 7-day cap
	CodeBreakGlassCooldownViolation                decision.Code = "break_glass_cooldown_violation"                   // a new activation sooner than the cooldown after the last
)

// RuntimeReasonPrefix is prefixed to each reason of a violating runtime
// decision when it is re-emitted: "runtime_" + the layer C code.
const RuntimeReasonPrefix = "runtime_"
