package enforce

import (
	"reflect"
	"slices"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

const testNow = 1_700_100_000

type codes = []decision.Code

func validRegistry() *governance.Registry {
	return &governance.Registry{
		ProfileStatus: "mandatory",
		Enforcement: governance.Enforcement{
			BreakGlassTTLSeconds: 21600, BreakGlassMaxActivationsPer7d: 2, BreakGlassCooldownSeconds: 86400,
			BreakGlassScope: "named_operator_ids_only", BreakGlassQuorumBps: 6700,
		},
	}
}

// validWaiver is a new activation covering op-1 and op-2 for an hour.
func validWaiver() *BreakGlass {
	return &BreakGlass{IncidentTicket: "INC-7", DeclaredAtUnix: testNow - 600, ExpiresAtUnix: testNow + 3000,
		ApproverQuorumBps: 7000, ScopeOperatorIDs: []string{"op-1", "op-2"}, IsNewActivation: true}
}

// violating is a full-enforcement context whose runtime decision rejects,
// with no waiver: it is blocked.
func violating() *Context {
	return &Context{
		SessionID: "sess-1", SelectedOperatorIDs: []string{"op-1", "op-2"}, EnforcementMode: "full_enforcement",
		RuntimeDecision: RuntimeDecision{Decision: "reject", ValidatedAtUnix: testNow - 5, Reasons: []decision.Reason{
			{Code: "selected_token_expired_for_session_start", Detail: "token t-1 expired"},
		}},
		// An old activation of another ticket, outside the cooldown and the window.
		BreakGlassHistory: []HistoryRecord{{IncidentTicket: "INC-1", ActivatedAtUnix: testNow - 30*86400}},
	}
}

const rtExpired decision.Code = RuntimeReasonPrefix + "selected_token_expired_for_session_start"

type enforcementCase struct {
	name    string
	edit    func(r *governance.Registry, c *Context)
	outcome decision.Outcome
	want    []decision.Code
}

func runCases(t *testing.T, cases []enforcementCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg, ctx := validRegistry(), violating()
			tc.edit(reg, ctx)
			d := CheckEnforcement(reg, ctx, testNow)
			if got := d.Codes(); !slices.Equal(got, tc.want) || d.Outcome != tc.outcome {
				t.Fatalf("%s %v\nwant %s %v\nreasons: %v", d.Outcome, got, tc.outcome, tc.want, d.Reasons)
			}
			for _, r := range d.Reasons {
				if r.Detail == "" {
					t.Errorf("reason %s has no detail", r.Code)
				}
			}
			checkOrigins(t, reg, ctx)
		})
	}
}

// checkOrigins: CheckEnforcementAttributed decides as CheckEnforcement
// does, and each reason it says is re-emitted is the runtime reason it
// names, prefixed.
func checkOrigins(t *testing.T, reg *governance.Registry, ctx *Context) {
	t.Helper()
	d, origins := CheckEnforcementAttributed(reg, ctx, testNow)
	if want := CheckEnforcement(reg, ctx, testNow); !reflect.DeepEqual(d, want) || len(origins) != len(d.Reasons) {
		t.Fatalf("attributed: %+v with %d origins; CheckEnforcement: %+v", d, len(origins), want)
	}
	for i, j := range origins {
		if j == NotReemitted {
			continue
		}
		rr := ctx.RuntimeDecision.Reasons[j]
		if d.Reasons[i].Code != RuntimeReasonPrefix+rr.Code || d.Reasons[i].Detail != rr.Detail {
			t.Fatalf("reason %d (%+v) said to re-emit runtime reason %d (%+v)", i, d.Reasons[i], j, rr)
		}
	}
}

// A runtime reason whose code, prefixed, spells one of layer D's own is
// still told apart from it: the origins say which is which.
func TestOwnCodesAreNotTakenForReemittedOnes(t *testing.T) {
	reg, ctx := validRegistry(), violating()
	ctx.RuntimeDecision.Reasons = append(ctx.RuntimeDecision.Reasons, decision.Reason{Code: "decision_invalid", Detail: "a caller's code"})
	d, origins := CheckEnforcementAttributed(reg, ctx, testNow)
	if !slices.Equal(origins, []int{NotReemitted, 0, 1}) || d.Reasons[2].Code != CodeRuntimeDecisionInvalid {
		t.Fatalf("violation: %v with origins %v", d.Codes(), origins)
	}
	ctx.RuntimeDecision.Decision = "bogus" // the pre-check fails: nothing is re-emitted
	d, origins = CheckEnforcementAttributed(reg, ctx, testNow)
	if !slices.Contains(d.Codes(), CodeRuntimeDecisionInvalid) || slices.ContainsFunc(origins, func(j int) bool { return j != NotReemitted }) {
		t.Fatalf("pre-check: %v with origins %v", d.Codes(), origins)
	}
}

const (
	allow    = decision.Allow
	warnings = decision.AllowWithWarnings
	reject   = decision.Reject
)

var preCheckCases = []enforcementCase{
	{"blank session", func(_ *governance.Registry, c *Context) { c.SessionID = " " }, reject, codes{CodeSessionIDMissing}},
	{"no operators", func(_ *governance.Registry, c *Context) { c.SelectedOperatorIDs = nil }, reject, codes{CodeSelectedOperatorIDsEmpty}},
	{"blank and repeated operators", func(_ *governance.Registry, c *Context) {
		c.SelectedOperatorIDs = []string{"op-1", "", "OP-1 ", "op-2", " "}
	}, reject, codes{CodeSelectedOperatorIDMissing, CodeSelectedOperatorIDDuplicate, CodeSelectedOperatorIDMissing}},
	{"runtime snapshot time zero", func(_ *governance.Registry, c *Context) { c.RuntimeDecision.ValidatedAtUnix = 0 }, reject, codes{CodeRuntimeDecisionValidatedAtInvalid}},
	{"unknown runtime decision", func(_ *governance.Registry, c *Context) { c.RuntimeDecision.Decision = "deny" }, reject, codes{CodeRuntimeDecisionInvalid}},
	{"unknown mode", func(_ *governance.Registry, c *Context) { c.EnforcementMode = "strict" }, reject, codes{CodeEnforcementModeInvalid}},
	{"unknown mode is strict for the profile check", func(r *governance.Registry, c *Context) {
		c.EnforcementMode, r.ProfileStatus = "strict", "draft"
	}, reject, codes{CodeEnforcementModeInvalid, CodeGovernanceProfileNotMandatoryForStrictMode}},
	{"full enforcement needs a mandatory profile", func(r *governance.Registry, c *Context) {
		r.ProfileStatus = "draft"
		c.BreakGlass = validWaiver()
	}, reject, codes{CodeGovernanceProfileNotMandatoryForStrictMode}},
	{"monitor_only accepts any profile", func(r *governance.Registry, c *Context) {
		r.ProfileStatus, c.EnforcementMode = "draft", "monitor-only"
	}, warnings, codes{CodeMonitorOnlyRuntimeViolationObserved, rtExpired}},
}

var modeCases = []enforcementCase{
	{"full enforcement blocks", func(*governance.Registry, *Context) {}, reject, codes{CodeFullEnforcementViolationBlocked, rtExpired}},
	{"full enforcement waived", func(_ *governance.Registry, c *Context) { c.BreakGlass = validWaiver() }, warnings, codes{CodeFullEnforcementBreakGlassApplied, rtExpired}},
	{"full enforcement with nothing to enforce", func(_ *governance.Registry, c *Context) { c.RuntimeDecision.Decision = "allow" }, allow, nil},
	{"a violation without reasons", func(_ *governance.Registry, c *Context) { c.RuntimeDecision.Reasons = nil }, reject, codes{
		CodeFullEnforcementViolationBlocked, CodeRuntimeDecisionRejectWithoutReasons}},
	{"warnings are a violation", func(_ *governance.Registry, c *Context) {
		c.RuntimeDecision.Decision = "Allow-With-Warnings"
		c.RuntimeDecision.Reasons = []decision.Reason{{Code: "a", Detail: "x"}, {Code: "b", Detail: "y"}}
	}, reject, codes{CodeFullEnforcementViolationBlocked, "runtime_a", "runtime_b"}},
	{"monitor only", func(_ *governance.Registry, c *Context) { c.EnforcementMode = "MONITOR_ONLY" }, warnings, codes{CodeMonitorOnlyRuntimeViolationObserved, rtExpired}},
	{"soft enforcement", func(_ *governance.Registry, c *Context) { c.EnforcementMode = "soft-enforcement" }, warnings, codes{
		CodeSoftEnforcementViolationExclusionPreferred, rtExpired}},
	{"hard canary blocks a canary session", func(_ *governance.Registry, c *Context) {
		c.EnforcementMode, c.CanarySession = "hard_enforcement_canary", true
	}, reject, codes{CodeHardEnforcementCanaryViolationBlocked, rtExpired}},
	{"hard canary waived in a canary session", func(_ *governance.Registry, c *Context) {
		c.EnforcementMode, c.CanarySession, c.BreakGlass = "hard-enforcement-canary", true, validWaiver()
	}, warnings, codes{CodeHardEnforcementCanaryBreakGlassApplied, rtExpired}},
	{"hard canary only warns outside canary sessions", func(_ *governance.Registry, c *Context) {
		c.EnforcementMode = "hard_enforcement_canary"
	}, warnings, codes{CodeHardEnforcementCanaryNonCanarySoftFallback, rtExpired}},
	{"an invalid waiver joins the block", func(_ *governance.Registry, c *Context) {
		c.BreakGlass = validWaiver()
		c.BreakGlass.ApproverQuorumBps = 100
	}, reject, codes{CodeFullEnforcementViolationBlocked, rtExpired, CodeBreakGlassQuorumBelowRequired}},
	{"an invalid waiver without a violation warns", func(_ *governance.Registry, c *Context) {
		c.RuntimeDecision.Decision = "allow"
		c.BreakGlass = validWaiver()
		c.BreakGlass.ApproverQuorumBps = 100
	}, warnings, codes{CodeBreakGlassQuorumBelowRequired}},
	{"an invalid waiver in a non-canary session warns", func(_ *governance.Registry, c *Context) {
		c.EnforcementMode = "hard_enforcement_canary"
		c.BreakGlass = validWaiver()
		c.BreakGlass.ApproverQuorumBps = 100
	}, warnings, codes{CodeHardEnforcementCanaryNonCanarySoftFallback, rtExpired, CodeBreakGlassQuorumBelowRequired}},
}

// waiverCase edits the waiver of a context whose runtime decision allows,
// so that the outcome shows the waiver's own reasons as warnings.
func waiverCase(name string, edit func(r *governance.Registry, c *Context, bg *BreakGlass), want ...decision.Code) enforcementCase {
	outcome := warnings
	if len(want) == 0 {
		outcome = allow
	}
	return enforcementCase{name, func(r *governance.Registry, c *Context) {
		c.RuntimeDecision.Decision = "allow"
		c.BreakGlass = validWaiver()
		edit(r, c, c.BreakGlass)
	}, outcome, want}
}

var waiverCases = []enforcementCase{
	waiverCase("valid waivers are silent", func(*governance.Registry, *Context, *BreakGlass) {}),
	waiverCase("scope policy not supported", func(r *governance.Registry, _ *Context, _ *BreakGlass) { r.Enforcement.BreakGlassScope = "all" },
		CodeBreakGlassScopeNotSupported),
	waiverCase("blank ticket is neither new nor reused", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.IncidentTicket = " " },
		CodeBreakGlassIncidentTicketMissing, CodeBreakGlassActivationHintMismatch),
	waiverCase("declared at zero", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.DeclaredAtUnix = 0 },
		CodeBreakGlassDeclaredAtInvalid, CodeBreakGlassTTLExceedsHardMax, CodeBreakGlassTTLExceedsPolicy),
	waiverCase("declared in the future", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.DeclaredAtUnix = testNow + 1 },
		CodeBreakGlassDeclaredInFuture),
	waiverCase("expiring when declared", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.ExpiresAtUnix = bg.DeclaredAtUnix },
		CodeBreakGlassExpiryWindowInvalid, CodeBreakGlassExpired),
	waiverCase("expiring now", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.ExpiresAtUnix = testNow },
		CodeBreakGlassExpired),
	waiverCase("policy TTL zero", func(r *governance.Registry, _ *Context, _ *BreakGlass) { r.Enforcement.BreakGlassTTLSeconds = 0 },
		CodeBreakGlassTTLPolicyInvalid),
	waiverCase("policy TTL above 7 days", func(r *governance.Registry, _ *Context, _ *BreakGlass) { r.Enforcement.BreakGlassTTLSeconds = 604801 },
		CodeBreakGlassTTLPolicyInvalid),
	waiverCase("waiver longer than 7 days", func(r *governance.Registry, _ *Context, bg *BreakGlass) {
		r.Enforcement.BreakGlassTTLSeconds = 604800
		bg.ExpiresAtUnix = bg.DeclaredAtUnix + 604801
	}, CodeBreakGlassTTLExceedsHardMax, CodeBreakGlassTTLExceedsPolicy),
	waiverCase("waiver longer than the policy", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.ExpiresAtUnix = bg.DeclaredAtUnix + 21601 },
		CodeBreakGlassTTLExceedsPolicy),
	waiverCase("waiver exactly as long as the policy", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.ExpiresAtUnix = bg.DeclaredAtUnix + 21600 }),
	waiverCase("quorum above 100%", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.ApproverQuorumBps = 10001 },
		CodeBreakGlassQuorumOutOfRange),
	waiverCase("quorum below the policy", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.ApproverQuorumBps = 6699 },
		CodeBreakGlassQuorumBelowRequired),
	waiverCase("empty scope", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.ScopeOperatorIDs = nil },
		CodeBreakGlassScopeEmpty, CodeBreakGlassScopeOperatorNotCovered, CodeBreakGlassScopeOperatorNotCovered),
	waiverCase("blank scope entry and an operator not covered", func(_ *governance.Registry, _ *Context, bg *BreakGlass) {
		bg.ScopeOperatorIDs = []string{" OP-1", "", "op-9"}
	}, CodeBreakGlassScopeOperatorMissing, CodeBreakGlassScopeOperatorNotCovered),
	waiverCase("history with a blank ticket", func(_ *governance.Registry, c *Context, _ *BreakGlass) {
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "", ActivatedAtUnix: 1})
	}, CodeBreakGlassHistoryIncidentTicketMissing),
	waiverCase("history with a ticket twice", func(_ *governance.Registry, c *Context, _ *BreakGlass) {
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: " inc-1", ActivatedAtUnix: 2})
	}, CodeBreakGlassHistoryDuplicateIncidentTicket),
	waiverCase("history in the future", func(_ *governance.Registry, c *Context, _ *BreakGlass) {
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "INC-2", ActivatedAtUnix: testNow + 10})
	}, CodeBreakGlassHistoryActivationInFuture),
	waiverCase("a wrong hint alone leaves the waiver valid", func(_ *governance.Registry, _ *Context, bg *BreakGlass) { bg.IsNewActivation = false }),
	waiverCase("a wrong hint shows when the waiver is invalid anyway", func(_ *governance.Registry, _ *Context, bg *BreakGlass) {
		bg.IsNewActivation, bg.ApproverQuorumBps = false, 1
	}, CodeBreakGlassQuorumBelowRequired, CodeBreakGlassActivationHintMismatch),
	waiverCase("a reused ticket at its first activation time", func(_ *governance.Registry, c *Context, bg *BreakGlass) {
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "inc-7", ActivatedAtUnix: bg.DeclaredAtUnix})
		bg.IsNewActivation = false
	}),
	waiverCase("a reused ticket re-declared later", func(_ *governance.Registry, c *Context, bg *BreakGlass) {
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "INC-7", ActivatedAtUnix: bg.DeclaredAtUnix - 100})
		bg.IsNewActivation = false
	}, CodeBreakGlassReusedIncidentDeclaredAtMismatch),
	waiverCase("a reused ticket past its first activation plus the policy TTL", func(_ *governance.Registry, c *Context, bg *BreakGlass) {
		bg.DeclaredAtUnix, bg.ExpiresAtUnix, bg.IsNewActivation = testNow-21600, testNow+100, false
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "INC-7", ActivatedAtUnix: testNow - 21600})
	}, CodeBreakGlassTTLExceedsPolicy, CodeBreakGlassReusedIncidentExpired, CodeBreakGlassReusedIncidentExtendsTTL),
	waiverCase("a reused ticket cannot refresh its window", func(_ *governance.Registry, c *Context, bg *BreakGlass) {
		anchor := uint64(testNow - 3600)
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "INC-7", ActivatedAtUnix: anchor})
		bg.DeclaredAtUnix, bg.ExpiresAtUnix, bg.IsNewActivation = testNow-60, anchor+21601, false
	}, CodeBreakGlassReusedIncidentDeclaredAtMismatch, CodeBreakGlassReusedIncidentExtendsTTL),
	waiverCase("a new activation over the 7-day cap", func(_ *governance.Registry, c *Context, _ *BreakGlass) {
		c.BreakGlassHistory = append(c.BreakGlassHistory,
			HistoryRecord{IncidentTicket: "INC-2", ActivatedAtUnix: testNow - 3*86400},
			HistoryRecord{IncidentTicket: "INC-3", ActivatedAtUnix: testNow - 2*86400})
	}, CodeBreakGlassActivationLimitExceeded),
	waiverCase("a cap of zero forbids new activations", func(r *governance.Registry, _ *Context, _ *BreakGlass) {
		r.Enforcement.BreakGlassMaxActivationsPer7d = 0
	}, CodeBreakGlassActivationLimitExceeded),
	waiverCase("a new activation inside the cooldown", func(_ *governance.Registry, c *Context, _ *BreakGlass) {
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "INC-2", ActivatedAtUnix: testNow - 86399})
	}, CodeBreakGlassCooldownViolation),
	waiverCase("a new activation exactly one cooldown later", func(_ *governance.Registry, c *Context, _ *BreakGlass) {
		c.BreakGlassHistory = append(c.BreakGlassHistory, HistoryRecord{IncidentTicket: "INC-2", ActivatedAtUnix: testNow - 86400})
	}),
}

func TestPreChecks(t *testing.T) { runCases(t, preCheckCases) }
func TestModes(t *testing.T)     { runCases(t, modeCases) }
func TestWaivers(t *testing.T)   { runCases(t, waiverCases) }
