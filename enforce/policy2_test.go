package enforce

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/codetest"
	. "github.com/teegate/teegate/internal/granttest"
)

// p2 is a policy 2 enforcement fixture: the registry, the grant text and
// who signs it, the audit log, and the context that carries the grant.
type p2 struct {
	t       *testing.T
	reg     *governance.Registry
	text    *grant.Text
	signers []Approver
	grant   *grant.Grant // when set, used as is
	log     *governance.AuditLog
	ctx     *Context
}

func str(s string) *string                  { return &s }
func u64(v uint64) *uint64                  { return &v }
func strs(s ...string) *[]string            { return &s }
func (f *p2) event(i int) *governance.Event { return &f.log.Events[i] }

const (
	codeExpired = "selected_token_expired_for_session_start"
	codeVendor  = "vendor_diversity_cap_exceeded"
)

func newP2(t *testing.T) *p2 {
	reg := validRegistry()
	Policy2(reg, testNow-86400, testNow+86400, Alice, Bob, Carol)
	reg.Enforcement.ReAttestationPollIntervalSeconds = 300
	ctx := violating()
	ctx.BreakGlassHistory = nil
	ctx.RuntimeDecision.SessionID = str(ctx.SessionID) // as layer C states it under policy 2
	return &p2{
		t:       t,
		reg:     reg,
		text:    BreakGlassText("BG-7", "INC-7", testNow-600, testNow+3000, []string{"op-1", "op-2"}, []string{codeExpired}),
		signers: []Approver{Alice, Bob, Carol},
		log: &governance.AuditLog{Events: []governance.Event{
			{EventID: "e-1", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-1", EffectiveAtUnix: testNow - 30*86400,
				IncidentTicket: str("INC-1"), ScopeOperatorIDs: strs("op-9"), ExpiresAtUnix: u64(testNow - 30*86400 + 3600)},
			{EventID: "e-2", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-7", EffectiveAtUnix: testNow - 500,
				IncidentTicket: str("INC-7"), ScopeOperatorIDs: strs("op-2", "op-1"), ExpiresAtUnix: u64(testNow + 3000)},
		}},
		ctx: ctx,
	}
}

func (f *p2) decide() decision.Decision {
	f.t.Helper()
	f.ctx.BreakGlassGrant = f.grant
	if f.grant == nil {
		f.ctx.BreakGlassGrant = Signed(f.t, f.text, f.signers...)
	}
	if err := ValidateContext("c.json", f.reg, f.ctx); err != nil {
		f.t.Fatal(err)
	}
	d, origins := Evaluate(f.reg, f.log, f.ctx, testNow)
	if len(origins) != len(d.Reasons) {
		f.t.Fatalf("%d origins for %d reasons", len(origins), len(d.Reasons))
	}
	return d
}

const rtVendor decision.Code = RuntimeReasonPrefix + codeVendor

var blocked = []decision.Code{CodeFullEnforcementViolationBlocked, rtExpired}

type p2Case struct {
	name    string
	edit    func(f *p2)
	outcome decision.Outcome
	want    []decision.Code
}

var policy2Cases = []p2Case{
	{"a valid grant waives the violation", func(*p2) {}, decision.AllowWithWarnings, []decision.Code{CodeFullEnforcementBreakGlassApplied, rtExpired}},
	{"no violation: allow, silently", func(f *p2) {
		f.ctx.RuntimeDecision = RuntimeDecision{Decision: "allow", ValidatedAtUnix: testNow - 5, SessionID: str("sess-1")}
	}, decision.Allow, nil},
	{"no grant: blocked", func(f *p2) { f.grant = nil; f.signers = nil; f.text = nil }, decision.Reject, blocked},
	{"a waiver that omits one violation's code", func(f *p2) {
		f.ctx.RuntimeDecision.Reasons = append(f.ctx.RuntimeDecision.Reasons, decision.Reason{Code: codeVendor, Detail: "sgx holds 70 %"})
	}, decision.Reject, []decision.Code{CodeFullEnforcementViolationBlocked, rtExpired, rtVendor, CodeBreakGlassGrantViolationNotWaived}},
	{"a waiver that names nothing", func(f *p2) { *f.text.WaivedCodes = []string{} }, decision.Reject,
		append(slices.Clone(blocked), CodeBreakGlassGrantWaivedCodesEmpty, CodeBreakGlassGrantViolationNotWaived)},
	{"a violation without codes cannot be waived", func(f *p2) { f.ctx.RuntimeDecision.Reasons = nil }, decision.Reject,
		[]decision.Code{CodeFullEnforcementViolationBlocked, CodeRuntimeDecisionRejectWithoutReasons, CodeBreakGlassGrantViolationNotWaived}},
	{"a grant for another incident", func(f *p2) { *f.text.IncidentTicket = "INC-8" }, decision.Reject,
		append(slices.Clone(blocked), CodeBreakGlassGrantNotActivated)},
	{"the grant id is matched as identifiers are, ASCII-folded", func(f *p2) { f.event(1).GovernanceDecisionID = "bg-7" },
		decision.AllowWithWarnings, []decision.Code{CodeFullEnforcementBreakGlassApplied, rtExpired}},
	{"an activation of the incident under another grant id", func(f *p2) { f.event(1).GovernanceDecisionID = "BG-6" }, decision.Reject,
		append(slices.Clone(blocked), CodeBreakGlassGrantNotActivated)},
	{"no audit log", func(f *p2) { f.log = nil }, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassGrantNotActivated)},
	{"an activation not yet in force", func(f *p2) { f.event(1).EffectiveAtUnix = testNow + 1 }, decision.Reject,
		append(slices.Clone(blocked), CodeBreakGlassGrantNotActivated)},
	{"a grant presented after its expiry", func(f *p2) {
		f.text.DeclaredAtUnix, f.text.ExpiresAtUnix = testNow-7200, testNow
		f.event(1).EffectiveAtUnix, f.event(1).ExpiresAtUnix = testNow-7000, u64(testNow)
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassExpired)},
	{"a grant longer than the policy allows", func(f *p2) {
		f.text.ExpiresAtUnix = f.text.DeclaredAtUnix + 21601
		f.event(1).ExpiresAtUnix = u64(f.text.ExpiresAtUnix)
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassTTLExceedsPolicy)},
	{"an activation with another expiry, another scope, before the declaration", func(f *p2) {
		f.event(1).ExpiresAtUnix = u64(testNow + 9000)
		f.event(1).ScopeOperatorIDs = strs("op-1")
		f.event(1).EffectiveAtUnix = testNow - 700
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassGrantActivationMismatch, CodeBreakGlassGrantActivationMismatch, CodeBreakGlassGrantActivationMismatch)},
	{"governance ended the incident", func(f *p2) {
		f.log.Events = append(f.log.Events, governance.Event{EventID: "e-3", EventType: governance.EventBreakGlassExpire, GovernanceDecisionID: "BG-7-end",
			EffectiveAtUnix: testNow - 10, IncidentTicket: str("inc-7 ")})
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassGrantEndedByGovernance)},
	{"an expiry before this activation does not end it", func(f *p2) {
		f.log.Events = slices.Insert(f.log.Events, 1, governance.Event{EventID: "e-0", EventType: governance.EventBreakGlassExpire, GovernanceDecisionID: "x",
			EffectiveAtUnix: testNow - 40*86400, IncidentTicket: str("INC-7")})
	}, decision.AllowWithWarnings, []decision.Code{CodeFullEnforcementBreakGlassApplied, rtExpired}},
	{"the third activation in 7 days, with no history in the session", func(f *p2) {
		f.log.Events = slices.Insert(f.log.Events, 1,
			governance.Event{EventID: "e-5", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-5", EffectiveAtUnix: testNow - 5*86400, IncidentTicket: str("INC-5")},
			governance.Event{EventID: "e-6", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-6", EffectiveAtUnix: testNow - 3*86400, IncidentTicket: str("INC-6")})
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassActivationLimitExceeded)},
	{"within the cooldown of another incident", func(f *p2) {
		f.log.Events = slices.Insert(f.log.Events, 1,
			governance.Event{EventID: "e-6", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-6", EffectiveAtUnix: testNow - 3600, IncidentTicket: str("INC-6")})
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassCooldownViolation)},
	{"a later activation does not invalidate an earlier grant", func(f *p2) {
		f.log.Events = append(f.log.Events,
			governance.Event{EventID: "e-8", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-8", EffectiveAtUnix: testNow - 100, IncidentTicket: str("INC-8")})
	}, decision.AllowWithWarnings, []decision.Code{CodeFullEnforcementBreakGlassApplied, rtExpired}},
	{"an incident reused under a new grant keeps its first deadline", func(f *p2) {
		f.log.Events = slices.Insert(f.log.Events, 1,
			governance.Event{EventID: "e-6", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-6", EffectiveAtUnix: testNow - 7*3600, IncidentTicket: str("INC-7")})
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassReusedIncidentExpired, CodeBreakGlassReusedIncidentExtendsTTL, CodeBreakGlassCooldownViolation)},
	{"a re-activated incident counts toward the cap and the cooldown, as layer A counts it", func(f *p2) {
		f.log.Events = slices.Insert(f.log.Events, 1,
			governance.Event{EventID: "e-a1", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-A1", EffectiveAtUnix: testNow - 3*86400, IncidentTicket: str("INC-A")},
			governance.Event{EventID: "e-a2", EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: "BG-A2", EffectiveAtUnix: testNow - 7200, IncidentTicket: str("INC-A")})
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassActivationLimitExceeded, CodeBreakGlassCooldownViolation)},
	{"an expiry listed before the activation still ends it: times, not file order", func(f *p2) {
		f.log.Events = slices.Insert(f.log.Events, 0, governance.Event{EventID: "e-9", EventType: governance.EventBreakGlassExpire, GovernanceDecisionID: "x",
			EffectiveAtUnix: testNow - 10, IncidentTicket: str("INC-7")})
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassGrantEndedByGovernance)},
	{"of two activations of the grant, the earliest counts", func(f *p2) {
		later := *f.event(1)
		later.EventID, later.EffectiveAtUnix = "e-2b", testNow-100
		f.log.Events = slices.Insert(f.log.Events, 0, later)
		f.log.Events = append(f.log.Events, governance.Event{EventID: "e-9", EventType: governance.EventBreakGlassExpire, GovernanceDecisionID: "x",
			EffectiveAtUnix: testNow - 300, IncidentTicket: str("INC-7")})
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassGrantEndedByGovernance)},
	{"two of three approvers", func(f *p2) { f.signers = f.signers[:2] }, decision.Reject, append(slices.Clone(blocked), grant.CodeGrantQuorumBelowRequired)},
	{"signed twice by one approver under two keys", func(f *p2) {
		alice2 := NewApprover("alice", governance.RoleSecurityOwner, 9)
		*f.reg.GovernanceKeys = append(*f.reg.GovernanceKeys, alice2.Entry(testNow-10, testNow+10))
		f.signers = []Approver{Alice, alice2, Bob}
	}, decision.Reject, append(slices.Clone(blocked), grant.CodeGrantQuorumBelowRequired)},
	{"signed by a non-approver too", func(f *p2) {
		f.signers = append(f.signers, NewApprover("mallory", governance.RoleSecurityOwner, 7))
	}, decision.Reject, append(slices.Clone(blocked), grant.CodeGrantSignatureApproverUnknown)},
	{"signed by an expired key", func(f *p2) {
		(*f.reg.GovernanceKeys)[2].ValidUntilUnix = testNow - 1
	}, decision.Reject, append(slices.Clone(blocked), grant.CodeGrantSignatureApproverNoValidKey)},
	{"no security owner signs", func(f *p2) {
		f.reg.Enforcement.BreakGlassQuorumBps = 6000
		f.signers = []Approver{Bob, Carol}
	}, decision.Reject, append(slices.Clone(blocked), grant.CodeGrantSecurityOwnerMissing)},
	{"an outage grant as the waiver", func(f *p2) {
		f.grant = Signed(f.t, VendorOutageText("VO-1", "sgx", testNow-60, testNow+60, 50), Alice, Bob, Carol)
	}, decision.Reject, append(slices.Clone(blocked), grant.CodeGrantKindMismatch)},
	{"a scope that misses a selected operator", func(f *p2) {
		*f.text.ScopeOperatorIDs = []string{"op-1"}
		f.event(1).ScopeOperatorIDs = strs("op-1")
	}, decision.Reject, append(slices.Clone(blocked), CodeBreakGlassScopeOperatorNotCovered)},
	{"monitor mode shows an invalid grant's reasons", func(f *p2) {
		f.ctx.EnforcementMode = "monitor_only"
		f.signers = f.signers[1:]
	}, decision.AllowWithWarnings, []decision.Code{CodeMonitorOnlyRuntimeViolationObserved, rtExpired, grant.CodeGrantQuorumBelowRequired, grant.CodeGrantSecurityOwnerMissing}},
}

// Issue 17's rule 6: layer D enforces a runtime decision only while it is
// fresh and for its own session. Each policy 1 twin is blocked for the
// violation only, as it always was.
var runtimeBindingCases = []p2Case{
	{"a decision for another session", func(f *p2) { f.ctx.RuntimeDecision.SessionID = str("sess-2") }, decision.Reject,
		[]decision.Code{CodeRuntimeDecisionSessionMismatch}},
	{"a decision that names no session", func(f *p2) { f.ctx.RuntimeDecision.SessionID = nil }, decision.Reject,
		[]decision.Code{CodeRuntimeDecisionSessionMismatch}},
	{"the session named in another spelling", func(f *p2) { f.ctx.RuntimeDecision.SessionID = str(" SESS-1") }, decision.AllowWithWarnings,
		[]decision.Code{CodeFullEnforcementBreakGlassApplied, rtExpired}},
	{"a decision older than the poll interval", func(f *p2) { f.ctx.RuntimeDecision.ValidatedAtUnix = testNow - 301 }, decision.Reject,
		[]decision.Code{CodeRuntimeDecisionStale}},
	{"a decision as old as the poll interval", func(f *p2) { f.ctx.RuntimeDecision.ValidatedAtUnix = testNow - 300 }, decision.AllowWithWarnings,
		[]decision.Code{CodeFullEnforcementBreakGlassApplied, rtExpired}},
	{"a shorter poll interval", func(f *p2) {
		f.reg.Enforcement.ReAttestationPollIntervalSeconds = 60
		f.ctx.RuntimeDecision.ValidatedAtUnix = testNow - 61
	}, decision.Reject, []decision.Code{CodeRuntimeDecisionStale}},
	{"a longer poll interval is bounded at 300 s", func(f *p2) {
		f.reg.Enforcement.ReAttestationPollIntervalSeconds = 3600
		f.ctx.RuntimeDecision.ValidatedAtUnix = testNow - 301
	}, decision.Reject, []decision.Code{CodeRuntimeDecisionStale}},
	{"a decision from the future", func(f *p2) { f.ctx.RuntimeDecision.ValidatedAtUnix = testNow + 1 }, decision.Reject,
		[]decision.Code{CodeRuntimeDecisionValidatedInFuture}},
}

func TestPolicy2RuntimeBinding(t *testing.T) {
	for _, tc := range runtimeBindingCases {
		t.Run(tc.name, func(t *testing.T) {
			f := newP2(t)
			tc.edit(f)
			check(t, f.decide(), tc.outcome, tc.want)
			// The policy 1 twin: the same context, its waiver asserted.
			reg, ctx := validRegistry(), violating()
			ctx.RuntimeDecision.SessionID, ctx.RuntimeDecision.ValidatedAtUnix = f.ctx.RuntimeDecision.SessionID, f.ctx.RuntimeDecision.ValidatedAtUnix
			reg.Enforcement.ReAttestationPollIntervalSeconds = f.reg.Enforcement.ReAttestationPollIntervalSeconds
			ctx.BreakGlass = validWaiver()
			d, _ := Evaluate(reg, nil, ctx, testNow)
			check(t, d, decision.AllowWithWarnings, []decision.Code{CodeFullEnforcementBreakGlassApplied, rtExpired})
		})
	}
}

func TestPolicy2BreakGlass(t *testing.T) {
	for _, tc := range policy2Cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newP2(t)
			tc.edit(f)
			if f.text == nil && f.grant == nil {
				f.grant = nil
				f.ctx.BreakGlassGrant = nil
				d, _ := Evaluate(f.reg, f.log, f.ctx, testNow)
				check(t, d, tc.outcome, tc.want)
				return
			}
			check(t, f.decide(), tc.outcome, tc.want)
		})
	}
}

func check(t *testing.T, d decision.Decision, outcome decision.Outcome, want []decision.Code) {
	t.Helper()
	if got := d.Codes(); !slices.Equal(got, want) || d.Outcome != outcome {
		t.Fatalf("%s %v\nwant %s %v\nreasons: %v", d.Outcome, got, outcome, want, d.Reasons)
	}
	for _, r := range d.Reasons {
		if r.Detail == "" {
			t.Errorf("reason %s has no detail", r.Code)
		}
	}
}

// Under policy 2 the coordinator's own waiver is never read, even by a
// caller that skipped ValidateContext: the violation stays blocked.
func TestPolicy2NeverReadsAnAssertedWaiver(t *testing.T) {
	f := newP2(t)
	f.ctx.BreakGlass = validWaiver()
	f.ctx.BreakGlassHistory = []HistoryRecord{}
	d, _ := Evaluate(f.reg, f.log, f.ctx, testNow)
	check(t, d, decision.Reject, blocked)
	// And under policy 1 a grant is never read.
	reg := validRegistry()
	ctx := violating()
	ctx.BreakGlassGrant = Signed(t, f.text, Alice, Bob, Carol)
	d, _ = Evaluate(reg, f.log, ctx, testNow)
	check(t, d, decision.Reject, blocked)
}

func TestValidateContext(t *testing.T) {
	f := newP2(t)
	g := Signed(t, f.text, Alice)
	for _, tc := range []struct {
		name   string
		policy int
		edit   func(c *Context)
		msg    string
	}{
		{"policy 2 and an asserted waiver", 2, func(c *Context) { c.BreakGlass = validWaiver() }, `member "/break_glass": the registry is policy_version 2`},
		{"policy 2 and a history", 2, func(c *Context) { c.BreakGlassHistory = []HistoryRecord{{IncidentTicket: "x", ActivatedAtUnix: 1}} }, `member "/break_glass_history"`},
		{"policy 2 and an empty history", 2, func(c *Context) { c.BreakGlassHistory = []HistoryRecord{} }, ""},
		{"policy 2 and a grant", 2, func(c *Context) { c.BreakGlassGrant = g }, ""},
		{"policy 1 and a grant", 1, func(c *Context) { c.BreakGlassGrant = g }, `member "/break_glass_grant": break_glass_grant belongs to policy_version 2`},
		{"policy 1 and a waiver", 1, func(c *Context) { c.BreakGlass = validWaiver() }, ""},
	} {
		reg := validRegistry()
		if tc.policy == 2 {
			Policy2(reg, 0, 1, Alice)
		}
		ctx := violating()
		ctx.BreakGlassHistory = nil
		tc.edit(ctx)
		err := ValidateContext("c.json", reg, ctx)
		if (tc.msg == "") != (err == nil) || (err != nil && (!strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "c.json"))) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.msg)
		}
	}
}

// The property of policy 2: in full enforcement, no session with a
// violation is admitted unless a grant that verifies, reaches the quorum
// with a security owner, is activated in the log and names every code of
// the violation. Random sessions, grants and logs; a fixed seed.
func TestPolicy2NoUnnamedViolationIsAdmitted(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 2))
	pool := []string{codeExpired, codeVendor, "denylist_stale", "selected_operator_revoked"}
	approvers := []Approver{Alice, Bob, Carol, NewApprover("mallory", governance.RoleSecurityOwner, 7)}
	admitted := 0
	for range 1500 {
		f := newP2(t)
		f.ctx.RuntimeDecision.Reasons = nil
		for _, c := range pool {
			if rng.IntN(2) == 0 {
				f.ctx.RuntimeDecision.Reasons = append(f.ctx.RuntimeDecision.Reasons, decision.Reason{Code: decision.Code(c), Detail: "d"})
			}
		}
		var waived []string
		for _, c := range pool {
			if rng.IntN(3) > 0 {
				waived = append(waived, c)
			}
		}
		*f.text.WaivedCodes = waived
		f.signers = nil
		for _, a := range approvers {
			if rng.IntN(4) > 0 {
				f.signers = append(f.signers, a)
			}
		}
		if rng.IntN(4) == 0 {
			f.event(1).GovernanceDecisionID = "other"
		}
		if len(f.signers) == 0 {
			continue
		}
		d := f.decide()
		if !d.Outcome.Admits() {
			continue
		}
		admitted++
		var b decision.Builder
		v, ok := grant.Check(&b, "g", f.ctx.BreakGlassGrant, grant.KindBreakGlass, f.reg.ApproversAt(testNow), f.reg.Enforcement.BreakGlassQuorumBps)
		if !ok || v.QuorumBps < f.reg.Enforcement.BreakGlassQuorumBps || !v.SecurityOwner || f.event(1).GovernanceDecisionID != "BG-7" {
			t.Fatalf("admitted on a grant that does not hold: %v, signers %v", d, f.signers)
		}
		if len(f.ctx.RuntimeDecision.Reasons) == 0 {
			t.Fatalf("admitted a violation without codes: %v", d)
		}
		for _, r := range f.ctx.RuntimeDecision.Reasons {
			if !slices.Contains(waived, string(r.Code)) {
				t.Fatalf("admitted with %s unwaived (waived %v): %v", r.Code, waived, d)
			}
		}
	}
	if admitted == 0 {
		t.Fatal("no session was admitted: the property was never exercised")
	}
}

// A policy 2 code added without a test row or a line in
// docs/reason-codes.md fails here; codes.go keeps the reference's 39.
func TestEveryPolicy2CodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, tc := range append(slices.Clone(policy2Cases), runtimeBindingCases...) {
		for _, c := range tc.want {
			produced[c] = true
		}
	}
	codetest.CheckCoverage(t, "policy2_codes.go", 8, produced, "../docs/reason-codes.md")
}

// Under policy 1 a runtime decision's session_id is read by nothing, so
// a context that carries one is refused, as an unknown member was before
// policy 2 existed, rather than let its author believe it binds.
func TestPolicy1RefusesARuntimeSessionID(t *testing.T) {
	ctx := violating()
	ctx.RuntimeDecision.SessionID = str("sess-1")
	if err := ValidateContext("c.json", validRegistry(), ctx); err == nil || !strings.Contains(err.Error(), `member "/runtime_decision/session_id"`) {
		t.Fatalf("%v", err)
	}
}
