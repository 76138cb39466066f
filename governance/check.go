package governance

import (
	"slices"
	"strings"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/ident"
)

// CheckRegistry validates a registry and, when log is not nil, its audit
// event log, reconciling the two. now is the evaluation time in Unix
// seconds. It is a pure function: no clock, no files.
//
// Every check runs and every finding is reported, in the reference's order:
// profile, operator list, enforcement parameters, operator records,
// activation gate, then the event log. Checks read the raw enforcement
// values even where those already failed validation, as the reference does.
func CheckRegistry(reg *Registry, log *AuditLog, now uint64) decision.Decision {
	var b decision.Builder
	profile, ok := ParseProfile(reg.ProfileStatus)
	if !ok {
		b.Addf(CodeProfileStatusInvalid, "profile_status %q is not draft or mandatory", reg.ProfileStatus)
		profile = ProfileDraft // as in the reference, so a missing gate is not reported too
	}
	if len(reg.Operators) == 0 {
		b.Addf(CodeOperatorsEmpty, "operators is empty: the registry needs at least one operator")
	}
	checkEnforcement(&b, &reg.Enforcement)
	checkOperators(&b, reg.Operators, now)
	checkActivationGate(&b, profile, reg.ActivationGate, &reg.Enforcement, now)
	checkGovernanceKeys(&b, reg)
	checkPolicy2(&b, reg, now)
	if log != nil {
		checkAuditLog(&b, reg, log.Events, now)
	}
	return b.Decide(now)
}

func checkEnforcement(b *decision.Builder, e *Enforcement) {
	if e.AttestationMaxAgeSeconds == 0 {
		b.Addf(CodeAttestationMaxAgeInvalid, "enforcement.attestation_max_age_seconds must be greater than 0")
	} else if e.AttestationMaxAgeSeconds > MaxAttestationMaxAgeSeconds {
		b.Addf(CodeAttestationMaxAgeExceedsHardCeiling, "enforcement.attestation_max_age_seconds is %d, above the hard ceiling of %d",
			e.AttestationMaxAgeSeconds, MaxAttestationMaxAgeSeconds)
	}
	if e.GracePeriodSeconds > e.AttestationMaxAgeSeconds {
		b.Addf(CodeGracePeriodExceedsAttestationMaxAge, "enforcement.grace_period_seconds (%d) exceeds enforcement.attestation_max_age_seconds (%d)",
			e.GracePeriodSeconds, e.AttestationMaxAgeSeconds)
	}
	if e.MinAttestedSignersPerCohort == 0 {
		b.Addf(CodeMinAttestedSignersInvalid, "enforcement.min_attested_signers_per_cohort must be greater than 0")
	}
	if !inRange(e.MaxSingleVendorSharePercent, 1, MaxPercent) {
		b.Addf(CodeMaxSingleVendorSharePercentInvalid, "enforcement.max_single_vendor_share_percent is %d, outside [1, %d]",
			e.MaxSingleVendorSharePercent, MaxPercent)
	}
	if !inRange(e.DenylistMaxStalenessSeconds, 1, MaxDenylistStalenessSeconds) {
		b.Addf(CodeDenylistMaxStalenessOutOfBounds, "enforcement.denylist_max_staleness_seconds is %d, outside [1, %d]",
			e.DenylistMaxStalenessSeconds, MaxDenylistStalenessSeconds)
	}
	if !e.BreakGlassTTLValid() {
		b.Addf(CodeBreakGlassTTLInvalid, "enforcement.break_glass_ttl_seconds is %d, outside [1, %d]",
			e.BreakGlassTTLSeconds, SecondsPer7Days)
	}
	if e.BreakGlassMaxActivationsPer7d == 0 {
		b.Addf(CodeBreakGlassMaxActivationsInvalid, "enforcement.break_glass_max_activations_per_7d must be greater than 0")
	}
	if !inRange(e.BreakGlassCooldownSeconds, 1, SecondsPer7Days) {
		b.Addf(CodeBreakGlassCooldownInvalid, "enforcement.break_glass_cooldown_seconds is %d, outside [1, %d]",
			e.BreakGlassCooldownSeconds, SecondsPer7Days)
	}
	if !e.BreakGlassScopeSupported() {
		b.Addf(CodeBreakGlassScopeNotSupported, "enforcement.break_glass_scope is %q; only %q is supported",
			e.BreakGlassScope, BreakGlassScopeNamedOperators)
	}
	if !inRange(e.BreakGlassQuorumBps, 1, MaxBasisPoints) {
		b.Addf(CodeBreakGlassQuorumInvalid, "enforcement.break_glass_quorum_bps is %d, outside [1, %d]",
			e.BreakGlassQuorumBps, MaxBasisPoints)
	}
	if !inRange(e.ActivationGateRequiredQuorumBps, MinActivationGateQuorumBps, MaxBasisPoints) {
		b.Addf(CodeActivationGateRequiredQuorumInvalid, "enforcement.activation_gate_required_quorum_bps is %d, outside [%d, %d]",
			e.ActivationGateRequiredQuorumBps, MinActivationGateQuorumBps, MaxBasisPoints)
	}
	if e.ReAttestationPollIntervalSeconds == 0 {
		b.Addf(CodeReAttestationPollIntervalInvalid, "enforcement.re_attestation_poll_interval_seconds must be greater than 0")
	} else if e.ReAttestationPollIntervalSeconds > e.AttestationMaxAgeSeconds {
		b.Addf(CodeReAttestationPollIntervalExceedsAttestationAge,
			"enforcement.re_attestation_poll_interval_seconds (%d) exceeds enforcement.attestation_max_age_seconds (%d): attestations would lapse between polls",
			e.ReAttestationPollIntervalSeconds, e.AttestationMaxAgeSeconds)
	}
}

// inRange reports lo <= v <= hi; every bound in the reference is inclusive.
func inRange(v, lo, hi uint64) bool { return lo <= v && v <= hi }

func checkOperators(b *decision.Builder, ops []Operator, now uint64) {
	seenIDs := make(map[string]bool, len(ops))
	seenSigners := make(map[string]bool, len(ops))
	for i := range ops {
		op := &ops[i]
		if ident.Blank(op.OperatorID) {
			b.Addf(CodeOperatorIDMissing, "operators[%d].operator_id is blank", i)
			continue
		}
		id := ident.Norm(op.OperatorID)
		if seenIDs[id] {
			b.Addf(CodeOperatorIDDuplicate, "operator_id %q appears more than once", op.OperatorID)
		}
		seenIDs[id] = true
		if ident.Blank(op.SignerIdentifier) {
			b.Addf(CodeSignerIdentifierMissing, "operator %q: signer_identifier is blank", op.OperatorID)
			continue
		}
		signer := ident.Norm(op.SignerIdentifier)
		if seenSigners[signer] {
			b.Addf(CodeSignerIdentifierDuplicate, "signer_identifier %q (operator %q) belongs to an earlier operator too",
				op.SignerIdentifier, op.OperatorID)
		}
		seenSigners[signer] = true
		status, statusOK := ParseStatus(op.Status)
		if !statusOK {
			b.Addf(CodeOperatorStatusInvalid, "operator %q: status %q is not active, suspended or revoked", op.OperatorID, op.Status)
		}
		if len(op.AllowedTEETypes) == 0 {
			b.Addf(CodeAllowedTEETypesMissing, "operator %q: allowed_tee_types is empty", op.OperatorID)
		} else if slices.ContainsFunc(op.AllowedTEETypes, ident.Blank) {
			b.Addf(CodeAllowedTEETypesContainsEmpty, "operator %q: allowed_tee_types contains a blank entry", op.OperatorID)
		}
		if len(op.AllowedMeasurements) == 0 {
			b.Addf(CodeAllowedMeasurementsMissing, "operator %q: allowed_measurements is empty", op.OperatorID)
		} else if slices.ContainsFunc(op.AllowedMeasurements, ident.Blank) {
			b.Addf(CodeAllowedMeasurementsContainsEmpty, "operator %q: allowed_measurements contains a blank entry", op.OperatorID)
		}
		for _, m := range op.AllowedMeasurements {
			if !ident.IsSHA256Digest(m) {
				b.Addf(CodeAllowedMeasurementDigestInvalid, "operator %q: allowed measurement %q is not sha256: followed by 64 hex digits",
					op.OperatorID, m)
			}
		}
		if op.AttestationMaxAgeSeconds == 0 {
			b.Addf(CodeOperatorAttestationMaxAgeInvalid, "operator %q: attestation_max_age_seconds must be greater than 0", op.OperatorID)
		}
		if op.GracePeriodSeconds > op.AttestationMaxAgeSeconds {
			b.Addf(CodeOperatorGracePeriodExceedsAttestationAge, "operator %q: grace_period_seconds (%d) exceeds attestation_max_age_seconds (%d)",
				op.OperatorID, op.GracePeriodSeconds, op.AttestationMaxAgeSeconds)
		}
		if op.EffectiveFrom == 0 {
			b.Addf(CodeOperatorEffectiveFromInvalid, "operator %q: effective_from must be greater than 0", op.OperatorID)
		}
		if until := op.EffectiveUntil; until != nil {
			if *until < op.EffectiveFrom {
				b.Addf(CodeOperatorEffectiveWindowInvalid, "operator %q: effective_until (%d) is before effective_from (%d)",
					op.OperatorID, *until, op.EffectiveFrom)
			}
			if *until < now && statusOK && status == StatusActive {
				b.Addf(CodeActiveOperatorWindowExpired, "operator %q is active but its window ended at %d, before now (%d)",
					op.OperatorID, *until, now)
			}
		}
	}
}

// draftToMandatory is the only transition an activation gate may record.
const draftToMandatory = "draft->mandatory"

// decisionApproved is the one approver decision that counts as approval;
// anything else, typos included, counts as not approved.
const decisionApproved = "approved"

func checkActivationGate(b *decision.Builder, profile Profile, g *ActivationGate, e *Enforcement, now uint64) {
	if g == nil {
		if profile == ProfileMandatory {
			b.Addf(CodeMandatoryProfileMissingActivationGate, "profile_status is mandatory but the registry has no activation_gate record")
		}
		return
	}
	// A gate present on a draft profile is still validated in full.
	if ident.Blank(g.GovernanceDecisionID) {
		b.Addf(CodeActivationGateDecisionIDMissing, "activation_gate.governance_decision_id is blank")
	}
	if g.EffectiveAtUnix == 0 {
		b.Addf(CodeActivationGateEffectiveTimeInvalid, "activation_gate.effective_at_unix must be greater than 0")
	}
	if profile == ProfileMandatory && g.EffectiveAtUnix > now {
		b.Addf(CodeActivationGateNotYetEffective, "activation_gate takes effect at %d, after now (%d), yet the profile is already mandatory",
			g.EffectiveAtUnix, now)
	}
	if g.QuorumDenominator == 0 {
		b.Addf(CodeActivationGateQuorumDenominatorInvalid, "activation_gate.quorum_denominator must be greater than 0")
	}
	if g.AchievedQuorumBps > MaxBasisPoints {
		b.Addf(CodeActivationGateAchievedQuorumInvalid, "activation_gate.achieved_quorum_bps is %d, above %d", g.AchievedQuorumBps, MaxBasisPoints)
	}
	if g.AchievedQuorumBps < e.ActivationGateRequiredQuorumBps {
		b.Addf(CodeActivationGateQuorumBelowRequired, "activation_gate.achieved_quorum_bps (%d) is below enforcement.activation_gate_required_quorum_bps (%d)",
			g.AchievedQuorumBps, e.ActivationGateRequiredQuorumBps)
	}
	// Only U+0020 spaces are removed, as in the reference: "draft -> mandatory"
	// passes, a tab inside does not.
	if strings.ReplaceAll(ident.Norm(g.ProfileStatusTransition), " ", "") != draftToMandatory {
		b.Addf(CodeActivationGateTransitionInvalid, "activation_gate.profile_status_transition is %q; want %q",
			g.ProfileStatusTransition, "draft -> mandatory")
	}
	if ident.Blank(g.RollbackCondition) {
		b.Addf(CodeActivationGateRollbackConditionMissing, "activation_gate.rollback_condition is blank")
	}
	if ident.Blank(g.RollbackAuthority) {
		b.Addf(CodeActivationGateRollbackAuthorityMissing, "activation_gate.rollback_authority is blank")
	}
	if len(g.Approvers) == 0 {
		b.Addf(CodeActivationGateApproversMissing, "activation_gate.approvers is empty; roles %s must each approve",
			strings.Join(requiredRoles[:], ", "))
		return
	}
	approved := map[string]bool{} // role -> the first recorded decision was "approved"
	seenIDs := map[string]bool{}
	for i, a := range g.Approvers {
		id := ident.Norm(a.ApproverID)
		if id == "" {
			b.Addf(CodeActivationGateApproverIDMissing, "activation_gate.approvers[%d].approver_id is blank", i)
		} else if seenIDs[id] {
			b.Addf(CodeActivationGateApproverIDDuplicate, "approver_id %q appears more than once", a.ApproverID)
		}
		seenIDs[id] = true
		if a.DecidedAtUnix == 0 {
			b.Addf(CodeActivationGateApproverTimestampInvalid, "approver %q: decided_at_unix must be greater than 0", a.ApproverID)
		}
		role := ident.Norm(a.Role)
		if !slices.Contains(requiredRoles[:], role) {
			b.Addf(CodeActivationGateRoleInvalid, "approver %q: role %q is not one of %s",
				a.ApproverID, a.Role, strings.Join(requiredRoles[:], ", "))
			continue
		}
		if _, dup := approved[role]; dup {
			b.Addf(CodeActivationGateRoleDuplicate, "approver %q: role %q was already decided by an earlier approver, whose decision stands",
				a.ApproverID, a.Role)
			continue
		}
		approved[role] = ident.Norm(a.Decision) == decisionApproved
	}
	for _, role := range requiredRoles {
		ok, recorded := approved[role]
		switch {
		case !recorded:
			b.Addf(CodeActivationGateRoleMissing, "no approver holds the required role %s", role)
		case !ok:
			b.Addf(CodeActivationGateRoleNotApproved, "the required role %s did not approve", role)
		}
	}
}
