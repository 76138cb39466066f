package cohort

import (
	"maps"
	"slices"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/sat"
)

// Limits of layer C.
const (
	// MaxGracePeriodSeconds is governance.MaxGracePeriodSeconds, the
	// ceiling layer C puts on grace_period_seconds.
	MaxGracePeriodSeconds = governance.MaxGracePeriodSeconds
	// MinAttestedSignersFloor: a cohort of one attested signer proves
	// nothing about the others.
	MinAttestedSignersFloor = 2
	// MaxVendorSharePercent bounds both the policy cap and any relaxation:
	// no vendor may ever hold more than 60 % of a cohort.
	MaxVendorSharePercent = 60
	// MaxOutageRelaxationSeconds: a vendor-outage relaxation lasts at most
	// six hours before it must be declared again.
	MaxOutageRelaxationSeconds = 6 * 3600
)

// relaxationSteps are the only relaxed caps an outage may declare.
var relaxationSteps = [...]uint64{40, 50, 60}

// Phase is the point of the signing session at which the cohort is
// checked.
type Phase string

const (
	// PhaseSessionStart: every token must be unexpired.
	PhaseSessionStart Phase = "session_start"
	// PhaseMidSession: a token that expired during the session is tolerated
	// for the registry's grace period.
	PhaseMidSession Phase = "mid_session"
)

// CheckRuntime decides whether a session's cohort may sign: the registry's
// policy and ceilings, the session's shape and threshold+1 floor, the
// denylist's freshness, an optional vendor-outage relaxation, every
// selected signer against the registry and the denylist, and the share of
// each vendor. now is the evaluation time in Unix seconds.
//
// Reasons come in the reference's order. The per-vendor reasons, which the
// reference emits in hash-map order, are sorted by vendor id.
func CheckRuntime(reg *governance.Registry, s *Session, now uint64) decision.Decision {
	d, _ := CheckRuntimeAttributed(reg, s, now)
	return d
}

// ParsePhase reads a session's phase, normalised. An unknown phase is
// checked as session_start, the stricter one, and ok is false: every layer
// and the service take a phase this way.
func ParsePhase(s string) (p Phase, ok bool) {
	switch p := Phase(ident.Norm(s)); p {
	case PhaseSessionStart, PhaseMidSession:
		return p, true
	}
	return PhaseSessionStart, false
}

// NoSigner marks a reason that concerns the cohort, not one signer.
const NoSigner = -1

// CheckRuntimeAttributed is CheckRuntime, also saying which selected signer
// each reason concerns: signers[i] is the index in s.SelectedSigners of the
// signer behind reason i, or NoSigner.
func CheckRuntimeAttributed(reg *governance.Registry, s *Session, now uint64) (d decision.Decision, signers []int) {
	var b decision.Builder
	e := &reg.Enforcement
	checkPolicy(&b, reg)
	phase, ok := ParsePhase(s.Phase)
	if !ok {
		b.Addf(CodeRuntimePhaseInvalid, "phase %q is neither %s nor %s; checked as %s", s.Phase, PhaseSessionStart, PhaseMidSession, PhaseSessionStart)
	}
	checkShape(&b, s, e)
	governance.CheckDenylistFreshness(&b, s.Denylist.RefreshedAtUnix, e, now, freshnessCodes)
	var capPercent uint64
	var out map[string]bool // vendors out, under policy 2
	if reg.Policy() == governance.Policy2 {
		capPercent, out = outageCap(&b, reg, s.VendorOutageGrants, now)
	} else {
		capPercent = vendorCap(&b, s.VendorOutage, e.MaxSingleVendorSharePercent, now)
	}
	n := len(s.SelectedSigners)
	c := cohortCheck{
		b:             &b,
		reg:           reg,
		byID:          governance.IndexOperators(reg.Operators),
		denylist:      newDenylistIndex(&s.Denylist),
		phase:         phase,
		now:           now,
		seenOperators: make(map[string]bool, n),
		seenSigners:   make(map[string]bool, n),
		seenTokens:    make(map[string]bool, n),
		vendors:       map[string]uint64{},
		policy2:       reg.Policy() == governance.Policy2,
	}
	signers = make([]int, b.Len())
	for i := range signers {
		signers[i] = NoSigner
	}
	for i := range s.SelectedSigners {
		c.signer(&s.SelectedSigners[i])
		for len(signers) < b.Len() {
			signers = append(signers, i)
		}
	}
	c.vendorDiversity(uint64(n), capPercent, e.MaxSingleVendorSharePercent, out)
	for len(signers) < b.Len() {
		signers = append(signers, NoSigner)
	}
	d = b.Decide(now)
	if c.policy2 {
		d.SessionID = ident.Trim(s.SessionID) // layer D binds to it
	}
	return d, signers
}

var ceilingCodes = governance.CeilingCodes{
	AttestationMaxAgeAboveCeiling: CodeAttestationMaxAgeExceedsHardCeiling,
	DenylistStalenessZero:         CodeDenylistMaxStalenessInvalidZero,
	DenylistStalenessAboveCeiling: CodeDenylistMaxStalenessExceedsHardCeiling,
}

var freshnessCodes = governance.FreshnessCodes{
	RefreshedAtInvalid: CodeDenylistRefreshedAtInvalid,
	RefreshedInFuture:  CodeDenylistRefreshedAtInFuture,
	Stale:              CodeDenylistStale,
}

func checkPolicy(b *decision.Builder, reg *governance.Registry) {
	e := &reg.Enforcement
	if !reg.Mandatory() {
		b.Addf(CodeGovernanceProfileNotMandatory, "profile_status is %q; cohorts are checked only under a mandatory profile", reg.ProfileStatus)
	}
	if e.GracePeriodSeconds > MaxGracePeriodSeconds {
		b.Addf(CodeGracePeriodExceedsHardCeiling, "enforcement.grace_period_seconds is %d, above the hard ceiling of %d", e.GracePeriodSeconds, MaxGracePeriodSeconds)
	}
	governance.CheckCeilings(b, e, ceilingCodes)
	if e.MinAttestedSignersPerCohort < MinAttestedSignersFloor {
		b.Addf(CodeMinAttestedSignersBelowAbsoluteFloor, "enforcement.min_attested_signers_per_cohort is %d, below the floor of %d",
			e.MinAttestedSignersPerCohort, MinAttestedSignersFloor)
	}
	if e.MaxSingleVendorSharePercent == 0 || e.MaxSingleVendorSharePercent > MaxVendorSharePercent {
		b.Addf(CodeMaxSingleVendorSharePercentOutOfBounds, "enforcement.max_single_vendor_share_percent is %d, outside [1, %d]",
			e.MaxSingleVendorSharePercent, MaxVendorSharePercent)
	}
}

func checkShape(b *decision.Builder, s *Session, e *governance.Enforcement) {
	if ident.Blank(s.SessionID) {
		b.Addf(CodeSessionIDMissing, "session_id is blank")
	}
	if s.Threshold == 0 {
		b.Addf(CodeThresholdInvalid, "threshold must be greater than 0")
	}
	if need := sat.Add(s.Threshold, 1); e.MinAttestedSignersPerCohort < need {
		b.Addf(CodeMinAttestedSignersBelowThresholdPlusOne, "enforcement.min_attested_signers_per_cohort is %d; threshold %d needs at least %d",
			e.MinAttestedSignersPerCohort, s.Threshold, need)
	}
	if n := uint64(len(s.SelectedSigners)); n < e.MinAttestedSignersPerCohort {
		b.Addf(CodeSelectedSignersBelowPolicyMinimum, "%d signers selected; the policy needs at least %d", n, e.MinAttestedSignersPerCohort)
	}
	if len(s.SelectedSigners) == 0 {
		b.Addf(CodeSelectedSignersEmpty, "no signers selected")
	}
}

// vendorCap returns the single-vendor cap in force: the relaxed cap of a
// valid outage declaration, else the policy cap as configured. Only the
// first problem of a declaration is reported, as in the reference.
func vendorCap(b *decision.Builder, o *VendorOutage, policy, now uint64) uint64 {
	if o == nil {
		return policy
	}
	relaxed := o.RelaxedMaxSingleVendorSharePercent
	switch {
	case !o.Declared:
		b.Addf(CodeVendorOutageNotDeclared, "vendor_outage is present but not declared")
	case o.DeclaredAtUnix == 0:
		b.Addf(CodeVendorOutageDeclaredAtInvalid, "vendor_outage.declared_at_unix must be greater than 0")
	case o.DeclaredAtUnix > now:
		b.Addf(CodeVendorOutageDeclaredInFuture, "the vendor outage is declared at %d, after now (%d)", o.DeclaredAtUnix, now)
	case relaxed < policy:
		b.Addf(CodeVendorOutageRelaxationBelowPolicy, "the relaxed cap of %d %% is below the policy cap of %d %%", relaxed, policy)
	case relaxed > MaxVendorSharePercent:
		b.Addf(CodeVendorOutageRelaxationExceedsMaximum, "the relaxed cap of %d %% is above the maximum of %d %%", relaxed, MaxVendorSharePercent)
	case !slices.Contains(relaxationSteps[:], relaxed):
		b.Addf(CodeVendorOutageRelaxationStepInvalid, "the relaxed cap of %d %% is not one of the steps %v", relaxed, relaxationSteps)
	case o.ExpiresAtUnix <= o.DeclaredAtUnix:
		b.Addf(CodeVendorOutageExpiryWindowInvalid, "the vendor outage expires at %d, not after its declaration at %d", o.ExpiresAtUnix, o.DeclaredAtUnix)
	case o.ExpiresAtUnix <= now:
		b.Addf(CodeVendorOutageRelaxationExpired, "the vendor outage relaxation expired at %d (now %d)", o.ExpiresAtUnix, now)
	case o.ExpiresAtUnix-o.DeclaredAtUnix > MaxOutageRelaxationSeconds:
		b.Addf(CodeVendorOutageRelaxationTTLExceedsMaximum, "the vendor outage relaxation lasts %d s, above the maximum of %d s",
			o.ExpiresAtUnix-o.DeclaredAtUnix, MaxOutageRelaxationSeconds)
	default:
		return relaxed
	}
	return policy
}

// denylistIndex holds the denylist's entries, normalised.
type denylistIndex struct {
	operators, signers, tokens map[string]bool
	minEpoch                   uint64
}

func newDenylistIndex(d *Denylist) denylistIndex {
	set := func(items []string) map[string]bool {
		m := make(map[string]bool, len(items))
		for _, s := range items {
			m[ident.Norm(s)] = true
		}
		return m
	}
	return denylistIndex{
		operators: set(d.RevokedOperatorIDs),
		signers:   set(d.RevokedSignerIdentifiers),
		tokens:    set(d.RevokedTokenIDs),
		minEpoch:  d.MinTokenRevocationEpoch,
	}
}

// cohortCheck carries the state of the per-signer loop.
type cohortCheck struct {
	b        *decision.Builder
	reg      *governance.Registry
	byID     map[string]*governance.Operator
	denylist denylistIndex
	phase    Phase
	now      uint64

	seenOperators, seenSigners, seenTokens map[string]bool
	vendors                                map[string]uint64 // signers per normalised vendor id
	policy2                                bool              // the registry's policy_version is 2
}

func (c *cohortCheck) signer(sel *SelectedSigner) {
	op, sid, ven, tok := ident.Norm(sel.OperatorID), ident.Norm(sel.SignerIdentifier), ident.Norm(sel.VendorID), ident.Norm(sel.Token.TokenID)
	// A signer missing an identity is skipped before it is recorded, so a
	// later entry with the same operator is not a duplicate of it.
	switch {
	case op == "":
		c.b.Addf(CodeSelectedOperatorIDMissing, "a selected signer has a blank operator_id")
		return
	case sid == "":
		c.b.Addf(CodeSelectedSignerIdentifierMissing, "selected operator %q has a blank signer_identifier", sel.OperatorID)
		return
	case ven == "":
		c.b.Addf(CodeSelectedVendorIDMissing, "selected operator %q has a blank vendor_id", sel.OperatorID)
		return
	case tok == "":
		c.b.Addf(CodeSelectedTokenIDMissing, "selected operator %q has a token with a blank token_id", sel.OperatorID)
		return
	}
	if c.seenOperators[op] {
		c.b.Addf(CodeSelectedOperatorIDDuplicate, "operator %q is selected more than once", sel.OperatorID)
	}
	c.seenOperators[op] = true
	if c.seenSigners[sid] {
		c.b.Addf(CodeSelectedSignerIdentifierDuplicate, "signer %q is selected more than once", sel.SignerIdentifier)
	}
	c.seenSigners[sid] = true
	if c.seenTokens[tok] {
		c.b.Addf(CodeSelectedTokenIDDuplicate, "token %q is presented more than once", sel.Token.TokenID)
	}
	c.seenTokens[tok] = true

	reg, ok := c.byID[op]
	if !ok {
		c.b.Addf(CodeSelectedOperatorNotInRegistry, "selected operator %q is not in the registry", sel.OperatorID)
		return
	}
	if !reg.Active() {
		c.b.Addf(CodeSelectedOperatorNotActive, "operator %q has status %q", reg.OperatorID, reg.Status)
	}
	if ident.Norm(reg.SignerIdentifier) != sid {
		c.b.Addf(CodeSelectedSignerIdentifierRegistryMismatch, "selected signer %q differs from operator %q's registry signer %q",
			sel.SignerIdentifier, reg.OperatorID, reg.SignerIdentifier)
	}
	t := &sel.Token
	e := &c.reg.Enforcement
	if t.IssuedAtUnix < reg.EffectiveFrom {
		c.b.Addf(CodeSelectedTokenBeforeOperatorEffectiveFrom, "operator %q: token issued at %d, before effective_from %d",
			sel.OperatorID, t.IssuedAtUnix, reg.EffectiveFrom)
	}
	if reg.EffectiveUntil != nil && t.IssuedAtUnix > *reg.EffectiveUntil {
		c.b.Addf(CodeSelectedTokenAfterOperatorEffectiveUntil, "operator %q: token issued at %d, after effective_until %d",
			sel.OperatorID, t.IssuedAtUnix, *reg.EffectiveUntil)
	}
	if t.IssuedAtUnix > c.now {
		c.b.Addf(CodeSelectedTokenNotYetValid, "token %q is issued at %d, after now (%d)", t.TokenID, t.IssuedAtUnix, c.now)
	}
	if t.ExpiresAtUnix <= t.IssuedAtUnix {
		c.b.Addf(CodeSelectedTokenExpiryInvalid, "token %q expires at %d, not after its issue at %d", t.TokenID, t.ExpiresAtUnix, t.IssuedAtUnix)
	}
	if ttl := sat.Sub(t.ExpiresAtUnix, t.IssuedAtUnix); ttl > e.AttestationMaxAgeSeconds {
		c.b.Addf(CodeSelectedTokenTTLExceedsAttestationMaxAge, "token %q lives %d s, above enforcement.attestation_max_age_seconds (%d)",
			t.TokenID, ttl, e.AttestationMaxAgeSeconds)
	}
	if t.TokenRevocationEpoch < c.denylist.minEpoch {
		c.b.Addf(CodeSelectedTokenRevocationEpochBelowMinimum, "token %q has revocation epoch %d, below the minimum %d",
			t.TokenID, t.TokenRevocationEpoch, c.denylist.minEpoch)
	}
	if c.denylist.operators[op] {
		c.b.Addf(CodeSelectedOperatorRevoked, "operator %q is on the denylist", sel.OperatorID)
	}
	if c.denylist.signers[sid] {
		c.b.Addf(CodeSelectedSignerRevoked, "signer %q is on the denylist", sel.SignerIdentifier)
	}
	if c.denylist.tokens[tok] {
		c.b.Addf(CodeSelectedTokenRevoked, "token %q is on the denylist", t.TokenID)
	}
	if c.now > t.ExpiresAtUnix {
		switch late := c.now - t.ExpiresAtUnix; {
		case c.phase == PhaseSessionStart:
			c.b.Addf(CodeSelectedTokenExpiredForSessionStart, "token %q expired at %d, before the session starts (now %d)", t.TokenID, t.ExpiresAtUnix, c.now)
		case late > e.GracePeriodSeconds:
			c.b.Addf(CodeSelectedTokenExpiredBeyondGrace, "token %q expired %d s ago, beyond the grace period of %d s", t.TokenID, late, e.GracePeriodSeconds)
		case c.policy2 && late > reg.GracePeriodSeconds:
			c.b.Addf(CodeSelectedTokenExpiredBeyondOperatorGrace, "token %q expired %d s ago, beyond operator %q's grace period of %d s",
				t.TokenID, late, reg.OperatorID, reg.GracePeriodSeconds)
		}
	}
	if c.policy2 {
		ven = c.atNow(sel, reg, ven)
	}
	c.vendors[ven]++
}

// atNow is policy 2's check of a signer against its operator at now: the
// operator's window, its own attestation age limit when stricter than the
// registry's, and its governed vendor, which the signer counts under
// whatever the session says. It returns the vendor to count.
func (c *cohortCheck) atNow(sel *SelectedSigner, op *governance.Operator, ven string) string {
	if op.EffectiveFrom > c.now {
		c.b.Addf(CodeSelectedOperatorNotYetEffective, "operator %q is effective only from %d, after now (%d)", op.OperatorID, op.EffectiveFrom, c.now)
	}
	if op.EffectiveUntil != nil && *op.EffectiveUntil < c.now {
		c.b.Addf(CodeSelectedOperatorWindowClosed, "operator %q's window closed at %d, before now (%d)", op.OperatorID, *op.EffectiveUntil, c.now)
	}
	t := &sel.Token
	if ttl := sat.Sub(t.ExpiresAtUnix, t.IssuedAtUnix); ttl <= c.reg.Enforcement.AttestationMaxAgeSeconds && ttl > op.AttestationMaxAgeSeconds {
		c.b.Addf(CodeSelectedTokenTTLExceedsOperatorAttestationMaxAge, "token %q lives %d s, above operator %q's attestation_max_age_seconds (%d)",
			t.TokenID, ttl, op.OperatorID, op.AttestationMaxAgeSeconds)
	}
	governed := op.Vendor()
	if governed != ven {
		c.b.Addf(CodeSelectedVendorMismatch, "selected operator %q is labelled vendor %q, but governance records vendor %q", sel.OperatorID, sel.VendorID, governed)
	}
	if governed == "" {
		return ven // layer A reports the operator; the cap still counts the signer somewhere
	}
	return governed
}

// vendorDiversity reports every vendor whose share of the cohort exceeds
// the cap. The share is floor(count * 100 / total), where total counts every
// selected entry, skipped ones included, as in the reference.
func (c *cohortCheck) vendorDiversity(total, relaxedCap, policyCap uint64, out map[string]bool) {
	if total == 0 {
		return
	}
	for _, vendor := range slices.Sorted(maps.Keys(c.vendors)) {
		vendorCap := relaxedCap
		if out[vendor] {
			vendorCap = policyCap // a vendor that is out is never relaxed
		}
		if share := sat.Mul(c.vendors[vendor], 100) / total; share > vendorCap {
			c.b.Addf(CodeVendorDiversityCapExceeded, "vendor %q holds %d %% of the cohort (%d of %d signers); the cap is %d %%",
				vendor, share, c.vendors[vendor], total, vendorCap)
		}
	}
}
