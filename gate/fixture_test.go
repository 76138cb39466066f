package gate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

const testNow = 1_700_100_000

const testDigest = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

var vendors = []string{"intel", "amd", "arm", "aws", "nvidia"}

// keys are fixed verifier keys: a under one trust root, b and c under
// another.
var keys = func() map[string]*admission.SecretKey {
	m := map[string]*admission.SecretKey{}
	for i, id := range []string{"vk-a", "vk-b", "vk-c"} {
		sk, err := admission.ParseSecretKey(fmt.Appendf(nil, "%064x", 0x5000+i))
		if err != nil {
			panic(err)
		}
		m[id] = sk
	}
	return m
}()

// scenario is a complete, valid set of gate inputs for n signers, each
// token signed by the first signers verifier keys (2 or 3) of a 2-of-3
// keyset.
type scenario struct {
	reg     *governance.Registry
	ks      *admission.Keyset
	rev     *admission.RevocationRegistry
	session *Session
	signers int // verifier signatures per token
}

func newScenario(tb testing.TB, n, signers int) *scenario {
	tb.Helper()
	sc := &scenario{signers: signers}
	sc.reg = &governance.Registry{
		ProfileStatus: "mandatory",
		Enforcement: governance.Enforcement{
			AttestationMaxAgeSeconds: 3600, GracePeriodSeconds: 900, MinAttestedSignersPerCohort: uint64(n),
			MaxSingleVendorSharePercent: 40, DenylistMaxStalenessSeconds: 60,
			BreakGlassTTLSeconds: 21600, BreakGlassMaxActivationsPer7d: 2, BreakGlassCooldownSeconds: 86400,
			BreakGlassScope: "named_operator_ids_only", BreakGlassQuorumBps: 6700,
		},
	}
	sc.ks = &admission.Keyset{KeysetVersion: 3, ThresholdM: 2, MaxKeyAgeSeconds: 2_592_000}
	for _, k := range []struct{ id, instance, root string }{{"vk-a", "inst-a", "root-1"}, {"vk-b", "inst-b", "root-2"}, {"vk-c", "inst-c", "root-2"}} {
		sc.ks.Keys = append(sc.ks.Keys, admission.VerifierKey{KeyID: k.id, VerifierInstanceID: k.instance, TrustRootID: k.root,
			PubkeyHex: keys[k.id].PubKeyHex(), ValidFromUnix: 1_700_000_000, ValidUntilUnix: 1_700_259_200})
	}
	sc.rev = &admission.RevocationRegistry{DenylistRefreshedAtUnix: testNow - 10, MinTokenRevocationEpoch: 1}
	sc.session = &Session{SessionID: "sess-1", Phase: "session_start", Threshold: uint64(n - 1),
		Enforcement: Enforcement{Mode: "full_enforcement"}}
	for i := range n {
		op := fmt.Sprintf("op-%04d", i)
		sc.reg.Operators = append(sc.reg.Operators, governance.Operator{OperatorID: op, SignerIdentifier: "s-" + op, Status: "active",
			AllowedTEETypes: []string{"sgx"}, AllowedMeasurements: []string{testDigest}, AttestationMaxAgeSeconds: 3600, EffectiveFrom: 1_700_000_000})
		sc.session.SelectedSigners = append(sc.session.SelectedSigners, Signer{OperatorID: op, SignerIdentifier: "s-" + op, VendorID: vendors[i%len(vendors)]})
		sc.sign(tb, i, func(*admission.Payload) {})
	}
	return sc
}

// sign issues signer i's token afresh, after edit changes its payload.
func (sc *scenario) sign(tb testing.TB, i int, edit func(p *admission.Payload)) {
	tb.Helper()
	op := sc.session.SelectedSigners[i].OperatorID
	p := admission.Payload{TokenID: "tok-" + op, OperatorID: op, SignerIdentifier: "s-" + op, TEEType: "sgx", MeasurementDigest: testDigest,
		IssuedAtUnix: testNow - 300, ExpiresAtUnix: testNow + 3000, RegistrySnapshotVersion: 1,
		VerifierKeyIDs: []string{"vk-a", "vk-b", "vk-c"}, TokenRevocationEpoch: 1}
	edit(&p)
	text, err := json.Marshal(p)
	if err != nil {
		tb.Fatal(err)
	}
	var sigs []admission.TokenSignature
	for _, id := range []string{"vk-a", "vk-b", "vk-c"}[:sc.signers] {
		s, err := admission.Sign(keys[id], string(text), id)
		if err != nil {
			tb.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	tok, err := admission.Assemble(string(text), sigs)
	if err != nil {
		tb.Fatal(err)
	}
	sc.session.SelectedSigners[i].Token = *tok
}

// commonTokenCodes are layer B's findings about the registry, the keyset
// and the denylist: the same for every token, so reported once.
var commonTokenCodes = map[decision.Code]bool{}

func init() {
	for _, c := range []decision.Code{
		admission.CodeGovernanceProfileNotMandatory, admission.CodeAttestationMaxAgeExceedsHardCeiling,
		admission.CodeDenylistMaxStalenessInvalidZero, admission.CodeDenylistMaxStalenessExceedsHardCeiling,
		admission.CodeKeysetVersionInvalid, admission.CodeKeysetThresholdInvalid, admission.CodeKeysetMaxKeyAgeInvalid,
		admission.CodeKeysetInsufficientKeys, admission.CodeVerifierKeyIDMissing, admission.CodeVerifierKeyIDDuplicate,
		admission.CodeVerifierInstanceIDMissing, admission.CodeVerifierTrustRootIDMissing, admission.CodeVerifierValidFromInvalid,
		admission.CodeVerifierValidityWindowInvalid, admission.CodeVerifierKeyAgeExceedsPolicy, admission.CodeVerifierKeyRevokedBeforeValidFrom,
		admission.CodeVerifierPubkeyInvalid, admission.CodeVerifierPubkeyDuplicate, admission.CodeKeysetActiveKeysBelowThreshold,
		admission.CodeKeysetActiveTrustRootsBelowMinimum, admission.CodeKeysetActiveInstancesBelowMinimum,
		admission.CodeDenylistRefreshedAtInvalid, admission.CodeDenylistRefreshedAtInFuture, admission.CodeDenylistStale,
	} {
		commonTokenCodes[c] = true
	}
}

// byHand runs layers B, C and D one after the other through their own
// packages, without the gate, composing them as docs/gate.md says: what an
// operator would do with the four teegate check commands.
func (sc *scenario) byHand(now uint64) (tokens []string, runtimeCodes []string, final string, finalCodes []string) {
	rs := &cohort.Session{SessionID: sc.session.SessionID, Phase: sc.session.Phase, Threshold: sc.session.Threshold,
		VendorOutage: sc.session.VendorOutage,
		Denylist: cohort.Denylist{RefreshedAtUnix: sc.rev.DenylistRefreshedAtUnix, RevokedOperatorIDs: sc.rev.RevokedOperatorIDs,
			RevokedSignerIdentifiers: sc.rev.RevokedSignerIdentifiers, MinTokenRevocationEpoch: sc.rev.MinTokenRevocationEpoch}}
	for id, rec := range sc.rev.RevokedTokenIDs {
		if rec.RevokedAtUnix <= now {
			rs.Denylist.RevokedTokenIDs = append(rs.Denylist.RevokedTokenIDs, id)
		}
	}
	midSession := strings.EqualFold(trim(sc.session.Phase), "mid_session")
	var common, own []decision.Reason
	for i, s := range sc.session.SelectedSigners {
		d := admission.CheckToken(sc.reg, sc.ks, &s.Token, sc.rev, now)
		tokens = append(tokens, string(d.Outcome))
		for _, r := range d.Reasons {
			switch {
			case commonTokenCodes[r.Code]:
				if i == 0 {
					common = append(common, r)
				}
			case midSession && r.Code == admission.CodeTokenExpired:
			default:
				own = append(own, r)
			}
		}
		sel := cohort.SelectedSigner{OperatorID: s.OperatorID, SignerIdentifier: s.SignerIdentifier, VendorID: s.VendorID}
		if p, err := admission.DecodePayload(trim(s.Token.PayloadJSON)); err == nil {
			sel.Token = cohort.TokenSnapshot{TokenID: p.TokenID, IssuedAtUnix: p.IssuedAtUnix, ExpiresAtUnix: p.ExpiresAtUnix, TokenRevocationEpoch: p.TokenRevocationEpoch}
			if !strings.EqualFold(trim(p.OperatorID), trim(s.OperatorID)) {
				own = append(own, decision.Reason{Code: CodeTokenOperatorMismatch})
			}
			if !strings.EqualFold(trim(p.SignerIdentifier), trim(s.SignerIdentifier)) {
				own = append(own, decision.Reason{Code: CodeTokenSignerIdentifierMismatch})
			}
		}
		rs.SelectedSigners = append(rs.SelectedSigners, sel)
	}
	rd := cohort.CheckRuntime(sc.reg, rs, now)
	reasons := append(append(append([]decision.Reason{}, rd.Reasons...), common...), own...)
	outcome := "allow"
	if len(reasons) > 0 {
		outcome = "reject"
	}
	for _, r := range reasons {
		runtimeCodes = append(runtimeCodes, string(r.Code))
	}
	ctx := enforceContext(sc, outcome, reasons, now)
	ed := checkEnforcement(sc.reg, ctx, now)
	for _, c := range ed.Codes() {
		finalCodes = append(finalCodes, string(c))
	}
	return tokens, runtimeCodes, string(ed.Outcome), finalCodes
}
