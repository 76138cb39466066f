package enforce

import (
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/ident"
)

// Mode is an enforcement mode.
type Mode string

const (
	// ModeMonitorOnly observes violations as warnings and never blocks.
	ModeMonitorOnly Mode = "monitor_only"
	// ModeSoftEnforcement warns, preferring exclusion, and never blocks.
	ModeSoftEnforcement Mode = "soft_enforcement"
	// ModeHardEnforcementCanary blocks violations in canary sessions only.
	ModeHardEnforcementCanary Mode = "hard_enforcement_canary"
	// ModeFullEnforcement blocks every violation without a valid waiver.
	ModeFullEnforcement Mode = "full_enforcement"
)

// ParseMode normalises s, accepting the hyphenated spellings too.
func ParseMode(s string) (Mode, bool) {
	switch ident.Norm(s) {
	case "monitor_only", "monitor-only":
		return ModeMonitorOnly, true
	case "soft_enforcement", "soft-enforcement":
		return ModeSoftEnforcement, true
	case "hard_enforcement_canary", "hard-enforcement-canary":
		return ModeHardEnforcementCanary, true
	case "full_enforcement", "full-enforcement":
		return ModeFullEnforcement, true
	}
	return "", false
}

// parseRuntimeOutcome reads a runtime decision, accepting the hyphenated
// spelling of allow_with_warnings.
func parseRuntimeOutcome(s string) (decision.Outcome, bool) {
	switch ident.Norm(s) {
	case "allow":
		return decision.Allow, true
	case "allow_with_warnings", "allow-with-warnings":
		return decision.AllowWithWarnings, true
	case "reject":
		return decision.Reject, true
	}
	return "", false
}

// Limits of layer D.
const (
	// MaxBreakGlassTTLSeconds: no waiver outlives 7 days, whatever the policy.
	MaxBreakGlassTTLSeconds = governance.SecondsPer7Days
	// ActivationWindowSeconds is the trailing window in which new
	// activations are counted against the cap.
	ActivationWindowSeconds = governance.SecondsPer7Days
)

// CheckEnforcement decides how a runtime decision is enforced in ctx's mode,
// and whether ctx's break-glass waiver, if any, is valid. now is the
// evaluation time in Unix seconds.
//
// A failed pre-check rejects with the pre-check reasons alone. Otherwise the
// mode decides: monitor_only and soft_enforcement only warn;
// hard_enforcement_canary blocks violations in canary sessions and warns in
// the others; full_enforcement blocks every violation. A valid waiver turns
// a blocked violation into a warning and stays silent; an invalid waiver
// never unblocks anything and always shows its reasons.
func CheckEnforcement(reg *governance.Registry, ctx *Context, now uint64) decision.Decision {
	d, _ := CheckEnforcementAttributed(reg, ctx, now)
	return d
}

// NotReemitted marks, in CheckEnforcementAttributed's origins, a reason of
// layer D's own.
const NotReemitted = -1

// CheckEnforcementAttributed is CheckEnforcement, and also says where each
// reason of the decision comes from: origins[i] is the index in
// ctx.RuntimeDecision.Reasons of the runtime reason that reason i
// re-emits (with RuntimeReasonPrefix), or NotReemitted for layer D's own.
// Layer D's own codes also start with "runtime_", so a reason's code
// cannot tell the two apart.
func CheckEnforcementAttributed(reg *governance.Registry, ctx *Context, now uint64) (d decision.Decision, origins []int) {
	return Evaluate(reg, nil, ctx, now)
}

// Evaluate is CheckEnforcementAttributed with the governance audit log,
// which a policy 2 registry needs: there a waiver is ctx.BreakGlassGrant,
// in force only when the log records its activation, and the cap,
// cooldown and reuse bound are computed from the log. A nil log has no
// activations. Under policy 1 the log is not read, and under policy 2
// ctx.BreakGlass and ctx.BreakGlassHistory, the coordinator's word, are
// never read (ValidateContext refuses them as input errors).
func Evaluate(reg *governance.Registry, log *governance.AuditLog, ctx *Context, now uint64) (d decision.Decision, origins []int) {
	var blocking, warnings tier
	mode, runtime := preCheck(&blocking.Builder, reg, ctx, now)
	if blocking.Len() > 0 {
		return decideTiered(now, &blocking, &warnings)
	}
	violation := runtime != decision.Allow
	var bg decision.Builder
	var provided, valid bool
	var ticket string
	switch {
	case reg.Policy() == governance.Policy2:
		if ctx.BreakGlassGrant != nil {
			provided = true
			ticket, valid = checkBreakGlassGrant(&bg, reg, log, ctx, violation, now)
		}
	case ctx.BreakGlass != nil:
		provided, ticket = true, ctx.BreakGlass.IncidentTicket
		valid = checkBreakGlass(&bg, &reg.Enforcement, ctx, now)
	}
	invalid := provided && !valid

	// modeReason, blocked: the mode's reason for a violation, and whether
	// it blocks; a valid waiver turns the block into a warning.
	seen := "the runtime decision is " + ctx.RuntimeDecision.Decision + "; "
	var modeReason decision.Reason
	blocked := false
	switch mode {
	case ModeMonitorOnly:
		modeReason = decision.Reason{Code: CodeMonitorOnlyRuntimeViolationObserved, Detail: seen + "monitor_only observes it and does not block"}
	case ModeSoftEnforcement:
		modeReason = decision.Reason{Code: CodeSoftEnforcementViolationExclusionPreferred, Detail: seen + "soft_enforcement prefers excluding the operators but does not block"}
	case ModeHardEnforcementCanary:
		switch {
		case !ctx.CanarySession:
			modeReason = decision.Reason{Code: CodeHardEnforcementCanaryNonCanarySoftFallback, Detail: seen + "hard_enforcement_canary does not block non-canary sessions"}
		case valid:
			modeReason = decision.Reason{Code: CodeHardEnforcementCanaryBreakGlassApplied, Detail: "a canary-session violation is waived by break-glass incident " + ticket}
		default:
			modeReason = decision.Reason{Code: CodeHardEnforcementCanaryViolationBlocked, Detail: seen + "hard_enforcement_canary blocks it in a canary session without a valid break-glass"}
			blocked = true
		}
	case ModeFullEnforcement:
		if valid {
			modeReason = decision.Reason{Code: CodeFullEnforcementBreakGlassApplied, Detail: "the violation is waived by break-glass incident " + ticket}
		} else {
			modeReason = decision.Reason{Code: CodeFullEnforcementViolationBlocked, Detail: seen + "full_enforcement blocks it without a valid break-glass"}
			blocked = true
		}
	}
	t := &warnings
	if violation && blocked {
		t = &blocking // an invalid waiver's reasons join the block
	}
	if violation {
		t.Add(modeReason)
		reemitRuntimeReasons(t, &ctx.RuntimeDecision)
	}
	if invalid {
		t.Add(bg.Reasons()...) // an invalid waiver always shows why
	}
	return decideTiered(now, &blocking, &warnings)
}

// tier is a tier of reasons (blocking or warnings) that remembers which
// of them re-emit a runtime reason.
type tier struct {
	decision.Builder
	reemitted []reemitted
}

type reemitted struct{ at, from int } // reason at of the tier re-emits runtime reason from

// decideTiered is decision.DecideTiered, with the origin of each reason of
// the tier that decided.
func decideTiered(now uint64, blocking, warnings *tier) (decision.Decision, []int) {
	d := decision.DecideTiered(now, &blocking.Builder, &warnings.Builder)
	t := warnings
	if blocking.Len() > 0 {
		t = blocking
	}
	origins := make([]int, len(d.Reasons))
	for i := range origins {
		origins[i] = NotReemitted
	}
	if len(d.Reasons) > 0 {
		for _, r := range t.reemitted {
			origins[r.at] = r.from
		}
	}
	return d, origins
}

// reemitRuntimeReasons copies the runtime decision's reasons, each code
// prefixed with RuntimeReasonPrefix and its detail unchanged, or one
// placeholder when it gave none.
func reemitRuntimeReasons(t *tier, rd *RuntimeDecision) {
	if len(rd.Reasons) == 0 {
		t.Addf(CodeRuntimeDecisionRejectWithoutReasons, "the runtime decision %q carried no reasons", rd.Decision)
		return
	}
	for i, r := range rd.Reasons {
		t.reemitted = append(t.reemitted, reemitted{at: t.Len(), from: i})
		t.Add(decision.Reason{Code: RuntimeReasonPrefix + r.Code, Detail: r.Detail})
	}
}

// preCheck runs the checks that block everything else, returning the mode
// and the runtime outcome (reject when unreadable).
func preCheck(b *decision.Builder, reg *governance.Registry, ctx *Context, now uint64) (Mode, decision.Outcome) {
	if ident.Blank(ctx.SessionID) {
		b.Addf(CodeSessionIDMissing, "session_id is blank")
	}
	if len(ctx.SelectedOperatorIDs) == 0 {
		b.Addf(CodeSelectedOperatorIDsEmpty, "selected_operator_ids is empty")
	}
	seen := map[string]bool{}
	for i, raw := range ctx.SelectedOperatorIDs {
		id := ident.Norm(raw)
		switch {
		case id == "":
			b.Addf(CodeSelectedOperatorIDMissing, "selected_operator_ids[%d] is blank", i)
		case seen[id]:
			b.Addf(CodeSelectedOperatorIDDuplicate, "operator %q is selected more than once", raw)
		}
		if id != "" {
			seen[id] = true
		}
	}
	if ctx.RuntimeDecision.ValidatedAtUnix == 0 {
		b.Addf(CodeRuntimeDecisionValidatedAtInvalid, "runtime_decision.validated_at_unix must be greater than 0")
	}
	runtime, ok := parseRuntimeOutcome(ctx.RuntimeDecision.Decision)
	if !ok {
		b.Addf(CodeRuntimeDecisionInvalid, "runtime_decision.decision %q is not allow, allow_with_warnings or reject", ctx.RuntimeDecision.Decision)
		runtime = decision.Reject
	}
	mode, ok := ParseMode(ctx.EnforcementMode)
	if !ok {
		b.Addf(CodeEnforcementModeInvalid, "enforcement_mode %q is not monitor_only, soft_enforcement, hard_enforcement_canary or full_enforcement",
			ctx.EnforcementMode)
		mode = ModeFullEnforcement // the strictest, for the profile check below
	}
	if mode == ModeHardEnforcementCanary || mode == ModeFullEnforcement {
		if !reg.Mandatory() {
			b.Addf(CodeGovernanceProfileNotMandatoryForStrictMode, "profile_status is %q; %s needs a mandatory profile", reg.ProfileStatus, mode)
		}
	}
	if reg.Policy() == governance.Policy2 {
		checkRuntimeBinding(b, reg, ctx, now)
	}
	return mode, runtime
}

// MaxRuntimeDecisionAgeSeconds bounds the age of a runtime decision layer
// D enforces under policy 2, whatever re_attestation_poll_interval_seconds
// says: the denylist it was checked against may be at most five minutes
// old too (governance.MaxDenylistStalenessSeconds).
const MaxRuntimeDecisionAgeSeconds = governance.MaxDenylistStalenessSeconds

// checkRuntimeBinding is policy 2's pre-check of the runtime decision: it
// must be for the context's own session, as layer C states it, and fresh.
// Under policy 1 a decision of any age, for any session, is enforced.
func checkRuntimeBinding(b *decision.Builder, reg *governance.Registry, ctx *Context, now uint64) {
	rd := &ctx.RuntimeDecision
	switch {
	case rd.SessionID == nil:
		b.Addf(CodeRuntimeDecisionSessionMismatch, "runtime_decision names no session_id; under policy 2 it must name the context's, %q", ctx.SessionID)
	case ident.Norm(*rd.SessionID) != ident.Norm(ctx.SessionID):
		b.Addf(CodeRuntimeDecisionSessionMismatch, "runtime_decision is for session %q, not the context's %q", *rd.SessionID, ctx.SessionID)
	}
	maxAge := min(reg.Enforcement.ReAttestationPollIntervalSeconds, MaxRuntimeDecisionAgeSeconds)
	switch {
	case rd.ValidatedAtUnix > now:
		b.Addf(CodeRuntimeDecisionValidatedInFuture, "runtime_decision was validated at %d, after now (%d)", rd.ValidatedAtUnix, now)
	case now-rd.ValidatedAtUnix > maxAge:
		b.Addf(CodeRuntimeDecisionStale, "runtime_decision was validated %d s ago; under policy 2 it may be at most %d s old", now-rd.ValidatedAtUnix, maxAge)
	}
}
