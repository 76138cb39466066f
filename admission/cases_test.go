package admission

import (
	"strings"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

type codes = []decision.Code

func keyByID(f *fixture, id string) *VerifierKey {
	for i := range f.ks.Keys {
		if f.ks.Keys[i].KeyID == id {
			return &f.ks.Keys[i]
		}
	}
	panic("no key " + id)
}

func op(f *fixture) *governance.Operator { return &f.reg.Operators[0] }

var policyCases = []tokenCase{
	{"profile not mandatory", func(f *fixture) { f.reg.ProfileStatus = "draft" }, codes{CodeGovernanceProfileNotMandatory}},
	{"profile normalised", func(f *fixture) { f.reg.ProfileStatus = " Mandatory " }, nil},
	{"attestation max age above the ceiling", func(f *fixture) { f.reg.Enforcement.AttestationMaxAgeSeconds = 86401 }, codes{CodeAttestationMaxAgeExceedsHardCeiling}},
	{"denylist staleness zero", func(f *fixture) { f.reg.Enforcement.DenylistMaxStalenessSeconds = 0 }, codes{CodeDenylistMaxStalenessInvalidZero}},
	{"denylist staleness above the ceiling", func(f *fixture) { f.reg.Enforcement.DenylistMaxStalenessSeconds = 301 }, codes{CodeDenylistMaxStalenessExceedsHardCeiling}},
}

var keysetCases = []tokenCase{
	{"keyset version zero", func(f *fixture) { f.ks.KeysetVersion = 0 }, codes{CodeKeysetVersionInvalid}},
	{"threshold one", func(f *fixture) { f.ks.ThresholdM = 1 }, codes{CodeKeysetThresholdInvalid}},
	{"max key age zero", func(f *fixture) { f.ks.MaxKeyAgeSeconds = 0 }, codes{CodeKeysetMaxKeyAgeInvalid}},
	{"max key age above 30 days", func(f *fixture) { f.ks.MaxKeyAgeSeconds = 2_592_001 }, codes{CodeKeysetMaxKeyAgeInvalid}},
	{"fewer keys than the threshold", func(f *fixture) { f.ks.ThresholdM = 4 }, codes{
		CodeKeysetInsufficientKeys, CodeKeysetActiveKeysBelowThreshold, CodeTokenSignatureQuorumNotMet}},
	{"blank key id", func(f *fixture) { keyByID(f, "key-c").KeyID = " " }, codes{CodeVerifierKeyIDMissing, CodeTokenSignatureKeyUnknown}},
	{"duplicate key id keeps the first", func(f *fixture) { keyByID(f, "key-c").KeyID = "KEY-A" }, codes{CodeVerifierKeyIDDuplicate, CodeTokenSignatureKeyUnknown}},
	{"blank instance", func(f *fixture) { keyByID(f, "key-c").VerifierInstanceID = "" }, codes{CodeVerifierInstanceIDMissing, CodeTokenSignatureKeyUnknown}},
	{"blank trust root", func(f *fixture) { keyByID(f, "key-c").TrustRootID = "\t" }, codes{CodeVerifierTrustRootIDMissing, CodeTokenSignatureKeyUnknown}},
	{"valid_from zero", func(f *fixture) { keyByID(f, "key-c").ValidFromUnix = 0 }, codes{CodeVerifierValidFromInvalid, CodeTokenSignatureKeyUnknown}},
	{"empty validity window", func(f *fixture) {
		k := keyByID(f, "key-c")
		k.ValidUntilUnix = k.ValidFromUnix
	}, codes{CodeVerifierValidityWindowInvalid, CodeTokenSignatureKeyUnknown}},
	{"keys living longer than the policy still count", func(f *fixture) { f.ks.MaxKeyAgeSeconds = 259_199 }, codes{
		CodeVerifierKeyAgeExceedsPolicy, CodeVerifierKeyAgeExceedsPolicy, CodeVerifierKeyAgeExceedsPolicy}},
	{"key lifetime equal to the policy", func(f *fixture) { f.ks.MaxKeyAgeSeconds = 259_200 }, nil},
	{"revoked before it was valid", func(f *fixture) {
		k := keyByID(f, "key-c")
		k.RevokedAtUnix = u64(k.ValidFromUnix - 1)
	}, codes{CodeVerifierKeyRevokedBeforeValidFrom, CodeTokenSignatureKeyRevoked}},
	{"invalid public key", func(f *fixture) { keyByID(f, "key-c").PubkeyHex = "0x" + testKeys["key-c"].PubKeyHex() }, codes{
		CodeVerifierPubkeyInvalid, CodeTokenSignatureKeyUnknown}},
	{"public key reused under another id", func(f *fixture) {
		keyByID(f, "key-c").PubkeyHex = " " + strings.ToUpper(testKeys["key-b"].PubKeyHex())
	}, codes{CodeVerifierPubkeyDuplicate, CodeTokenSignatureKeyUnknown}},
	{"too few keys active now, though valid at issue", func(f *fixture) {
		keyByID(f, "key-b").ValidUntilUnix = testNow - 60
		keyByID(f, "key-c").ValidUntilUnix = testNow - 60
	}, codes{CodeKeysetActiveKeysBelowThreshold, CodeKeysetActiveTrustRootsBelowMinimum, CodeKeysetActiveInstancesBelowMinimum}},
	{"one trust root", func(f *fixture) {
		for i := range f.ks.Keys {
			f.ks.Keys[i].TrustRootID = "Root-1"
		}
	}, codes{CodeKeysetActiveTrustRootsBelowMinimum, CodeTokenSignatureTrustRootDiversityViolation}},
	{"one instance", func(f *fixture) {
		for i := range f.ks.Keys {
			f.ks.Keys[i].VerifierInstanceID = " inst-a"
		}
	}, codes{CodeKeysetActiveInstancesBelowMinimum, CodeTokenSignatureQuorumNotMet, CodeTokenSignatureInstanceDiversityViolation}},
}

var denylistCases = []tokenCase{
	{"refresh time zero", func(f *fixture) { f.rev.DenylistRefreshedAtUnix = 0 }, codes{CodeDenylistRefreshedAtInvalid}},
	{"refreshed in the future", func(f *fixture) { f.rev.DenylistRefreshedAtUnix = testNow + 1 }, codes{CodeDenylistRefreshedAtInFuture}},
	{"stale", func(f *fixture) { f.rev.DenylistRefreshedAtUnix = testNow - 61 }, codes{CodeDenylistStale}},
	{"exactly as old as allowed", func(f *fixture) { f.rev.DenylistRefreshedAtUnix = testNow - 60 }, nil},
}

var payloadCases = []tokenCase{
	{"blank payload stops", func(f *fixture) {
		f.reg.ProfileStatus = "draft"
		f.editToken = func(t *Token) { t.PayloadJSON = " \n" }
	}, codes{CodeGovernanceProfileNotMandatory, CodeTokenPayloadMissing}},
	{"unknown payload member stops", func(f *fixture) {
		f.editToken = func(t *Token) { t.PayloadJSON = strings.Replace(t.PayloadJSON, "{", `{"note":"x",`, 1) }
	}, codes{CodeTokenPayloadInvalid}},
	{"payload as an array", func(f *fixture) { f.editToken = func(t *Token) { t.PayloadJSON = `["tok-1"]` } }, codes{CodeTokenPayloadInvalid}},
	{"payload with a duplicate member", func(f *fixture) {
		f.editToken = func(t *Token) { t.PayloadJSON = strings.Replace(t.PayloadJSON, "{", `{"token_id":"x",`, 1) }
	}, codes{CodeTokenPayloadInvalid}},
	{"blank token id stops", func(f *fixture) { f.payload.TokenID = " " }, codes{CodeTokenIDMissing}},
	{"blank operator id stops", func(f *fixture) { f.payload.OperatorID = "" }, codes{CodeOperatorIDMissing}},
	{"blank signer stops", func(f *fixture) { f.payload.SignerIdentifier = "" }, codes{CodeSignerIdentifierMissing}},
	{"blank TEE type stops", func(f *fixture) { f.payload.TEEType = "" }, codes{CodeTEETypeMissing}},
	{"malformed digest", func(f *fixture) { f.payload.MeasurementDigest = "sha256:xyz" }, codes{CodeMeasurementDigestInvalid, CodeMeasurementNotAllowlisted}},
	{"issued at zero", func(f *fixture) { f.payload.IssuedAtUnix = 0 }, codes{
		CodeTokenIssuedAtInvalid, CodeOperatorNotYetEffective, CodeTokenTTLExceedsAttestationMaxAge,
		CodeTokenSignatureKeyNotValidAtIssueTime, CodeTokenSignatureKeyNotValidAtIssueTime, CodeTokenSignatureKeyNotValidAtIssueTime,
		CodeTokenSignatureQuorumNotMet}},
	{"expires when issued", func(f *fixture) { f.payload.IssuedAtUnix, f.payload.ExpiresAtUnix = testNow, testNow }, codes{CodeTokenExpiryInvalid}},
	{"issued in the future", func(f *fixture) { f.payload.IssuedAtUnix, f.payload.ExpiresAtUnix = testNow+1, testNow+301 }, codes{CodeTokenNotYetValid}},
	{"expired", func(f *fixture) { f.payload.ExpiresAtUnix = testNow - 1 }, codes{CodeTokenExpired}},
	{"expiring now is still valid", func(f *fixture) { f.payload.ExpiresAtUnix = testNow }, nil},
	{"snapshot version zero", func(f *fixture) { f.payload.RegistrySnapshotVersion = 0 }, codes{CodeRegistrySnapshotVersionInvalid}},
	{"no declared keys", func(f *fixture) { f.payload.VerifierKeyIDs = []string{} }, codes{
		CodeTokenVerifierKeyIDsMissing, CodeTokenSignatureKeyNotDeclared, CodeTokenSignatureKeyNotDeclared, CodeTokenSignatureKeyNotDeclared,
		CodeTokenSignatureQuorumNotMet}},
	{"blank and repeated declared keys", func(f *fixture) {
		f.payload.VerifierKeyIDs = []string{"key-a", "", "KEY-A ", "key-b", "key-c"}
	}, codes{CodeTokenVerifierKeyIDMissing, CodeTokenVerifierKeyIDDuplicate}},
	{"revoked token id, normalised", func(f *fixture) {
		f.rev.RevokedTokenIDs = map[string]RevocationRecord{"TOK-1 ": {RevokedAtUnix: testNow, Reason: "verifier withdrew the report"}}
	}, codes{CodeTokenIDRevoked}},
	{"revocation dated in the future is not yet in force", func(f *fixture) {
		f.rev.RevokedTokenIDs = map[string]RevocationRecord{"tok-1": {RevokedAtUnix: testNow + 1}}
	}, nil},
	{"epoch below the minimum", func(f *fixture) { f.payload.TokenRevocationEpoch = 4 }, codes{CodeTokenRevocationEpochBelowMinimum}},
}

var operatorCases = []tokenCase{
	{"unknown operator stops", func(f *fixture) { f.payload.OperatorID = "op-9" }, codes{CodeOperatorNotFound}},
	{"operator suspended", func(f *fixture) { op(f).Status = "suspended" }, codes{CodeOperatorNotActive}},
	{"operator status unknown", func(f *fixture) { op(f).Status = "on-hold" }, codes{CodeOperatorNotActive}},
	{"first of two operators with one id is used", func(f *fixture) {
		dup := *op(f)
		dup.Status = "revoked"
		f.reg.Operators = append([]governance.Operator{dup}, f.reg.Operators...)
	}, codes{CodeOperatorNotActive}},
	{"signer mismatch", func(f *fixture) { f.payload.SignerIdentifier = "signer-2" }, codes{CodeSignerIdentifierMismatch}},
	{"identities compared normalised", func(f *fixture) {
		f.payload.OperatorID, f.payload.SignerIdentifier, f.payload.TEEType = " OP-1", "SIGNER-1", "SGX"
		f.payload.MeasurementDigest = strings.ToUpper(testDigest)
	}, nil},
	{"TEE type not allowed", func(f *fixture) { f.payload.TEEType = "sev-snp" }, codes{CodeTEETypeNotAllowed}},
	{"measurement not allowlisted", func(f *fixture) { f.payload.MeasurementDigest = "sha256:" + strings.Repeat("b", 64) }, codes{CodeMeasurementNotAllowlisted}},
	{"issued before the operator's window", func(f *fixture) { op(f).EffectiveFrom = testNow }, codes{CodeOperatorNotYetEffective}},
	{"issued after the operator's window", func(f *fixture) { op(f).EffectiveUntil = u64(testNow - 121) }, codes{CodeOperatorEffectiveWindowExpired}},
	{"issued on the last second of the window", func(f *fixture) { op(f).EffectiveUntil = u64(testNow - 120) }, nil},
	{"lifetime above the registry max age", func(f *fixture) { f.payload.ExpiresAtUnix = f.payload.IssuedAtUnix + 3601 }, codes{CodeTokenTTLExceedsAttestationMaxAge}},
	{"lifetime equal to the max age", func(f *fixture) { f.payload.ExpiresAtUnix = f.payload.IssuedAtUnix + 3600 }, nil},
	{"the operator's own max age is smaller", func(f *fixture) { op(f).AttestationMaxAgeSeconds = 419 }, codes{CodeTokenTTLExceedsAttestationMaxAge}},
}

var signatureCases = []tokenCase{
	{"no signatures", func(f *fixture) { f.signers = nil }, codes{CodeTokenSignaturesMissing, CodeTokenSignatureQuorumNotMet}},
	{"blank signature key id", func(f *fixture) { f.editToken = func(t *Token) { t.Signatures[2].VerifierKeyID = " " } }, codes{CodeTokenSignatureKeyIDMissing}},
	{"a junk first entry hides the key's real signature", func(f *fixture) {
		f.editToken = func(t *Token) {
			junk := TokenSignature{VerifierKeyID: "KEY-A", SignatureHex: strings.Repeat("00", 64)}
			t.Signatures = append([]TokenSignature{junk}, t.Signatures...)
		}
	}, codes{CodeTokenSignatureVerificationFailed, CodeTokenSignatureKeyIDDuplicate, CodeTokenSignatureTrustRootDiversityViolation}},
	{"signature by an undeclared key", func(f *fixture) { f.payload.VerifierKeyIDs = []string{"key-a", "key-b"} }, codes{CodeTokenSignatureKeyNotDeclared}},
	{"signature by a key not in the keyset", func(f *fixture) {
		f.payload.VerifierKeyIDs = append(f.payload.VerifierKeyIDs, "key-d")
		f.signers = append(f.signers, "key-d")
	}, codes{CodeTokenSignatureKeyUnknown}},
	{"key not yet valid at issue", func(f *fixture) { keyByID(f, "key-c").ValidFromUnix = testNow - 119 }, codes{CodeTokenSignatureKeyNotValidAtIssueTime}},
	{"key revoked in the keyset", func(f *fixture) { keyByID(f, "key-c").RevokedAtUnix = u64(testNow) }, codes{CodeTokenSignatureKeyRevoked}},
	{"key revoked in the keyset later than now still signs", func(f *fixture) { keyByID(f, "key-c").RevokedAtUnix = u64(testNow + 1) }, nil},
	{"key revoked in the revocation registry", func(f *fixture) {
		f.rev.RevokedVerifierKeyIDs = map[string]RevocationRecord{"KEY-C": {RevokedAtUnix: testNow - 10, Reason: "host lost"}}
	}, codes{CodeTokenSignatureKeyRevoked}},
	{"signature from the wrong key", func(f *fixture) {
		f.editToken = func(t *Token) { t.Signatures[2].SignatureHex = t.Signatures[1].SignatureHex }
	}, codes{CodeTokenSignatureVerificationFailed}},
	{"signature not hex, signature too short", func(f *fixture) {
		f.editToken = func(t *Token) { t.Signatures[1].SignatureHex, t.Signatures[2].SignatureHex = "zz", "abcd" }
	}, codes{CodeTokenSignatureVerificationFailed, CodeTokenSignatureVerificationFailed, CodeTokenSignatureQuorumNotMet,
		CodeTokenSignatureTrustRootDiversityViolation, CodeTokenSignatureInstanceDiversityViolation}},
	{"signature in upper case with spaces", func(f *fixture) {
		f.editToken = func(t *Token) {
			t.Signatures[0].SignatureHex = " " + strings.ToUpper(t.Signatures[0].SignatureHex) + "\n"
		}
	}, nil},
	{"one signature", func(f *fixture) { f.signers = []string{"key-a"} }, codes{
		CodeTokenSignatureQuorumNotMet, CodeTokenSignatureTrustRootDiversityViolation, CodeTokenSignatureInstanceDiversityViolation}},
	{"signatures from one trust root", func(f *fixture) { f.signers = []string{"key-b", "key-c"} }, codes{CodeTokenSignatureTrustRootDiversityViolation}},
	{"one instance under an invalid threshold", func(f *fixture) {
		f.ks.ThresholdM = 1
		f.signers = []string{"key-a"}
		keyByID(f, "key-a").TrustRootID = "root-1"
	}, codes{CodeKeysetThresholdInvalid, CodeTokenSignatureTrustRootDiversityViolation, CodeTokenSignatureInstanceDiversityViolation}},
}
