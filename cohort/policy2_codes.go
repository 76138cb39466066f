package cohort

import "github.com/teegate/teegate/decision"

// Policy 2 only: a vendor outage is a governance grant (package
// grant's codes report its signatures and quorum).
const (
	CodeVendorOutageGrantVendorMissing decision.Code = "vendor_outage_grant_vendor_missing" // the grant's vendor_id is blank
	CodeVendorOutageGrantsTooMany      decision.Code = "vendor_outage_grants_too_many"      // more than 8 grants (an input error where the session is validated); none verified
	CodeVendorOutageGrantStepInvalid   decision.Code = "vendor_outage_grant_step_invalid"   // the relaxed cap is not one step above the cap in force when the grant was declared
)
