package enforce

import (
	"slices"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/sat"
)

// checkBreakGlassGrant is checkBreakGlass under policy 2: the waiver is a
// grant whose quorum is computed from governance signatures, which names
// the violations it waives, and whose history is the audit log's. It
// reports the incident ticket and whether the waiver is valid. Every check
// runs and every finding invalidates.
func checkBreakGlassGrant(b *decision.Builder, reg *governance.Registry, log *governance.AuditLog, ctx *Context, violation bool, now uint64) (string, bool) {
	start := b.Len()
	policy := &reg.Enforcement
	v, _ := grant.Check(b, "break_glass_grant", ctx.BreakGlassGrant, grant.KindBreakGlass, reg.ApproversAt(now), policy.BreakGlassQuorumBps)
	if v == nil {
		return "", false
	}
	t := v.Text
	ticket := *t.IncidentTicket
	if !policy.BreakGlassScopeSupported() {
		b.Addf(CodeBreakGlassScopeNotSupported, "registry break_glass_scope is %q; only %q is supported",
			policy.BreakGlassScope, governance.BreakGlassScopeNamedOperators)
	}
	// The ticket is not blank: grant texts hold to the identifier profile.
	checkWindow(b, policy, "break_glass_grant", t.DeclaredAtUnix, t.ExpiresAtUnix, now)
	checkScope(b, *t.ScopeOperatorIDs, ctx.SelectedOperatorIDs)
	checkWaived(b, *t.WaivedCodes, &ctx.RuntimeDecision, violation)
	checkActivation(b, policy, log, t, ident.Norm(ticket), now)
	return ticket, b.Len() == start
}

// checkWindow checks a waiver's declared and expiry times against now and
// the policy's TTL, as layer D does under both policies; whose names the
// waiver in the details.
func checkWindow(b *decision.Builder, policy *governance.Enforcement, whose string, declared, expires, now uint64) {
	if declared == 0 {
		b.Addf(CodeBreakGlassDeclaredAtInvalid, "%s.declared_at_unix must be greater than 0", whose)
	}
	if declared > now {
		b.Addf(CodeBreakGlassDeclaredInFuture, "the waiver is declared at %d, after now (%d)", declared, now)
	}
	if expires <= declared {
		b.Addf(CodeBreakGlassExpiryWindowInvalid, "the waiver expires at %d, not after its declaration at %d", expires, declared)
	}
	if expires <= now {
		b.Addf(CodeBreakGlassExpired, "the waiver expired at %d (now %d)", expires, now)
	}
	policyOK := policy.BreakGlassTTLValid()
	if !policyOK {
		b.Addf(CodeBreakGlassTTLPolicyInvalid, "registry break_glass_ttl_seconds is %d, outside [1, %d]", policy.BreakGlassTTLSeconds, MaxBreakGlassTTLSeconds)
	}
	if expires > declared {
		ttl := expires - declared
		if ttl > MaxBreakGlassTTLSeconds {
			b.Addf(CodeBreakGlassTTLExceedsHardMax, "the waiver lasts %d s, above the hard maximum of %d s", ttl, MaxBreakGlassTTLSeconds)
		}
		if policyOK && ttl > policy.BreakGlassTTLSeconds {
			b.Addf(CodeBreakGlassTTLExceedsPolicy, "the waiver lasts %d s, above the policy's %d s", ttl, policy.BreakGlassTTLSeconds)
		}
	}
}

// checkWaived requires the grant to name every code of the violation it
// would waive. A grant is approved for an incident whose violations
// governance has seen; a violation it does not name is not one of them.
// Codes are compared exactly (trimmed): they are the runtime decision's
// own, without layer D's "runtime_" prefix.
func checkWaived(b *decision.Builder, waived []string, rd *RuntimeDecision, violation bool) {
	if len(waived) == 0 {
		b.Addf(CodeBreakGlassGrantWaivedCodesEmpty, "the grant's waived_codes is empty: it waives no violation")
	}
	if !violation {
		return
	}
	named := make(map[string]bool, len(waived))
	for _, c := range waived {
		named[ident.Trim(c)] = true
	}
	if len(rd.Reasons) == 0 {
		b.Addf(CodeBreakGlassGrantViolationNotWaived, "the runtime decision %q gives no reason codes, so no grant can name what it waives", rd.Decision)
		return
	}
	var left []string
	for _, r := range rd.Reasons {
		if c := string(r.Code); !named[ident.Trim(c)] && !slices.Contains(left, c) {
			left = append(left, c)
		}
	}
	if len(left) > 0 {
		b.Addf(CodeBreakGlassGrantViolationNotWaived, "the grant does not waive %s", grant.Names(left))
	}
}

// checkActivation finds the grant's activation in the audit log and
// applies the history rules to it. The grant is activated by a
// break_glass_activate event in force (effective at or before now) for its
// incident whose governance_decision_id is the grant id; the earliest
// such event if there are several. Every rule reads event times, never
// the order of the events in the file, which only layer A checks.
//
// The cap and cooldown are judged at that activation, over every
// activation in force, re-activations included, as layer A replays them:
// a grant activated within them stays valid for its TTL, and a later
// activation is the one that breaks them. An incident activated again
// under a new grant keeps its first activation's deadline.
func checkActivation(b *decision.Builder, policy *governance.Enforcement, log *governance.AuditLog, t *grant.Text, current string, now uint64) {
	var activations []*governance.Event // in force, with a ticket
	var expiries []uint64               // of the current incident, in force
	var own *governance.Event
	grantID := ident.Norm(t.GrantID)
	if log != nil {
		for i := range log.Events {
			e := &log.Events[i]
			if e.EffectiveAtUnix > now || e.IncidentTicket == nil || ident.Blank(*e.IncidentTicket) {
				continue // not yet in force, or no incident
			}
			tk := ident.Norm(*e.IncidentTicket)
			switch e.EventType {
			case governance.EventBreakGlassActivate:
				activations = append(activations, e)
				if tk == current && ident.Norm(e.GovernanceDecisionID) == grantID && (own == nil || e.EffectiveAtUnix < own.EffectiveAtUnix) {
					own = e
				}
			case governance.EventBreakGlassExpire:
				if tk == current {
					expiries = append(expiries, e.EffectiveAtUnix)
				}
			}
		}
	}
	if own == nil {
		if log == nil {
			b.Addf(CodeBreakGlassGrantNotActivated, "no governance audit log was given, so grant %q for incident %q is not activated", t.GrantID, *t.IncidentTicket)
		} else {
			b.Addf(CodeBreakGlassGrantNotActivated, "the audit log has no break_glass_activate event in force for incident %q with governance_decision_id %q",
				*t.IncidentTicket, t.GrantID)
		}
		return
	}
	if own.EffectiveAtUnix < t.DeclaredAtUnix {
		b.Addf(CodeBreakGlassGrantActivationMismatch, "the activation event %q is effective at %d, before the grant is declared at %d", own.EventID, own.EffectiveAtUnix, t.DeclaredAtUnix)
	}
	if own.ExpiresAtUnix != nil && *own.ExpiresAtUnix != t.ExpiresAtUnix {
		b.Addf(CodeBreakGlassGrantActivationMismatch, "the activation event %q expires at %d, the grant at %d", own.EventID, *own.ExpiresAtUnix, t.ExpiresAtUnix)
	}
	if own.ScopeOperatorIDs != nil && !sameSet(*own.ScopeOperatorIDs, *t.ScopeOperatorIDs) {
		b.Addf(CodeBreakGlassGrantActivationMismatch, "the activation event %q names another scope than the grant", own.EventID)
	}
	for _, at := range expiries {
		if at >= own.EffectiveAtUnix {
			b.Addf(CodeBreakGlassGrantEndedByGovernance, "a break_glass_expire event in force since %d ends incident %q", at, *t.IncidentTicket)
			break
		}
	}

	at := own.EffectiveAtUnix
	anchor := at // the incident's first activation
	windowStart := sat.Sub(at, ActivationWindowSeconds)
	recent := 0 // activations in the 7 days up to this one, counting it
	var previous uint64
	hasPrevious := false
	for _, e := range activations {
		if e.EffectiveAtUnix > at {
			continue // later than this activation: not its history
		}
		if ident.Norm(*e.IncidentTicket) == current {
			anchor = min(anchor, e.EffectiveAtUnix)
		}
		if e.EffectiveAtUnix >= windowStart {
			recent++
		}
		if e != own && (!hasPrevious || e.EffectiveAtUnix > previous) {
			previous, hasPrevious = e.EffectiveAtUnix, true
		}
	}
	if anchor < at && policy.BreakGlassTTLValid() {
		deadline := sat.Add(anchor, policy.BreakGlassTTLSeconds)
		if deadline <= now {
			b.Addf(CodeBreakGlassReusedIncidentExpired, "incident %q expired at %d (first activation %d + policy TTL %d s)", *t.IncidentTicket, deadline, anchor, policy.BreakGlassTTLSeconds)
		}
		if t.ExpiresAtUnix > deadline {
			b.Addf(CodeBreakGlassReusedIncidentExtendsTTL, "incident %q: the grant expires at %d, after %d, its first activation plus the policy TTL",
				*t.IncidentTicket, t.ExpiresAtUnix, deadline)
		}
	}
	if uint64(recent) > policy.BreakGlassMaxActivationsPer7d {
		b.Addf(CodeBreakGlassActivationLimitExceeded, "the grant's activation at %d is activation %d within 7 days; the cap is %d", at, recent, policy.BreakGlassMaxActivationsPer7d)
	}
	if hasPrevious && at-previous < policy.BreakGlassCooldownSeconds {
		b.Addf(CodeBreakGlassCooldownViolation, "the grant was activated %d s after the previous activation; the cooldown is %d s",
			at-previous, policy.BreakGlassCooldownSeconds)
	}
}

// sameSet reports whether two lists of operator ids name the same set,
// normalised.
func sameSet(a, b []string) bool {
	set := func(ids []string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			if n := ident.Norm(id); n != "" {
				m[n] = true
			}
		}
		return m
	}
	x, y := set(a), set(b)
	if len(x) != len(y) {
		return false
	}
	for k := range x {
		if !y[k] {
			return false
		}
	}
	return true
}
