package admission

import (
	"slices"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/decision"
)

// notClaims are the codes CheckToken makes from the keyset, the denylist
// and the signatures: everything CheckClaims does not look at.
var notClaims = map[decision.Code]bool{
	CodeKeysetVersionInvalid: true, CodeKeysetThresholdInvalid: true, CodeKeysetMaxKeyAgeInvalid: true,
	CodeKeysetInsufficientKeys: true, CodeVerifierKeyIDMissing: true, CodeVerifierKeyIDDuplicate: true,
	CodeVerifierInstanceIDMissing: true, CodeVerifierTrustRootIDMissing: true, CodeVerifierValidFromInvalid: true,
	CodeVerifierValidityWindowInvalid: true, CodeVerifierKeyAgeExceedsPolicy: true, CodeVerifierKeyRevokedBeforeValidFrom: true,
	CodeVerifierPubkeyInvalid: true, CodeVerifierPubkeyDuplicate: true, CodeKeysetActiveKeysBelowThreshold: true,
	CodeKeysetActiveTrustRootsBelowMinimum: true, CodeKeysetActiveInstancesBelowMinimum: true,
	CodeDenylistRefreshedAtInvalid: true, CodeDenylistRefreshedAtInFuture: true, CodeDenylistStale: true,
	CodeTokenIDRevoked: true, CodeTokenRevocationEpochBelowMinimum: true,
	CodeTokenSignaturesMissing: true, CodeTokenSignatureKeyIDMissing: true, CodeTokenSignatureKeyIDDuplicate: true,
	CodeTokenSignatureKeyNotDeclared: true, CodeTokenSignatureKeyUnknown: true, CodeTokenSignatureKeyNotValidAtIssueTime: true,
	CodeTokenSignatureKeyRevoked: true, CodeTokenSignatureVerificationFailed: true, CodeTokenSignatureQuorumNotMet: true,
	CodeTokenSignatureTrustRootDiversityViolation: true, CodeTokenSignatureInstanceDiversityViolation: true,
}

// TestCheckClaimsIsCheckTokenWithoutSignatures: on every case of the
// token tests, CheckClaims finds exactly CheckToken's findings about the
// registry, the payload and its operator, in the same order, and returns
// the payload CheckToken decoded.
func TestCheckClaimsIsCheckTokenWithoutSignatures(t *testing.T) {
	var all []tokenCase
	for _, cases := range [][]tokenCase{policyCases, keysetCases, denylistCases, payloadCases, operatorCases, signatureCases} {
		all = append(all, cases...)
	}
	all = append(all, tokenCase{name: "valid", edit: func(*fixture) {}})
	for _, tc := range all {
		f := validFixture()
		tc.edit(f)
		tok := f.token(t)
		want := slices.DeleteFunc(CheckToken(f.reg, f.ks, tok, f.rev, testNow).Codes(), func(c decision.Code) bool { return notClaims[c] })
		d, p := CheckClaims(f.reg, tok.PayloadJSON, testNow)
		if !slices.Equal(d.Codes(), want) {
			t.Errorf("%s: CheckClaims = %v, want %v", tc.name, d.Codes(), want)
		}
		_, decoded := NewChecker(nil, f.reg, f.ks, f.rev, testNow).CheckPayload(tok)
		if a, b := mustJSON(t, p), mustJSON(t, decoded); a != b {
			t.Errorf("%s: payload %s, CheckToken decoded %s", tc.name, a, b)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
