package attest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"

	sevtestdata "github.com/google/go-sev-guest/verify/testdata"
	"github.com/google/go-sev-guest/verify/trust"
	tdxtest "github.com/google/go-tdx-guest/testing"
	tdxtestdata "github.com/google/go-tdx-guest/testing/testdata"
	"github.com/google/go-tdx-guest/verify"
)

// The real evidence shipped with the two libraries: a report from an AMD
// Milan guest with its VCEK, and a quote from an Intel Sapphire Rapids TD
// with the PCS collateral of its day. Nothing here is synthetic.

// realSNPPolicy trusts AMD's real Milan ARK and ASK. The sample comes with
// no CRL of its day, so revocation is not checked.
func realSNPPolicy(t testing.TB, allowDebug bool) *Policy {
	blocks := pemBlocks(t, trust.AskArkMilanVcekBytes) // the KDS cert_chain: ASK, then ARK
	if len(blocks) != 2 {
		t.Fatalf("the Milan cert_chain has %d blocks", len(blocks))
	}
	return decodePolicy(t, Policy{
		PolicyVersion: 1, AcceptedTEETypes: []string{TEESEVSNP}, AllowDebug: allowDebug, CheckRevocation: false,
		SEVSNP: &SEVSNPPolicy{
			TrustRoots:        []SEVSNPRoot{{TrustRootID: "amd-kds", ProductLine: "Milan", ARK: blocks[1], ASK: blocks[0]}},
			MinimumTCB:        SEVSNPTCB{BootloaderSPL: 2, SNPSPL: 5, MicrocodeSPL: 68},
			MinimumLaunchTCB:  SEVSNPTCB{BootloaderSPL: 2, SNPSPL: 5, MicrocodeSPL: 68},
			MinimumAPIVersion: "1.49", MinimumBuild: 3, AllowSMT: true,
		},
	})
}

// realSNP is the sample report's bundle, and the digest of its measured
// code.
func realSNP() (*Evidence, string) {
	ev := &Evidence{EvidenceVersion: 1, TEEType: TEESEVSNP, SEVSNP: &SEVSNPEvidence{
		Report: sevtestdata.AttestationBytes, VCEK: sevtestdata.VcekBytes}}
	digest, err := Measure(ev)
	if err != nil {
		panic(err)
	}
	return ev, digest
}

func TestRealSEVSNPSample(t *testing.T) {
	ev, digest := realSNP()
	if want := "sha256:"; digest[:7] != want {
		t.Fatalf("digest %q", digest)
	}
	reg := testRegistry(TEESEVSNP, digest, 1_735_689_600)
	payload := payloadText(t, testPayload(TEESEVSNP, digest, testNow))
	var net networkRecorder

	// The production rule: a debuggable guest is refused. Everything else
	// about the evidence holds: its chain verifies to AMD's real ARK, and
	// its report data is the sample's nonce, not this payload's binding.
	res := NewVerifier(realSNPPolicy(t, false), reg, net.options()).Check(payload, ev, testNow)
	wantCodes(t, res.Decision, CodeDebugEnabled, CodeReportDataMismatch)
	if res.Evidence == nil || res.Evidence.TrustRootID != "amd-kds" || !res.Evidence.Debug || res.Evidence.MeasurementDigest != digest {
		t.Errorf("proven = %+v", res.Evidence)
	}
	if got := res.Evidence.ReportDataHex[:10]; got != "0102030405" {
		t.Errorf("report data %s, want the sample's nonce", got)
	}

	// A policy that allows debug accepts the evidence: only the binding to
	// a payload is missing, which no sample made before it can have.
	res = NewVerifier(realSNPPolicy(t, true), reg, net.options()).Check(payload, ev, testNow)
	wantCodes(t, res.Decision, CodeReportDataMismatch)
	net.none(t)

	// Before the VCEK's validity (2022-09-24), the chain does not verify.
	early := uint64(time.Date(2022, 9, 1, 0, 0, 0, 0, time.UTC).Unix())
	reg.Operators[0].EffectiveFrom = early - 3600
	res = Check(realSNPPolicy(t, true), reg, payloadText(t, testPayload(TEESEVSNP, digest, early)), ev, early)
	wantCodes(t, res.Decision, CodeCertificateChainInvalid)
	if res.Evidence != nil {
		t.Errorf("evidence that does not verify proved %+v", res.Evidence)
	}

	// The production policy checks revocation: without a CRL of the day,
	// the evidence is refused, after its chain and signature verified.
	p := realSNPPolicy(t, true)
	p.CheckRevocation = true
	res = NewVerifier(p, testRegistry(TEESEVSNP, digest, 1_735_689_600), net.options()).Check(payload, ev, testNow)
	wantCodes(t, res.Decision, CodeRevocationUnavailable)
	net.none(t)
}

// realTDX is the sample quote's bundle with the collateral shipped beside
// it, as Intel's PCS served it on 2023-06-18.
func realTDX(t testing.TB) *Evidence {
	chain := func(h map[string][]string, name string) string {
		v, err := urlUnescape(h[name][0])
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return &Evidence{EvidenceVersion: 1, TEEType: TEETDX, TDX: &TDXEvidence{
		Quote: tdxtestdata.RawQuote,
		Collateral: TDXCollateral{
			TCBInfo: string(tdxtestdata.TcbInfoBody), TCBInfoIssuerChain: chain(tdxtest.TcbInfoHeader, "Tcb-Info-Issuer-Chain"),
			QEIdentity: string(tdxtestdata.QeIdentityBody), QEIdentityIssuerChain: chain(tdxtest.QeIdentityHeader, "Sgx-Enclave-Identity-Issuer-Chain"),
			PCKCRL: tdxtestdata.PckCrlBody, PCKCRLIssuerChain: chain(tdxtest.PckCrlHeader, "Sgx-Pck-Crl-Issuer-Chain"),
			RootCACRL: tdxtestdata.RootCrlBody,
		},
	}}
}

// realTDXPolicy trusts Intel's real SGX root CA, the last certificate of
// the quote's own PCK chain (teegate's policy names it; the test takes it
// from the sample to stay offline).
func realTDXPolicy(t testing.TB, ev *Evidence) *Policy {
	quote, err := parseTDXQuote(ev.TDX.Quote)
	if err != nil {
		t.Fatal(err)
	}
	blocks := pemBlocks(t, quote.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain())
	return decodePolicy(t, Policy{
		PolicyVersion: 1, AcceptedTEETypes: []string{TEETDX}, CheckRevocation: true,
		TDX: &TDXPolicy{
			TrustRoots:       []TDXRoot{{TrustRootID: "intel-pcs", RootCA: blocks[len(blocks)-1]}},
			MinimumTEETCBSVN: "00000000000000000000000000000000",
		},
	})
}

func TestRealTDXSample(t *testing.T) {
	ev := realTDX(t)
	digest, err := Measure(ev)
	if err != nil {
		t.Fatal(err)
	}
	// The collateral of the day is valid from 2023-06-18 to 2023-07-08.
	now := uint64(time.Date(2023, 7, 1, 1, 0, 0, 0, time.UTC).Unix())
	reg := testRegistry(TEETDX, digest, now-86400)
	payload := payloadText(t, testPayload(TEETDX, digest, now))
	var net networkRecorder

	// The library verifies the PCK chain, the CRLs, Intel's signatures on
	// the collateral and the quote's signatures, and then finds that the
	// platform's TCB matches no level of that day's TCB info: the outcome
	// the library's own test of this sample expects.
	res := NewVerifier(realTDXPolicy(t, ev), reg, net.options()).Check(payload, ev, now)
	wantCodes(t, res.Decision, CodeTCBStatusNotUpToDate)
	net.none(t)

	// Without the collateral's TCB info, nothing rates the platform.
	noTCB := realTDX(t)
	noTCB.TDX.Collateral.TCBInfo, noTCB.TDX.Collateral.TCBInfoIssuerChain = "", ""
	res = NewVerifier(realTDXPolicy(t, ev), reg, net.options()).Check(payload, noTCB, now)
	wantCodes(t, res.Decision, CodeCollateralUnavailable)
	net.none(t)

	// After the QE identity's nextUpdate, the collateral has expired.
	late := uint64(time.Date(2023, 7, 10, 0, 0, 0, 0, time.UTC).Unix())
	res = NewVerifier(realTDXPolicy(t, ev), reg, net.options()).Check(payloadText(t, testPayload(TEETDX, digest, late)), ev, late)
	wantCodes(t, res.Decision, CodeCollateralExpired)

	// The signature and PCK chain alone, as the library checks them
	// without collateral: they verify offline, under the same root.
	pool := realTDXPolicy(t, ev).compiled.tdx.roots[0].cert
	quote, _ := parseTDXQuote(ev.TDX.Quote)
	roots := newPool(pool)
	if err := verify.TdxQuote(quote, &verify.Options{Now: time.Unix(int64(now), 0), TrustedRoots: roots}); err != nil {
		t.Errorf("the sample's chain and signature: %v", err)
	}
	if hex.EncodeToString(quote.GetTdQuoteBody().GetReportData())[:8] != "6c62dec1" {
		t.Error("not the sample quote")
	}
}

// TestLyingQuoteLengths: go-tdx-guest v0.3.1 indexes past the end of a
// quote whose QE authentication data size lies; teegate refuses the quote
// as malformed, and lives.
func TestLyingQuoteLengths(t *testing.T) {
	ev := realTDX(t)
	policy := realTDXPolicy(t, ev)
	ev.TDX.Quote = append([]byte(nil), ev.TDX.Quote...)
	ev.TDX.Quote[1218], ev.TDX.Quote[1219] = 0xff, 0xff
	if _, err := Measure(ev); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("Measure: %v", err)
	}
	now := uint64(time.Date(2023, 7, 1, 1, 0, 0, 0, time.UTC).Unix())
	res := Check(policy, testRegistry(TEETDX, "sha256:00", now-86400), payloadText(t, testPayload(TEETDX, "sha256:00", now)), ev, now)
	if !res.Has(CodeEvidenceMalformed) || res.Admits() {
		t.Errorf("decision %s", res.Decision)
	}
}

// TestRevokedIn: the ASVK check that go-sev-guest does not make finds a
// serial on a CRL, and only that serial.
func TestRevokedIn(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ARK"}, BasicConstraintsValid: true, IsCA: true,
		KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0)}
	der, err := x509.CreateCertificate(rand.Reader, ca, ca, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ark, _ := x509.ParseCertificate(der)
	at := time.Unix(testNow, 0).UTC()
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: at, NextUpdate: at.Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(7), RevocationTime: at}}}, ark, key)
	if err != nil {
		t.Fatal(err)
	}
	crl, _ := x509.ParseRevocationList(crlDER)
	if when, ok := revokedIn(crl, &x509.Certificate{SerialNumber: big.NewInt(7)}); !ok || !when.Equal(at) {
		t.Errorf("serial 7: %v %v", when, ok)
	}
	if _, ok := revokedIn(crl, &x509.Certificate{SerialNumber: big.NewInt(8)}); ok {
		t.Error("serial 8 is not revoked")
	}
}

// TestHandBuiltEvidence: a bundle built in Go without the member its
// tee_type names is refused, not a panic.
func TestHandBuiltEvidence(t *testing.T) {
	ev, digest := realSNP()
	reg := testRegistry(TEESEVSNP, digest, 1_735_689_600)
	payload := payloadText(t, testPayload(TEESEVSNP, digest, testNow))
	for _, bad := range []*Evidence{nil, {EvidenceVersion: 1, TEEType: TEETDX}, {EvidenceVersion: 1, TEEType: TEESEVSNP, SEVSNP: ev.SEVSNP, TDX: &TDXEvidence{}}} {
		res := Check(realSNPPolicy(t, true), reg, payload, bad, testNow)
		if !res.Has(CodeEvidenceMalformed) || res.Admits() {
			t.Errorf("%+v: %s", bad, res.Decision)
		}
	}
}
