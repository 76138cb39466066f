package enforce

import (
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/sat"
)

// checkBreakGlass evaluates ctx's waiver against the registry's policy and
// the activation history, adding every finding to b, and reports whether
// the waiver is valid. Every check runs; each finding invalidates the
// waiver except the activation-hint mismatch.
func checkBreakGlass(b *decision.Builder, policy *governance.Enforcement, ctx *Context, now uint64) bool {
	bg := ctx.BreakGlass
	start := b.Len()
	hintMismatches := 0

	if !policy.BreakGlassScopeSupported() {
		b.Addf(CodeBreakGlassScopeNotSupported, "registry break_glass_scope is %q; only %q is supported",
			policy.BreakGlassScope, governance.BreakGlassScopeNamedOperators)
	}
	current := ident.Norm(bg.IncidentTicket)
	if current == "" {
		b.Addf(CodeBreakGlassIncidentTicketMissing, "break_glass.incident_ticket is blank")
	}
	checkWindow(b, policy, "break_glass", bg.DeclaredAtUnix, bg.ExpiresAtUnix, now)
	policyTTL := policy.BreakGlassTTLSeconds
	policyOK := policy.BreakGlassTTLValid()
	if bg.ApproverQuorumBps > governance.MaxBasisPoints {
		b.Addf(CodeBreakGlassQuorumOutOfRange, "approver_quorum_bps is %d, above %d", bg.ApproverQuorumBps, governance.MaxBasisPoints)
	}
	if bg.ApproverQuorumBps < policy.BreakGlassQuorumBps {
		b.Addf(CodeBreakGlassQuorumBelowRequired, "approver_quorum_bps is %d, below the required %d", bg.ApproverQuorumBps, policy.BreakGlassQuorumBps)
	}
	checkScope(b, bg.ScopeOperatorIDs, ctx.SelectedOperatorIDs)

	h := readHistory(b, ctx.BreakGlassHistory, current, now)
	inferredNew := current != "" && !h.tickets[current]
	if bg.IsNewActivation != inferredNew {
		b.Addf(CodeBreakGlassActivationHintMismatch, "is_new_activation is %t but the history says %t", bg.IsNewActivation, inferredNew)
		hintMismatches++
	}
	if h.hasAnchor {
		// A reused ticket keeps its first activation time and cannot outlive
		// it by more than the policy TTL: re-declaring an old incident must
		// not refresh its waiver window.
		if bg.DeclaredAtUnix != h.anchor {
			b.Addf(CodeBreakGlassReusedIncidentDeclaredAtMismatch, "incident %q was first activated at %d, but the waiver is declared at %d",
				bg.IncidentTicket, h.anchor, bg.DeclaredAtUnix)
		}
		if policyOK {
			deadline := sat.Add(h.anchor, policyTTL)
			if deadline <= now {
				b.Addf(CodeBreakGlassReusedIncidentExpired, "incident %q expired at %d (first activation %d + policy TTL %d s)",
					bg.IncidentTicket, deadline, h.anchor, policyTTL)
			}
			if bg.ExpiresAtUnix > deadline {
				b.Addf(CodeBreakGlassReusedIncidentExtendsTTL, "incident %q: the waiver expires at %d, after %d, its first activation plus the policy TTL",
					bg.IncidentTicket, bg.ExpiresAtUnix, deadline)
			}
		}
	}
	if inferredNew {
		if projected := uint64(len(h.recent)) + 1; projected > policy.BreakGlassMaxActivationsPer7d {
			b.Addf(CodeBreakGlassActivationLimitExceeded, "this would be activation %d within 7 days; the cap is %d",
				projected, policy.BreakGlassMaxActivationsPer7d)
		}
		if h.hasLatest {
			if elapsed := now - h.latest; elapsed < policy.BreakGlassCooldownSeconds {
				b.Addf(CodeBreakGlassCooldownViolation, "the last activation was %d s ago; the cooldown is %d s", elapsed, policy.BreakGlassCooldownSeconds)
			}
		}
	}
	return b.Len()-start-hintMismatches == 0
}

// checkScope requires a non-empty scope that names every selected operator.
func checkScope(b *decision.Builder, scopeIDs, selected []string) {
	if len(scopeIDs) == 0 {
		b.Addf(CodeBreakGlassScopeEmpty, "scope_operator_ids is empty")
	}
	scope := map[string]bool{}
	for i, raw := range scopeIDs {
		if id := ident.Norm(raw); id == "" {
			b.Addf(CodeBreakGlassScopeOperatorMissing, "scope_operator_ids[%d] is blank", i)
		} else {
			scope[id] = true
		}
	}
	for _, raw := range selected {
		if id := ident.Norm(raw); id != "" && !scope[id] {
			b.Addf(CodeBreakGlassScopeOperatorNotCovered, "selected operator %q is not in the waiver's scope", raw)
		}
	}
}

// history is what the activation history says about the current ticket
// and the rate limits.
type history struct {
	tickets   map[string]bool // every non-blank ticket, future-dated ones included
	recent    map[string]bool // tickets activated within the trailing 7 days
	anchor    uint64          // first activation of the current ticket
	hasAnchor bool
	latest    uint64 // the latest activation not in the future
	hasLatest bool
}

func readHistory(b *decision.Builder, records []HistoryRecord, current string, now uint64) history {
	h := history{tickets: map[string]bool{}, recent: map[string]bool{}}
	windowStart := sat.Sub(now, ActivationWindowSeconds)
	for i := range records {
		r := &records[i]
		ticket := ident.Norm(r.IncidentTicket)
		if ticket == "" {
			b.Addf(CodeBreakGlassHistoryIncidentTicketMissing, "break_glass_history[%d] has a blank incident_ticket", i)
			continue
		}
		if h.tickets[ticket] {
			b.Addf(CodeBreakGlassHistoryDuplicateIncidentTicket, "incident %q appears more than once in the history", r.IncidentTicket)
		}
		h.tickets[ticket] = true
		if ticket == current && !h.hasAnchor {
			h.anchor, h.hasAnchor = r.ActivatedAtUnix, true // the first record wins, even a future-dated one
		}
		if r.ActivatedAtUnix > now {
			b.Addf(CodeBreakGlassHistoryActivationInFuture, "incident %q is recorded as activated at %d, after now (%d)",
				r.IncidentTicket, r.ActivatedAtUnix, now)
			continue
		}
		if r.ActivatedAtUnix >= windowStart {
			h.recent[ticket] = true
		}
		if !h.hasLatest || r.ActivatedAtUnix > h.latest {
			h.latest, h.hasLatest = r.ActivatedAtUnix, true
		}
	}
	return h
}
