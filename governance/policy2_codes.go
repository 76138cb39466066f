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
