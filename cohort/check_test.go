package cohort

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

const testNow = 1_700_100_000

func u64(v uint64) *uint64 { return &v }

type codes = []decision.Code

// validInputs is a mandatory registry of five active operators and a
// session-start cohort of all five, across three vendors at 40/40/20 %
// under a 40 % cap, that passes at testNow.
func validInputs() (*governance.Registry, *Session) {
	reg := &governance.Registry{
		ProfileStatus: "mandatory",
		Enforcement: governance.Enforcement{
			AttestationMaxAgeSeconds: 3600, GracePeriodSeconds: 900, MinAttestedSignersPerCohort: 4,
			MaxSingleVendorSharePercent: 40, DenylistMaxStalenessSeconds: 60,
		},
	}
	s := &Session{SessionID: "sess-1", Phase: "session_start", Threshold: 3,
		Denylist: Denylist{RefreshedAtUnix: testNow, MinTokenRevocationEpoch: 5}}
	vendors := []string{"intel", "intel", "amd", "amd", "aws-nitro"}
	for i, v := range vendors {
		n := i + 1
		reg.Operators = append(reg.Operators, governance.Operator{
			OperatorID: fmt.Sprintf("op-%d", n), SignerIdentifier: fmt.Sprintf("s-%d", n), Status: "active", EffectiveFrom: 1_700_000_000,
		})
		s.SelectedSigners = append(s.SelectedSigners, SelectedSigner{
			OperatorID: fmt.Sprintf("op-%d", n), SignerIdentifier: fmt.Sprintf("s-%d", n), VendorID: v,
			Token: TokenSnapshot{TokenID: fmt.Sprintf("tok-%d", n), IssuedAtUnix: testNow - 600, ExpiresAtUnix: testNow + 3000, TokenRevocationEpoch: 5},
		})
	}
	return reg, s
}

// outage is a valid declaration relaxing the cap to 50 % for six hours.
func outage() *VendorOutage {
	return &VendorOutage{Declared: true, DeclaredAtUnix: testNow - 3600, RelaxedMaxSingleVendorSharePercent: 50, ExpiresAtUnix: testNow - 3600 + 21600}
}

type runtimeCase struct {
	name string
	edit func(reg *governance.Registry, s *Session)
	want []decision.Code
}

func runCases(t *testing.T, cases []runtimeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reg, s := validInputs()
			tc.edit(reg, s)
			d := CheckRuntime(reg, s, testNow)
			if got := d.Codes(); !slices.Equal(got, tc.want) {
				t.Fatalf("codes = %v\nwant    %v\nreasons: %v", got, tc.want, d.Reasons)
			}
			if (d.Outcome == decision.Allow) != (len(tc.want) == 0) || d.ValidatedAtUnix != testNow {
				t.Fatalf("decision %v at %d", d, d.ValidatedAtUnix)
			}
			for _, r := range d.Reasons {
				if r.Detail == "" {
					t.Errorf("reason %s has no detail", r.Code)
				}
			}
		})
	}
}

func sig(s *Session, i int) *SelectedSigner { return &s.SelectedSigners[i] }

var policyCases = []runtimeCase{
	{"valid", func(*governance.Registry, *Session) {}, nil},
	{"profile not mandatory", func(r *governance.Registry, _ *Session) { r.ProfileStatus = "draft" }, codes{CodeGovernanceProfileNotMandatory}},
	{"grace above the ceiling", func(r *governance.Registry, _ *Session) { r.Enforcement.GracePeriodSeconds = 3601 }, codes{CodeGracePeriodExceedsHardCeiling}},
	{"max age above the ceiling", func(r *governance.Registry, _ *Session) { r.Enforcement.AttestationMaxAgeSeconds = 86401 }, codes{CodeAttestationMaxAgeExceedsHardCeiling}},
	{"staleness zero", func(r *governance.Registry, _ *Session) { r.Enforcement.DenylistMaxStalenessSeconds = 0 }, codes{CodeDenylistMaxStalenessInvalidZero}},
	{"staleness above the ceiling", func(r *governance.Registry, _ *Session) { r.Enforcement.DenylistMaxStalenessSeconds = 301 }, codes{CodeDenylistMaxStalenessExceedsHardCeiling}},
	{"min attested below the floor", func(r *governance.Registry, _ *Session) { r.Enforcement.MinAttestedSignersPerCohort = 1 }, codes{
		CodeMinAttestedSignersBelowAbsoluteFloor, CodeMinAttestedSignersBelowThresholdPlusOne}},
	{"vendor cap zero fails every vendor, sorted by id", func(r *governance.Registry, _ *Session) { r.Enforcement.MaxSingleVendorSharePercent = 0 }, codes{
		CodeMaxSingleVendorSharePercentOutOfBounds, CodeVendorDiversityCapExceeded, CodeVendorDiversityCapExceeded, CodeVendorDiversityCapExceeded}},
	{"vendor cap above 60", func(r *governance.Registry, _ *Session) { r.Enforcement.MaxSingleVendorSharePercent = 61 }, codes{CodeMaxSingleVendorSharePercentOutOfBounds}},
}

var sessionCases = []runtimeCase{
	{"phase normalised", func(_ *governance.Registry, s *Session) { s.Phase = " Mid_Session" }, nil},
	{"invalid phase", func(_ *governance.Registry, s *Session) { s.Phase = "warmup" }, codes{CodeRuntimePhaseInvalid}},
	{"invalid phase is checked as session start", func(_ *governance.Registry, s *Session) {
		s.Phase = "warmup"
		sig(s, 0).Token.ExpiresAtUnix = testNow - 1
	}, codes{CodeRuntimePhaseInvalid, CodeSelectedTokenExpiredForSessionStart}},
	{"blank session id", func(_ *governance.Registry, s *Session) { s.SessionID = "\u3000" }, codes{CodeSessionIDMissing}},
	{"threshold zero", func(_ *governance.Registry, s *Session) { s.Threshold = 0 }, codes{CodeThresholdInvalid}},
	{"threshold needs a larger policy", func(_ *governance.Registry, s *Session) { s.Threshold = 4 }, codes{CodeMinAttestedSignersBelowThresholdPlusOne}},
	{"threshold+1 saturates", func(_ *governance.Registry, s *Session) { s.Threshold = ^uint64(0) }, codes{CodeMinAttestedSignersBelowThresholdPlusOne}},
	{"fewer signers than the policy", func(r *governance.Registry, _ *Session) { r.Enforcement.MinAttestedSignersPerCohort = 6 }, codes{CodeSelectedSignersBelowPolicyMinimum}},
	{"no signers", func(_ *governance.Registry, s *Session) { s.SelectedSigners = nil }, codes{CodeSelectedSignersBelowPolicyMinimum, CodeSelectedSignersEmpty}},
}

var denylistCases = []runtimeCase{
	{"refresh time zero", func(_ *governance.Registry, s *Session) { s.Denylist.RefreshedAtUnix = 0 }, codes{CodeDenylistRefreshedAtInvalid}},
	{"refreshed in the future", func(_ *governance.Registry, s *Session) { s.Denylist.RefreshedAtUnix = testNow + 1 }, codes{CodeDenylistRefreshedAtInFuture}},
	{"stale", func(_ *governance.Registry, s *Session) { s.Denylist.RefreshedAtUnix = testNow - 61 }, codes{CodeDenylistStale}},
	{"as old as allowed", func(_ *governance.Registry, s *Session) { s.Denylist.RefreshedAtUnix = testNow - 60 }, nil},
}

// concentrate moves a fourth and a fifth... signer onto one vendor, making
// intel 3 of 6 (50 %), over the 40 % policy cap.
func concentrate(r *governance.Registry, s *Session) {
	r.Operators = append(r.Operators, governance.Operator{OperatorID: "op-6", SignerIdentifier: "s-6", Status: "active", EffectiveFrom: 1_700_000_000})
	extra := *sig(s, 0)
	extra.OperatorID, extra.SignerIdentifier, extra.Token.TokenID = "op-6", "s-6", "tok-6"
	s.SelectedSigners = append(s.SelectedSigners, extra)
}

var outageCases = []runtimeCase{
	{"a valid outage allows a vendor up to the relaxed cap", func(r *governance.Registry, s *Session) { concentrate(r, s); s.VendorOutage = outage() }, nil},
	{"without an outage the same cohort is over the cap", func(r *governance.Registry, s *Session) { concentrate(r, s) }, codes{CodeVendorDiversityCapExceeded}},
	{"not declared", func(_ *governance.Registry, s *Session) { s.VendorOutage = outage(); s.VendorOutage.Declared = false }, codes{CodeVendorOutageNotDeclared}},
	{"declared at zero", func(_ *governance.Registry, s *Session) { s.VendorOutage = outage(); s.VendorOutage.DeclaredAtUnix = 0 }, codes{CodeVendorOutageDeclaredAtInvalid}},
	{"declared in the future", func(_ *governance.Registry, s *Session) {
		s.VendorOutage = outage()
		s.VendorOutage.DeclaredAtUnix = testNow + 1
	}, codes{CodeVendorOutageDeclaredInFuture}},
	{"relaxation below the policy", func(_ *governance.Registry, s *Session) {
		s.VendorOutage = outage()
		s.VendorOutage.RelaxedMaxSingleVendorSharePercent = 30
	}, codes{CodeVendorOutageRelaxationBelowPolicy}},
	{"relaxation above 60", func(_ *governance.Registry, s *Session) {
		s.VendorOutage = outage()
		s.VendorOutage.RelaxedMaxSingleVendorSharePercent = 70
	}, codes{CodeVendorOutageRelaxationExceedsMaximum}},
	{"relaxation between steps", func(_ *governance.Registry, s *Session) {
		s.VendorOutage = outage()
		s.VendorOutage.RelaxedMaxSingleVendorSharePercent = 45
	}, codes{CodeVendorOutageRelaxationStepInvalid}},
	{"expiry not after declaration", func(_ *governance.Registry, s *Session) {
		s.VendorOutage = outage()
		s.VendorOutage.ExpiresAtUnix = s.VendorOutage.DeclaredAtUnix
	}, codes{CodeVendorOutageExpiryWindowInvalid}},
	{"relaxation expiring now has expired", func(_ *governance.Registry, s *Session) {
		s.VendorOutage = outage()
		s.VendorOutage.ExpiresAtUnix = testNow
	}, codes{CodeVendorOutageRelaxationExpired}},
	{"relaxation longer than six hours", func(_ *governance.Registry, s *Session) {
		s.VendorOutage = outage()
		s.VendorOutage.ExpiresAtUnix = s.VendorOutage.DeclaredAtUnix + 21601
	}, codes{CodeVendorOutageRelaxationTTLExceedsMaximum}},
	{"a failed relaxation keeps the policy cap", func(r *governance.Registry, s *Session) {
		concentrate(r, s)
		s.VendorOutage = outage()
		s.VendorOutage.RelaxedMaxSingleVendorSharePercent = 45
	}, codes{CodeVendorOutageRelaxationStepInvalid, CodeVendorDiversityCapExceeded}},
	{"only the first failure is reported", func(_ *governance.Registry, s *Session) {
		s.VendorOutage = &VendorOutage{Declared: false, RelaxedMaxSingleVendorSharePercent: 99}
	}, codes{CodeVendorOutageNotDeclared}},
}

var signerCases = []runtimeCase{
	{"blank operator id skips", func(_ *governance.Registry, s *Session) { sig(s, 4).OperatorID = " " }, codes{CodeSelectedOperatorIDMissing}},
	{"blank signer skips", func(_ *governance.Registry, s *Session) { sig(s, 4).SignerIdentifier = "" }, codes{CodeSelectedSignerIdentifierMissing}},
	{"blank vendor skips", func(_ *governance.Registry, s *Session) { sig(s, 4).VendorID = "\t" }, codes{CodeSelectedVendorIDMissing}},
	{"blank token id skips", func(_ *governance.Registry, s *Session) { sig(s, 4).Token.TokenID = "" }, codes{CodeSelectedTokenIDMissing}},
	{"a skipped signer is not recorded as seen", func(_ *governance.Registry, s *Session) {
		sig(s, 0).VendorID = ""
		sig(s, 1).OperatorID, sig(s, 1).SignerIdentifier = "op-1", "s-1"
	}, codes{CodeSelectedVendorIDMissing}},
	{"duplicate operator", func(_ *governance.Registry, s *Session) { sig(s, 4).OperatorID = "OP-1" }, codes{
		CodeSelectedOperatorIDDuplicate, CodeSelectedSignerIdentifierRegistryMismatch}},
	{"duplicate signer", func(_ *governance.Registry, s *Session) { sig(s, 4).SignerIdentifier = " S-1" }, codes{
		CodeSelectedSignerIdentifierDuplicate, CodeSelectedSignerIdentifierRegistryMismatch}},
	{"duplicate token", func(_ *governance.Registry, s *Session) { sig(s, 4).Token.TokenID = "TOK-1" }, codes{CodeSelectedTokenIDDuplicate}},
	{"operator not in the registry skips but is recorded", func(_ *governance.Registry, s *Session) {
		sig(s, 3).OperatorID, sig(s, 4).OperatorID = "op-9", "op-9"
	}, codes{CodeSelectedOperatorNotInRegistry, CodeSelectedOperatorIDDuplicate, CodeSelectedOperatorNotInRegistry}},
	{"operator suspended", func(r *governance.Registry, _ *Session) { r.Operators[1].Status = "suspended" }, codes{CodeSelectedOperatorNotActive}},
	{"operator status unknown", func(r *governance.Registry, _ *Session) { r.Operators[1].Status = "paused" }, codes{CodeSelectedOperatorNotActive}},
	{"first registry record of an id wins", func(r *governance.Registry, _ *Session) {
		r.Operators = append([]governance.Operator{{OperatorID: "OP-5", SignerIdentifier: "s-5", Status: "revoked", EffectiveFrom: 1}}, r.Operators...)
	}, codes{CodeSelectedOperatorNotActive}},
	{"signer differs from the registry", func(r *governance.Registry, _ *Session) { r.Operators[2].SignerIdentifier = "s-x" }, codes{CodeSelectedSignerIdentifierRegistryMismatch}},
	{"token before the operator's window", func(r *governance.Registry, _ *Session) { r.Operators[0].EffectiveFrom = testNow }, codes{CodeSelectedTokenBeforeOperatorEffectiveFrom}},
	{"token after the operator's window", func(r *governance.Registry, _ *Session) { r.Operators[0].EffectiveUntil = u64(testNow - 601) }, codes{CodeSelectedTokenAfterOperatorEffectiveUntil}},
	{"token issued on the window's last second", func(r *governance.Registry, _ *Session) { r.Operators[0].EffectiveUntil = u64(testNow - 600) }, nil},
	{"token issued in the future", func(_ *governance.Registry, s *Session) {
		sig(s, 0).Token.IssuedAtUnix, sig(s, 0).Token.ExpiresAtUnix = testNow+1, testNow+100
	}, codes{CodeSelectedTokenNotYetValid}},
	{"token expiring when issued", func(_ *governance.Registry, s *Session) { sig(s, 0).Token.ExpiresAtUnix = sig(s, 0).Token.IssuedAtUnix }, codes{
		CodeSelectedTokenExpiryInvalid, CodeSelectedTokenExpiredForSessionStart}},
	{"token living too long", func(_ *governance.Registry, s *Session) {
		sig(s, 0).Token.ExpiresAtUnix = sig(s, 0).Token.IssuedAtUnix + 3601
	}, codes{
		CodeSelectedTokenTTLExceedsAttestationMaxAge}},
	{"token epoch below the minimum", func(_ *governance.Registry, s *Session) { sig(s, 2).Token.TokenRevocationEpoch = 4 }, codes{CodeSelectedTokenRevocationEpochBelowMinimum}},
	{"revoked operator, signer and token, normalised", func(_ *governance.Registry, s *Session) {
		s.Denylist.RevokedOperatorIDs = []string{"OP-2 "}
		s.Denylist.RevokedSignerIdentifiers = []string{"S-3"}
		s.Denylist.RevokedTokenIDs = []string{"\ttok-4"}
	}, codes{CodeSelectedOperatorRevoked, CodeSelectedSignerRevoked, CodeSelectedTokenRevoked}},
	{"the denylist lists are independent", func(_ *governance.Registry, s *Session) { s.Denylist.RevokedSignerIdentifiers = []string{"op-2"} }, nil},
	{"expired at session start", func(_ *governance.Registry, s *Session) { sig(s, 0).Token.ExpiresAtUnix = testNow - 1 }, codes{CodeSelectedTokenExpiredForSessionStart}},
	{"expiring exactly at session start", func(_ *governance.Registry, s *Session) { sig(s, 0).Token.ExpiresAtUnix = testNow }, nil},
	{"mid-session within grace", func(_ *governance.Registry, s *Session) {
		s.Phase = "mid_session"
		sig(s, 0).Token.IssuedAtUnix, sig(s, 0).Token.ExpiresAtUnix = testNow-3000, testNow-900
	}, nil},
	{"mid-session beyond grace", func(_ *governance.Registry, s *Session) {
		s.Phase = "mid_session"
		sig(s, 0).Token.IssuedAtUnix, sig(s, 0).Token.ExpiresAtUnix = testNow-3000, testNow-901
	}, codes{CodeSelectedTokenExpiredBeyondGrace}},
}

var vendorCases = []runtimeCase{
	{"vendors compared normalised", func(_ *governance.Registry, s *Session) { sig(s, 4).VendorID = " INTEL" }, codes{CodeVendorDiversityCapExceeded}},
	{"share rounds down", func(r *governance.Registry, s *Session) {
		// 3 of 7 is 42.857 %: not above a 42 % cap.
		r.Enforcement.MaxSingleVendorSharePercent = 42
		concentrate(r, s)
		s.SelectedSigners = append(s.SelectedSigners, *sig(s, 4))
		last := sig(s, 6)
		last.OperatorID, last.SignerIdentifier, last.Token.TokenID = "op-7", "s-7", "tok-7"
		r.Operators = append(r.Operators, governance.Operator{OperatorID: "op-7", SignerIdentifier: "s-7", Status: "active", EffectiveFrom: 1})
	}, nil},
	{"skipped signers dilute the share", func(r *governance.Registry, s *Session) {
		// intel 3 of 6 is over 40 %; two more entries that are skipped,
		// yet counted in the total, bring it to 3 of 8, 37 %.
		concentrate(r, s)
		s.SelectedSigners = append(s.SelectedSigners, SelectedSigner{OperatorID: "op-x"}, SelectedSigner{OperatorID: "op-none",
			SignerIdentifier: "s-none", VendorID: "intel", Token: TokenSnapshot{TokenID: "tok-none"}})
	}, codes{CodeSelectedSignerIdentifierMissing, CodeSelectedOperatorNotInRegistry}},
}

func TestCheckRuntimePolicy(t *testing.T)   { runCases(t, policyCases) }
func TestCheckRuntimeSession(t *testing.T)  { runCases(t, sessionCases) }
func TestCheckRuntimeDenylist(t *testing.T) { runCases(t, denylistCases) }
func TestCheckRuntimeOutage(t *testing.T)   { runCases(t, outageCases) }
func TestCheckRuntimeSigners(t *testing.T)  { runCases(t, signerCases) }
func TestCheckRuntimeVendors(t *testing.T)  { runCases(t, vendorCases) }

// Vendors over the cap are reported in vendor-id order, the same on
// every run (the reference walks a hash map).
func TestVendorReasonsAreSorted(t *testing.T) {
	reg, s := validInputs()
	reg.Enforcement.MaxSingleVendorSharePercent = 0
	var first string
	for range 30 {
		d := CheckRuntime(reg, s, testNow)
		var details []string
		for _, r := range d.Reasons[1:] {
			details = append(details, r.Detail)
		}
		got := strings.Join(details, "\n")
		if first == "" {
			first = got
			for i, v := range []string{`"amd"`, `"aws-nitro"`, `"intel"`} {
				if !strings.Contains(details[i], v) {
					t.Fatalf("reason %d = %q, want vendor %s", i, details[i], v)
				}
			}
		} else if got != first {
			t.Fatalf("order changed between runs")
		}
	}
}

func TestCheckRuntimeAttributed(t *testing.T) {
	reg, s := validInputs()
	s.SessionID = ""                         // cohort-level
	sig(s, 1).Token.TokenRevocationEpoch = 0 // signer 1
	sig(s, 3).OperatorID = "op-9"            // signer 3
	reg.Enforcement.MaxSingleVendorSharePercent = 20
	d, signers := CheckRuntimeAttributed(reg, s, testNow)
	want := []int{NoSigner, 1, 3, NoSigner}
	if len(signers) != len(d.Reasons) || !slices.Equal(signers, want) {
		t.Fatalf("signers %v for %v, want %v", signers, d.Codes(), want)
	}
}

func TestParsePhase(t *testing.T) {
	for in, want := range map[string]struct {
		p  Phase
		ok bool
	}{
		"session_start": {PhaseSessionStart, true}, " MID_SESSION ": {PhaseMidSession, true},
		"": {PhaseSessionStart, false}, "mid-session": {PhaseSessionStart, false},
	} {
		if p, ok := ParsePhase(in); p != want.p || ok != want.ok {
			t.Errorf("ParsePhase(%q) = %s, %v; want %s, %v", in, p, ok, want.p, want.ok)
		}
	}
}
