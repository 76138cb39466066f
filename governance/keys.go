package governance

import (
	"errors"
	"fmt"
	"slices"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/bip340"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/idprofile"
	"github.com/teegate/teegate/internal/strictjson"
)

// Policy versions. Policy 1 is the reference's: relaxations (break-glass
// waivers, vendor outages) and the break-glass history are what the
// coordinator's session says. Policy 2 takes every relaxation from a grant
// signed by governance keys listed in the registry, and the history from
// the governance audit log.
const (
	Policy1 = 1
	Policy2 = 2
)

// MaxGovernanceKeyLifetimeSeconds bounds a governance key's validity
// window, as max_key_age_seconds bounds a verifier key's: a key that never
// expires is never rotated. Governance keys sign rarely and are held by
// people, so a year rather than a verifier's thirty days.
const MaxGovernanceKeyLifetimeSeconds = 366 * SecondsPerDay

// GovernanceKey is one governance approver's BIP-340 signing key, which
// signs grants (policy 2). An approver may hold several keys, as during a
// rotation; it is counted once however many it has.
type GovernanceKey struct {
	ApproverID     string `json:"approver_id" teegate:"id"`
	Role           string `json:"role"`       // security_owner, signer_runtime_owner or governance_delegate
	PubkeyHex      string `json:"pubkey_hex"` // BIP-340 x-only key, 64 hex digits
	ValidFromUnix  uint64 `json:"valid_from_unix"`
	ValidUntilUnix uint64 `json:"valid_until_unix"` // exclusive
}

// Policy is the registry's policy version: Policy1 when policy_version is
// absent. DecodeRegistry and ReadRegistry refuse any other value than 1
// or 2, so Policy is one of the two.
func (r *Registry) Policy() int {
	if r.PolicyVersion != nil && *r.PolicyVersion == Policy2 {
		return Policy2
	}
	return Policy1
}

// validatePolicy refuses, as input errors, a policy version teegate does
// not know, policy 2 members in a policy 1 registry (a registry must not
// carry what nothing reads), and a policy 2 registry without what policy 2
// needs or with an identifier outside the profile (idprofile).
func (r *Registry) validatePolicy(file string) error {
	fail := func(pointer, msg string) error { return strictjson.MemberError(file, pointer, msg) }
	if v := r.PolicyVersion; v != nil && *v != Policy1 && *v != Policy2 {
		return fail("/policy_version", fmt.Sprintf("policy_version %d is not 1 or 2", *v))
	}
	if r.Policy() == Policy1 {
		switch {
		case r.GovernanceKeys != nil:
			return fail("/governance_keys", "governance_keys belong to policy_version 2; this registry is policy 1")
		case r.RegistryVersion != nil:
			return fail("/registry_version", "registry_version belongs to policy_version 2; this registry is policy 1")
		case r.MinTokenRegistryVersion != nil:
			return fail("/min_token_registry_version", "min_token_registry_version belongs to policy_version 2; this registry is policy 1")
		}
		for i := range r.Operators {
			if r.Operators[i].VendorID != nil {
				return fail(fmt.Sprintf("/operators/%d/vendor_id", i), "an operator's vendor_id belongs to policy_version 2; this registry is policy 1")
			}
		}
		return nil
	}
	// Layers that do not read these members may leave them out of their
	// decode; policy 2 reads them all, so they must be set.
	switch {
	case r.Enforcement.BreakGlassQuorumBps == 0:
		return fail("/enforcement/break_glass_quorum_bps", "policy_version 2 computes every grant's quorum against break_glass_quorum_bps; it must be present and greater than 0")
	case r.Enforcement.ReAttestationPollIntervalSeconds == 0:
		return fail("/enforcement/re_attestation_poll_interval_seconds", "policy_version 2 bounds a runtime decision's age by re_attestation_poll_interval_seconds; it must be present and greater than 0")
	case r.RegistryVersion == nil:
		return fail("/registry_version", "policy_version 2 binds tokens to the registry: registry_version is required")
	case r.MinTokenRegistryVersion == nil:
		return fail("/min_token_registry_version", "policy_version 2 binds tokens to the registry: min_token_registry_version is required")
	}
	return idprofile.Check(file, r)
}

// keyFinding is one problem with a governance key entry; the entry is
// then not usable.
type keyFinding struct {
	code   decision.Code
	detail string
}

// parsedKey is a governance key entry as checked.
type parsedKey struct {
	approver string // normalised
	role     string
	key      bip340.PublicKey
	hex      string // canonical, lower case
	problems []keyFinding
}

// parseGovernanceKeys checks every entry on its own and across entries:
// a public key listed under two approver ids is usable under neither, and
// an approver whose entries name different roles has none usable.
func parseGovernanceKeys(keys []GovernanceKey) []parsedKey {
	out := make([]parsedKey, len(keys))
	owners := map[string]map[string]bool{} // key hex -> approver ids
	roles := map[string]map[string]bool{}  // approver -> roles
	for i := range keys {
		k, p := &keys[i], &out[i]
		p.approver = ident.Norm(k.ApproverID)
		p.role = ident.Norm(k.Role)
		if p.approver == "" {
			p.problems = append(p.problems, keyFinding{CodeGovernanceKeyApproverIDMissing, fmt.Sprintf("governance_keys[%d].approver_id is blank", i)})
		}
		if !slices.Contains(requiredRoles[:], p.role) {
			p.problems = append(p.problems, keyFinding{CodeGovernanceKeyRoleInvalid,
				fmt.Sprintf("governance_keys[%d].role %q is not security_owner, signer_runtime_owner or governance_delegate", i, k.Role)})
		}
		if key, canonical, err := bip340.ParsePublicKeyHex(k.PubkeyHex); err != nil {
			p.problems = append(p.problems, keyFinding{CodeGovernanceKeyPubkeyInvalid, fmt.Sprintf("governance_keys[%d].pubkey_hex: %v", i, err)})
		} else {
			p.key, p.hex = key, canonical
		}
		switch {
		case k.ValidUntilUnix <= k.ValidFromUnix:
			p.problems = append(p.problems, keyFinding{CodeGovernanceKeyWindowInvalid,
				fmt.Sprintf("governance_keys[%d] is valid until %d, not after %d", i, k.ValidUntilUnix, k.ValidFromUnix)})
		case k.ValidUntilUnix-k.ValidFromUnix > MaxGovernanceKeyLifetimeSeconds:
			p.problems = append(p.problems, keyFinding{CodeGovernanceKeyLifetimeExceedsMaximum,
				fmt.Sprintf("governance_keys[%d] is valid for %d s, above the maximum of %d s", i, k.ValidUntilUnix-k.ValidFromUnix, MaxGovernanceKeyLifetimeSeconds)})
		}
		if p.hex != "" && p.approver != "" {
			if owners[p.hex] == nil {
				owners[p.hex] = map[string]bool{}
			}
			owners[p.hex][p.approver] = true
		}
		if p.approver != "" && p.role != "" {
			if roles[p.approver] == nil {
				roles[p.approver] = map[string]bool{}
			}
			roles[p.approver][p.role] = true
		}
	}
	for i := range out {
		p := &out[i]
		if p.hex != "" && len(owners[p.hex]) > 1 {
			p.problems = append(p.problems, keyFinding{CodeGovernanceKeyPubkeyDuplicate,
				fmt.Sprintf("governance_keys[%d]: the same public key is listed under %d approver ids; it is usable under none", i, len(owners[p.hex]))})
		}
		if p.approver != "" && len(roles[p.approver]) > 1 {
			p.problems = append(p.problems, keyFinding{CodeGovernanceApproverRoleConflict,
				fmt.Sprintf("governance_keys[%d]: approver %q is listed with %d different roles; none of its keys is usable", i, keys[i].ApproverID, len(roles[p.approver]))})
		}
	}
	return out
}

// checkGovernanceKeys is layer A's check of the governance keys of a
// policy 2 registry: every problem of every entry.
func checkGovernanceKeys(b *decision.Builder, reg *Registry) {
	if reg.Policy() != Policy2 {
		return
	}
	if reg.GovernanceKeys == nil || len(*reg.GovernanceKeys) == 0 {
		b.Addf(CodeGovernanceKeysMissing, "policy_version 2 needs governance_keys: no grant can be verified without them")
		return
	}
	for _, p := range parseGovernanceKeys(*reg.GovernanceKeys) {
		for _, f := range p.problems {
			b.Addf(f.code, "%s", f.detail)
		}
	}
}

// Approvers are the governance approvers of a policy 2 registry at one
// time, with the keys each may sign with then. It is the denominator and
// the key ring of every grant's quorum.
type Approvers struct {
	byID  map[string]*approver
	known map[string]bool // every approver id the registry lists, active or not
}

type approver struct {
	role string
	keys []bip340.PublicKey // usable at the time: well formed, in their window
}

// Errors of Approvers.Verify, matched with errors.Is.
var (
	ErrApproverUnknown    = errors.New("not a governance approver of the registry")
	ErrApproverNoValidKey = errors.New("the approver has no usable key at this time")
	ErrSignatureInvalid   = errors.New("the signature does not verify under any of the approver's keys")
)

// ApproversAt returns the registry's governance approvers at now (Unix
// seconds). An approver is active when it has a key entry whose window
// holds now, even a defective one: defects never shrink the denominator,
// so a mistake in the registry can only make a quorum harder to reach.
// Only well-formed keys, in their window, listed under no other approver
// id, of an approver with one role, verify signatures.
func (r *Registry) ApproversAt(now uint64) *Approvers {
	a := &Approvers{byID: map[string]*approver{}, known: map[string]bool{}}
	if r.GovernanceKeys == nil {
		return a
	}
	keys := *r.GovernanceKeys
	for i, p := range parseGovernanceKeys(keys) {
		k := &keys[i]
		if p.approver != "" {
			a.known[p.approver] = true
		}
		if p.approver == "" || now < k.ValidFromUnix || now >= k.ValidUntilUnix {
			continue
		}
		ap := a.byID[p.approver]
		if ap == nil {
			ap = &approver{}
			a.byID[p.approver] = ap
		}
		if len(p.problems) == 0 {
			// The role too comes from usable entries only: a defective
			// entry says nothing about its approver.
			ap.keys = append(ap.keys, p.key)
			ap.role = p.role
		}
	}
	return a
}

// Len is the number of active approvers: the denominator of a quorum.
func (a *Approvers) Len() int { return len(a.byID) }

// Verify checks sig, by the approver named id, over digest, under each of
// the approver's usable keys. It returns the approver's normalised id and
// role when one verifies.
func (a *Approvers) Verify(id string, sig *[bip340.SignatureSize]byte, digest *[bip340.DigestSize]byte) (approverID, role string, err error) {
	norm := ident.Norm(id)
	ap := a.byID[norm]
	switch {
	case ap == nil && !a.known[norm]:
		return "", "", ErrApproverUnknown
	case ap == nil || len(ap.keys) == 0:
		return "", "", ErrApproverNoValidKey
	}
	for _, k := range ap.keys {
		if bip340.Verify(k, sig, digest) == nil {
			return norm, ap.role, nil
		}
	}
	return "", "", ErrSignatureInvalid
}
