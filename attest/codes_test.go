package attest

import (
	"errors"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/codetest"
)

// TestCodeCoverage: every code of codes.go is produced by a case of the
// synthetic suites (or, for the catch-all, by the classifier it comes
// from) and listed in docs/reason-codes.md.
func TestCodeCoverage(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, tc := range append(snpCases(t), tdxCases(t)...) {
		pol, reg, payload, ev := tc.build(t)
		now, _ := tc.clock()
		for _, c := range Check(pol, reg, payload, ev, now).Codes() {
			produced[c] = true
		}
	}
	// No evidence makes go-tdx-guest v0.3.1 fail in a way the table does
	// not name: the catch-all is reached only by an error a later library
	// version words anew.
	produced[classifyTDX(errors.New("a failure a later go-tdx-guest names differently"))] = true
	codetest.CheckCoverage(t, "codes.go", 22, produced, "../docs/reason-codes.md")
}

// TestClassifyTDX: each class of go-tdx-guest's errors maps to its code,
// first match winning.
func TestClassifyTDX(t *testing.T) {
	for msg, want := range map[string]decision.Code{
		"could not verify collaterals obtained: root CA CRL has expired":                    CodeRevocationUnavailable,
		"could not verify collaterals obtained: QeIdentity has expired":                     CodeCollateralExpired,
		"PCK Leaf certificate in PCK certificate chain was revoked at 2025":                 CodeCertificateRevoked,
		"TDX TCB info reported by Intel PCS failed TCB status check: no matching":           CodeTCBStatusNotUpToDate,
		"unable to verify message digest using quote's signature and ecdsa attestation key": CodeSignatureInvalid,
		"FMSPC from PCK Certificate(\"a\") is not equal to FMSPC value":                     CodeCollateralInvalid,
		"unable to validate PCK leaf certificate: x509: certificate has expired":            CodeCertificateChainInvalid,
		"unsupported quote type": CodeVerificationFailed,
	} {
		if got := classifyTDX(errors.New(msg)); got != want {
			t.Errorf("classifyTDX(%q) = %s, want %s", msg, got, want)
		}
	}
}
