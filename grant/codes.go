package grant

import "github.com/teegate/teegate/decision"

// Reason codes of a grant's verification, emitted by the layer that reads
// the grant (layer C for vendor outages, layer D for break-glass), each
// detail naming the grant. Every one invalidates the grant.
const (
	CodeGrantTextInvalid                 decision.Code = "grant_text_invalid"                    // grant_json does not decode strictly, or has members of another kind; checks end
	CodeGrantKindMismatch                decision.Code = "grant_kind_mismatch"                   // a grant of the other kind where this one is expected; checks end
	CodeGrantSignaturesMissing           decision.Code = "grant_signatures_missing"              // no signatures
	CodeGrantSignaturesTooMany           decision.Code = "grant_signatures_too_many"             // more than MaxSignatures; none verified
	CodeGrantSignatureApproverIDMissing  decision.Code = "grant_signature_approver_id_missing"   // a signature's approver_id is blank
	CodeGrantSignatureApproverUnknown    decision.Code = "grant_signature_approver_unknown"      // not an approver the registry lists
	CodeGrantSignatureApproverNoValidKey decision.Code = "grant_signature_approver_no_valid_key" // the approver has no usable key now (expired, not yet valid, defective)
	CodeGrantSignatureInvalid            decision.Code = "grant_signature_invalid"               // not 64 bytes of hex, or verifies under none of the approver's keys
	CodeGrantQuorumBelowRequired         decision.Code = "grant_quorum_below_required"           // computed quorum below break_glass_quorum_bps
	CodeGrantSecurityOwnerMissing        decision.Code = "grant_security_owner_missing"          // no counted approver holds the security_owner role
)
