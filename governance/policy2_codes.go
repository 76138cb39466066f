package governance

import "github.com/teegate/teegate/decision"

// Governance keys of a policy 2 registry (after every other finding).
const (
	CodeGovernanceKeysMissing               decision.Code = "governance_keys_missing"                 // policy 2 and no governance_keys: no grant can be verified
	CodeGovernanceKeyApproverIDMissing      decision.Code = "governance_key_approver_id_missing"      // a key's approver_id is blank; key unusable
	CodeGovernanceKeyRoleInvalid            decision.Code = "governance_key_role_invalid"             // a key's role is not one of the activation gate's three; key unusable
	CodeGovernanceKeyPubkeyInvalid          decision.Code = "governance_key_pubkey_invalid"           // pubkey_hex is not an x-only secp256k1 key; key unusable
	CodeGovernanceKeyWindowInvalid          decision.Code = "governance_key_window_invalid"           // valid_until_unix <= valid_from_unix; key unusable
	CodeGovernanceKeyLifetimeExceedsMaximum decision.Code = "governance_key_lifetime_exceeds_maximum" // window longer than 366 days; key unusable
	CodeGovernanceKeyPubkeyDuplicate        decision.Code = "governance_key_pubkey_duplicate"         // one public key under two approver ids; unusable under both
	CodeGovernanceApproverRoleConflict      decision.Code = "governance_approver_role_conflict"       // one approver id with two roles; none of its keys usable
)

// The rest of a policy 2 registry (after the governance keys): the
// versions that bind tokens, and each operator's vendor and window.
const (
	CodeRegistryVersionInvalid                      decision.Code = "registry_version_invalid"                          // registry_version is 0
	CodeMinTokenRegistryVersionAboveRegistryVersion decision.Code = "min_token_registry_version_above_registry_version" // no token version can lie between them
	CodeOperatorVendorInvalid                       decision.Code = "operator_vendor_invalid"                           // an operator's vendor_id is absent or not a known vendor
	CodeOperatorTEETypeVendorMismatch               decision.Code = "operator_tee_type_vendor_mismatch"                 // an allowed TEE type that is not the operator's vendor's (or unknown)
	CodeActiveOperatorNotYetEffective               decision.Code = "active_operator_not_yet_effective"                 // an active operator whose effective_from is after now
)
