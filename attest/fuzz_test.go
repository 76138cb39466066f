package attest

import (
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/fuzzprop"
)

// FuzzDecodeEvidence: the bundle decoder never panics and fails only with
// a clean input error naming the file; a bundle it accepts can be
// measured or refused without panicking, and judged twice alike.
func FuzzDecodeEvidence(f *testing.F) {
	ev, _ := realSNP()
	snp, _ := json.Marshal(ev)
	f.Add(snp)
	tdx, _ := json.Marshal(realTDX(f))
	f.Add(tdx)
	f.Add([]byte(`{"evidence_version": 1, "tee_type": "sgx", "sgx": {"quote": ""}}`))
	f.Add([]byte(`{"evidence_version": 1, "tee_type": "tdx", "tdx": {"quote": "AAAA", "collateral": {"tcb_info": "{}"}}}`))
	f.Add([]byte(`{"evidence_version": 1, "tee_type": "sev-snp", "sev_snp": {"report": "", "vlek": "AA=="}}`))
	policy := realSNPPolicy(f, true)
	payload := `{"token_id":"t","operator_id":"op-1","signer_identifier":"0x1111111111111111111111111111111111111111","tee_type":"sev-snp","measurement_digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","issued_at_unix":1767225590,"expires_at_unix":1767228600,"registry_snapshot_version":42,"verifier_key_ids":["vk-a"],"token_revocation_epoch":3}`
	reg := testRegistry(TEESEVSNP, "sha256:0000000000000000000000000000000000000000000000000000000000000000", 1_735_689_600)
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvidence("e.json", data)
		if err != nil {
			fuzzprop.InputError(t, err, "e.json")
			return
		}
		Measure(ev) // an error is fine; a panic is not
		d := Check(policy, reg, payload, ev, testNow).Decision
		fuzzprop.Decision(t, d, func() decision.Decision { return Check(policy, reg, payload, ev, testNow).Decision }, false)
	})
}

// FuzzDecodePolicy: the policy decoder never panics, fails only with a
// clean input error naming the file, and what it accepts is usable.
func FuzzDecodePolicy(f *testing.F) {
	for _, p := range []*Policy{realSNPPolicy(f, false), realTDXPolicy(f, realTDX(f))} {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	f.Add([]byte(`{"policy_version": 1, "accepted_tee_types": ["tdx"], "allow_debug": false, "check_revocation": true, "tdx": {"trust_roots": [], "minimum_tee_tcb_svn": "", "minimum_qe_svn": 0, "minimum_pce_svn": 0}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePolicy("p.json", data)
		if err != nil {
			fuzzprop.InputError(t, err, "p.json")
			return
		}
		if len(p.AcceptedTEETypes) == 0 || p.MaxClockSkew() > MaxClockSkewCeilingSeconds {
			t.Fatalf("accepted a policy that accepts %v with skew %d", p.AcceptedTEETypes, p.MaxClockSkew())
		}
		for _, tee := range p.AcceptedTEETypes {
			if tee == TEESEVSNP && len(p.compiled.snp.roots) == 0 || tee == TEETDX && len(p.compiled.tdx.roots) == 0 {
				t.Fatalf("accepted %s with no usable trust root", tee)
			}
		}
	})
}

// FuzzTDXQuote: a raw quote, however its length fields lie, is parsed or
// refused without a panic (go-tdx-guest v0.3.1 panics on some), and a
// bundle carrying it is judged, never allowed unless it is the genuine
// quote.
func FuzzTDXQuote(f *testing.F) {
	s := synth{tee: TEETDX}
	policy, reg, payload, ev := s.build(f)
	genuine := ev.TDX.Quote
	f.Add(genuine)
	f.Add(realTDX(f).TDX.Quote)
	lying := append([]byte(nil), realTDX(f).TDX.Quote...)
	lying[1218], lying[1219] = 0xff, 0xff // the QE authentication data's size
	f.Add(lying)
	f.Fuzz(func(t *testing.T, quote []byte) {
		if q, err := parseTDXQuote(quote); err == nil {
			(&tdxEvidence{quote: q}).measurementDigest()
		}
		bundle := *ev.TDX
		bundle.Quote = quote
		d := Check(policy, reg, payload, &Evidence{EvidenceVersion: 1, TEEType: TEETDX, TDX: &bundle}, testNow).Decision
		if d.Admits() && string(quote) != string(genuine) {
			t.Fatalf("a quote other than the genuine one was allowed")
		}
		fuzzprop.Decision(t, d, func() decision.Decision {
			return Check(policy, reg, payload, &Evidence{EvidenceVersion: 1, TEEType: TEETDX, TDX: &bundle}, testNow).Decision
		}, false)
	})
}
