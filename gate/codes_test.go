package gate

import (
	"testing"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/internal/codetest"
)

// A code added to codes.go that no evaluation produces, or that
// docs/reason-codes.md does not list, fails here.
func TestEveryCodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	sc := newScenario(t, 10, 2)
	// op-0001 presents a token of op-0002's.
	sc.sign(t, 1, func(p *admission.Payload) { p.OperatorID, p.SignerIdentifier = "op-0002", "s-op-0002" })
	for _, r := range New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow).Reasons {
		produced[r.Code] = true
	}
	// A monitor_only session start on a stale denylist, with the option on.
	sc = newScenario(t, 10, 2)
	sc.session.Enforcement.Mode = "monitor_only"
	sc.rev.DenylistRefreshedAtUnix = testNow - 61
	for _, r := range New(sc.reg, sc.ks, sc.rev, Options{RejectStaleDenylist: true}).Evaluate(sc.session, testNow).Reasons {
		produced[r.Code] = true
	}
	codetest.CheckCoverage(t, "codes.go", 3, produced, "../docs/reason-codes.md")
}

// Options.RejectStaleDenylist rejects only a session start that the gate
// would admit, on a denylist that is not fresh; without the option the
// gate decides as teegate gate always has.
func TestRejectStaleDenylist(t *testing.T) {
	for _, tc := range []struct {
		name      string
		phase     string
		mode      string
		refreshed uint64
		strict    bool
		want      decision.Outcome
		first     decision.Code // the first reason's code, "" for none
	}{
		{"stale, monitor_only", "session_start", "monitor_only", testNow - 61, true, decision.Reject, CodeDenylistStaleAtSessionStart},
		{"stale, option off", "session_start", "monitor_only", testNow - 61, false, decision.AllowWithWarnings, ""},
		{"at the bound", "session_start", "monitor_only", testNow - 60, true, decision.Allow, ""},
		{"dated in the future", "session_start", "monitor_only", testNow + 1, true, decision.Reject, CodeDenylistStaleAtSessionStart},
		{"unknown phase counts as a start", "warm_up", "monitor_only", testNow - 61, true, decision.Reject, CodeDenylistStaleAtSessionStart},
		{"mid_session", "mid_session", "monitor_only", testNow - 61, true, decision.AllowWithWarnings, ""},
		{"already rejected", "session_start", "full_enforcement", testNow - 61, true, decision.Reject, enforce.CodeFullEnforcementViolationBlocked},
	} {
		sc := newScenario(t, 10, 2)
		sc.session.Phase, sc.session.Enforcement.Mode = tc.phase, tc.mode
		sc.rev.DenylistRefreshedAtUnix = tc.refreshed
		res := New(sc.reg, sc.ks, sc.rev, Options{RejectStaleDenylist: tc.strict}).Evaluate(sc.session, testNow)
		if res.Outcome != tc.want {
			t.Errorf("%s: %s, want %s: %+v", tc.name, res.Outcome, tc.want, res.Reasons)
			continue
		}
		stale := len(res.Reasons) > 0 && res.Reasons[0].Code == CodeDenylistStaleAtSessionStart
		if stale != (tc.first == CodeDenylistStaleAtSessionStart) || (stale && res.Reasons[0].Layer != LayerService) {
			t.Errorf("%s: reasons %+v, want first %q under %s", tc.name, res.Reasons, tc.first, LayerService)
		}
		if tc.first != "" && !stale && res.Reasons[0].Code != tc.first {
			t.Errorf("%s: first reason %s, want %s", tc.name, res.Reasons[0].Code, tc.first)
		}
		if res.Enforcement.Outcome != decision.Reject && tc.strict && stale && res.Enforcement.Outcome == res.Outcome {
			t.Errorf("%s: layer D's own decision was overwritten", tc.name)
		}
	}
}
