package cohort

import "github.com/teegate/teegate/decision"

// Policy 2 only: a vendor outage is a governance grant (package
// grant's codes report its signatures and quorum).
const (
	CodeVendorOutageGrantVendorInvalid decision.Code = "vendor_outage_grant_vendor_invalid" // the grant's vendor_id is blank or not a known vendor
	CodeVendorOutageGrantsTooMany      decision.Code = "vendor_outage_grants_too_many"      // more than 8 grants (an input error where the session is validated); none verified
	CodeVendorOutageGrantStepInvalid   decision.Code = "vendor_outage_grant_step_invalid"   // the relaxed cap is not one step above the cap in force when the grant was declared
)

// Policy 2 only: each signer against its operator at now, and its
// governed vendor.
const (
	CodeSelectedOperatorNotYetEffective                  decision.Code = "selected_operator_not_yet_effective"                     // the operator's effective_from is after now
	CodeSelectedOperatorWindowClosed                     decision.Code = "selected_operator_window_closed"                         // the operator's effective_until is before now
	CodeSelectedTokenTTLExceedsOperatorAttestationMaxAge decision.Code = "selected_token_ttl_exceeds_operator_attestation_max_age" // within the registry's limit, above the operator's
	CodeSelectedTokenExpiredBeyondOperatorGrace          decision.Code = "selected_token_expired_beyond_operator_grace"            // mid-session, within the registry's grace, beyond the operator's
	CodeSelectedVendorMismatch                           decision.Code = "selected_vendor_mismatch"                                // the session's vendor_id is not the operator's governed vendor
)
