package attesttest

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sevvalidate "github.com/google/go-sev-guest/validate"
	sevverify "github.com/google/go-sev-guest/verify"
	sevtrust "github.com/google/go-sev-guest/verify/trust"
	tdxabi "github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
	tdxvalidate "github.com/google/go-tdx-guest/validate"
	tdxverify "github.com/google/go-tdx-guest/verify"
)

// testNow is a fixed verification time inside every fixed validity window.
var testNow = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

// ---------------------------------------------------------------------------
// SEV-SNP helpers

// failGetter fails the test if go-sev-guest tries to fetch anything.
type failGetter struct{ t testing.TB }

func (g failGetter) Get(u string) ([]byte, error) {
	g.t.Errorf("unexpected network fetch of %q", u)
	return nil, fmt.Errorf("no network in tests: %s", u)
}

// refuseGetter refuses every URL, like an offline verifier.
type refuseGetter struct{}

func (refuseGetter) Get(u string) ([]byte, error) {
	return nil, fmt.Errorf("offline: refusing %s", u)
}

func snpAttestation(t testing.TB, ev *SNPEvidence) *spb.Attestation {
	t.Helper()
	report, err := abi.ReportToProto(ev.Report)
	if err != nil {
		t.Fatalf("abi.ReportToProto: %v", err)
	}
	return &spb.Attestation{Report: report, CertificateChain: &spb.CertificateChain{VcekCert: ev.VCEK}}
}

// snpRootsFor builds go-sev-guest trusted roots from PEM ARK/ASK and a DER CRL.
func snpRootsFor(t testing.TB, productLine string, arkPEM, askPEM, crlDER []byte) map[string][]*sevtrust.AMDRootCerts {
	t.Helper()
	ark, err := sevtrust.ParseCert(arkPEM)
	if err != nil {
		t.Fatalf("parse ARK: %v", err)
	}
	ask, err := sevtrust.ParseCert(askPEM)
	if err != nil {
		t.Fatalf("parse ASK: %v", err)
	}
	crl, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		t.Fatalf("parse CRL: %v", err)
	}
	root := sevtrust.AMDRootCertsProduct(productLine)
	root.ProductCerts = &sevtrust.ProductCerts{Ark: ark, Ask: ask}
	root.CRL = crl
	return map[string][]*sevtrust.AMDRootCerts{productLine: {root}}
}

func snpVerify(t testing.TB, ev *SNPEvidence, productLine string, now time.Time, getter sevtrust.HTTPSGetter) error {
	t.Helper()
	if productLine == "" {
		productLine = "Milan"
	}
	return sevverify.SnpAttestation(snpAttestation(t, ev), &sevverify.Options{
		CheckRevocations:    true,
		DisableCertFetching: true,
		Getter:              getter,
		Now:                 now,
		TrustedRoots:        snpRootsFor(t, productLine, ev.ARK, ev.ASK, ev.CRL),
	})
}

func snpValidateOptions(opts SNPOptions) *sevvalidate.Options {
	vmpl := 0
	tcb := opts.TCB
	if tcb == (kds.TCBParts{}) {
		tcb = DefaultSNPTCB
	}
	return &sevvalidate.Options{
		ReportData:       opts.ReportData[:],
		Measurement:      opts.Measurement[:],
		VMPL:             &vmpl,
		GuestPolicy:      abi.SnpPolicy{SMT: true},
		MinimumGuestSvn:  opts.GuestSVN,
		MinimumTCB:       tcb,
		MinimumLaunchTCB: tcb,
	}
}

func snpOptions(productLine string, version uint32) SNPOptions {
	var o SNPOptions
	o.Now = testNow
	o.ProductLine = productLine
	o.ReportVersion = version
	copy(o.ReportData[:], pattern(64, 1))
	copy(o.Measurement[:], pattern(48, 100))
	o.GuestSVN = 2
	return o
}

func wantErr(t testing.TB, err error, substr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want an error containing %q", substr)
	}
	if !strings.Contains(err.Error(), substr) {
		t.Fatalf("got error %q, want it to contain %q", err, substr)
	}
}

// ---------------------------------------------------------------------------
// SEV-SNP tests

func TestSNPVerifiesAndValidates(t *testing.T) {
	t.Parallel()
	for _, pl := range []string{"Milan", "Genoa"} {
		for _, version := range []uint32{0, 2, 3} {
			t.Run(fmt.Sprintf("%s/v%d", pl, version), func(t *testing.T) {
				t.Parallel()
				opts := snpOptions(pl, version)
				ev, err := NewSNP(opts)
				if err != nil {
					t.Fatalf("NewSNP: %v", err)
				}
				if len(ev.Report) != abi.ReportSize {
					t.Fatalf("report is %d bytes, want %d", len(ev.Report), abi.ReportSize)
				}
				if err := snpVerify(t, ev, pl, opts.Now, failGetter{t}); err != nil {
					t.Fatalf("verify.SnpAttestation: %v", err)
				}
				att := snpAttestation(t, ev)
				if err := sevvalidate.SnpAttestation(att, snpValidateOptions(opts)); err != nil {
					t.Fatalf("validate.SnpAttestation: %v", err)
				}

				report := att.GetReport()
				wantVersion := version
				if wantVersion == 0 {
					wantVersion = 3
				}
				if report.GetVersion() != wantVersion {
					t.Errorf("report version %d, want %d", report.GetVersion(), wantVersion)
				}
				if wantVersion >= 3 {
					if got := kds.ProductLineFromFms(report.GetCpuid1EaxFms()); got != pl {
						t.Errorf("product line from CPUID = %q, want %q", got, pl)
					}
				} else if report.GetCpuid1EaxFms() != 0 {
					t.Errorf("v2 report has CPUID 0x%x", report.GetCpuid1EaxFms())
				}
				if report.GetPolicy() != DefaultSNPPolicy {
					t.Errorf("policy 0x%x, want 0x%x", report.GetPolicy(), DefaultSNPPolicy)
				}
				vcek, err := x509.ParseCertificate(ev.VCEK)
				if err != nil {
					t.Fatal(err)
				}
				exts, err := kds.VcekCertificateExtensions(vcek)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(exts.HWID, report.GetChipId()) {
					t.Error("VCEK HWID != report CHIP_ID")
				}
				wantTCB, _ := kds.ComposeTCBParts(DefaultSNPTCB)
				if exts.TCBVersion != wantTCB || kds.TCBVersion(report.GetReportedTcb()) != wantTCB {
					t.Errorf("VCEK TCB 0x%x, reported TCB 0x%x, want 0x%x", exts.TCBVersion, report.GetReportedTcb(), wantTCB)
				}
			})
		}
	}
}

func TestSNPChosenFields(t *testing.T) {
	t.Parallel()
	opts := snpOptions("Genoa", 3)
	opts.TCB = kds.TCBParts{BlSpl: 9, TeeSpl: 1, SnpSpl: 21, UcodeSpl: 210}
	opts.VMPL = 2
	opts.GuestSVN = 7
	ev, err := NewSNP(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := snpVerify(t, ev, "Genoa", testNow, failGetter{t}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	vo := snpValidateOptions(opts)
	vmpl := 2
	vo.VMPL = &vmpl
	if err := sevvalidate.SnpAttestation(snpAttestation(t, ev), vo); err != nil {
		t.Fatalf("validate: %v", err)
	}
	// A higher minimum TCB than the chosen one must be rejected.
	vo = snpValidateOptions(opts)
	vo.VMPL = &vmpl
	vo.MinimumTCB.SnpSpl++
	if err := sevvalidate.SnpAttestation(snpAttestation(t, ev), vo); err == nil {
		t.Fatal("validate accepted a report below the minimum TCB")
	}
}

func TestSNPDefaultNow(t *testing.T) {
	t.Parallel()
	ev, err := NewSNP(SNPOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := snpVerify(t, ev, "Milan", time.Now(), failGetter{t}); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestSNPRevokedASK(t *testing.T) {
	t.Parallel()
	opts := snpOptions("Milan", 0)
	opts.RevokeASK = true
	ev, err := NewSNP(opts)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, snpVerify(t, ev, "Milan", testNow, failGetter{t}), "ASK was revoked")
}

func TestSNPExpiredCRL(t *testing.T) {
	t.Parallel()
	opts := snpOptions("Genoa", 0)
	opts.CRLNextUpdate = testNow.Add(-time.Minute)
	ev, err := NewSNP(opts)
	if err != nil {
		t.Fatal(err)
	}
	err = snpVerify(t, ev, "Genoa", testNow, refuseGetter{})
	var unavailable sevverify.CRLUnavailableErr
	if !errors.As(err, &unavailable) {
		t.Fatalf("got %v, want a CRLUnavailableErr", err)
	}
	wantErr(t, err, "could not fetch product CRL")
}

func TestSNPBadSignature(t *testing.T) {
	t.Parallel()
	ev, err := NewSNP(snpOptions("Milan", 0))
	if err != nil {
		t.Fatal(err)
	}
	ev.Report[abi.ReportSize-abi.SignatureSize] ^= 0x01 // first byte of R
	wantErr(t, snpVerify(t, ev, "Milan", testNow, failGetter{t}), "report signature verification error")
}

func TestSNPDebugPolicy(t *testing.T) {
	t.Parallel()
	opts := snpOptions("Milan", 0)
	opts.Policy = DefaultSNPPolicy | SNPPolicyDebug
	ev, err := NewSNP(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := snpVerify(t, ev, "Milan", testNow, failGetter{t}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	wantErr(t, sevvalidate.SnpAttestation(snpAttestation(t, ev), snpValidateOptions(opts)), "unauthorized debug capability")
	vo := snpValidateOptions(opts)
	vo.GuestPolicy.Debug = true
	if err := sevvalidate.SnpAttestation(snpAttestation(t, ev), vo); err != nil {
		t.Fatalf("validate with debug allowed: %v", err)
	}
}

func TestSNPBadOptions(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]SNPOptions{
		"product":  {Now: testNow, ProductLine: "Turin"},
		"version":  {Now: testNow, ReportVersion: 4},
		"policy":   {Now: testNow, Policy: 1 << 16}, // reserved bit 17 clear
		"tcb":      {Now: testNow, TCB: kds.TCBParts{SnpSpl: 200}},
		"vmpl":     {Now: testNow, VMPL: 4},
		"too-old":  {Now: SNPCertsNotBefore.Add(-time.Hour)},
		"too-late": {Now: SNPCertsNotAfter},
	} {
		if _, err := NewSNP(opts); err == nil {
			t.Errorf("%s: NewSNP accepted %+v", name, opts)
		}
	}
}

// ---------------------------------------------------------------------------
// TDX helpers

func tdxOptions() TDXOptions {
	var o TDXOptions
	o.Now = testNow
	copy(o.ReportData[:], pattern(64, 7))
	copy(o.MrTd[:], pattern(48, 70))
	for i := range o.Rtmrs {
		copy(o.Rtmrs[i][:], pattern(48, byte(0x80+16*i)))
	}
	o.TdAttributes = TDXAttributeSeptVEDisable
	o.QeSvn = 4
	o.PceSvn = 11
	return o
}

func rootPool(t testing.TB, rootPEM []byte) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(rootPEM) {
		t.Fatal("root PEM holds no certificate")
	}
	return pool
}

func tdxQuote(t testing.TB, ev *TDXEvidence) *tdxpb.QuoteV4 {
	t.Helper()
	q, err := tdxabi.QuoteToProto(ev.Quote)
	if err != nil {
		t.Fatalf("abi.QuoteToProto: %v", err)
	}
	quote, ok := q.(*tdxpb.QuoteV4)
	if !ok {
		t.Fatalf("quote is %T, want *QuoteV4", q)
	}
	return quote
}

func tdxVerify(t testing.TB, ev *TDXEvidence, now time.Time, rootPEM []byte) error {
	t.Helper()
	return tdxverify.TdxQuote(tdxQuote(t, ev), &tdxverify.Options{
		CheckRevocations: true,
		GetCollateral:    true,
		Getter:           TDXGetter(ev),
		Now:              now,
		TrustedRoots:     rootPool(t, rootPEM),
	})
}

func tdxValidateOptions(opts TDXOptions) *tdxvalidate.Options {
	tee := opts.TeeTcbSvn
	if tee == ([16]byte{}) {
		tee = DefaultTDXTeeTcbSvn
	}
	var rtmrs [][]byte
	for _, r := range opts.Rtmrs {
		rtmrs = append(rtmrs, append([]byte(nil), r[:]...))
	}
	return &tdxvalidate.Options{
		HeaderOptions: tdxvalidate.HeaderOptions{
			MinimumQeSvn:  opts.QeSvn,
			MinimumPceSvn: opts.PceSvn,
		},
		TdQuoteBodyOptions: tdxvalidate.TdQuoteBodyOptions{
			MinimumTeeTcbSvn: tee[:],
			MrTd:             opts.MrTd[:],
			Rtmrs:            rtmrs,
			ReportData:       opts.ReportData[:],
		},
	}
}

// ---------------------------------------------------------------------------
// TDX tests

func TestTDXVerifiesAndValidates(t *testing.T) {
	t.Parallel()
	for name, mod := range map[string]func(*TDXOptions){
		"chosen":   func(*TDXOptions) {},
		"defaults": func(o *TDXOptions) { *o = TDXOptions{Now: testNow} },
		"module-major-version": func(o *TDXOptions) {
			o.TeeTcbSvn = [16]byte{5, 1, 2}
		},
		"fmspc": func(o *TDXOptions) { o.FMSPC = [6]byte{0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00} },
		"xfam":  func(o *TDXOptions) { o.Xfam = 0x61ae7 },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := tdxOptions()
			mod(&opts)
			ev, err := NewTDX(opts)
			if err != nil {
				t.Fatalf("NewTDX: %v", err)
			}
			if err := tdxVerify(t, ev, opts.Now, TDXRootCA()); err != nil {
				t.Fatalf("verify.TdxQuote: %v", err)
			}
			quote := tdxQuote(t, ev)
			if err := tdxvalidate.TdxQuote(quote, tdxValidateOptions(opts)); err != nil {
				t.Fatalf("validate.TdxQuote: %v", err)
			}
			if !bytes.Equal(ev.RootCA, TDXRootCA()) {
				t.Error("evidence RootCA differs from TDXRootCA()")
			}
			if ev.RootCACRLURL != TDXRootCACRLURL {
				t.Errorf("RootCACRLURL %q", ev.RootCACRLURL)
			}
			// The chosen fields are where the library reads them.
			body := quote.GetTdQuoteBody()
			if !bytes.Equal(body.GetReportData(), opts.ReportData[:]) || !bytes.Equal(body.GetMrTd(), opts.MrTd[:]) {
				t.Error("REPORT_DATA or MR_TD not as chosen")
			}
			// The PCK certificate carries the FMSPC and PCESVN.
			chain := quote.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
			block, _ := pem.Decode(chain)
			pck, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			exts, err := pcs.PckCertificateExtensions(pck)
			if err != nil {
				t.Fatal(err)
			}
			fmspc := opts.FMSPC
			if fmspc == ([6]byte{}) {
				fmspc = DefaultTDXFMSPC
			}
			if exts.FMSPC != fmt.Sprintf("%x", fmspc[:]) || exts.TCB.PCESvn != opts.PceSvn || exts.PCEID != "0000" {
				t.Errorf("PCK extensions %+v", exts)
			}
		})
	}
}

func TestTDXDefaultNow(t *testing.T) {
	t.Parallel()
	ev, err := NewTDX(TDXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tdxVerify(t, ev, time.Now(), TDXRootCA()); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestTDXNegatives(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mod    func(*TDXOptions)
		mutate func(*TDXEvidence)
		now    func(*TDXEvidence) time.Time
		want   string
	}{
		{
			name: "tcb-out-of-date",
			mod:  func(o *TDXOptions) { o.TcbStatus = "OutOfDate" },
			want: `TDX TCB info reported by Intel PCS failed TCB status check: TCB Status is not "UpToDate", found "OutOfDate"`,
		},
		{
			name: "tcb-out-of-date-module-version",
			mod: func(o *TDXOptions) {
				o.TeeTcbSvn = [16]byte{5, 1, 2}
				o.TcbStatus = "OutOfDate"
			},
			want: `TCB Status is not "UpToDate", found "OutOfDate"`,
		},
		{
			name: "tcb-sw-hardening",
			mod:  func(o *TDXOptions) { o.TcbStatus = "SWHardeningNeeded" },
			want: `found "SWHardeningNeeded"`,
		},
		{
			name: "qe-out-of-date",
			mod:  func(o *TDXOptions) { o.QeTcbStatus = "OutOfDate" },
			want: `QE Identity reported by Intel PCS failed TCB status check: TCB Status is not "UpToDate", found "OutOfDate"`,
		},
		{
			name: "pck-revoked",
			mod:  func(o *TDXOptions) { o.RevokePCK = true },
			want: "PCK Leaf certificate in PCK certificate chain was revoked",
		},
		{
			name: "platform-ca-revoked",
			mod:  func(o *TDXOptions) { o.RevokePlatformCA = true },
			want: "intermediate certificate in PCK certificate chain was revoked",
		},
		{
			name: "collateral-expired",
			mod:  func(o *TDXOptions) { o.CollateralNextUpdate = o.Now.Add(-time.Minute) },
			want: "tcbInfo has expired",
		},
		{
			name: "collateral-long-expired",
			mod:  func(o *TDXOptions) { o.CollateralNextUpdate = o.Now.Add(-72 * time.Hour) },
			want: "tcbInfo has expired",
		},
		{
			name:   "quote-signature",
			mutate: func(ev *TDXEvidence) { ev.Quote[0x27C] ^= 0x01 }, // first byte of the quote signature
			want:   tdxverify.ErrHashVerificationFail.Error(),
		},
		{
			name:   "body-modified",
			mutate: func(ev *TDXEvidence) { ev.Quote[0x30+0x208] ^= 0x01 }, // REPORT_DATA[0]
			want:   tdxverify.ErrHashVerificationFail.Error(),
		},
		{
			name: "tcb-info-signature",
			mutate: func(ev *TDXEvidence) {
				ev.TCBInfo = bytes.Replace(ev.TCBInfo, []byte(`"version":3`), []byte(`"version":3 `), 1)
			},
			want: "could not verify response body using the signing certificate",
		},
		{
			name: "after-pck-not-after",
			now: func(ev *TDXEvidence) time.Time {
				return pckLeaf(ev).NotAfter.Add(time.Second)
			},
			want: "expired",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tdxOptions()
			if tc.mod != nil {
				tc.mod(&opts)
			}
			ev, err := NewTDX(opts)
			if err != nil {
				t.Fatalf("NewTDX: %v", err)
			}
			if tc.mutate != nil {
				tc.mutate(ev)
			}
			now := opts.Now
			if tc.now != nil {
				now = tc.now(ev)
			}
			wantErr(t, tdxVerify(t, ev, now, TDXRootCA()), tc.want)
		})
	}
}

func pckLeaf(ev *TDXEvidence) *x509.Certificate {
	q, err := tdxabi.QuoteToProto(ev.Quote)
	if err != nil {
		panic(err)
	}
	chain := q.(*tdxpb.QuoteV4).GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	block, _ := pem.Decode(chain)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic(err)
	}
	return cert
}

func TestTDXValidateRejects(t *testing.T) {
	t.Parallel()
	opts := tdxOptions()
	opts.TdAttributes |= TDXAttributeDebug
	ev, err := NewTDX(opts)
	if err != nil {
		t.Fatal(err)
	}
	quote := tdxQuote(t, ev)
	vo := tdxValidateOptions(opts)
	vo.HeaderOptions.MinimumQeSvn = opts.QeSvn + 1
	wantErr(t, tdxvalidate.TdxQuote(quote, vo), "QE security-version number 4 is less than the required minimum 5")
	vo = tdxValidateOptions(opts)
	vo.HeaderOptions.MinimumPceSvn = opts.PceSvn + 1
	wantErr(t, tdxvalidate.TdxQuote(quote, vo), "PCE security-version number 11 is less than the required minimum 12")
	vo = tdxValidateOptions(opts)
	vo.TdQuoteBodyOptions.TdAttributes = make([]byte, 8) // expect DEBUG off
	wantErr(t, tdxvalidate.TdxQuote(quote, vo), "TD_ATTRIBUTES")
}

func TestTDXGetter(t *testing.T) {
	t.Parallel()
	ev, err := NewTDX(tdxOptions())
	if err != nil {
		t.Fatal(err)
	}
	g := TDXGetter(ev)
	for _, u := range []string{
		"https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor&encoding=der",
		pcs.TcbInfoURL("00906ed50000"),
		"https://certificates.trustedservices.intel.com/IntelSGXRootCA.der",
		"",
	} {
		if _, _, err := g.Get(u); err == nil {
			t.Errorf("TDXGetter served %q", u)
		}
	}
	for u, want := range map[string]struct {
		header string
		chain  []byte
		body   []byte
	}{
		pcs.TcbInfoURL("50806f000000"): {"Tcb-Info-Issuer-Chain", ev.TCBInfoIssuerChain, ev.TCBInfo},
		pcs.QeIdentityURL():            {"Sgx-Enclave-Identity-Issuer-Chain", ev.QEIdentityIssuerChain, ev.QEIdentity},
		pcs.PckCrlURL("platform"):      {"Sgx-Pck-Crl-Issuer-Chain", ev.PCKCRLIssuerChain, ev.PCKCRL},
		ev.RootCACRLURL:                {"", nil, ev.RootCACRL},
	} {
		header, body, err := g.Get(u)
		if err != nil {
			t.Fatalf("Get(%q): %v", u, err)
		}
		if !bytes.Equal(body, want.body) {
			t.Errorf("Get(%q) body differs", u)
		}
		if want.header == "" {
			continue
		}
		v := header[want.header]
		if len(v) != 1 || strings.ContainsAny(v[0], "+ \n") || !strings.Contains(v[0], "%20") {
			t.Fatalf("Get(%q) header %q = %q, want one percent-encoded value", u, want.header, v)
		}
		chain, err := url.QueryUnescape(v[0])
		if err != nil || chain != string(want.chain) {
			t.Errorf("Get(%q) header %q does not unescape to the issuer chain (%v)", u, want.header, err)
		}
	}
	// TCB info and QE identity bodies have Intel's shape.
	var tcb struct {
		TcbInfo   json.RawMessage `json:"tcbInfo"`
		Signature string          `json:"signature"`
	}
	if err := json.Unmarshal(ev.TCBInfo, &tcb); err != nil || len(tcb.Signature) != 128 {
		t.Errorf("TCBInfo body: %v, signature %q", err, tcb.Signature)
	}
	var info pcs.TdxTcbInfo
	if err := json.Unmarshal(ev.TCBInfo, &info); err != nil {
		t.Fatal(err)
	}
	if info.TcbInfo.ID != "TDX" || info.TcbInfo.Version != 3 || info.TcbInfo.Fmspc != "50806f000000" || info.TcbInfo.PceID != "0000" {
		t.Errorf("tcbInfo %+v", info.TcbInfo)
	}
	if !info.TcbInfo.IssueDate.Equal(testNow.Add(-time.Hour)) || !info.TcbInfo.NextUpdate.Equal(testNow.Add(30*24*time.Hour)) {
		t.Errorf("tcbInfo dates %v, %v", info.TcbInfo.IssueDate, info.TcbInfo.NextUpdate)
	}
	var qe pcs.QeIdentity
	if err := json.Unmarshal(ev.QEIdentity, &qe); err != nil {
		t.Fatal(err)
	}
	if qe.EnclaveIdentity.ID != "TD_QE" || qe.EnclaveIdentity.Version != 2 {
		t.Errorf("enclaveIdentity %+v", qe.EnclaveIdentity)
	}
	if got := TDXGetter(nil); got == nil {
		t.Error("TDXGetter(nil) = nil")
	} else if _, _, err := got.Get(pcs.QeIdentityURL()); err == nil {
		t.Error("TDXGetter(nil) served a URL")
	}
}

func TestTDXQuoteStructure(t *testing.T) {
	t.Parallel()
	opts := tdxOptions()
	ev, err := NewTDX(opts)
	if err != nil {
		t.Fatal(err)
	}
	quote := tdxQuote(t, ev)
	if h := quote.GetHeader(); h.GetVersion() != 4 || h.GetAttestationKeyType() != 2 || h.GetTeeType() != 0x81 {
		t.Errorf("header %+v", h)
	}
	// QE REPORT_DATA = SHA-256(attestation key || QE auth data) || zeros.
	sd := quote.GetSignedData()
	qe := sd.GetCertificationData().GetQeReportCertificationData()
	h := sha256.Sum256(append(append([]byte(nil), sd.GetEcdsaAttestationKey()...), qe.GetQeAuthData().GetData()...))
	if want := append(h[:], make([]byte, 32)...); !bytes.Equal(qe.GetQeReport().GetReportData(), want) {
		t.Error("QE REPORT_DATA is not SHA-256(attestation key || QE auth data) padded")
	}
	if qe.GetQeReport().GetIsvSvn() != uint32(opts.QeSvn) {
		t.Errorf("QE ISVSVN %d, want %d", qe.GetQeReport().GetIsvSvn(), opts.QeSvn)
	}
	// The raw quote re-encodes to itself (no trailing bytes, consistent sizes).
	raw, err := tdxabi.QuoteToAbiBytes(quote)
	if err != nil || !bytes.Equal(raw, ev.Quote) {
		t.Errorf("QuoteToAbiBytes round trip: %v", err)
	}
	// Same options, same bytes.
	again, err := NewTDX(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Quote, ev.Quote) || !bytes.Equal(again.TCBInfo, ev.TCBInfo) || !bytes.Equal(again.PCKCRL, ev.PCKCRL) {
		t.Error("NewTDX is not deterministic")
	}
}

func TestTDXBadOptions(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string]TDXOptions{
		"status":    {Now: testNow, TcbStatus: "Fine"},
		"qe-status": {Now: testNow, QeTcbStatus: "uptodate"},
		"too-old":   {Now: TDXCertsNotBefore.Add(-time.Second)},
		"too-late":  {Now: TDXCertsNotAfter},
	} {
		if _, err := NewTDX(opts); err == nil {
			t.Errorf("%s: NewTDX accepted %+v", name, opts)
		}
	}
}

// ---------------------------------------------------------------------------
// Determinism

func TestRootsFixedWithinProcess(t *testing.T) {
	t.Parallel()
	if a, b := TDXRootCA(), TDXRootCA(); !bytes.Equal(a, b) {
		t.Error("TDXRootCA differs between calls")
	}
	first := TDXRootCA()
	for _, pl := range []string{"Milan", "Genoa"} {
		ark1, ask1, err := SNPRoots(pl)
		if err != nil {
			t.Fatal(err)
		}
		ark2, ask2, err := SNPRoots(pl)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ark1, ark2) || !bytes.Equal(ask1, ask2) {
			t.Errorf("%s: SNPRoots differs between calls", pl)
		}
		ev, err := NewSNP(SNPOptions{Now: testNow, ProductLine: pl})
		if err != nil {
			t.Fatal(err)
		}
		sameCert(t, pl+" ARK", ark1, ev.ARK)
		sameCert(t, pl+" ASK", ask1, ev.ASK)
		ark := mustParsePEM(t, ark1)
		if ark.Subject.CommonName != "ARK-"+pl || !ark.NotBefore.Equal(SNPCertsNotBefore) || !ark.NotAfter.Equal(SNPCertsNotAfter) {
			t.Errorf("%s ARK: %v, %v - %v", pl, ark.Subject, ark.NotBefore, ark.NotAfter)
		}
	}
	milanARK, _, _ := SNPRoots("")
	genoaARK, _, _ := SNPRoots("Genoa")
	if bytes.Equal(milanARK, genoaARK) {
		t.Error("Milan and Genoa ARKs are identical")
	}
	root := mustParsePEM(t, first)
	if root.Subject.CommonName != "Intel SGX Root CA" || !root.NotBefore.Equal(TDXCertsNotBefore) || !root.NotAfter.Equal(TDXCertsNotAfter) {
		t.Errorf("TDX root: %v, %v - %v", root.Subject, root.NotBefore, root.NotAfter)
	}
	// Evidence made later verifies against the root obtained earlier.
	ev, err := NewTDX(tdxOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := tdxVerify(t, ev, testNow, first); err != nil {
		t.Fatalf("verify against an earlier root: %v", err)
	}
}

func mustParsePEM(t testing.TB, b []byte) *x509.Certificate {
	t.Helper()
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 {
		t.Fatalf("not a single PEM certificate: %q", b)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sameCert checks that two certificates have the same key, names, serial and
// validity (their signature bytes may differ).
func sameCert(t testing.TB, what string, a, b []byte) {
	t.Helper()
	ca, cb := mustParsePEM(t, a), mustParsePEM(t, b)
	switch {
	case !bytes.Equal(ca.RawSubjectPublicKeyInfo, cb.RawSubjectPublicKeyInfo):
		t.Errorf("%s: public keys differ", what)
	case !bytes.Equal(ca.RawSubject, cb.RawSubject) || !bytes.Equal(ca.RawIssuer, cb.RawIssuer):
		t.Errorf("%s: names differ: %v vs %v", what, ca.Subject, cb.Subject)
	case ca.SerialNumber.Cmp(cb.SerialNumber) != 0:
		t.Errorf("%s: serials differ", what)
	case !ca.NotBefore.Equal(cb.NotBefore) || !ca.NotAfter.Equal(cb.NotAfter):
		t.Errorf("%s: validity differs", what)
	}
}

const helperEnv = "ATTESTTEST_HELPER_PROCESS"

// helperRoots is what the helper process reports.
type helperRoots struct {
	TDXRoot  []byte
	MilanARK []byte
	MilanASK []byte
	GenoaARK []byte
	GenoaASK []byte
}

// TestHelperProcess is not a real test: run by TestRootsFixedAcrossProcesses
// in a separate process, it exercises the verification paths (so that any
// library logging would show on its stdout/stderr) and prints the roots.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process only")
	}
	var out helperRoots
	out.TDXRoot = TDXRootCA()
	var err error
	if out.MilanARK, out.MilanASK, err = SNPRoots("Milan"); err != nil {
		t.Fatal(err)
	}
	if out.GenoaARK, out.GenoaASK, err = SNPRoots("Genoa"); err != nil {
		t.Fatal(err)
	}
	for _, version := range []uint32{2, 3} {
		opts := snpOptions("Milan", version)
		ev, err := NewSNP(opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := snpVerify(t, ev, "Milan", testNow, failGetter{t}); err != nil {
			t.Fatal(err)
		}
		if err := sevvalidate.SnpAttestation(snpAttestation(t, ev), snpValidateOptions(opts)); err != nil {
			t.Fatal(err)
		}
	}
	opts := snpOptions("Genoa", 0)
	opts.RevokeASK = true
	if ev, err := NewSNP(opts); err != nil || snpVerify(t, ev, "Genoa", testNow, failGetter{t}) == nil {
		t.Fatal("revoked ASK accepted")
	}
	opts = snpOptions("Genoa", 0)
	opts.CRLNextUpdate = testNow.Add(-time.Minute)
	if ev, err := NewSNP(opts); err != nil || snpVerify(t, ev, "Genoa", testNow, refuseGetter{}) == nil {
		t.Fatal("expired CRL accepted")
	}
	tdxOpts := tdxOptions()
	ev, err := NewTDX(tdxOpts)
	if err != nil {
		t.Fatal(err)
	}
	if err := tdxVerify(t, ev, testNow, out.TDXRoot); err != nil {
		t.Fatal(err)
	}
	if err := tdxvalidate.TdxQuote(tdxQuote(t, ev), tdxValidateOptions(tdxOpts)); err != nil {
		t.Fatal(err)
	}
	tdxOpts.TcbStatus = "OutOfDate"
	tdxOpts.RevokePCK = true
	if ev, err := NewTDX(tdxOpts); err != nil || tdxVerify(t, ev, testNow, out.TDXRoot) == nil {
		t.Fatal("bad TDX evidence accepted")
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("\n-----ROOTS-----\n%s\n-----END ROOTS-----\n", b)
}

var helperOnce = sync.OnceValues(func() (*helperRoots, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("helper process: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	// google/logger prefixes its lines with "INFO : ", "WARNING: ", "ERROR: ".
	for _, marker := range []string{"INFO :", "WARNING:", "ERROR:", "embedded"} {
		if strings.Contains(stdout.String(), marker) || strings.Contains(stderr.String(), marker) {
			return nil, fmt.Errorf("library logging in the helper process:\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
	}
	s := stdout.String()
	start := strings.Index(s, "-----ROOTS-----\n")
	end := strings.Index(s, "\n-----END ROOTS-----")
	if start < 0 || end < start {
		return nil, fmt.Errorf("helper process printed no roots:\n%s", s)
	}
	var roots helperRoots
	if err := json.Unmarshal([]byte(s[start+len("-----ROOTS-----\n"):end]), &roots); err != nil {
		return nil, err
	}
	return &roots, nil
})

func TestRootsFixedAcrossProcesses(t *testing.T) {
	t.Parallel()
	if os.Getenv(helperEnv) == "1" {
		t.Skip("inside the helper process")
	}
	other, err := helperOnce()
	if err != nil {
		t.Fatal(err)
	}
	// TDX certificates are signed deterministically: byte-identical.
	if !bytes.Equal(other.TDXRoot, TDXRootCA()) {
		t.Error("TDX root CA differs between processes")
	}
	ev, err := NewTDX(tdxOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := tdxVerify(t, ev, testNow, other.TDXRoot); err != nil {
		t.Errorf("TDX evidence does not verify against the other process's root: %v", err)
	}

	// AMD certificates use RSA-PSS (random salt): same key, names, validity.
	for _, c := range []struct {
		pl       string
		ark, ask []byte
	}{{"Milan", other.MilanARK, other.MilanASK}, {"Genoa", other.GenoaARK, other.GenoaASK}} {
		ark, ask, err := SNPRoots(c.pl)
		if err != nil {
			t.Fatal(err)
		}
		sameCert(t, c.pl+" ARK", c.ark, ark)
		sameCert(t, c.pl+" ASK", c.ask, ask)
		ev, err := NewSNP(SNPOptions{Now: testNow, ProductLine: c.pl})
		if err != nil {
			t.Fatal(err)
		}
		err = sevverify.SnpAttestation(snpAttestation(t, ev), &sevverify.Options{
			CheckRevocations:    true,
			DisableCertFetching: true,
			Getter:              failGetter{t},
			Now:                 testNow,
			TrustedRoots:        snpRootsFor(t, c.pl, c.ark, c.ask, ev.CRL),
		})
		if err != nil {
			t.Errorf("%s evidence does not verify against the other process's ARK/ASK: %v", c.pl, err)
		}
	}
}
