// Package governance is layer A: the governed registry that every other
// layer reads (profile, enforcement parameters, operators and their allowed
// TEE types and measurements, the activation gate record) and the audit
// event log that explains how the registry came to be, with CheckRegistry,
// which validates both and reconciles them.
//
// Registry is the one registry schema of teegate. Decoding is strict
// against all of it; each layer then requires only the members it reads, as
// the reference checkers do (see Requirement).
package governance

import (
	"io"

	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/strictjson"
)

// Limits fixed by the reference checker, each a hard ceiling that no
// registry can raise.
const (
	SecondsPerDay = 86400
	// SecondsPer7Days bounds break-glass TTL and cooldown and is the width
	// of the sliding window in which activations are counted.
	SecondsPer7Days = 7 * SecondsPerDay
	// MaxAttestationMaxAgeSeconds: no attestation may be trusted for more
	// than a day, whatever the registry says.
	MaxAttestationMaxAgeSeconds = SecondsPerDay
	// MaxGracePeriodSeconds: a mid-session signer may run on an expired
	// token for at most an hour (layer C's ceiling on grace_period_seconds).
	MaxGracePeriodSeconds = 3600
	// MaxDenylistStalenessSeconds: a denylist older than five minutes may
	// miss a revocation. The plan asks deployments for 60 s; the reference
	// checker enforces 300 s, and so does teegate.
	MaxDenylistStalenessSeconds = 300
	// MaxBasisPoints is 100 %.
	MaxBasisPoints = 10000
	// MinActivationGateQuorumBps: making the profile mandatory needs at
	// least a two-thirds (67 %) governance quorum.
	MinActivationGateQuorumBps = 6700
	// MaxPercent is 100 %, the largest value a percentage member may
	// hold. Layer C bounds the vendor cap more tightly
	// (cohort.MaxVendorSharePercent, 60 %).
	MaxPercent = 100
)

// Registry is the governance registry, TeeGovernanceRegistryV1.
type Registry struct {
	ProfileStatus  string          `json:"profile_status"`
	Enforcement    Enforcement     `json:"enforcement"`
	Operators      []Operator      `json:"operators"`
	ActivationGate *ActivationGate `json:"activation_gate"` // optional: a draft profile needs none
	// PolicyVersion selects the rules: absent or 1, the reference's;
	// 2, relaxations only on grants signed by GovernanceKeys (Policy).
	PolicyVersion *uint64 `json:"policy_version"`
	// GovernanceKeys are the keys of the governance approvers who sign
	// grants; policy 2 only.
	GovernanceKeys *[]GovernanceKey `json:"governance_keys"`
	// RegistryVersion and MinTokenRegistryVersion bind tokens to the
	// registry they were issued against (policy 2 only, and required
	// there): a token's registry_snapshot_version must lie between them.
	RegistryVersion         *uint64 `json:"registry_version"`
	MinTokenRegistryVersion *uint64 `json:"min_token_registry_version"`
}

// Enforcement holds the registry-wide enforcement parameters.
type Enforcement struct {
	AttestationMaxAgeSeconds         uint64 `json:"attestation_max_age_seconds"`
	GracePeriodSeconds               uint64 `json:"grace_period_seconds"`
	MinAttestedSignersPerCohort      uint64 `json:"min_attested_signers_per_cohort"`
	MaxSingleVendorSharePercent      uint64 `json:"max_single_vendor_share_percent"`
	DenylistMaxStalenessSeconds      uint64 `json:"denylist_max_staleness_seconds"`
	BreakGlassTTLSeconds             uint64 `json:"break_glass_ttl_seconds"`
	BreakGlassMaxActivationsPer7d    uint64 `json:"break_glass_max_activations_per_7d"`
	BreakGlassCooldownSeconds        uint64 `json:"break_glass_cooldown_seconds"`
	BreakGlassScope                  string `json:"break_glass_scope"`
	BreakGlassQuorumBps              uint64 `json:"break_glass_quorum_bps"`
	ActivationGateRequiredQuorumBps  uint64 `json:"activation_gate_required_quorum_bps"`
	ReAttestationPollIntervalSeconds uint64 `json:"re_attestation_poll_interval_seconds"`
}

// Operator is one whitelisted operator's admission record.
type Operator struct {
	OperatorID               string   `json:"operator_id" teegate:"id"`
	SignerIdentifier         string   `json:"signer_identifier" teegate:"id"`
	Status                   string   `json:"status"`
	AllowedTEETypes          []string `json:"allowed_tee_types"`
	AllowedMeasurements      []string `json:"allowed_measurements"`
	AttestationMaxAgeSeconds uint64   `json:"attestation_max_age_seconds"`
	GracePeriodSeconds       uint64   `json:"grace_period_seconds"`
	EffectiveFrom            uint64   `json:"effective_from"`  // Unix seconds
	EffectiveUntil           *uint64  `json:"effective_until"` // Unix seconds; nil: no end
	// VendorID is the operator's TEE vendor (TEEVendor), policy 2 only:
	// the vendor its signers count under, whatever a session says.
	VendorID *string `json:"vendor_id" teegate:"id"`
}

// ActivationGate records the governance decision that made the profile
// mandatory.
type ActivationGate struct {
	GovernanceDecisionID    string     `json:"governance_decision_id" teegate:"id"`
	EffectiveAtUnix         uint64     `json:"effective_at_unix"`
	QuorumDenominator       uint64     `json:"quorum_denominator"`
	AchievedQuorumBps       uint64     `json:"achieved_quorum_bps"`
	Approvers               []Approver `json:"approvers"`
	ProfileStatusTransition string     `json:"profile_status_transition"`
	RollbackCondition       string     `json:"rollback_condition"`
	RollbackAuthority       string     `json:"rollback_authority"`
}

// Approver is one role holder's decision on the activation.
type Approver struct {
	ApproverID    string `json:"approver_id" teegate:"id"`
	Role          string `json:"role"`
	Decision      string `json:"decision"`
	DecidedAtUnix uint64 `json:"decided_at_unix"`
}

// Profile is the registry's enforcement profile.
type Profile string

const (
	ProfileDraft     Profile = "draft"
	ProfileMandatory Profile = "mandatory"
)

// ParseProfile normalises s and reports whether it names a profile.
func ParseProfile(s string) (Profile, bool) {
	switch p := Profile(ident.Norm(s)); p {
	case ProfileDraft, ProfileMandatory:
		return p, true
	}
	return "", false
}

// Status is an operator's lifecycle status.
type Status string

const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusRevoked   Status = "revoked"
)

// ParseStatus normalises s and reports whether it names a status.
func ParseStatus(s string) (Status, bool) {
	switch st := Status(ident.Norm(s)); st {
	case StatusActive, StatusSuspended, StatusRevoked:
		return st, true
	}
	return "", false
}

// BreakGlassScopeNamedOperators is the only break-glass scope supported: a
// waiver names the operators it covers.
const BreakGlassScopeNamedOperators = "named_operator_ids_only"

// Mandatory reports whether the registry's profile is mandatory, the only
// one under which layers B, C and D admit anyone.
func (r *Registry) Mandatory() bool {
	p, _ := ParseProfile(r.ProfileStatus)
	return p == ProfileMandatory
}

// Active reports whether the operator's status is active.
func (o *Operator) Active() bool {
	st, _ := ParseStatus(o.Status)
	return st == StatusActive
}

// BreakGlassScopeSupported reports whether the policy's break-glass scope
// is the one supported, BreakGlassScopeNamedOperators.
func (e *Enforcement) BreakGlassScopeSupported() bool {
	return ident.Norm(e.BreakGlassScope) == BreakGlassScopeNamedOperators
}

// BreakGlassTTLValid reports whether the policy's break-glass TTL is
// within [1, SecondsPer7Days].
func (e *Enforcement) BreakGlassTTLValid() bool {
	return inRange(e.BreakGlassTTLSeconds, 1, SecondsPer7Days)
}

// Roles whose approval the activation gate requires, in the order their
// findings are reported.
const (
	RoleSecurityOwner      = "security_owner"
	RoleSignerRuntimeOwner = "signer_runtime_owner"
	RoleGovernanceDelegate = "governance_delegate"
)

var requiredRoles = [...]string{RoleSecurityOwner, RoleSignerRuntimeOwner, RoleGovernanceDelegate}

// IndexOperators maps each normalised operator id to its first registry
// record, so that a layer costs one lookup per signer or token rather than
// a scan of the registry; the first match wins, as in the reference.
func IndexOperators(ops []Operator) map[string]*Operator {
	byID := make(map[string]*Operator, len(ops))
	for i := range ops {
		id := ident.Norm(ops[i].OperatorID)
		if _, dup := byID[id]; !dup {
			byID[id] = &ops[i]
		}
	}
	return byID
}

// Requirement says which registry members a layer reads and therefore
// requires. The zero value requires every member that is not optional,
// which is what layer A reads.
type Requirement struct {
	members strictjson.Required
}

// RequireMembers requires exactly the members at the given schema paths:
// JSON pointers with "*" for an array index, such as
// "/operators/*/operator_id".
func RequireMembers(schemaPaths ...string) Requirement {
	return Requirement{members: strictjson.Members(schemaPaths...)}
}

// AnyOf requires every member that any of reqs requires: the registry
// members of a reader that runs several layers.
func AnyOf(reqs ...Requirement) Requirement {
	sets := make([]strictjson.Required, len(reqs))
	for i, r := range reqs {
		sets[i] = r.members
	}
	return Requirement{members: strictjson.Union(sets...)}
}

// DecodeRegistry decodes a registry document strictly. file names the
// document in errors. Every member of the schema is known; the members that
// req does not require may be absent, and then hold their zero value.
func DecodeRegistry(file string, data []byte, req Requirement) (*Registry, error) {
	return validated(file)(strictjson.DecodeNew[Registry](file, data, req.members))
}

// ReadRegistry is DecodeRegistry for a registry read from r: the same
// checks and errors, holding a window of the document rather than all of
// it (strictjson.DecodeReader).
func ReadRegistry(file string, r io.Reader, req Requirement) (*Registry, error) {
	return validated(file)(strictjson.DecodeNewReader[Registry](file, r, req.members))
}

// validated completes a registry's decoding with the rules of its policy
// version, which the schema alone cannot say.
func validated(file string) func(*Registry, error) (*Registry, error) {
	return func(reg *Registry, err error) (*Registry, error) {
		if err != nil {
			return nil, err
		}
		if err := reg.validatePolicy(file); err != nil {
			return nil, err
		}
		return reg, nil
	}
}

// GovernanceKeyMembers are the members of a governance key, required of
// every layer that verifies grants when the registry lists keys.
var GovernanceKeyMembers = []string{
	"/governance_keys/*/approver_id",
	"/governance_keys/*/role",
	"/governance_keys/*/pubkey_hex",
	"/governance_keys/*/valid_from_unix",
	"/governance_keys/*/valid_until_unix",
}
