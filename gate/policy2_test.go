package gate

import (
	"slices"
	"strings"
	"testing"

	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	. "github.com/teegate/teegate/internal/granttest"
)

// policy2Scenario is five signers under policy 2 with intel holding three
// of them (60 %) against a 40 % cap: the cohort violates, and only grants
// can relax it.
func policy2Scenario(t *testing.T) *scenario {
	sc := newScenario(t, 5, 2)
	Policy2(sc.reg, testNow-86400, testNow+86400, Alice, Bob, Carol)
	for i := range sc.session.SelectedSigners {
		sc.session.SelectedSigners[i].VendorID = []string{"intel", "intel", "intel", "amd", "arm"}[i]
	}
	return sc
}

func operators(sc *scenario) []string {
	var ids []string
	for _, s := range sc.session.SelectedSigners {
		ids = append(ids, s.OperatorID)
	}
	return ids
}

func activation(ticket, grantID string, at, expires uint64, scope []string) governance.Event {
	return governance.Event{EventID: "e-" + grantID, EventType: governance.EventBreakGlassActivate, GovernanceDecisionID: grantID,
		EffectiveAtUnix: at, IncidentTicket: &ticket, ExpiresAtUnix: &expires, ScopeOperatorIDs: &scope}
}

func TestPolicy2Gate(t *testing.T) {
	outage := func(t *testing.T, id string, declared, relaxed uint64) grant.Grant {
		return *Signed(t, VendorOutageText(id, "amd", declared, declared+3*3600, relaxed), Alice, Bob, Carol)
	}
	for _, tc := range []struct {
		name    string
		edit    func(t *testing.T, sc *scenario, log *governance.AuditLog)
		outcome decision.Outcome
		want    []decision.Code
	}{
		{"no grant: blocked", func(*testing.T, *scenario, *governance.AuditLog) {}, decision.Reject,
			[]decision.Code{enforce.CodeFullEnforcementViolationBlocked, cohort.CodeVendorDiversityCapExceeded}},
		{"two outage steps relax the cap to 60 %", func(t *testing.T, sc *scenario, _ *governance.AuditLog) {
			sc.session.VendorOutageGrants = []grant.Grant{outage(t, "VO-1", testNow-3600, 50), outage(t, "VO-2", testNow-1800, 60)}
		}, decision.Allow, nil},
		{"a jump to 60 %", func(t *testing.T, sc *scenario, _ *governance.AuditLog) {
			sc.session.VendorOutageGrants = []grant.Grant{outage(t, "VO-1", testNow-3600, 60)}
		}, decision.Reject, []decision.Code{enforce.CodeFullEnforcementViolationBlocked, cohort.CodeVendorOutageGrantStepInvalid, cohort.CodeVendorDiversityCapExceeded}},
		{"a break-glass grant naming the violation", func(t *testing.T, sc *scenario, log *governance.AuditLog) {
			sc.session.Enforcement.BreakGlassGrant = Signed(t, BreakGlassText("BG-1", "INC-1", testNow-600, testNow+3000, operators(sc),
				[]string{string(cohort.CodeVendorDiversityCapExceeded)}), Alice, Bob, Carol)
			log.Events = append(log.Events, activation("INC-1", "BG-1", testNow-500, testNow+3000, operators(sc)))
		}, decision.AllowWithWarnings, []decision.Code{enforce.CodeFullEnforcementBreakGlassApplied, cohort.CodeVendorDiversityCapExceeded}},
		{"a break-glass grant not in the log", func(t *testing.T, sc *scenario, log *governance.AuditLog) {
			sc.session.Enforcement.BreakGlassGrant = Signed(t, BreakGlassText("BG-1", "INC-1", testNow-600, testNow+3000, operators(sc),
				[]string{string(cohort.CodeVendorDiversityCapExceeded)}), Alice, Bob, Carol)
		}, decision.Reject, []decision.Code{enforce.CodeFullEnforcementViolationBlocked, cohort.CodeVendorDiversityCapExceeded, enforce.CodeBreakGlassGrantNotActivated}},
		{"a break-glass grant that does not name a token's revocation", func(t *testing.T, sc *scenario, log *governance.AuditLog) {
			sc.rev.MinTokenRevocationEpoch = 2 // every token carries epoch 1
			sc.session.Enforcement.BreakGlassGrant = Signed(t, BreakGlassText("BG-1", "INC-1", testNow-600, testNow+3000, operators(sc),
				[]string{string(cohort.CodeVendorDiversityCapExceeded)}), Alice, Bob, Carol)
			log.Events = append(log.Events, activation("INC-1", "BG-1", testNow-500, testNow+3000, operators(sc)))
		}, decision.Reject, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := policy2Scenario(t)
			log := &governance.AuditLog{}
			tc.edit(t, sc, log)
			if err := ValidateSession("s.json", sc.reg, sc.session); err != nil {
				t.Fatal(err)
			}
			res := New(sc.reg, sc.ks, sc.rev, Options{Workers: 2, AuditLog: log}).Evaluate(sc.session, testNow)
			var got []decision.Code
			for _, r := range res.Reasons {
				got = append(got, r.Code)
			}
			if res.Outcome != tc.outcome || (tc.want != nil && !slices.Equal(got, tc.want)) {
				t.Fatalf("%s %v, want %s %v\n%v", res.Outcome, got, tc.outcome, tc.want, res.Reasons)
			}
			if tc.want == nil && tc.outcome == decision.Reject && !slices.Contains(got, enforce.CodeBreakGlassGrantViolationNotWaived) {
				t.Fatalf("the unwaived revocation is not named: %v", got)
			}
		})
	}
}

func TestPolicy2GateValidatesTheSession(t *testing.T) {
	sc := policy2Scenario(t)
	sc.session.VendorOutage = &cohort.VendorOutage{Declared: true, DeclaredAtUnix: testNow - 60, RelaxedMaxSingleVendorSharePercent: 60, ExpiresAtUnix: testNow + 60}
	if err := ValidateSession("s.json", sc.reg, sc.session); err == nil || !strings.Contains(err.Error(), `"/vendor_outage"`) {
		t.Fatalf("a declared outage under policy 2: %v", err)
	}
	// A library caller that skips ValidateSession still gets no relaxation
	// from it.
	res := New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow)
	if res.Outcome != decision.Reject {
		t.Fatalf("the declared outage was read: %v", res.Reasons)
	}
	sc = policy2Scenario(t)
	sc.session.Enforcement.BreakGlassHistory = []enforce.HistoryRecord{{IncidentTicket: "x", ActivatedAtUnix: 1}}
	if err := ValidateSession("s.json", sc.reg, sc.session); err == nil || !strings.Contains(err.Error(), `"/enforcement/break_glass_history"`) {
		t.Fatalf("a history under policy 2: %v", err)
	}
}

// BenchmarkEvaluatePolicy2: a warm ten-signer session under policy 2,
// without relaxation, with two vendor-outage grants and with a break-glass
// grant. Token verifications are remembered; grant signatures are
// verified on every evaluation (3 per grant), which is the difference.
func BenchmarkEvaluatePolicy2(b *testing.B) {
	ticket := "INC-1"
	for _, c := range []struct {
		name    string
		grants  func(sc *scenario) []grant.Grant
		waiver  func(sc *scenario) *grant.Grant
		outcome decision.Outcome
	}{
		{"no-grant", nil, nil, decision.Allow},
		{"two-outage-grants", func(sc *scenario) []grant.Grant {
			return []grant.Grant{*Signed(b, VendorOutageText("VO-1", "amd", testNow-3600, testNow+3600, 50), Alice, Bob, Carol),
				*Signed(b, VendorOutageText("VO-2", "amd", testNow-1800, testNow+3600, 60), Alice, Bob, Carol)}
		}, nil, decision.Allow},
		{"break-glass-grant", nil, func(sc *scenario) *grant.Grant {
			return Signed(b, BreakGlassText("BG-1", ticket, testNow-600, testNow+3000, operators(sc), []string{string(cohort.CodeVendorDiversityCapExceeded)}), Alice, Bob, Carol)
		}, decision.AllowWithWarnings},
	} {
		b.Run(c.name, func(b *testing.B) {
			sc := newScenario(b, 10, 2)
			Policy2(sc.reg, testNow-86400, testNow+86400, Alice, Bob, Carol)
			log := &governance.AuditLog{Events: []governance.Event{activation(ticket, "BG-1", testNow-500, testNow+3000, operators(sc))}}
			if c.grants != nil || c.waiver != nil {
				for i := range sc.session.SelectedSigners[:6] {
					sc.session.SelectedSigners[i].VendorID = "intel" // 60 %
				}
			}
			if c.grants != nil {
				sc.session.VendorOutageGrants = c.grants(sc)
			}
			if c.waiver != nil {
				sc.session.Enforcement.BreakGlassGrant = c.waiver(sc)
			}
			g := New(sc.reg, sc.ks, sc.rev, Options{AuditLog: log})
			g.Evaluate(sc.session, testNow)
			for b.Loop() {
				if r := g.Evaluate(sc.session, testNow); r.Outcome != c.outcome {
					b.Fatal(r.Reasons)
				}
			}
		})
	}
}
