package enforce

import "github.com/teegate/teegate/decision"

// Policy 2 only: the waiver is a governance grant (package grant's
// codes report its signatures and quorum).
const (
	CodeBreakGlassGrantWaivedCodesEmpty   decision.Code = "break_glass_grant_waived_codes_empty"   // the grant's waived_codes is empty: it waives nothing
	CodeBreakGlassGrantViolationNotWaived decision.Code = "break_glass_grant_violation_not_waived" // a violation whose code the grant does not name; the detail lists them
	CodeBreakGlassGrantNotActivated       decision.Code = "break_glass_grant_not_activated"        // no break_glass_activate event for the grant (ticket and grant id) in force in the audit log
	CodeBreakGlassGrantActivationMismatch decision.Code = "break_glass_grant_activation_mismatch"  // the activation event's time, expiry or scope contradicts the grant
	CodeBreakGlassGrantEndedByGovernance  decision.Code = "break_glass_grant_ended_by_governance"  // a break_glass_expire event for the incident is in force
)

// Policy 2 only, pre-checks: the runtime decision enforced must be for
// the context's session, and fresh.
const (
	CodeRuntimeDecisionSessionMismatch   decision.Code = "runtime_decision_session_mismatch"    // runtime_decision.session_id is absent or names another session
	CodeRuntimeDecisionStale             decision.Code = "runtime_decision_stale"               // older than re_attestation_poll_interval_seconds (at most 300 s)
	CodeRuntimeDecisionValidatedInFuture decision.Code = "runtime_decision_validated_in_future" // validated_at_unix is after now
)
