package governance

import "github.com/teegate/teegate/decision"

// Shorter names for the tables below.
type codes = []decision.Code

func noLog(_ *Registry, log **AuditLog) { *log = nil }

var enforcementCases = []registryCase{
	{"profile is normalised", func(r *Registry, _ **AuditLog) { r.ProfileStatus = " MANDATORY\t" }, 0, nil},
	{"draft profile with a gate", func(r *Registry, _ **AuditLog) { r.ProfileStatus = "draft" }, 0, nil},
	{"invalid profile", func(r *Registry, _ **AuditLog) { r.ProfileStatus = "enforced" }, 0,
		codes{CodeProfileStatusInvalid}},
	{"invalid profile without a gate is treated as draft", func(r *Registry, _ **AuditLog) {
		r.ProfileStatus, r.ActivationGate = "Mandatory!", nil
	}, 0, codes{CodeProfileStatusInvalid}},
	{"no operators", func(r *Registry, log **AuditLog) { r.Operators = []Operator{}; *log = nil }, 0,
		codes{CodeOperatorsEmpty}},
	{"max age zero also trips grace and poll interval", func(r *Registry, _ **AuditLog) { r.Enforcement.AttestationMaxAgeSeconds = 0 }, 0,
		codes{CodeAttestationMaxAgeInvalid, CodeGracePeriodExceedsAttestationMaxAge, CodeReAttestationPollIntervalExceedsAttestationAge}},
	{"max age at the ceiling", func(r *Registry, _ **AuditLog) { r.Enforcement.AttestationMaxAgeSeconds = 86400 }, 0, nil},
	{"max age above the ceiling", func(r *Registry, _ **AuditLog) { r.Enforcement.AttestationMaxAgeSeconds = 86401 }, 0,
		codes{CodeAttestationMaxAgeExceedsHardCeiling}},
	{"grace above max age", func(r *Registry, _ **AuditLog) { r.Enforcement.GracePeriodSeconds = 3601 }, 0,
		codes{CodeGracePeriodExceedsAttestationMaxAge}},
	{"grace equal to max age", func(r *Registry, _ **AuditLog) { r.Enforcement.GracePeriodSeconds = 3600 }, 0, nil},
	{"min signers zero", func(r *Registry, _ **AuditLog) { r.Enforcement.MinAttestedSignersPerCohort = 0 }, 0,
		codes{CodeMinAttestedSignersInvalid}},
	{"vendor share zero", func(r *Registry, _ **AuditLog) { r.Enforcement.MaxSingleVendorSharePercent = 0 }, 0,
		codes{CodeMaxSingleVendorSharePercentInvalid}},
	{"vendor share 101", func(r *Registry, _ **AuditLog) { r.Enforcement.MaxSingleVendorSharePercent = 101 }, 0,
		codes{CodeMaxSingleVendorSharePercentInvalid}},
	{"vendor share bounds", func(r *Registry, _ **AuditLog) { r.Enforcement.MaxSingleVendorSharePercent = 100 }, 0, nil},
	{"denylist staleness zero", func(r *Registry, _ **AuditLog) { r.Enforcement.DenylistMaxStalenessSeconds = 0 }, 0,
		codes{CodeDenylistMaxStalenessOutOfBounds}},
	{"denylist staleness at the ceiling", func(r *Registry, _ **AuditLog) { r.Enforcement.DenylistMaxStalenessSeconds = 300 }, 0, nil},
	{"denylist staleness above the ceiling", func(r *Registry, _ **AuditLog) { r.Enforcement.DenylistMaxStalenessSeconds = 301 }, 0,
		codes{CodeDenylistMaxStalenessOutOfBounds}},
	{"ttl zero", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassTTLSeconds = 0 }, 0,
		codes{CodeBreakGlassTTLInvalid, CodeAuditBreakGlassTTLExceedsPolicy}},
	{"ttl above 7 days", func(r *Registry, log **AuditLog) { r.Enforcement.BreakGlassTTLSeconds = 604801; *log = nil }, 0,
		codes{CodeBreakGlassTTLInvalid}},
	{"ttl of exactly 7 days", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassTTLSeconds = 604800 }, 0, nil},
	{"no activations allowed: the one in the log exceeds it", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassMaxActivationsPer7d = 0 }, 0,
		codes{CodeBreakGlassMaxActivationsInvalid, CodeAuditBreakGlassActivationLimitExceeded}},
	{"cooldown zero", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassCooldownSeconds = 0 }, 0,
		codes{CodeBreakGlassCooldownInvalid}},
	{"cooldown above 7 days", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassCooldownSeconds = 604801 }, 0,
		codes{CodeBreakGlassCooldownInvalid}},
	{"scope is normalised", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassScope = " Named_Operator_IDs_Only\n" }, 0, nil},
	{"scope not supported", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassScope = "all_operators" }, 0,
		codes{CodeBreakGlassScopeNotSupported}},
	{"break-glass quorum zero", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassQuorumBps = 0 }, 0,
		codes{CodeBreakGlassQuorumInvalid}},
	{"break-glass quorum above 100%", func(r *Registry, _ **AuditLog) { r.Enforcement.BreakGlassQuorumBps = 10001 }, 0,
		codes{CodeBreakGlassQuorumInvalid}},
	{"gate quorum below two thirds", func(r *Registry, _ **AuditLog) { r.Enforcement.ActivationGateRequiredQuorumBps = 6699 }, 0,
		codes{CodeActivationGateRequiredQuorumInvalid}},
	{"gate quorum above 100% leaves every gate short", func(r *Registry, _ **AuditLog) { r.Enforcement.ActivationGateRequiredQuorumBps = 10001 }, 0,
		codes{CodeActivationGateRequiredQuorumInvalid, CodeActivationGateQuorumBelowRequired}},
	{"poll interval zero", func(r *Registry, _ **AuditLog) { r.Enforcement.ReAttestationPollIntervalSeconds = 0 }, 0,
		codes{CodeReAttestationPollIntervalInvalid}},
	{"poll interval above max age", func(r *Registry, _ **AuditLog) { r.Enforcement.ReAttestationPollIntervalSeconds = 3601 }, 0,
		codes{CodeReAttestationPollIntervalExceedsAttestationAge}},
}

var operatorCases = []registryCase{
	{"blank operator id skips the operator", func(r *Registry, log **AuditLog) {
		r.Operators[1].OperatorID, r.Operators[1].Status = " \u00a0", "bogus"
		*log = nil
	}, 0, codes{CodeOperatorIDMissing}},
	{"duplicate operator id, case and space folded", func(r *Registry, log **AuditLog) {
		r.Operators[1].OperatorID = " OP-ALPHA"
		*log = nil
	}, 0, codes{CodeOperatorIDDuplicate}},
	{"duplicate id then blank signer", func(r *Registry, log **AuditLog) {
		r.Operators[1].OperatorID, r.Operators[1].SignerIdentifier, r.Operators[1].Status = "op-alpha", "", "bogus"
		*log = nil
	}, 0, codes{CodeOperatorIDDuplicate, CodeSignerIdentifierMissing}},
	{"non-ASCII case is not folded", func(r *Registry, log **AuditLog) {
		r.Operators[0].OperatorID, r.Operators[1].OperatorID = "op-\u212a", "op-k" // Kelvin sign
		*log = nil
	}, 0, nil},
	{"duplicate signer", func(r *Registry, log **AuditLog) {
		r.Operators[2].SignerIdentifier = "Signer-Alpha"
		*log = nil
	}, 0, codes{CodeSignerIdentifierDuplicate}},
	{"invalid status", func(r *Registry, log **AuditLog) {
		r.Operators[0].Status = "retired"
		*log = nil
	}, 0, codes{CodeOperatorStatusInvalid}},
	{"no TEE types", func(r *Registry, log **AuditLog) {
		r.Operators[0].AllowedTEETypes = []string{}
		*log = nil
	}, 0, codes{CodeAllowedTEETypesMissing}},
	{"blank TEE types reported once", func(r *Registry, log **AuditLog) {
		r.Operators[0].AllowedTEETypes = []string{"sgx", " ", ""}
		*log = nil
	}, 0, codes{CodeAllowedTEETypesContainsEmpty}},
	{"no measurements", func(r *Registry, log **AuditLog) {
		r.Operators[0].AllowedMeasurements = nil
		*log = nil
	}, 0, codes{CodeAllowedMeasurementsMissing}},
	{"blank measurement is also an invalid digest", func(r *Registry, log **AuditLog) {
		r.Operators[0].AllowedMeasurements = []string{digestA, ""}
		*log = nil
	}, 0, codes{CodeAllowedMeasurementsContainsEmpty, CodeAllowedMeasurementDigestInvalid}},
	{"one reason per invalid digest", func(r *Registry, log **AuditLog) {
		r.Operators[0].AllowedMeasurements = []string{"sha256:abc", digestA, "sha512:" + digestA[7:], digestA + "0", "sha256:" + digestA[8:] + "g"}
		*log = nil
	}, 0, codes{CodeAllowedMeasurementDigestInvalid, CodeAllowedMeasurementDigestInvalid, CodeAllowedMeasurementDigestInvalid, CodeAllowedMeasurementDigestInvalid}},
	{"digest with spaces and upper-case tag", func(r *Registry, log **AuditLog) {
		r.Operators[0].AllowedMeasurements = []string{" SHA256:" + digestA[7:] + "\t"}
		*log = nil
	}, 0, nil},
	{"operator max age zero", func(r *Registry, log **AuditLog) {
		r.Operators[0].AttestationMaxAgeSeconds = 0
		*log = nil
	}, 0, codes{CodeOperatorAttestationMaxAgeInvalid, CodeOperatorGracePeriodExceedsAttestationAge}},
	{"operator grace above its max age", func(r *Registry, log **AuditLog) {
		r.Operators[0].GracePeriodSeconds = 3601
		*log = nil
	}, 0, codes{CodeOperatorGracePeriodExceedsAttestationAge}},
	{"operator effective_from zero", func(r *Registry, log **AuditLog) {
		r.Operators[1].EffectiveFrom = 0
		*log = nil
	}, 0, codes{CodeOperatorEffectiveFromInvalid}},
	{"window ends before it starts", func(r *Registry, log **AuditLog) {
		r.Operators[2].EffectiveUntil = u64(r.Operators[2].EffectiveFrom - 1)
		*log = nil
	}, 0, codes{CodeOperatorEffectiveWindowInvalid}},
	{"active operator with an expired window", func(r *Registry, log **AuditLog) {
		r.Operators[0].EffectiveUntil = u64(testNow - 1)
	}, 0, codes{CodeActiveOperatorWindowExpired}},
	{"active window ending now is valid", func(r *Registry, log **AuditLog) {
		r.Operators[0].EffectiveUntil = u64(testNow)
	}, 0, nil},
	{"inverted and expired window on an active operator", func(r *Registry, log **AuditLog) {
		r.Operators[0].EffectiveUntil = u64(r.Operators[0].EffectiveFrom - 1)
	}, 0, codes{CodeOperatorEffectiveWindowInvalid, CodeActiveOperatorWindowExpired}},
	{"expired window on suspended or invalid status is not reported", func(r *Registry, log **AuditLog) {
		r.Operators[1].EffectiveUntil = u64(testNow - 1)
		r.Operators[0].EffectiveUntil, r.Operators[0].Status = u64(testNow-1), "actve"
		*log = nil
	}, 0, codes{CodeOperatorStatusInvalid}},
}

func gate(r *Registry) *ActivationGate { return r.ActivationGate }

var gateCases = []registryCase{
	{"mandatory without a gate", func(r *Registry, _ **AuditLog) { r.ActivationGate = nil }, 0,
		codes{CodeMandatoryProfileMissingActivationGate}},
	{"draft without a gate", func(r *Registry, _ **AuditLog) { r.ProfileStatus, r.ActivationGate = "draft", nil }, 0, nil},
	{"draft gate in the future is fine", func(r *Registry, _ **AuditLog) {
		r.ProfileStatus, gate(r).EffectiveAtUnix = "draft", testNow+1
	}, 0, nil},
	{"draft gate is still validated", func(r *Registry, _ **AuditLog) {
		r.ProfileStatus, gate(r).RollbackAuthority = "draft", ""
	}, 0, codes{CodeActivationGateRollbackAuthorityMissing}},
	{"blank decision id", func(r *Registry, _ **AuditLog) { gate(r).GovernanceDecisionID = "\t" }, 0,
		codes{CodeActivationGateDecisionIDMissing}},
	{"effective time zero", func(r *Registry, _ **AuditLog) { gate(r).EffectiveAtUnix = 0 }, 0,
		codes{CodeActivationGateEffectiveTimeInvalid}},
	{"gate not yet effective", func(r *Registry, _ **AuditLog) { gate(r).EffectiveAtUnix = testNow + 1 }, 0,
		codes{CodeActivationGateNotYetEffective}},
	{"gate effective exactly now", func(r *Registry, _ **AuditLog) { gate(r).EffectiveAtUnix = testNow }, 0, nil},
	{"quorum denominator zero", func(r *Registry, _ **AuditLog) { gate(r).QuorumDenominator = 0 }, 0,
		codes{CodeActivationGateQuorumDenominatorInvalid}},
	{"achieved quorum above 100%", func(r *Registry, _ **AuditLog) { gate(r).AchievedQuorumBps = 10001 }, 0,
		codes{CodeActivationGateAchievedQuorumInvalid}},
	{"achieved quorum below required", func(r *Registry, _ **AuditLog) { gate(r).AchievedQuorumBps = 6699 }, 0,
		codes{CodeActivationGateQuorumBelowRequired}},
	{"achieved quorum equal to required", func(r *Registry, _ **AuditLog) { gate(r).AchievedQuorumBps = 6700 }, 0, nil},
	{"transition spelled loosely", func(r *Registry, _ **AuditLog) { gate(r).ProfileStatusTransition = " DRAFT->Mandatory " }, 0, nil},
	{"transition with a tab", func(r *Registry, _ **AuditLog) { gate(r).ProfileStatusTransition = "draft\t-> mandatory" }, 0,
		codes{CodeActivationGateTransitionInvalid}},
	{"transition backwards", func(r *Registry, _ **AuditLog) { gate(r).ProfileStatusTransition = "mandatory -> draft" }, 0,
		codes{CodeActivationGateTransitionInvalid}},
	{"blank rollback condition", func(r *Registry, _ **AuditLog) { gate(r).RollbackCondition = "" }, 0,
		codes{CodeActivationGateRollbackConditionMissing}},
	{"no approvers ends the gate checks", func(r *Registry, _ **AuditLog) { gate(r).Approvers = []Approver{} }, 0,
		codes{CodeActivationGateApproversMissing}},
	{"blank approver ids are missing, never duplicate", func(r *Registry, _ **AuditLog) {
		gate(r).Approvers[0].ApproverID, gate(r).Approvers[1].ApproverID = "", " "
	}, 0, codes{CodeActivationGateApproverIDMissing, CodeActivationGateApproverIDMissing}},
	{"duplicate approver id", func(r *Registry, _ **AuditLog) { gate(r).Approvers[2].ApproverID = "ALICE" }, 0,
		codes{CodeActivationGateApproverIDDuplicate}},
	{"approver timestamp zero", func(r *Registry, _ **AuditLog) { gate(r).Approvers[1].DecidedAtUnix = 0 }, 0,
		codes{CodeActivationGateApproverTimestampInvalid}},
	{"unknown role", func(r *Registry, _ **AuditLog) {
		gate(r).Approvers = append(gate(r).Approvers, Approver{ApproverID: "dave", Role: "auditor", Decision: "approved", DecidedAtUnix: 1})
	}, 0, codes{CodeActivationGateRoleInvalid}},
	{"second decision for a role is a duplicate and the first stands", func(r *Registry, _ **AuditLog) {
		gate(r).Approvers = append(gate(r).Approvers, Approver{ApproverID: "erin", Role: " Security_Owner", Decision: "rejected", DecidedAtUnix: 1})
	}, 0, codes{CodeActivationGateRoleDuplicate}},
	{"role not approved", func(r *Registry, _ **AuditLog) { gate(r).Approvers[1].Decision = "abstained" }, 0,
		codes{CodeActivationGateRoleNotApproved}},
	{"decision is normalised", func(r *Registry, _ **AuditLog) { gate(r).Approvers[1].Decision = " APPROVED " }, 0, nil},
	{"role missing", func(r *Registry, _ **AuditLog) { gate(r).Approvers = gate(r).Approvers[:2] }, 0,
		codes{CodeActivationGateRoleMissing}},
	{"per-approver order, then roles in fixed order", func(r *Registry, _ **AuditLog) {
		gate(r).Approvers = []Approver{
			{ApproverID: "", Role: "governance_delegate", Decision: "approved", DecidedAtUnix: 0},
			{ApproverID: "x", Role: "security_owner", Decision: "no", DecidedAtUnix: 1},
			{ApproverID: "X", Role: "janitor", Decision: "approved", DecidedAtUnix: 0},
		}
	}, 0, codes{
		CodeActivationGateApproverIDMissing, CodeActivationGateApproverTimestampInvalid,
		CodeActivationGateApproverIDDuplicate, CodeActivationGateApproverTimestampInvalid, CodeActivationGateRoleInvalid,
		CodeActivationGateRoleNotApproved, CodeActivationGateRoleMissing,
	}},
}
