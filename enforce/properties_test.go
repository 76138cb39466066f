package enforce

import (
	"fmt"
	"slices"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

// waiverVariant sets up a context's waiver and history: absent, valid
// (new or reused), or invalid in one way among many, including reused
// tickets at and past their first activation plus the policy TTL.
type waiverVariant struct {
	name string
	set  func(c *Context)
}

const policyTTL = 21600

func reused(declaredDelta, expiresAfterAnchor uint64, anchorAge uint64) func(c *Context) {
	return func(c *Context) {
		anchor := testNow - anchorAge
		c.BreakGlass = validWaiver()
		c.BreakGlass.IsNewActivation = false
		c.BreakGlass.DeclaredAtUnix = anchor + declaredDelta
		c.BreakGlass.ExpiresAtUnix = anchor + expiresAfterAnchor
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "inc-7", ActivatedAtUnix: anchor})
	}
}

func waiverVariants() []waiverVariant {
	v := []waiverVariant{
		{"absent", func(c *Context) { c.BreakGlass = nil }},
		{"valid new", func(c *Context) { c.BreakGlass = validWaiver() }},
		{"valid new with a wrong hint", func(c *Context) { c.BreakGlass = validWaiver(); c.BreakGlass.IsNewActivation = false }},
		{"expired", func(c *Context) { c.BreakGlass = validWaiver(); c.BreakGlass.ExpiresAtUnix = testNow }},
		{"declared in the future", func(c *Context) { c.BreakGlass = validWaiver(); c.BreakGlass.DeclaredAtUnix = testNow + 5 }},
		{"quorum short", func(c *Context) { c.BreakGlass = validWaiver(); c.BreakGlass.ApproverQuorumBps = 0 }},
		{"scope short", func(c *Context) { c.BreakGlass = validWaiver(); c.BreakGlass.ScopeOperatorIDs = []string{"op-1"} }},
		{"blank ticket", func(c *Context) { c.BreakGlass = validWaiver(); c.BreakGlass.IncidentTicket = "" }},
		{"too long", func(c *Context) {
			c.BreakGlass = validWaiver()
			c.BreakGlass.ExpiresAtUnix = c.BreakGlass.DeclaredAtUnix + policyTTL + 1
		}},
		{"cooldown", func(c *Context) {
			c.BreakGlass = validWaiver()
			c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "INC-2", ActivatedAtUnix: testNow - 10})
		}},
		{"duplicate history", func(c *Context) {
			c.BreakGlass = validWaiver()
			c.BreakGlassHistory = append(c.BreakGlassHistory, c.BreakGlassHistory[0])
		}},
	}
	// Reused tickets around the bound: anchors 1 h and 5 h 59 m ago,
	// declared at or after the anchor, expiring before, at and after
	// anchor + policy TTL.
	for _, age := range []uint64{3600, policyTTL - 60, policyTTL, policyTTL + 600} {
		for _, declared := range []uint64{0, 30} {
			for _, expires := range []uint64{policyTTL - 1, policyTTL, policyTTL + 1, policyTTL + 3600} {
				v = append(v, waiverVariant{fmt.Sprintf("reused age %d declared +%d expires +%d", age, declared, expires), reused(declared, expires, age)})
			}
		}
	}
	return v
}

var (
	modeSpellings    = []string{"monitor_only", "Monitor-Only", "soft_enforcement", "soft-enforcement", "hard_enforcement_canary", "HARD-ENFORCEMENT-CANARY", "full_enforcement", " full-enforcement"}
	runtimeSpellings = []string{"allow", "allow_with_warnings", "allow-with-warnings", "reject"}
)

// TestDecisionTableProperties enumerates every combination of mode
// spelling, canary flag, runtime decision, runtime reasons and waiver
// variant that passes the pre-checks, and checks the invariants of the
// enforcement plan's formal model against CheckEnforcement.
func TestDecisionTableProperties(t *testing.T) {
	reg := validRegistry()
	n := 0
	for _, modeSpelling := range modeSpellings {
		mode, _ := ParseMode(modeSpelling)
		for _, canary := range []bool{false, true} {
			for _, rt := range runtimeSpellings {
				for _, withReasons := range []bool{false, true} {
					for _, w := range waiverVariants() {
						n++
						ctx := violating()
						ctx.EnforcementMode, ctx.CanarySession, ctx.RuntimeDecision.Decision = modeSpelling, canary, rt
						if !withReasons {
							ctx.RuntimeDecision.Reasons = nil
						}
						w.set(ctx)
						name := fmt.Sprintf("%s/canary=%t/%s/reasons=%t/%s", modeSpelling, canary, rt, withReasons, w.name)
						checkInvariants(t, name, reg, ctx, mode)
					}
				}
			}
		}
	}
	if n < 4000 {
		t.Fatalf("only %d combinations enumerated", n)
	}
}

func checkInvariants(t *testing.T, name string, reg *governance.Registry, ctx *Context, mode Mode) {
	t.Helper()
	d := CheckEnforcement(reg, ctx, testNow)
	violation := ctx.RuntimeDecision.Decision != "allow"
	var bg decision.Builder
	valid := false
	if ctx.BreakGlass != nil {
		valid = checkBreakGlass(&bg, &reg.Enforcement, ctx, testNow)
	}
	invalid := ctx.BreakGlass != nil && !valid

	// monitor_only and soft_enforcement never reject.
	if (mode == ModeMonitorOnly || mode == ModeSoftEnforcement) && d.Outcome == decision.Reject {
		t.Fatalf("%s: %s rejected: %v", name, mode, d.Reasons)
	}
	// In a blocking cell a violation is admitted only with a valid waiver,
	// and then with warnings.
	blockingCell := mode == ModeFullEnforcement || (mode == ModeHardEnforcementCanary && ctx.CanarySession)
	if blockingCell && violation {
		if d.Outcome.Admits() != valid {
			t.Fatalf("%s: outcome %s with waiver valid=%t", name, d.Outcome, valid)
		}
		if valid && d.Outcome != decision.AllowWithWarnings {
			t.Fatalf("%s: a waived violation gave %s", name, d.Outcome)
		}
	}
	// An invalid waiver never turns a reject into an allow, and never hides
	// its reasons: they are the decision's last reasons.
	if invalid {
		without := *ctx
		without.BreakGlass = nil
		if CheckEnforcement(reg, &without, testNow).Outcome == decision.Reject && d.Outcome != decision.Reject {
			t.Fatalf("%s: an invalid waiver turned a reject into %s", name, d.Outcome)
		}
		bgReasons := bg.Reasons()
		if len(bgReasons) == 0 || len(d.Reasons) < len(bgReasons) || !slices.Equal(d.Reasons[len(d.Reasons)-len(bgReasons):], bgReasons) {
			t.Fatalf("%s: the waiver's reasons %v are not all shown in %v", name, bgReasons, d.Reasons)
		}
	}
	// A valid waiver never adds reasons of its own, and without a violation
	// nothing is reported.
	if !invalid && !violation && (d.Outcome != decision.Allow || len(d.Reasons) != 0) {
		t.Fatalf("%s: nothing to report, yet %s %v", name, d.Outcome, d.Codes())
	}
	// A reused ticket never extends a waiver past its first activation plus
	// the policy TTL.
	if valid && len(ctx.BreakGlassHistory) > 1 {
		anchor := ctx.BreakGlassHistory[1].ActivatedAtUnix
		if deadline := anchor + reg.Enforcement.BreakGlassTTLSeconds; ctx.BreakGlass.ExpiresAtUnix > deadline || deadline <= testNow ||
			ctx.BreakGlass.DeclaredAtUnix != anchor {
			t.Fatalf("%s: a reused ticket was valid until %d, past %d", name, ctx.BreakGlass.ExpiresAtUnix, deadline)
		}
	}
}
