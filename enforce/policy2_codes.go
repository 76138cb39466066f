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
