package admission

import (
	"slices"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/codetest"
)

// policy2 makes f's registry policy 2, binding tokens of registry
// versions 1 to 3.
func policy2(f *fixture) {
	v := uint64(governance.Policy2)
	f.reg.PolicyVersion = &v
	f.reg.MinTokenRegistryVersion, f.reg.RegistryVersion = u64(1), u64(3)
}

// Issue 17's rules at layer B, each with its policy 1 twin: the same
// inputs under policy 1, which decides as it always has.
var policy2TokenCases = []struct {
	name          string
	edit          func(f *fixture)
	want, policy1 []decision.Code
}{
	{"a valid token", func(*fixture) {}, nil, nil},
	{"the operator's window closed after the token was issued", func(f *fixture) {
		f.reg.Operators[0].EffectiveUntil = u64(testNow - 60)
	}, []decision.Code{CodeTokenOperatorWindowClosed}, nil},
	{"the operator's window closes at now", func(f *fixture) {
		f.reg.Operators[0].EffectiveUntil = u64(testNow)
	}, nil, nil},
	{"an operator from the future", func(f *fixture) {
		f.reg.Operators[0].EffectiveFrom = testNow + 60
		f.payload.IssuedAtUnix = testNow + 61 // so that policy 1 sees only a token not yet valid
	}, []decision.Code{CodeTokenNotYetValid, CodeTokenOperatorNotYetEffective}, []decision.Code{CodeTokenNotYetValid}},
	{"a signing key that expired after it signed", func(f *fixture) {
		f.ks.Keys[0].ValidUntilUnix = testNow - 60
		f.ks.Keys[0].ValidFromUnix = testNow - 3600
		f.signers = []string{"key-a", "key-b"} // policy 2 counts key-b alone
	}, []decision.Code{CodeKeysetActiveTrustRootsBelowMinimum, CodeTokenSignatureKeyExpired, CodeTokenSignatureQuorumNotMet,
		CodeTokenSignatureTrustRootDiversityViolation, CodeTokenSignatureInstanceDiversityViolation},
		[]decision.Code{CodeKeysetActiveTrustRootsBelowMinimum}},
	{"a token for an older registry", func(f *fixture) {
		f.reg.MinTokenRegistryVersion = u64(2)
	}, []decision.Code{CodeTokenRegistryVersionBelowMinimum}, nil},
	{"a token for a newer registry", func(f *fixture) { f.payload.RegistrySnapshotVersion = 4 },
		[]decision.Code{CodeTokenRegistryVersionAboveRegistry}, nil},
	{"a registry built without versions refuses every token", func(f *fixture) {
		f.reg.MinTokenRegistryVersion, f.reg.RegistryVersion = nil, nil
	}, []decision.Code{CodeTokenRegistryVersionAboveRegistry}, nil},
	{"a look-alike operator id in the payload", func(f *fixture) {
		f.payload.OperatorID = "op\u200d-1" // a zero-width joiner
	}, []decision.Code{CodeTokenPayloadIdentifierInvalid}, []decision.Code{CodeOperatorNotFound}},
	{"a key id with a space", func(f *fixture) {
		f.payload.VerifierKeyIDs = []string{"key-a", "key-b", "key-c "}
	}, []decision.Code{CodeTokenPayloadIdentifierInvalid}, nil},
}

func TestPolicy2Token(t *testing.T) {
	for _, tc := range policy2TokenCases {
		t.Run(tc.name, func(t *testing.T) {
			for _, p2 := range []bool{true, false} {
				f := validFixture()
				want := tc.policy1
				if p2 {
					want = tc.want
					policy2(f)
				}
				tc.edit(f) // under policy 1 the versions it may set are not read
				d := f.check(t)
				if got := d.Codes(); !slices.Equal(got, want) || (d.Outcome == decision.Allow) != (len(want) == 0) {
					t.Fatalf("policy 2 %t: %s %v, want %v\n%v", p2, d.Outcome, got, want, d.Reasons)
				}
			}
		})
	}
}

// A policy 2 code added without a test row or a line in
// docs/reason-codes.md fails here; codes.go keeps the reference's.
func TestEveryPolicy2CodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, tc := range policy2TokenCases {
		for _, c := range tc.want {
			produced[c] = true
		}
	}
	codetest.CheckCoverage(t, "policy2_codes.go", 6, produced, "../docs/reason-codes.md")
}
