package attest

import "github.com/teegate/teegate/decision"

// Reason codes of the attestation layer, in evaluation order. They follow
// layer B's claim codes (admission.CheckClaims), which come first. The
// codes marked "stops" end the evaluation: what follows would judge
// evidence that is not proven genuine, or is not there.
const (
	// Freshness: a report carries no time, so the payload's issue time
	// stands for it.

	CodeIssuedAtOutsideClockSkew decision.Code = "attest_issued_at_outside_clock_skew" // issued_at_unix is more than the policy's max_clock_skew_seconds from now

	// The TEE type.

	CodeSGXUnsupported          decision.Code = "attest_sgx_unsupported"           // the payload or the evidence is SGX, which teegate cannot verify (no maintained Go DCAP verifier); stops
	CodeTEETypeNotAccepted      decision.Code = "attest_tee_type_not_accepted"     // the policy's accepted_tee_types does not name the evidence's TEE type; stops
	CodeTEETypeMismatch         decision.Code = "attest_tee_type_mismatch"         // the payload's tee_type is not the evidence's
	CodeEvidenceMalformed       decision.Code = "attest_evidence_malformed"        // the report or quote does not parse as its TEE's format; stops
	CodeTrustRootUnknown        decision.Code = "attest_trust_root_unknown"        // no trust root of the policy can vouch for the evidence (no root for its product line, or a root CA the policy does not name); stops
	CodeCertificateChainInvalid decision.Code = "attest_certificate_chain_invalid" // the endorsement certificate (VCEK/VLEK, PCK) does not chain to the trust root at now; stops
	CodeRevocationUnavailable   decision.Code = "attest_revocation_unavailable"    // check_revocation is on and no valid, current CRL covers the chain; stops
	CodeCertificateRevoked      decision.Code = "attest_certificate_revoked"       // a CRL revokes a certificate of the chain; stops
	CodeCollateralUnavailable   decision.Code = "attest_collateral_unavailable"    // TDX: the TCB info or QE identity is in neither the evidence bundle nor the policy; stops
	CodeCollateralOutdated      decision.Code = "attest_collateral_outdated"       // TDX: the TCB info or QE identity is older than the policy's minimum_tcb_evaluation_data_number; stops
	CodeCollateralExpired       decision.Code = "attest_collateral_expired"        // TDX: the TCB info, the QE identity or a certificate that signs them is past its validity at now; stops
	CodeCollateralInvalid       decision.Code = "attest_collateral_invalid"        // TDX: collateral that does not verify, or a quote that does not match it (FMSPC, PCE, TDX module, QE identity); stops
	CodeSignatureInvalid        decision.Code = "attest_signature_invalid"         // the report's or quote's signature (or the QE report's) does not verify; stops
	CodeTCBStatusNotUpToDate    decision.Code = "attest_tcb_status_not_up_to_date" // TDX: Intel's TCB info or QE identity does not rate the platform, TDX module or QE UpToDate; stops
	CodeVerificationFailed      decision.Code = "attest_verification_failed"       // the library refused the evidence for a reason none of the codes above names; stops

	// Policy, on evidence proven genuine.

	CodeDebugEnabled    decision.Code = "attest_debug_enabled"     // the guest can be debugged (SEV-SNP POLICY bit 19, TDX TD_ATTRIBUTES bit 0) and the policy does not allow_debug
	CodeVMPLNotZero     decision.Code = "attest_vmpl_not_zero"     // SEV-SNP: the report was requested at a VMPL other than 0
	CodeTCBBelowMinimum decision.Code = "attest_tcb_below_minimum" // a TCB or security version is below the policy's minimum
	CodePolicyViolation decision.Code = "attest_policy_violation"  // the library's validation refused the evidence for a reason none of the codes above names (SMT, migration agent, firmware, XFAM...)

	// The binding to the payload.

	CodeReportDataMismatch  decision.Code = "attest_report_data_mismatch" // the report data is not the binding of this payload
	CodeMeasurementMismatch decision.Code = "attest_measurement_mismatch" // the payload's measurement_digest is not the digest of the evidence's measured code
)
