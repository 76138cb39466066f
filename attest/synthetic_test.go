package attest

import (
	"crypto/sha512"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-sev-guest/kds"
	sevtestdata "github.com/google/go-sev-guest/verify/testdata"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/attesttest"
)

// Synthetic evidence: reports and quotes with chosen fields, signed with
// real cryptography by internal/attesttest's test-only keys, so that each
// check can be made to fail alone.

var (
	testMeasurement = sha384("teegate example signer v1.5.0")
	testMRTD        = sha384("teegate example TD firmware")
	testRTMRs       = [4][48]byte{sha384("rtmr0"), sha384("rtmr1"), sha384("rtmr2"), sha384("rtmr3")}
)

func sha384(s string) [48]byte { return sha512.Sum384([]byte(s)) }

// synth is one synthetic case: the edits that make it, applied to a
// valid bundle, payload, policy and registry.
type synth struct {
	name string
	tee  string
	now  uint64
	// snp and tdx edit the generator's options; their ReportData is set
	// from the payload unless reportFor is set.
	snp       func(*attesttest.SNPOptions)
	tdx       func(*attesttest.TDXOptions)
	reportFor func(payload string) string // the payload the report is made for
	payload   func(*admission.Payload)
	bundle    func(*Evidence)
	policy    func(*Policy)
	registry  func(*governance.Registry)
	want      []decision.Code
}

func (s synth) clock() (uint64, time.Time) {
	now := s.now
	if now == 0 {
		now = testNow
	}
	return now, time.Unix(int64(now), 0)
}

// build makes the case's documents, in the signer's order: the payload
// first, then evidence bound to it.
func (s synth) build(t testing.TB) (*Policy, *governance.Registry, string, *Evidence) {
	t.Helper()
	now, nowTime := s.clock()
	var digest string
	if s.tee == TEESEVSNP {
		digest = SEVSNPMeasurementDigest(testMeasurement)
	} else {
		digest = TDXMeasurementDigest(testMRTD, testRTMRs[0], testRTMRs[1], testRTMRs[2])
	}
	reg := testRegistry(s.tee, digest, 1_735_689_600)
	p := testPayload(s.tee, digest, now)
	if s.payload != nil {
		s.payload(&p)
	}
	if s.registry != nil {
		s.registry(reg)
	}
	payload := payloadText(t, p)
	bound := payload
	if s.reportFor != nil {
		bound = s.reportFor(payload)
	}
	var ev *Evidence
	var pol Policy
	switch s.tee {
	case TEESEVSNP:
		opts := attesttest.SNPOptions{Now: nowTime, ReportData: ReportData(bound), Measurement: testMeasurement}
		if s.snp != nil {
			s.snp(&opts)
		}
		e, err := attesttest.NewSNP(opts)
		if err != nil {
			t.Fatal(err)
		}
		ev = &Evidence{EvidenceVersion: 1, TEEType: TEESEVSNP, SEVSNP: &SEVSNPEvidence{Report: e.Report, VCEK: e.VCEK, CRL: e.CRL}}
		pol = synthSNPPolicy(t)
	case TEETDX:
		opts := attesttest.TDXOptions{Now: nowTime, ReportData: ReportData(bound), MrTd: testMRTD, Rtmrs: testRTMRs}
		if s.tdx != nil {
			s.tdx(&opts)
		}
		e, err := attesttest.NewTDX(opts)
		if err != nil {
			t.Fatal(err)
		}
		ev = tdxBundle(e)
		pol = synthTDXPolicy()
	}
	if s.bundle != nil {
		s.bundle(ev)
	}
	if s.policy != nil {
		s.policy(&pol)
	}
	return decodePolicy(t, pol), reg, payload, ev
}

func tdxBundle(e *attesttest.TDXEvidence) *Evidence {
	return &Evidence{EvidenceVersion: 1, TEEType: TEETDX, TDX: &TDXEvidence{Quote: e.Quote, Collateral: TDXCollateral{
		TCBInfo: string(e.TCBInfo), TCBInfoIssuerChain: string(e.TCBInfoIssuerChain),
		QEIdentity: string(e.QEIdentity), QEIdentityIssuerChain: string(e.QEIdentityIssuerChain),
		PCKCRL: e.PCKCRL, PCKCRLIssuerChain: string(e.PCKCRLIssuerChain), RootCACRL: e.RootCACRL,
	}}}
}

// synthSNPPolicy trusts the test-only Milan and Genoa roots.
func synthSNPPolicy(t testing.TB) Policy {
	var roots []SEVSNPRoot
	for _, pl := range []string{"Milan", "Genoa"} {
		ark, ask, err := attesttest.SNPRoots(pl)
		if err != nil {
			t.Fatal(err)
		}
		roots = append(roots, SEVSNPRoot{TrustRootID: "test-amd-" + pl, ProductLine: pl, ARK: string(ark), ASK: string(ask)})
	}
	return Policy{
		PolicyVersion: 1, AcceptedTEETypes: []string{TEESEVSNP}, CheckRevocation: true,
		SEVSNP: &SEVSNPPolicy{
			TrustRoots:        roots,
			MinimumTCB:        SEVSNPTCB{BootloaderSPL: 3, SNPSPL: 8, MicrocodeSPL: 115},
			MinimumLaunchTCB:  SEVSNPTCB{BootloaderSPL: 3, SNPSPL: 8, MicrocodeSPL: 115},
			MinimumAPIVersion: "0.0", AllowSMT: true,
		},
	}
}

func synthTDXPolicy() Policy {
	return Policy{
		PolicyVersion: 1, AcceptedTEETypes: []string{TEETDX}, CheckRevocation: true,
		TDX: &TDXPolicy{
			TrustRoots:                     []TDXRoot{{TrustRootID: "test-intel", RootCA: string(attesttest.TDXRootCA())}},
			MinimumTEETCBSVN:               "03000400000000000000000000000000",
			MinimumTCBEvaluationDataNumber: 17,
		},
	}
}

func (s synth) run(t testing.TB) Result {
	t.Helper()
	pol, reg, payload, ev := s.build(t)
	now, _ := s.clock()
	var net networkRecorder
	res := NewVerifier(pol, reg, net.options()).Check(payload, ev, now)
	wantCodes(t, res.Decision, s.want...)
	net.none(t)
	for _, r := range res.Reasons {
		t.Logf("%s: %s", r.Code, r.Detail)
		if r.Detail == "" {
			t.Errorf("%s has no detail", r.Code)
		}
	}
	return res
}

func runSynth(t *testing.T, cases []synth) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t) })
	}
}

func flip(b []byte, i int) []byte {
	out := append([]byte(nil), b...)
	out[i] ^= 0x01
	return out
}

func TestSyntheticSEVSNP(t *testing.T) { runSynth(t, snpCases(t)) }

func TestSyntheticTDX(t *testing.T) { runSynth(t, tdxCases(t)) }

// snpCases are the SEV-SNP cases: one at least per code a report can
// produce.
func snpCases(t testing.TB) []synth {
	other := func(payload string) string { return payload + " " + `{"another":"payload"}` }
	snp := func(name string, edit synth) synth { edit.name, edit.tee = name, TEESEVSNP; return edit }
	return []synth{
		snp("allow", synth{}),
		snp("report version 2 and Genoa", synth{snp: func(o *attesttest.SNPOptions) { o.ReportVersion, o.ProductLine = 2, "Genoa" }}),
		snp("issued too long ago", synth{payload: func(p *admission.Payload) { p.IssuedAtUnix = testNow - 121 },
			want: []decision.Code{CodeIssuedAtOutsideClockSkew}}),
		snp("issued slightly ahead, within the skew", synth{payload: func(p *admission.Payload) {
			p.IssuedAtUnix, p.ExpiresAtUnix = testNow+100, testNow+3000
		}}),
		snp("issued beyond the skew ahead", synth{payload: func(p *admission.Payload) {
			p.IssuedAtUnix, p.ExpiresAtUnix = testNow+121, testNow+3000
		}, want: []decision.Code{admission.CodeTokenNotYetValid, CodeIssuedAtOutsideClockSkew}}),
		snp("the payload claims SGX", synth{payload: func(p *admission.Payload) { p.TEEType = TEESGX },
			registry: func(r *governance.Registry) { r.Operators[0].AllowedTEETypes = []string{TEESGX} },
			want:     []decision.Code{CodeSGXUnsupported}}),
		snp("the evidence is SGX", synth{bundle: func(e *Evidence) {
			e.TEEType, e.SEVSNP, e.SGX = TEESGX, nil, &SGXEvidence{Quote: []byte{1}}
		}, want: []decision.Code{CodeSGXUnsupported}}),
		snp("a TDX-only verifier", synth{policy: func(p *Policy) {
			tdx := synthTDXPolicy()
			p.AcceptedTEETypes, p.SEVSNP, p.TDX = tdx.AcceptedTEETypes, nil, tdx.TDX
		}, want: []decision.Code{CodeTEETypeNotAccepted}}),
		snp("the payload claims TDX", synth{payload: func(p *admission.Payload) { p.TEEType = TEETDX },
			registry: func(r *governance.Registry) { r.Operators[0].AllowedTEETypes = []string{TEETDX} },
			want:     []decision.Code{CodeTEETypeMismatch}}),
		snp("a short report", synth{bundle: func(e *Evidence) { e.SEVSNP.Report = e.SEVSNP.Report[:1183] },
			want: []decision.Code{CodeEvidenceMalformed}}),
		snp("no root for Genoa", synth{snp: func(o *attesttest.SNPOptions) { o.ProductLine = "Genoa" },
			policy: func(p *Policy) { p.SEVSNP.TrustRoots = p.SEVSNP.TrustRoots[:1] },
			want:   []decision.Code{CodeTrustRootUnknown}}),
		snp("a VCEK from another chain", synth{bundle: func(e *Evidence) { e.SEVSNP.VCEK = sevtestdata.VcekBytes },
			want: []decision.Code{CodeCertificateChainInvalid}}),
		snp("no VCEK for a VCEK-signed report", synth{bundle: func(e *Evidence) { e.SEVSNP.VCEK, e.SEVSNP.VLEK = nil, []byte{1} },
			want: []decision.Code{CodeCertificateChainInvalid}}),
		snp("no CRL", synth{bundle: func(e *Evidence) { e.SEVSNP.CRL = nil },
			want: []decision.Code{CodeRevocationUnavailable}}),
		snp("a CRL past its next update", synth{snp: func(o *attesttest.SNPOptions) { o.CRLNextUpdate = o.Now.Add(-time.Minute) },
			want: []decision.Code{CodeRevocationUnavailable}}),
		snp("a CRL that is not DER", synth{bundle: func(e *Evidence) { e.SEVSNP.CRL = []byte("crl") },
			want: []decision.Code{CodeRevocationUnavailable}}),
		snp("no CRL, revocation not checked", synth{bundle: func(e *Evidence) { e.SEVSNP.CRL = nil },
			policy: func(p *Policy) { p.CheckRevocation = false }}),
		snp("the ASK is revoked", synth{snp: func(o *attesttest.SNPOptions) { o.RevokeASK = true },
			want: []decision.Code{CodeCertificateRevoked}}),
		snp("a flipped signature byte", synth{bundle: func(e *Evidence) { e.SEVSNP.Report = flip(e.SEVSNP.Report, 0x2A0+3) },
			want: []decision.Code{CodeSignatureInvalid}}),
		snp("a flipped measured byte", synth{bundle: func(e *Evidence) { e.SEVSNP.Report = flip(e.SEVSNP.Report, 0x90) },
			want: []decision.Code{CodeSignatureInvalid}}),
		snp("a debug guest", synth{snp: func(o *attesttest.SNPOptions) { o.Policy = 0x30000 | 1<<19 },
			want: []decision.Code{CodeDebugEnabled}}),
		snp("a debug guest, debug allowed", synth{snp: func(o *attesttest.SNPOptions) { o.Policy = 0x30000 | 1<<19 },
			policy: func(p *Policy) { p.AllowDebug = true }}),
		snp("VMPL 1", synth{snp: func(o *attesttest.SNPOptions) { o.VMPL = 1 },
			want: []decision.Code{CodeVMPLNotZero}}),
		snp("microcode below the minimum", synth{snp: func(o *attesttest.SNPOptions) {
			o.TCB = kds.TCBParts{BlSpl: 3, SnpSpl: 8, UcodeSpl: 114}
		}, want: []decision.Code{CodeTCBBelowMinimum, CodeTCBBelowMinimum}}),
		snp("guest SVN below the minimum", synth{policy: func(p *Policy) { p.SEVSNP.MinimumGuestSVN = 1 },
			want: []decision.Code{CodeTCBBelowMinimum}}),
		snp("SMT not allowed", synth{policy: func(p *Policy) { p.SEVSNP.AllowSMT = false },
			want: []decision.Code{CodePolicyViolation}}),
		snp("made for another payload", synth{reportFor: other,
			want: []decision.Code{CodeReportDataMismatch}}),
		snp("another measured code", synth{payload: func(p *admission.Payload) { p.MeasurementDigest = SEVSNPMeasurementDigest(sha384("v1.4.0")) },
			registry: func(r *governance.Registry) {
				r.Operators[0].AllowedMeasurements = []string{SEVSNPMeasurementDigest(sha384("v1.4.0"))}
			},
			want: []decision.Code{CodeMeasurementMismatch}}),
		snp("a measurement governance did not allow", synth{registry: func(r *governance.Registry) {
			r.Operators[0].AllowedMeasurements = []string{SEVSNPMeasurementDigest(sha384("v1.4.0"))}
		}, want: []decision.Code{admission.CodeMeasurementNotAllowlisted}}),
		snp("a suspended operator and a long-lived token", synth{
			registry: func(r *governance.Registry) { r.Operators[0].Status = "suspended" },
			payload:  func(p *admission.Payload) { p.ExpiresAtUnix = p.IssuedAtUnix + 7200 },
			want:     []decision.Code{admission.CodeOperatorNotActive, admission.CodeTokenTTLExceedsAttestationMaxAge}}),
		snp("a payload that does not decode", synth{payload: func(p *admission.Payload) { p.TokenID = "" },
			want: []decision.Code{admission.CodeTokenIDMissing}}),
		// go-sev-guest reports only the first POLICY bit it refuses, and
		// debug comes before SMT there: the SMT finding is hidden behind
		// teegate's own debug finding, and the report still rejected.
		snp("everything at once", synth{
			snp: func(o *attesttest.SNPOptions) {
				o.Policy, o.VMPL = 0x30000|1<<19, 2
			},
			reportFor: other,
			policy:    func(p *Policy) { p.SEVSNP.AllowSMT = false },
			want:      []decision.Code{CodeDebugEnabled, CodeVMPLNotZero, CodeReportDataMismatch}}),
		snp("SMT and a lower TCB", synth{
			snp:    func(o *attesttest.SNPOptions) { o.TCB = kds.TCBParts{BlSpl: 2, SnpSpl: 8, UcodeSpl: 115} },
			policy: func(p *Policy) { p.SEVSNP.AllowSMT = false },
			want:   []decision.Code{CodeTCBBelowMinimum, CodeTCBBelowMinimum, CodePolicyViolation}}),
	}
}

// tdxCases are the TDX cases.
func tdxCases(t testing.TB) []synth {
	other := func(payload string) string { return payload + " " }
	tdx := func(name string, edit synth) synth { edit.name, edit.tee = name, TEETDX; return edit }
	return []synth{
		tdx("allow", synth{}),
		tdx("a short quote", synth{bundle: func(e *Evidence) { e.TDX.Quote = e.TDX.Quote[:100] },
			want: []decision.Code{CodeEvidenceMalformed}}),
		tdx("a root CA the policy does not name", synth{policy: func(p *Policy) {
			q, _ := parseTDXQuote(realTDX(t).TDX.Quote)
			blocks := pemBlocks(t, q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain())
			p.TDX.TrustRoots[0].RootCA = blocks[len(blocks)-1]
		}, want: []decision.Code{CodeTrustRootUnknown}}),
		tdx("no TCB info", synth{bundle: func(e *Evidence) { e.TDX.Collateral.TCBInfo, e.TDX.Collateral.TCBInfoIssuerChain = "", "" },
			want: []decision.Code{CodeCollateralUnavailable}}),
		tdx("no QE identity", synth{bundle: func(e *Evidence) { e.TDX.Collateral.QEIdentity, e.TDX.Collateral.QEIdentityIssuerChain = "", "" },
			want: []decision.Code{CodeCollateralUnavailable}}),
		tdx("TCB info for another platform", synth{bundle: func(e *Evidence) {
			other, err := attesttest.NewTDX(attesttest.TDXOptions{Now: time.Unix(testNow, 0), FMSPC: [6]byte{0x90, 0xc0, 0x6f, 0, 0, 0}})
			if err != nil {
				t.Fatal(err)
			}
			e.TDX.Collateral.TCBInfo = string(other.TCBInfo)
		}, want: []decision.Code{CodeCollateralUnavailable}}),
		tdx("collateral from the policy", synth{
			bundle: func(e *Evidence) { e.TDX.Collateral = TDXCollateral{} },
			policy: func(p *Policy) {
				e, err := attesttest.NewTDX(attesttest.TDXOptions{Now: time.Unix(testNow, 0)})
				if err != nil {
					t.Fatal(err)
				}
				p.TDX.Collateral = tdxBundle(e).TDX.Collateral
			}}),
		tdx("a tampered TCB info", synth{bundle: func(e *Evidence) {
			e.TDX.Collateral.TCBInfo = replaceOnce(t, e.TDX.Collateral.TCBInfo, `"tcbType":0`, `"tcbType":1`)
		}, want: []decision.Code{CodeCollateralInvalid}}),
		// The attack a review found: go-tdx-guest checks Intel's signature
		// on the member named exactly "tcbInfo" but judges whichever member
		// encoding/json matches last, case-insensitively. A forged
		// "TCBINFO" rating the platform UpToDate must not be read.
		tdx("a second, unsigned TCB info beside Intel's", synth{
			tdx: func(o *attesttest.TDXOptions) { o.TcbStatus = "OutOfDate" },
			bundle: func(e *Evidence) {
				body := e.TDX.Collateral.TCBInfo
				var outer map[string]jsontext.Value
				if err := json.Unmarshal([]byte(body), &outer); err != nil {
					t.Fatal(err)
				}
				forged := strings.ReplaceAll(string(outer["tcbInfo"]), "OutOfDate", "UpToDate")
				e.TDX.Collateral.TCBInfo = strings.TrimSuffix(body, "}") + `,"TCBINFO":` + forged + "}"
			},
			want: []decision.Code{CodeCollateralInvalid}}),
		tdx("TCB info that is not JSON", synth{bundle: func(e *Evidence) { e.TDX.Collateral.TCBInfo = "tcb" },
			want: []decision.Code{CodeCollateralInvalid}}),
		tdx("collateral from before a TCB recovery", synth{policy: func(p *Policy) { p.TDX.MinimumTCBEvaluationDataNumber = 18 },
			want: []decision.Code{CodeCollateralOutdated}}),
		tdx("expired collateral", synth{tdx: func(o *attesttest.TDXOptions) { o.CollateralNextUpdate = o.Now.Add(-time.Minute) },
			want: []decision.Code{CodeCollateralExpired}}),
		tdx("no PCK CRL", synth{bundle: func(e *Evidence) { e.TDX.Collateral.PCKCRL, e.TDX.Collateral.PCKCRLIssuerChain = nil, "" },
			want: []decision.Code{CodeRevocationUnavailable}}),
		tdx("no root CA CRL", synth{bundle: func(e *Evidence) { e.TDX.Collateral.RootCACRL = nil },
			want: []decision.Code{CodeRevocationUnavailable}}),
		tdx("no CRLs, revocation not checked", synth{
			bundle: func(e *Evidence) {
				e.TDX.Collateral.RootCACRL, e.TDX.Collateral.PCKCRL, e.TDX.Collateral.PCKCRLIssuerChain = nil, nil, ""
			},
			policy: func(p *Policy) { p.CheckRevocation = false }}),
		tdx("the PCK certificate is revoked", synth{tdx: func(o *attesttest.TDXOptions) { o.RevokePCK = true },
			want: []decision.Code{CodeCertificateRevoked}}),
		tdx("the platform CA is revoked", synth{tdx: func(o *attesttest.TDXOptions) { o.RevokePlatformCA = true },
			want: []decision.Code{CodeCertificateRevoked}}),
		tdx("the PCK certificate has expired", synth{now: testNow + 8*366*86400,
			registry: func(r *governance.Registry) {}, // the operator's window is open-ended
			bundle: func(e *Evidence) {
				// Evidence and collateral made at testNow, judged eight years on
				// with fresh collateral of that day.
				fresh, err := attesttest.NewTDX(attesttest.TDXOptions{Now: time.Unix(testNow+8*366*86400, 0)})
				if err != nil {
					t.Fatal(err)
				}
				e.TDX.Collateral = tdxBundle(fresh).TDX.Collateral
			},
			tdx:  func(o *attesttest.TDXOptions) { o.Now = time.Unix(testNow, 0) },
			want: []decision.Code{CodeCertificateChainInvalid}}),
		tdx("a flipped signature byte", synth{bundle: func(e *Evidence) { e.TDX.Quote = flip(e.TDX.Quote, 48+584+4+3) },
			want: []decision.Code{CodeSignatureInvalid}}),
		tdx("a flipped MRTD byte", synth{bundle: func(e *Evidence) { e.TDX.Quote = flip(e.TDX.Quote, 48+136) },
			want: []decision.Code{CodeSignatureInvalid}}),
		tdx("the platform is out of date", synth{tdx: func(o *attesttest.TDXOptions) { o.TcbStatus = "OutOfDate" },
			want: []decision.Code{CodeTCBStatusNotUpToDate}}),
		tdx("the QE is out of date", synth{tdx: func(o *attesttest.TDXOptions) { o.QeTcbStatus = "OutOfDate" },
			want: []decision.Code{CodeTCBStatusNotUpToDate}}),
		tdx("a debug TD", synth{tdx: func(o *attesttest.TDXOptions) { o.TdAttributes = 1 },
			want: []decision.Code{CodeDebugEnabled}}),
		tdx("a debug TD, debug allowed", synth{tdx: func(o *attesttest.TDXOptions) { o.TdAttributes = 1 },
			policy: func(p *Policy) { p.AllowDebug = true }}),
		tdx("TEE TCB SVN below the minimum", synth{policy: func(p *Policy) { p.TDX.MinimumTEETCBSVN = "03000500000000000000000000000000" },
			want: []decision.Code{CodeTCBBelowMinimum}}),
		tdx("QE and PCE SVNs below the minimum", synth{policy: func(p *Policy) { p.TDX.MinimumQESVN, p.TDX.MinimumPCESVN = 9, 9 },
			want: []decision.Code{CodeTCBBelowMinimum, CodeTCBBelowMinimum}}),
		tdx("QE and PCE SVNs at the minimum", synth{policy: func(p *Policy) { p.TDX.MinimumQESVN, p.TDX.MinimumPCESVN = 9, 7 },
			tdx: func(o *attesttest.TDXOptions) { o.QeSvn, o.PceSvn = 9, 7 }}),
		tdx("XFAM outside its fixed bits", synth{tdx: func(o *attesttest.TDXOptions) { o.Xfam = 0xe7 | 1<<30 },
			want: []decision.Code{CodePolicyViolation}}),
		tdx("made for another payload", synth{reportFor: func(p string) string { return other(p) + "x" },
			want: []decision.Code{CodeReportDataMismatch}}),
		tdx("another kernel", synth{payload: func(p *admission.Payload) {
			p.MeasurementDigest = TDXMeasurementDigest(testMRTD, testRTMRs[0], sha384("another kernel"), testRTMRs[2])
		}, registry: func(r *governance.Registry) {
			r.Operators[0].AllowedMeasurements = []string{TDXMeasurementDigest(testMRTD, testRTMRs[0], sha384("another kernel"), testRTMRs[2])}
		}, want: []decision.Code{CodeMeasurementMismatch}}),
		tdx("RTMR3 is not measured", synth{tdx: func(o *attesttest.TDXOptions) { o.Rtmrs[3] = sha384("extended at run time") }}),
	}
}

func replaceOnce(t testing.TB, s, old, new string) string {
	t.Helper()
	i := indexOf(s, old)
	if i < 0 {
		t.Fatalf("%q not in %.200s", old, s)
	}
	return s[:i] + new + s[i+len(old):]
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
