package gate

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
)

type decisionReasons []decision.Reason

func trim(s string) string { return strings.TrimSpace(s) }

func enforceContext(sc *scenario, outcome string, reasons []decision.Reason, now uint64) *enforce.Context {
	ctx := &enforce.Context{SessionID: sc.session.SessionID, CanarySession: sc.session.Enforcement.CanarySession,
		RuntimeDecision: enforce.RuntimeDecision{Decision: outcome, Reasons: reasons, ValidatedAtUnix: now},
		EnforcementMode: sc.session.Enforcement.Mode, BreakGlass: sc.session.Enforcement.BreakGlass,
		BreakGlassHistory: sc.session.Enforcement.BreakGlassHistory}
	for _, s := range sc.session.SelectedSigners {
		ctx.SelectedOperatorIDs = append(ctx.SelectedOperatorIDs, s.OperatorID)
	}
	return ctx
}

func checkEnforcement(reg *governance.Registry, ctx *enforce.Context, now uint64) decision.Decision {
	return enforce.CheckEnforcement(reg, ctx, now)
}

// variants edit a valid 10-signer scenario into the cases a session gate
// meets: every layer failing in turn, and every mode.
var variants = []struct {
	name string
	edit func(t *testing.T, sc *scenario)
	want decision.Outcome
}{
	{"valid", func(*testing.T, *scenario) {}, decision.Allow},
	{"a revoked token", func(_ *testing.T, sc *scenario) {
		sc.rev.RevokedTokenIDs = map[string]admission.RevocationRecord{"TOK-OP-0002": {RevokedAtUnix: testNow - 1, Reason: "withdrawn"}}
	}, decision.Reject},
	{"a revocation not yet in force", func(_ *testing.T, sc *scenario) {
		sc.rev.RevokedTokenIDs = map[string]admission.RevocationRecord{"tok-op-0002": {RevokedAtUnix: testNow + 60}}
	}, decision.Allow},
	{"a forged signature", func(_ *testing.T, sc *scenario) {
		s := &sc.session.SelectedSigners[1].Token.Signatures[0]
		s.SignatureHex = strings.Repeat("11", 64)
	}, ""},
	{"a payload that does not decode", func(_ *testing.T, sc *scenario) {
		tok := &sc.session.SelectedSigners[3].Token
		tok.PayloadJSON = strings.Replace(tok.PayloadJSON, "{", `{"extra":1,`, 1)
	}, decision.Reject},
	{"an expired token", func(t *testing.T, sc *scenario) {
		sc.sign(t, 0, func(p *admission.Payload) { p.IssuedAtUnix, p.ExpiresAtUnix = testNow-3000, testNow-10 })
	}, decision.Reject},
	{"an expired token mid-session, within grace", func(t *testing.T, sc *scenario) {
		sc.session.Phase = "mid_session"
		sc.sign(t, 0, func(p *admission.Payload) { p.IssuedAtUnix, p.ExpiresAtUnix = testNow-3000, testNow-10 })
	}, decision.Allow},
	{"an expired token mid-session, beyond grace", func(t *testing.T, sc *scenario) {
		sc.session.Phase = "Mid_Session"
		sc.sign(t, 0, func(p *admission.Payload) { p.IssuedAtUnix, p.ExpiresAtUnix = testNow-3500, testNow-901 })
	}, decision.Reject},
	{"a borrowed token", func(t *testing.T, sc *scenario) {
		// op-0001 presents a valid token of op-0002, with a token id of its own.
		sc.sign(t, 1, func(p *admission.Payload) { p.OperatorID, p.SignerIdentifier = "op-0002", "s-op-0002" })
	}, decision.Reject},
	{"a registry problem every token shares", func(_ *testing.T, sc *scenario) { sc.reg.ProfileStatus = "draft" }, decision.Reject},
	{"a token for another operator", func(t *testing.T, sc *scenario) {
		sc.sign(t, 4, func(p *admission.Payload) { p.TokenID = "tok-op-0005" })
	}, ""},
	{"a stale denylist", func(_ *testing.T, sc *scenario) { sc.rev.DenylistRefreshedAtUnix = testNow - 600 }, decision.Reject},
	{"a revoked operator", func(_ *testing.T, sc *scenario) { sc.rev.RevokedOperatorIDs = []string{"op-0007"} }, decision.Reject},
	{"too much of one vendor", func(_ *testing.T, sc *scenario) {
		for i := range 5 {
			sc.session.SelectedSigners[i].VendorID = "intel"
		}
	}, decision.Reject},
	{"monitor only", func(_ *testing.T, sc *scenario) {
		sc.session.Enforcement.Mode = "monitor_only"
		sc.rev.RevokedOperatorIDs = []string{"op-0007"}
	}, decision.AllowWithWarnings},
	{"hard canary outside a canary session", func(_ *testing.T, sc *scenario) {
		sc.session.Enforcement.Mode = "hard_enforcement_canary"
		sc.rev.RevokedOperatorIDs = []string{"op-0007"}
	}, decision.AllowWithWarnings},
	{"hard canary in a canary session", func(_ *testing.T, sc *scenario) {
		sc.session.Enforcement.Mode, sc.session.Enforcement.CanarySession = "hard_enforcement_canary", true
		sc.rev.RevokedOperatorIDs = []string{"op-0007"}
	}, decision.Reject},
	{"a valid break-glass", func(_ *testing.T, sc *scenario) {
		sc.rev.RevokedOperatorIDs = []string{"op-0007"}
		bg := &enforce.BreakGlass{IncidentTicket: "INC-1", DeclaredAtUnix: testNow - 60, ExpiresAtUnix: testNow + 3600,
			ApproverQuorumBps: 7000, IsNewActivation: true}
		for _, s := range sc.session.SelectedSigners {
			bg.ScopeOperatorIDs = append(bg.ScopeOperatorIDs, s.OperatorID)
		}
		sc.session.Enforcement.BreakGlass = bg
	}, decision.AllowWithWarnings},
	{"a break-glass that misses an operator", func(_ *testing.T, sc *scenario) {
		sc.rev.RevokedOperatorIDs = []string{"op-0007"}
		sc.session.Enforcement.BreakGlass = &enforce.BreakGlass{IncidentTicket: "INC-1", DeclaredAtUnix: testNow - 60,
			ExpiresAtUnix: testNow + 3600, ApproverQuorumBps: 7000, ScopeOperatorIDs: []string{"op-0001"}, IsNewActivation: true}
	}, decision.Reject},
	{"an unknown mode", func(_ *testing.T, sc *scenario) { sc.session.Enforcement.Mode = "strict" }, decision.Reject},
}

// The gate decides exactly as layers B, C and D run one after the other
// by hand, with 2 and 3 signatures per token, cached and not.
func TestGateAgreesWithLayersByHand(t *testing.T) {
	for _, signers := range []int{2, 3} {
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				sc := newScenario(t, 10, signers)
				v.edit(t, sc)
				tokens, runtimeCodes, final, finalCodes := sc.byHand(testNow)
				for _, opts := range []Options{{}, {NoCache: true}, {Workers: 1}} {
					g := New(sc.reg, sc.ks, sc.rev, opts)
					for range 2 { // the second evaluation of a cached gate is warm
						r := g.Evaluate(sc.session, testNow)
						var gotTokens []string
						for _, d := range r.Tokens {
							gotTokens = append(gotTokens, string(d.Outcome))
						}
						var gotRuntime, gotFinal []string
						for _, c := range r.Runtime.Codes() {
							gotRuntime = append(gotRuntime, string(c))
						}
						for _, c := range r.Enforcement.Codes() {
							gotFinal = append(gotFinal, string(c))
						}
						if !slices.Equal(gotTokens, tokens) || !slices.Equal(gotRuntime, runtimeCodes) ||
							string(r.Outcome) != final || !slices.Equal(gotFinal, finalCodes) {
							t.Fatalf("%+v: gate %s %v / %v / %v\nby hand %s %v / %v / %v", opts, r.Outcome, gotTokens, gotRuntime, gotFinal,
								final, tokens, runtimeCodes, finalCodes)
						}
						if v.want != "" && r.Outcome != v.want {
							t.Fatalf("outcome %s, want %s: %v", r.Outcome, v.want, r.Reasons)
						}
						// Every reason of layer D is there, attributed; when D
						// re-emitted none, the runtime reasons follow its own.
						if n := len(r.Enforcement.Reasons); len(r.Reasons) != n && len(r.Reasons) != n+len(r.Runtime.Reasons) {
							t.Fatalf("%d attributed reasons for %d of layer D and %d runtime", len(r.Reasons), n, len(r.Runtime.Reasons))
						}
					}
				}
			})
		}
	}
}

// Layer B's shared findings are reported once, for no signer; a borrowed
// token is caught; and a failed pre-check of layer D keeps the findings of
// layers B and C.
func TestGateReasonsOfEveryLayer(t *testing.T) {
	sc := newScenario(t, 10, 3)
	sc.rev.DenylistRefreshedAtUnix = testNow - 600
	r := New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow)
	var stale []Reason
	for _, reason := range r.Reasons {
		if reason.Code == admission.CodeDenylistStale {
			stale = append(stale, reason)
		}
	}
	if len(stale) != 2 || stale[0].Layer != LayerRuntime || stale[1].Layer != LayerToken || stale[1].Signer != "" {
		t.Fatalf("stale denylist reported as %+v, want once by layer C and once by layer B, for no signer", stale)
	}

	sc = newScenario(t, 10, 3)
	sc.sign(t, 1, func(p *admission.Payload) { p.OperatorID, p.SignerIdentifier = "op-0002", "s-op-0002" })
	sc.session.Enforcement.Mode = "strict" // a pre-check of layer D fails
	r = New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow)
	var codes []decision.Code
	for _, reason := range r.Reasons {
		codes = append(codes, reason.Code)
		if reason.Code == CodeTokenOperatorMismatch && (reason.Layer != LayerToken || reason.Signer != "op-0001") {
			t.Errorf("mismatch attributed to %s/%s", reason.Layer, reason.Signer)
		}
	}
	want := []decision.Code{enforce.CodeEnforcementModeInvalid, CodeTokenOperatorMismatch, CodeTokenSignerIdentifierMismatch}
	if r.Outcome != decision.Reject || !slices.Equal(codes, want) {
		t.Fatalf("%s %v, want reject %v", r.Outcome, codes, want)
	}
}

// Attributed reasons name their layer and signer; the codes of re-emitted
// runtime reasons lose their runtime_ prefix.
func TestGateAttributesReasons(t *testing.T) {
	sc := newScenario(t, 10, 3)
	sc.rev.RevokedTokenIDs = map[string]admission.RevocationRecord{"tok-op-0002": {RevokedAtUnix: testNow - 1}}
	r := New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow)
	want := []Reason{
		{Layer: LayerEnforcement, Code: enforce.CodeFullEnforcementViolationBlocked},
		{Layer: LayerRuntime, Signer: "op-0002", Code: "selected_token_revoked"},
		{Layer: LayerToken, Signer: "op-0002", Code: admission.CodeTokenIDRevoked},
	}
	if len(r.Reasons) != len(want) {
		t.Fatalf("reasons %+v", r.Reasons)
	}
	for i, w := range want {
		got := r.Reasons[i]
		if got.Layer != w.Layer || got.Signer != w.Signer || got.Code != w.Code || got.Detail == "" {
			t.Errorf("reason %d = %+v, want %+v", i, got, w)
		}
	}
	out, err := r.Marshal()
	if err != nil || !strings.Contains(string(out), `"layer": "token",`) || !strings.Contains(string(out), `"signer": "op-0002",`) {
		t.Fatalf("output %s (%v)", out, err)
	}
}

// One Gate serves concurrent sessions (run with -race).
func TestGateConcurrentEvaluations(t *testing.T) {
	sc := newScenario(t, 10, 2)
	g := New(sc.reg, sc.ks, sc.rev, Options{})
	want := g.Evaluate(sc.session, testNow)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if got := g.Evaluate(sc.session, testNow); got.Outcome != want.Outcome || len(got.Reasons) != len(want.Reasons) {
					t.Errorf("concurrent evaluation: %s", got.Outcome)
				}
			}
		}()
	}
	wg.Wait()
}

// A cached verification survives its token's expiry through the longest
// grace period, in which a mid-session cohort still presents the token, and
// not beyond.
func TestGateCacheForgetsExpiredTokens(t *testing.T) {
	sc := newScenario(t, 10, 2)
	obs := &countingObserver{}
	g := New(sc.reg, sc.ks, sc.rev, Options{Verifier: admission.NewObservedVerifier(obs)})
	g.Evaluate(sc.session, testNow)
	if n := g.verifier.Len(); n != 10 {
		t.Fatalf("%d cached tokens, want 10", n)
	}
	sc.session.Phase = "mid_session"
	graceNow := uint64(testNow + 3000 + 600) // 600 s past expiry, within the 900 s grace
	sc.rev.DenylistRefreshedAtUnix = graceNow - 10
	if r := g.Evaluate(sc.session, graceNow); r.Outcome != decision.Allow {
		t.Fatalf("mid-session within the grace period: %s %v", r.Outcome, r.Reasons)
	}
	if n, verified := g.verifier.Len(), obs.verifications(); n != 10 || verified != 20 {
		t.Fatalf("within the grace period: %d cached tokens and %d verifications, want 10 and 20 (none again)", n, verified)
	}
	later := uint64(testNow + 3000 + governance.MaxGracePeriodSeconds + 1)
	if r := g.Evaluate(sc.session, later); r.Outcome != decision.Reject {
		t.Fatalf("expired tokens: %s", r.Outcome)
	}
	if n := g.verifier.Len(); n != 0 {
		t.Fatalf("%d expired tokens still cached", n)
	}
}

// countingObserver counts the signature verifications a Verifier performs.
type countingObserver struct{ n atomic.Int64 }

func (o *countingObserver) Verified(time.Duration) { o.n.Add(1) }
func (o *countingObserver) Remembered()            {}
func (o *countingObserver) verifications() int64   { return o.n.Load() }

// Gates built on successive versions of the documents can share one
// Verifier: the second gate verifies nothing the first already did, and
// still applies its own documents' policy.
func TestGatesShareAVerifier(t *testing.T) {
	sc := newScenario(t, 10, 2)
	v := admission.NewVerifier()
	if r := New(sc.reg, sc.ks, sc.rev, Options{Verifier: v}).Evaluate(sc.session, testNow); r.Outcome != decision.Allow {
		t.Fatal(r.Reasons)
	}
	if n := v.Len(); n != 10 {
		t.Fatalf("shared verifier holds %d payloads, want 10", n)
	}
	revoked := *sc.rev
	revoked.RevokedTokenIDs = map[string]admission.RevocationRecord{"tok-op-0003": {RevokedAtUnix: testNow - 1}}
	g2 := New(sc.reg, sc.ks, &revoked, Options{Verifier: v})
	if g2.verifier != v {
		t.Fatal("the gate did not use the shared verifier")
	}
	r := g2.Evaluate(sc.session, testNow)
	if r.Outcome != decision.Reject {
		t.Fatalf("the second gate ignored its revocation: %s", r.Outcome)
	}
	if n := v.Len(); n != 10 {
		t.Fatalf("shared verifier holds %d payloads after the second gate, want 10", n)
	}
	if g := New(sc.reg, sc.ks, sc.rev, Options{Verifier: v, NoCache: true}); g.verifier != nil {
		t.Fatal("NoCache did not win over a shared verifier")
	}
}

// A done context abandons the evaluation: an error, and no decision.
func TestEvaluateContextAbandons(t *testing.T) {
	sc := newScenario(t, 10, 3)
	g := New(sc.reg, sc.ks, sc.rev, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := g.EvaluateContext(ctx, sc.session, testNow)
	if !errors.Is(err, context.Canceled) || res.Outcome != "" || res.Reasons != nil {
		t.Fatalf("a cancelled evaluation: %v, %+v", err, res)
	}
	if res, err := g.EvaluateContext(context.Background(), sc.session, testNow); err != nil || !res.Admits() {
		t.Fatalf("%v %+v", err, res)
	}
}
