package attest

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	sevtestdata "github.com/google/go-sev-guest/verify/testdata"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/teegate/teegate/internal/strictjson"
)

var b64 = base64.StdEncoding.EncodeToString

func TestDecodeEvidence(t *testing.T) {
	report, vcek := b64(sevtestdata.AttestationBytes), b64(sevtestdata.VcekBytes)
	good := `{"evidence_version": 1, "tee_type": "sev-snp", "sev_snp": {"report": "` + report + `", "vcek": "` + vcek + `"}}`
	ev, err := DecodeEvidence("e.json", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.SEVSNP.Report) != 1184 || len(ev.SEVSNP.VCEK) != len(sevtestdata.VcekBytes) || ev.SEVSNP.CRL != nil {
		t.Errorf("decoded %d, %d, %v", len(ev.SEVSNP.Report), len(ev.SEVSNP.VCEK), ev.SEVSNP.CRL)
	}
	// What collect writes reads back as it was.
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "null") || strings.Contains(string(out), `"tdx"`) {
		t.Errorf("absent members are written: %s", out)
	}
	if again, err := DecodeEvidence("again.json", out); err != nil || string(again.SEVSNP.Report) != string(ev.SEVSNP.Report) {
		t.Errorf("round trip: %v", err)
	}

	big := b64(make([]byte, MaxQuoteBytes+1))
	for _, tc := range []struct {
		name, doc, pointer, msg string
	}{
		{"unknown member", `{"evidence_version": 1, "tee_type": "sev-snp", "sev_snp": {"report": "` + report + `", "vcek": "` + vcek + `", "vcek_chain": ""}}`, "/sev_snp/vcek_chain", "unknown member"},
		{"duplicate", `{"evidence_version": 1, "evidence_version": 1, "tee_type": "tdx", "tdx": {"quote": ""}}`, "/evidence_version", "duplicate member"},
		{"null", `{"evidence_version": 1, "tee_type": "tdx", "tdx": {"quote": null}}`, "/tdx/quote", "null"},
		{"missing report", `{"evidence_version": 1, "tee_type": "sev-snp", "sev_snp": {"vcek": "` + vcek + `"}}`, "/sev_snp", `missing required member "report"`},
		{"not base64", `{"evidence_version": 1, "tee_type": "tdx", "tdx": {"quote": "***"}}`, "/tdx/quote", "base64"},
		{"version", `{"evidence_version": 2, "tee_type": "tdx", "tdx": {"quote": ""}}`, "/evidence_version", "version 1"},
		{"unknown tee", `{"evidence_version": 1, "tee_type": "cca", "tdx": {"quote": ""}}`, "/tee_type", `"cca" is not one of`},
		{"member for another tee", `{"evidence_version": 1, "tee_type": "tdx", "tdx": {"quote": ""}, "sgx": {"quote": ""}}`, "/sgx", "does not belong"},
		{"no member for its tee", `{"evidence_version": 1, "tee_type": "sev-snp", "tdx": {"quote": ""}}`, "", `no "sev_snp" member`},
		{"no endorsement certificate", `{"evidence_version": 1, "tee_type": "sev-snp", "sev_snp": {"report": "` + report + `"}}`, "/sev_snp", "neither a vcek nor a vlek"},
		{"quote too large", `{"evidence_version": 1, "tee_type": "tdx", "tdx": {"quote": "` + big + `"}}`, "/tdx/quote", "above the 65536-byte limit"},
		{"array for object", `{"evidence_version": 1, "tee_type": "tdx", "tdx": [""]}`, "/tdx", "want an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeEvidence("e.json", []byte(tc.doc))
			var e *strictjson.Error
			if !errors.As(err, &e) || e.File != "e.json" || e.Pointer != tc.pointer || !strings.Contains(e.Error(), tc.msg) {
				t.Errorf("error %v (pointer %q), want %q at %q", err, pointerOf(err), tc.msg, tc.pointer)
			}
		})
	}
}

func pointerOf(err error) string {
	var e *strictjson.Error
	if errors.As(err, &e) {
		return e.Pointer
	}
	return "(not a strictjson.Error)"
}

func TestDecodeCollateral(t *testing.T) {
	c, err := DecodeCollateral("c.json", []byte(`{}`))
	if err != nil || c.TCBInfo != "" {
		t.Fatalf("empty collateral: %v", err)
	}
	chain, _ := json.Marshal(realTDX(t).TDX.Collateral.TCBInfoIssuerChain)
	withChain := func(member, body string) string {
		b, _ := json.Marshal(body)
		return fmt.Sprintf(`{%q: %s, %q: %s}`, member, b, member+"_issuer_chain", chain)
	}
	genuine := string(realTDX(t).TDX.Collateral.TCBInfo)
	for _, tc := range []struct{ doc, pointer, msg string }{
		{withChain("tcb_info", "{}"), "/tcb_info", `want exactly the members "tcbInfo" and "signature"`},
		{withChain("tcb_info", "[1]"), "/tcb_info", "not a PCS response"},
		{withChain("qe_identity", `{"enclaveIdentity": {}, "signature": ""}`), "/qe_identity", "no issueDate"},
		{withChain("qe_identity", `{"enclaveIdentity": {"issueDate": "2023-06-08T07:24:59Z"}, "signature": 1}`), "/qe_identity", "signature is not a string"},
		{withChain("tcb_info", `{"tcbInfo": {"issueDate": "2023-06-08T07:24:59Z"}, "signature": ""}`), "/tcb_info", "no tcbInfo.fmspc"},
		// A second tcbInfo spelt otherwise, which go-tdx-guest's
		// case-insensitive decoding would judge in place of the signed one.
		{withChain("tcb_info", strings.Replace(genuine, `{"tcbInfo":`, `{"TCBINFO": {"id": "TDX"}, "tcbInfo":`, 1)), "/tcb_info", "want exactly the members"},
		{withChain("tcb_info", strings.Replace(genuine, `{"tcbInfo":`, `{"tcbInfo": {}, "tcbInfo":`, 1)), "/tcb_info", "duplicate"},
		{`{"pck_crl": "AAAA", "pck_crl_issuer_chain": ` + string(chain) + `}`, "/pck_crl", "not a DER X.509 CRL"},
		{`{"root_ca_crl": "AAAA"}`, "/root_ca_crl", "not a DER X.509 CRL"},
		{`{"tcb_info": "{}"}`, "/tcb_info_issuer_chain", "tcb_info needs its issuer chain"},
		{`{"qe_identity_issuer_chain": ` + string(chain) + `}`, "/qe_identity_issuer_chain", "an issuer chain without qe_identity"},
		{`{"tcb_info": ` + string(mustJSON(t, genuine)) + `, "tcb_info_issuer_chain": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}`, "/tcb_info_issuer_chain", "two PEM CERTIFICATE blocks"},
		{`{"tcb_infos": ""}`, "/tcb_infos", "unknown member"},
	} {
		_, err := DecodeCollateral("c.json", []byte(tc.doc))
		var e *strictjson.Error
		if !errors.As(err, &e) || e.Pointer != tc.pointer || !strings.Contains(e.Error(), tc.msg) {
			t.Errorf("%.120s: error %v, want %q at %q", tc.doc, err, tc.msg, tc.pointer)
		}
	}
	// What teegate hands the library is the signed member and the
	// signature, nothing else.
	c, err = DecodeCollateral("c.json", []byte(withChain("tcb_info", genuine)))
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := parseCollateral(c)
	var outer map[string]any
	if err := json.Unmarshal([]byte(parsed.tcbInfo.body), &outer); err != nil || len(outer) != 2 || outer["tcbInfo"] == nil || outer["signature"] == nil {
		t.Errorf("the body handed on: %v %.200s", err, parsed.tcbInfo.body)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// milanRoots are AMD's real Milan ASK and ARK, as PEM.
func milanRoots(t testing.TB) (ark, ask string) {
	blocks := pemBlocks(t, trust.AskArkMilanVcekBytes)
	return blocks[1], blocks[0]
}

func TestDecodePolicy(t *testing.T) {
	ark, ask := milanRoots(t)
	valid := func() Policy {
		return Policy{
			PolicyVersion: 1, AcceptedTEETypes: []string{TEESEVSNP}, CheckRevocation: true,
			SEVSNP: &SEVSNPPolicy{
				TrustRoots:        []SEVSNPRoot{{TrustRootID: "amd-kds", ProductLine: "Milan", ARK: ark, ASK: ask}},
				MinimumAPIVersion: "1.51",
			},
		}
	}
	p := decodePolicy(t, valid())
	if p.MaxClockSkew() != DefaultMaxClockSkewSeconds || !p.Accepts(TEESEVSNP) || p.Accepts(TEETDX) || p.Accepts(TEESGX) {
		t.Errorf("skew %d, accepts %v", p.MaxClockSkew(), p.compiled.accepted)
	}
	if v := p.compiled.snp.minVersion; v != 1<<8|51 {
		t.Errorf("minimum API version %#x", v)
	}

	for _, tc := range []struct {
		name    string
		edit    func(*Policy)
		pointer string
		msg     string
	}{
		{"version", func(p *Policy) { p.PolicyVersion = 2 }, "/policy_version", "version 1"},
		{"nothing accepted", func(p *Policy) { p.AcceptedTEETypes = []string{} }, "/accepted_tee_types", "accepts no TEE type"},
		{"sgx", func(p *Policy) { p.AcceptedTEETypes = []string{TEESEVSNP, TEESGX} }, "/accepted_tee_types/1", "cannot verify SGX"},
		{"unknown tee", func(p *Policy) { p.AcceptedTEETypes = []string{"cca"} }, "/accepted_tee_types/0", `"cca" is not`},
		{"twice", func(p *Policy) { p.AcceptedTEETypes = []string{TEESEVSNP, TEESEVSNP} }, "/accepted_tee_types/1", "listed twice"},
		{"skew above ceiling", func(p *Policy) { p.MaxClockSkewSeconds = u64(601) }, "/max_clock_skew_seconds", "above the ceiling"},
		{"accepted without section", func(p *Policy) { p.AcceptedTEETypes = []string{TEESEVSNP, TEETDX} }, "", `needs a "tdx" member`},
		{"section not accepted", func(p *Policy) {
			p.TDX = &TDXPolicy{TrustRoots: []TDXRoot{{TrustRootID: "x", RootCA: ark}}, MinimumTEETCBSVN: strings.Repeat("0", 32)}
		}, "/tdx", `does not name "tdx"`},
		{"no roots", func(p *Policy) { p.SEVSNP.TrustRoots = []SEVSNPRoot{} }, "/sev_snp/trust_roots", "no trust root"},
		{"too many roots", func(p *Policy) {
			for i := range MaxTrustRoots {
				r := p.SEVSNP.TrustRoots[0]
				r.TrustRootID = strings.Repeat("r", i+2)
				p.SEVSNP.TrustRoots = append(p.SEVSNP.TrustRoots, r)
			}
		}, "/sev_snp/trust_roots", "above the limit of 16"},
		{"blank root id", func(p *Policy) { p.SEVSNP.TrustRoots[0].TrustRootID = " " }, "/sev_snp/trust_roots/0/trust_root_id", "non-empty"},
		{"root id twice", func(p *Policy) {
			p.SEVSNP.TrustRoots = append(p.SEVSNP.TrustRoots, p.SEVSNP.TrustRoots[0])
			p.SEVSNP.TrustRoots[1].TrustRootID = "AMD-KDS "
		}, "/sev_snp/trust_roots/1/trust_root_id", "used twice"},
		{"product line", func(p *Policy) { p.SEVSNP.TrustRoots[0].ProductLine = "milan" }, "/sev_snp/trust_roots/0/product_line", "Milan, Genoa"},
		{"Turin", func(p *Policy) { p.SEVSNP.TrustRoots[0].ProductLine = "Turin" }, "/sev_snp/trust_roots/0/product_line", "Turin is not supported"},
		{"ark not PEM", func(p *Policy) { p.SEVSNP.TrustRoots[0].ARK = "ARK" }, "/sev_snp/trust_roots/0/ark", "one PEM CERTIFICATE"},
		{"two certificates in one member", func(p *Policy) { p.SEVSNP.TrustRoots[0].ARK = ark + ask }, "/sev_snp/trust_roots/0/ark", "one PEM CERTIFICATE"},
		{"ask and ark swapped", func(p *Policy) { p.SEVSNP.TrustRoots[0].ARK, p.SEVSNP.TrustRoots[0].ASK = ask, ark }, "/sev_snp/trust_roots/0/ark", "self-signed"},
		{"crl not DER", func(p *Policy) { p.SEVSNP.TrustRoots[0].CRL = []byte("crl") }, "/sev_snp/trust_roots/0/crl", "not a DER X.509 CRL"},
		{"tcb component", func(p *Policy) { p.SEVSNP.MinimumTCB.MicrocodeSPL = 256 }, "/sev_snp/minimum_tcb/ucode_spl", "0 to 255"},
		{"launch tcb component", func(p *Policy) { p.SEVSNP.MinimumLaunchTCB.BootloaderSPL = 300 }, "/sev_snp/minimum_launch_tcb/bl_spl", "0 to 255"},
		{"guest svn", func(p *Policy) { p.SEVSNP.MinimumGuestSVN = 1 << 32 }, "/sev_snp/minimum_guest_svn", "32-bit"},
		{"build", func(p *Policy) { p.SEVSNP.MinimumBuild = 256 }, "/sev_snp/minimum_build", "8-bit"},
		{"api version", func(p *Policy) { p.SEVSNP.MinimumAPIVersion = "1.256" }, "/sev_snp/minimum_api_version", "major.minor"},
		{"api version form", func(p *Policy) { p.SEVSNP.MinimumAPIVersion = "1" }, "/sev_snp/minimum_api_version", "major.minor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := valid()
			tc.edit(&p)
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			_, err = DecodePolicy("p.json", b)
			var e *strictjson.Error
			if !errors.As(err, &e) || e.File != "p.json" || e.Pointer != tc.pointer || !strings.Contains(e.Error(), tc.msg) {
				t.Errorf("error %v (pointer %q), want %q at %q", err, pointerOf(err), tc.msg, tc.pointer)
			}
		})
	}

	tdx := func(edit func(*TDXPolicy)) error {
		p := Policy{PolicyVersion: 1, AcceptedTEETypes: []string{TEETDX},
			TDX: &TDXPolicy{TrustRoots: []TDXRoot{{TrustRootID: "intel", RootCA: ark}}, MinimumTEETCBSVN: strings.Repeat("0", 32)}}
		edit(p.TDX)
		b, _ := json.Marshal(p)
		_, err := DecodePolicy("p.json", b)
		return err
	}
	if err := tdx(func(*TDXPolicy) {}); err != nil {
		t.Errorf("valid TDX policy: %v", err)
	}
	for _, tc := range []struct {
		edit    func(*TDXPolicy)
		pointer string
	}{
		{func(p *TDXPolicy) { p.TrustRoots[0].RootCA = ask }, "/tdx/trust_roots/0/root_ca"},
		{func(p *TDXPolicy) { p.MinimumTEETCBSVN = "00" }, "/tdx/minimum_tee_tcb_svn"},
		{func(p *TDXPolicy) { p.MinimumTEETCBSVN = strings.Repeat("g", 32) }, "/tdx/minimum_tee_tcb_svn"},
		{func(p *TDXPolicy) { p.MinimumQESVN = 1 << 16 }, "/tdx/minimum_qe_svn"},
		{func(p *TDXPolicy) { p.MinimumPCESVN = 1 << 16 }, "/tdx/minimum_pce_svn"},
		{func(p *TDXPolicy) { p.Collateral.RootCACRL = []byte{1} }, "/tdx/collateral/root_ca_crl"},
	} {
		if err := tdx(tc.edit); pointerOf(err) != tc.pointer {
			t.Errorf("error %v, want one at %q", err, tc.pointer)
		}
	}

	// A misspelt member is refused, not ignored: "allow_debugg" must never
	// leave debug to a default.
	_, err := DecodePolicy("p.json", []byte(`{"policy_version": 1, "accepted_tee_types": ["tdx"], "allow_debugg": true, "check_revocation": true}`))
	if pointerOf(err) != "/allow_debugg" {
		t.Errorf("misspelt member: %v", err)
	}
	// So is a missing one: check_revocation has no default.
	_, err = DecodePolicy("p.json", []byte(`{"policy_version": 1, "accepted_tee_types": ["tdx"], "allow_debug": false}`))
	if err == nil || !strings.Contains(err.Error(), `missing required member "check_revocation"`) {
		t.Errorf("missing member: %v", err)
	}
}
