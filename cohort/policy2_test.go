package cohort

import (
	"slices"
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/codetest"
	. "github.com/teegate/teegate/internal/granttest"
)

// policy2Inputs is validInputs under policy 2, with intel holding 60 % of
// the cohort (three of five) against a 40 % cap.
func policy2Inputs() (*governance.Registry, *Session) {
	reg, s := validInputs()
	reg.Enforcement.BreakGlassQuorumBps = 6700
	Policy2(reg, testNow-86400, testNow+86400, Alice, Bob, Carol)
	s.SelectedSigners[2].VendorID = "intel"
	s.SelectedSigners[4].VendorID = "aws"
	for i := range reg.Operators {
		vendor := s.SelectedSigners[i].VendorID
		reg.Operators[i].VendorID = &vendor
		reg.Operators[i].AttestationMaxAgeSeconds, reg.Operators[i].GracePeriodSeconds = 3600, 900
	}
	return reg, s
}

// outageGrant is a grant, signed by all three approvers, that amd is out.
func outageGrant(t *testing.T, id string, declared, expires, relaxed uint64) grant.Grant {
	return *Signed(t, VendorOutageText(id, "amd", declared, expires, relaxed), Alice, Bob, Carol)
}

type grantCase struct {
	name   string
	grants func(t *testing.T) []grant.Grant
	want   []decision.Code
}

var outageGrantCases = []grantCase{
	{"no grant: the policy cap", func(*testing.T) []grant.Grant { return nil }, codes{CodeVendorDiversityCapExceeded}},
	{"one step to 50 is not enough", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow-3600, testNow+3600, 50)}
	}, codes{CodeVendorDiversityCapExceeded}},
	{"a jump from 40 to 60", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow-3600, testNow+3600, 60)}
	}, codes{CodeVendorOutageGrantStepInvalid, CodeVendorDiversityCapExceeded}},
	{"two steps, the second declared while the first is in force", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-2", testNow-1800, testNow+3600, 60), outageGrant(t, "VO-1", testNow-3600, testNow+3600, 50)}
	}, nil},
	{"the first step expired since: the second stands", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow-21000, testNow-100, 50), outageGrant(t, "VO-2", testNow-1000, testNow+1000, 60)}
	}, nil},
	{"a second step declared after the first expired", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow-25000, testNow-3600, 50), outageGrant(t, "VO-2", testNow-1800, testNow+1800, 60)}
	}, codes{CodeVendorOutageGrantStepInvalid, CodeVendorDiversityCapExceeded}},
	{"no step above 60", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow-3600, testNow+3600, 50), outageGrant(t, "VO-2", testNow-1800, testNow+3600, 60),
			outageGrant(t, "VO-3", testNow-900, testNow+3600, 70)}
	}, codes{CodeVendorOutageGrantStepInvalid}},
	{"the vendor that is out keeps the policy cap", func(t *testing.T) []grant.Grant {
		return []grant.Grant{*Signed(t, VendorOutageText("VO-1", "Intel", testNow-3600, testNow+3600, 50), Alice, Bob, Carol),
			*Signed(t, VendorOutageText("VO-2", "intel", testNow-1800, testNow+3600, 60), Alice, Bob, Carol)}
	}, codes{CodeVendorDiversityCapExceeded}},
	{"longer than six hours", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow-3600, testNow-3600+MaxOutageRelaxationSeconds+1, 50)}
	}, codes{CodeVendorOutageRelaxationTTLExceedsMaximum, CodeVendorDiversityCapExceeded}},
	{"declared in the future", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow+1, testNow+3600, 50)}
	}, codes{CodeVendorOutageDeclaredInFuture, CodeVendorDiversityCapExceeded}},
	{"declared at 0", func(t *testing.T) []grant.Grant { return []grant.Grant{outageGrant(t, "VO-1", 0, testNow+3600, 50)} },
		codes{CodeVendorOutageDeclaredAtInvalid, CodeVendorDiversityCapExceeded}},
	{"expiring before its declaration", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow-60, testNow-61, 50)}
	}, codes{CodeVendorOutageExpiryWindowInvalid, CodeVendorDiversityCapExceeded}},
	{"an unknown vendor", func(t *testing.T) []grant.Grant {
		return []grant.Grant{*Signed(t, VendorOutageText("VO-1", "globex", testNow-3600, testNow+3600, 50), Alice, Bob, Carol)}
	}, codes{CodeVendorOutageGrantVendorInvalid, CodeVendorDiversityCapExceeded}},
	{"a look-alike of the vendor that is out", func(t *testing.T) []grant.Grant {
		return []grant.Grant{*SignedRaw(t, Marshal(t, VendorOutageText("VO-1", "іntel", testNow-3600, testNow+3600, 50)), Alice, Bob, Carol),
			*SignedRaw(t, Marshal(t, VendorOutageText("VO-2", "іntel", testNow-1800, testNow+3600, 60)), Alice, Bob, Carol)}
	}, codes{grant.CodeGrantTextInvalid, grant.CodeGrantTextInvalid, CodeVendorDiversityCapExceeded}},
	{"two steps declared in the same second, listed higher first", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-2", testNow-1800, testNow+3600, 60), outageGrant(t, "VO-1", testNow-1800, testNow+3600, 50)}
	}, nil},
	{"more grants than the limit: none is verified", func(t *testing.T) []grant.Grant {
		g := outageGrant(t, "VO-1", testNow-3600, testNow+3600, 50)
		return slices.Repeat([]grant.Grant{g}, MaxOutageGrants+1)
	}, codes{CodeVendorOutageGrantsTooMany, CodeVendorDiversityCapExceeded}},
	{"two of three approvers", func(t *testing.T) []grant.Grant {
		return []grant.Grant{outageGrant(t, "VO-1", testNow-3600, testNow+3600, 50),
			*Signed(t, VendorOutageText("VO-2", "amd", testNow-1800, testNow+3600, 60), Alice, Bob)}
	}, codes{grant.CodeGrantQuorumBelowRequired, CodeVendorDiversityCapExceeded}},
}

func TestPolicy2VendorOutageGrants(t *testing.T) {
	for _, tc := range outageGrantCases {
		t.Run(tc.name, func(t *testing.T) {
			reg, s := policy2Inputs()
			s.VendorOutageGrants = tc.grants(t)
			err := ValidateSession("s.json", reg, s.VendorOutage, s.VendorOutageGrants)
			if tooMany := len(s.VendorOutageGrants) > MaxOutageGrants; (err != nil) != tooMany {
				t.Fatalf("ValidateSession: %v", err)
			}
			d := CheckRuntime(reg, s, testNow)
			if got := d.Codes(); !slices.Equal(got, tc.want) {
				t.Fatalf("codes %v, want %v\n%v", got, tc.want, d.Reasons)
			}
		})
	}
}

// Under policy 2 the session's own declaration is never read, even by a
// caller that skipped ValidateSession; under policy 1 grants are not.
func TestPolicy2NeverReadsADeclaredOutage(t *testing.T) {
	reg, s := policy2Inputs()
	s.VendorOutage = &VendorOutage{Declared: true, DeclaredAtUnix: testNow - 60, RelaxedMaxSingleVendorSharePercent: 60, ExpiresAtUnix: testNow + 60}
	if got := CheckRuntime(reg, s, testNow).Codes(); !slices.Equal(got, codes{CodeVendorDiversityCapExceeded}) {
		t.Fatalf("policy 2 read the declaration: %v", got)
	}
	reg1, s1 := validInputs()
	s1.SelectedSigners[2].VendorID = "intel"
	s1.VendorOutageGrants = []grant.Grant{outageGrant(t, "VO-1", testNow-3600, testNow+3600, 50), outageGrant(t, "VO-2", testNow-1800, testNow+3600, 60)}
	if got := CheckRuntime(reg1, s1, testNow).Codes(); !slices.Equal(got, codes{CodeVendorDiversityCapExceeded}) {
		t.Fatalf("policy 1 read the grants: %v", got)
	}
}

func TestValidateSession(t *testing.T) {
	reg, _ := policy2Inputs()
	reg1, _ := validInputs()
	g := []grant.Grant{outageGrant(t, "VO-1", 1, 2, 50)}
	for _, tc := range []struct {
		name   string
		reg    *governance.Registry
		outage *VendorOutage
		grants []grant.Grant
		msg    string
	}{
		{"policy 2 and a declaration", reg, outage(), nil, `member "/vendor_outage": the registry is policy_version 2`},
		{"policy 2 and grants", reg, nil, g, ""},
		{"policy 1 and grants", reg1, nil, g, `member "/vendor_outage_grants": vendor_outage_grants belong to policy_version 2`},
		{"policy 1 and an empty list", reg1, outage(), []grant.Grant{}, ""},
		{"too many grants", reg, nil, slices.Repeat(g, MaxOutageGrants+1), `member "/vendor_outage_grants": 9 grants, above the limit of 8`},
	} {
		err := ValidateSession("s.json", tc.reg, tc.outage, tc.grants)
		if (tc.msg == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.msg)
		}
	}
}

// A policy 2 code added without a test row or a line in
// docs/reason-codes.md fails here; codes.go keeps the reference's 47.
func TestEveryPolicy2CodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, tc := range outageGrantCases {
		for _, c := range tc.want {
			produced[c] = true
		}
	}
	for _, tc := range policy2SignerCases {
		for _, c := range tc.want {
			produced[c] = true
		}
	}
	codetest.CheckCoverage(t, "policy2_codes.go", 8, produced, "../docs/reason-codes.md")
}

// signerInputs is validInputs (40/40/20 % across intel, amd and aws,
// under a 40 % cap) with each operator's vendor and limits recorded, and,
// when p2, under policy 2.
func signerInputs(p2 bool) (*governance.Registry, *Session) {
	reg, s := validInputs()
	s.SelectedSigners[4].VendorID = "aws"
	for i := range reg.Operators {
		reg.Operators[i].AttestationMaxAgeSeconds, reg.Operators[i].GracePeriodSeconds = 3600, 900
		if p2 {
			vendor := s.SelectedSigners[i].VendorID
			reg.Operators[i].VendorID = &vendor
		}
	}
	if p2 {
		reg.Enforcement.BreakGlassQuorumBps = 6700
		Policy2(reg, testNow-86400, testNow+86400, Alice, Bob, Carol)
	}
	return reg, s
}

// Issue 17's rules at layer C, each with its policy 1 twin: the same
// inputs under policy 1, which decides as it always has.
var policy2SignerCases = []struct {
	name          string
	edit          func(reg *governance.Registry, s *Session)
	want, policy1 []decision.Code
}{
	{"a valid cohort", func(*governance.Registry, *Session) {}, nil, nil},
	{"an operator whose window closed after its token was issued", func(reg *governance.Registry, _ *Session) {
		reg.Operators[0].EffectiveUntil = u64(testNow - 60)
	}, codes{CodeSelectedOperatorWindowClosed}, nil},
	{"an operator from the future", func(reg *governance.Registry, _ *Session) { reg.Operators[1].EffectiveFrom = testNow + 60 },
		codes{CodeSelectedTokenBeforeOperatorEffectiveFrom, CodeSelectedOperatorNotYetEffective}, codes{CodeSelectedTokenBeforeOperatorEffectiveFrom}},
	{"a token within the registry's age limit but above its operator's", func(reg *governance.Registry, s *Session) {
		reg.Operators[2].AttestationMaxAgeSeconds = 1800
	}, codes{CodeSelectedTokenTTLExceedsOperatorAttestationMaxAge}, nil},
	{"mid-session, within the registry's grace but beyond its operator's", func(reg *governance.Registry, s *Session) {
		s.Phase = "mid_session"
		reg.Operators[3].GracePeriodSeconds = 300
		s.SelectedSigners[3].Token.ExpiresAtUnix = testNow - 600
		s.SelectedSigners[3].Token.IssuedAtUnix = testNow - 3000
	}, codes{CodeSelectedTokenExpiredBeyondOperatorGrace}, nil},
	{"a signer labelled with another vendor than its operator's", func(_ *governance.Registry, s *Session) {
		s.SelectedSigners[2].VendorID = "amd-2"
	}, codes{CodeSelectedVendorMismatch}, nil},
	{"one vendor under three labels defeats the cap only under policy 1", func(reg *governance.Registry, s *Session) {
		for i, label := range []string{"intel", "intel-x", "intel-y"} {
			s.SelectedSigners[i].VendorID = label
			if reg.Operators[i].VendorID != nil {
				intel := "intel"
				reg.Operators[i].VendorID = &intel
			}
		}
	}, codes{CodeSelectedVendorMismatch, CodeSelectedVendorMismatch, CodeVendorDiversityCapExceeded}, nil},
}

func TestPolicy2Signers(t *testing.T) {
	for _, tc := range policy2SignerCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, p2 := range []bool{true, false} {
				reg, s := signerInputs(p2)
				tc.edit(reg, s)
				want := tc.policy1
				if p2 {
					want = tc.want
				}
				if got := CheckRuntime(reg, s, testNow).Codes(); !slices.Equal(got, want) {
					t.Fatalf("policy 2 %t: %v, want %v", p2, got, want)
				}
			}
		})
	}
}
