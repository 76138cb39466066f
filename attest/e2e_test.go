package attest_test

import (
	"crypto/sha512"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/attest"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/attesttest"
)

const now = 1_767_225_600 // 2026-01-01T00:00:00Z

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// verifiers are three attestation verifiers, each with its key, under two
// trust roots, and the keyset governance publishes for them.
func verifiers(t *testing.T) (map[string]*admission.SecretKey, *admission.Keyset) {
	keys := map[string]*admission.SecretKey{}
	ks := &admission.Keyset{KeysetVersion: 1, ThresholdM: 2, MaxKeyAgeSeconds: 2592000}
	for i, v := range []struct{ id, instance, root string }{
		{"vk-a", "verifier-a", "test-only-intel"}, {"vk-b", "verifier-b", "test-only-amd-milan"}, {"vk-c", "verifier-c", "test-only-amd-milan"},
	} {
		sk, err := admission.ParseSecretKey(fmt.Appendf(nil, "%064x", 0x9000+i))
		if err != nil {
			t.Fatal(err)
		}
		keys[v.id] = sk
		ks.Keys = append(ks.Keys, admission.VerifierKey{KeyID: v.id, VerifierInstanceID: v.instance, TrustRootID: v.root,
			PubkeyHex: sk.PubKeyHex(), ValidFromUnix: 1766620800, ValidUntilUnix: 1768435200})
	}
	return keys, ks
}

// TestEndToEnd: two signers write payloads and collect evidence bound to
// them (synthetic, from the test-only guest); three verifiers each check
// it and sign; the tokens assemble; the gate admits the session. The same
// with one byte of a payload changed after its evidence was made is
// refused by every verifier.
func TestEndToEnd(t *testing.T) {
	policy, err := attest.DecodePolicy("policy.json", read(t, "../examples/attest/policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := governance.DecodeRegistry("registry.json", read(t, "../examples/attest/registry.json"), governance.Requirement{})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := admission.DecodeRevocationRegistry("revocation.json", read(t, "../examples/gate/revocation.json"))
	if err != nil {
		t.Fatal(err)
	}
	keys, ks := verifiers(t)
	v := attest.NewVerifier(policy, reg, attest.Options{OnNetwork: func(u string) { t.Errorf("a library asked for %s", u) }})

	session := &gate.Session{SessionID: "roast-attested", Phase: "session_start", Threshold: 1,
		Enforcement: gate.Enforcement{Mode: "full_enforcement"}}
	var edited []string
	for _, s := range []struct {
		operator, vendor, tee string
	}{{"keep-hotel", "amd", attest.TEESEVSNP}, {"keep-india", "intel", attest.TEETDX}} {
		op := reg.Operators[0]
		if s.operator == "keep-india" {
			op = reg.Operators[1]
		}
		p := admission.Payload{TokenID: "adm-" + s.operator, OperatorID: s.operator, SignerIdentifier: op.SignerIdentifier,
			TEEType: s.tee, MeasurementDigest: op.AllowedMeasurements[0], IssuedAtUnix: now - 10, ExpiresAtUnix: now + 3000,
			RegistrySnapshotVersion: 42, VerifierKeyIDs: []string{"vk-a", "vk-b", "vk-c"}, TokenRevocationEpoch: 3}
		text, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		payload := string(text)
		ev := guest(t, s.tee, payload)

		var sigs []admission.TokenSignature
		for _, id := range p.VerifierKeyIDs {
			res, signed, err := v.Sign(keys[id], id, payload, ev, now)
			if err != nil || signed.Signature == nil {
				t.Fatalf("%s: verifier %s refused: %v %s", s.operator, id, err, res.Decision)
			}
			if res.Evidence.MeasurementDigest != p.MeasurementDigest || res.Evidence.TEEType != s.tee {
				t.Errorf("proven %+v", res.Evidence)
			}
			sigs = append(sigs, *signed.Signature)
		}
		tok, err := admission.Assemble(payload, sigs)
		if err != nil {
			t.Fatal(err)
		}
		session.SelectedSigners = append(session.SelectedSigners, gate.Signer{OperatorID: s.operator,
			SignerIdentifier: op.SignerIdentifier, VendorID: s.vendor, Token: *tok})

		// One byte changed after the evidence was made.
		bad := strings.Replace(payload, fmt.Sprint(now+3000), fmt.Sprint(now+3001), 1)
		for _, id := range p.VerifierKeyIDs {
			res, signed, err := v.Sign(keys[id], id, bad, ev, now)
			if err != nil || signed.Signature != nil || !res.Has(attest.CodeReportDataMismatch) {
				t.Errorf("%s: verifier %s on the edited payload: %v %s", s.operator, id, err, res.Decision)
			}
		}
		edited = append(edited, bad)
	}
	if len(edited) != 2 {
		t.Fatal("not every signer was tried")
	}

	res := gate.New(reg, ks, rev, gate.Options{}).Evaluate(session, now)
	if !res.Admits() || len(res.Reasons) != 0 {
		out, _ := res.Marshal()
		t.Fatalf("the gate refused the attested session:\n%s", out)
	}
}

// guest makes the evidence a signer's TEE would give for payload.
func guest(t *testing.T, tee, payload string) *attest.Evidence {
	t.Helper()
	nowTime := time.Unix(now-10, 0)
	measured := func(label string) [48]byte {
		var m [48]byte
		copy(m[:], sha384(label))
		return m
	}
	switch tee {
	case attest.TEESEVSNP:
		e, err := attesttest.NewSNP(attesttest.SNPOptions{Now: nowTime, ReportData: attest.ReportData(payload),
			Measurement: measured("teegate example signer v1.5.0")})
		if err != nil {
			t.Fatal(err)
		}
		return &attest.Evidence{EvidenceVersion: 1, TEEType: tee, SEVSNP: &attest.SEVSNPEvidence{Report: e.Report, VCEK: e.VCEK, CRL: e.CRL}}
	default:
		var rtmrs [4][48]byte
		for i := range rtmrs {
			rtmrs[i] = measured(fmt.Sprintf("teegate example signer v1.5.0/rtmr%d", i))
		}
		e, err := attesttest.NewTDX(attesttest.TDXOptions{Now: nowTime, ReportData: attest.ReportData(payload),
			MrTd: measured("teegate example signer v1.5.0"), Rtmrs: rtmrs})
		if err != nil {
			t.Fatal(err)
		}
		return &attest.Evidence{EvidenceVersion: 1, TEEType: tee, TDX: &attest.TDXEvidence{Quote: e.Quote, Collateral: attest.TDXCollateral{
			TCBInfo: string(e.TCBInfo), TCBInfoIssuerChain: string(e.TCBInfoIssuerChain),
			QEIdentity: string(e.QEIdentity), QEIdentityIssuerChain: string(e.QEIdentityIssuerChain),
			PCKCRL: e.PCKCRL, PCKCRLIssuerChain: string(e.PCKCRLIssuerChain), RootCACRL: e.RootCACRL}}}
	}
}

func sha384(s string) []byte {
	h := sha512.Sum384([]byte(s))
	return h[:]
}
