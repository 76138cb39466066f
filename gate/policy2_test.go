package gate

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/codetest"
	. "github.com/teegate/teegate/internal/granttest"
)

// policy2Scenario is five signers under policy 2 with intel holding three
// of them (60 %) against a 40 % cap: the cohort violates, and only grants
// can relax it.
func policy2Scenario(t testing.TB) *scenario {
	sc := newScenario(t, 5, 2)
	Policy2(sc.reg, testNow-86400, testNow+86400, Alice, Bob, Carol)
	for i, tee := range []string{"sgx", "tdx", "sgx", "sev-snp", "cca"} {
		sc.onTEE(t, i, tee)
	}
	return sc
}

// onTEE puts signer i on a TEE of type tee: its operator's governed
// vendor, the session's label and a token issued afresh all say so.
func (sc *scenario) onTEE(tb testing.TB, i int, tee string) {
	vendor, ok := governance.TEEVendor(tee)
	if !ok {
		tb.Fatalf("no vendor for %s", tee)
	}
	sc.session.SelectedSigners[i].VendorID = vendor
	sc.reg.Operators[i].VendorID = &vendor
	sc.reg.Operators[i].AllowedTEETypes = []string{tee}
	sc.sign(tb, i, func(p *admission.Payload) { p.TEEType = tee })
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
			tees := []string{"sgx", "tdx", "sgx", "tdx", "sev-snp", "sev-snp", "cca", "cca", "nitro", "nitro"} // intel 40 %
			if c.grants != nil || c.waiver != nil {
				tees = []string{"sgx", "tdx", "sgx", "tdx", "sgx", "tdx", "sev-snp", "sev-snp", "cca", "nitro"} // intel 60 %
			}
			for i, tee := range tees {
				sc.onTEE(b, i, tee)
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

// Issue 17's rules through the gate, each with its policy 1 twin, which
// admits: a cohort of five on five TEE types, intel holding 40 %.
func TestPolicy2GateRules(t *testing.T) {
	blocked := enforce.CodeFullEnforcementViolationBlocked
	for _, tc := range []struct {
		name string
		edit func(sc *scenario)
		want []decision.Code
	}{
		{"a valid cohort", func(*scenario) {}, nil},
		{"a token for a TEE of another vendor than its operator's", func(sc *scenario) {
			sc.reg.Operators[1].AllowedTEETypes = []string{"sev-snp", "sgx"}
			sc.sign(t, 1, func(p *admission.Payload) { p.TEEType = "sgx" })
		}, []decision.Code{blocked, CodeTokenTEETypeVendorMismatch}},
		{"a token for an unknown TEE, under an operator with no vendor", func(sc *scenario) {
			sc.reg.Operators[1].VendorID = nil
			sc.reg.Operators[1].AllowedTEETypes = []string{"sev-snp", "tee-x"}
			sc.sign(t, 1, func(p *admission.Payload) { p.TEEType = "tee-x" })
		}, []decision.Code{blocked, cohort.CodeSelectedVendorMismatch, CodeTokenTEETypeVendorMismatch}},
		{"a signer labelled with another vendor", func(sc *scenario) { sc.session.SelectedSigners[2].VendorID = "arm-2" },
			[]decision.Code{blocked, cohort.CodeSelectedVendorMismatch}},
		{"an operator whose window closed since its token was issued", func(sc *scenario) {
			sc.reg.Operators[0].EffectiveUntil = ptr(testNow - 60)
		}, []decision.Code{blocked, cohort.CodeSelectedOperatorWindowClosed, admission.CodeTokenOperatorWindowClosed}},
		{"tokens for an older registry", func(sc *scenario) {
			sc.reg.MinTokenRegistryVersion, sc.reg.RegistryVersion = ptr(TokenVersion+1), ptr(TokenVersion+1)
		}, []decision.Code{blocked, admission.CodeTokenRegistryVersionBelowMinimum, admission.CodeTokenRegistryVersionBelowMinimum,
			admission.CodeTokenRegistryVersionBelowMinimum, admission.CodeTokenRegistryVersionBelowMinimum, admission.CodeTokenRegistryVersionBelowMinimum}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p2 := range []bool{true, false} {
				sc := newScenario(t, 5, 2)
				Policy2(sc.reg, testNow-86400, testNow+86400, Alice, Bob, Carol)
				for i, tee := range []string{"sgx", "sev-snp", "cca", "nitro", "tdx"} {
					sc.onTEE(t, i, tee)
				}
				if !p2 {
					sc.reg.PolicyVersion, sc.reg.GovernanceKeys = nil, nil
				}
				tc.edit(sc)
				if err := ValidateSession("s.json", sc.reg, sc.session); err != nil {
					t.Fatal(err)
				}
				res := New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow)
				var got []decision.Code
				for _, r := range res.Reasons {
					got = append(got, r.Code)
				}
				want := tc.want
				if !p2 {
					want = nil // policy 1 admits every one of them
				}
				if !slices.Equal(got, want) {
					t.Fatalf("policy 2 %t: %v, want %v\n%v", p2, got, want, res.Reasons)
				}
			}
		})
	}
}

func ptr(v uint64) *uint64 { return &v }

// The gate's policy 2 code is produced by TestPolicy2GateRules and
// documented.
func TestEveryPolicy2CodeIsTestedAndDocumented(t *testing.T) {
	codetest.CheckCoverage(t, "policy2_codes.go", 1, map[decision.Code]bool{CodeTokenTEETypeVendorMismatch: true}, "../docs/reason-codes.md")
}

// The property of issue 17: policy 2 never admits a session that policy 1
// rejects. Random edits of a valid five-signer session (operator windows
// and status, token times, types and versions, vendor labels, keys, mode,
// phase, a policy 1 waiver), each decided under both policies; a fixed
// seed. Under policy 2 a session refused as input counts as not admitted.
func TestPolicy2NeverAdmitsWhatPolicy1Rejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2))
	tees := []string{"sgx", "tdx", "sev-snp", "cca", "nitro"}
	labels := []string{"intel", "amd", "arm", "aws", "intel-x", "AMD"}
	verifier := admission.NewVerifier()
	rejected, compared := 0, 0
	for range 250 {
		sc := newScenario(t, 5, 3)
		Policy2(sc.reg, testNow-86400, testNow+86400, Alice, Bob, Carol)
		sc.reg.Enforcement.ReAttestationPollIntervalSeconds = 300
		for i, tee := range []string{"sgx", "sev-snp", "cca", "nitro", "tdx"} {
			sc.onTEE(t, i, tee)
		}
		maybe := func() bool { return rng.IntN(4) == 0 }
		for i := range sc.session.SelectedSigners {
			op := &sc.reg.Operators[i]
			if maybe() {
				op.EffectiveUntil = ptr(testNow - uint64(rng.IntN(600)) + 300)
			}
			if maybe() {
				op.EffectiveFrom = testNow - 1000 + uint64(rng.IntN(2000))
			}
			if maybe() {
				op.Status = []string{"active", "suspended", "revoked"}[rng.IntN(3)]
			}
			if maybe() {
				op.AttestationMaxAgeSeconds, op.GracePeriodSeconds = uint64(rng.IntN(4000)), uint64(rng.IntN(1000))
			}
			if maybe() {
				sc.session.SelectedSigners[i].VendorID = labels[rng.IntN(len(labels))]
			}
			if maybe() {
				issued, life := testNow-uint64(rng.IntN(4000)), uint64(rng.IntN(4000))
				tee, version := tees[rng.IntN(len(tees))], uint64(rng.IntN(3))
				sc.reg.Operators[i].AllowedTEETypes = append(sc.reg.Operators[i].AllowedTEETypes, tee)
				sc.sign(t, i, func(p *admission.Payload) {
					p.IssuedAtUnix, p.ExpiresAtUnix, p.TEEType, p.RegistrySnapshotVersion = issued, issued+life, tee, version
				})
			}
		}
		if maybe() {
			sc.ks.Keys[rng.IntN(3)].ValidUntilUnix = testNow - uint64(rng.IntN(400))
		}
		sc.session.Enforcement.Mode = []string{"full_enforcement", "full_enforcement", "hard_enforcement_canary", "monitor_only", "soft_enforcement"}[rng.IntN(5)]
		sc.session.Enforcement.CanarySession = rng.IntN(2) == 0
		sc.session.Phase = []string{"session_start", "mid_session"}[rng.IntN(2)]
		if maybe() {
			ops := operators(sc)
			sc.session.Enforcement.BreakGlass = &enforce.BreakGlass{IncidentTicket: "INC-1", DeclaredAtUnix: testNow - 600, ExpiresAtUnix: testNow + 3000,
				ApproverQuorumBps: 10000, ScopeOperatorIDs: ops, IsNewActivation: true}
		}

		p2 := New(sc.reg, sc.ks, sc.rev, Options{Verifier: verifier}).Evaluate(sc.session, testNow)
		p2Admits := p2.Admits() && ValidateSession("s.json", sc.reg, sc.session) == nil
		sc.reg.PolicyVersion, sc.reg.GovernanceKeys = nil, nil
		p1 := New(sc.reg, sc.ks, sc.rev, Options{Verifier: verifier}).Evaluate(sc.session, testNow)
		compared++
		if !p1.Admits() {
			rejected++
			if p2Admits {
				t.Fatalf("policy 1 rejects %v, policy 2 admits %v", p1.Reasons, p2.Reasons)
			}
		}
	}
	if rejected == 0 || rejected == compared {
		t.Fatalf("%d of %d rejected by policy 1: the property was not exercised both ways", rejected, compared)
	}
}
