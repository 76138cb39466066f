package attest

import (
	"crypto/x509"
	"testing"
	"time"

	sevabi "github.com/google/go-sev-guest/abi"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sevverify "github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"
	tdxabi "github.com/google/go-tdx-guest/abi"
	tdxverify "github.com/google/go-tdx-guest/verify"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/internal/attesttest"
)

// BenchmarkVerify measures one verification of an SEV-SNP report and of a
// TDX quote by teegate, beside the library's own verify call on the same
// evidence with the same options, in one run:
//
//   - library: the raw report or quote parsed, then verify.SnpAttestation
//     or verify.TdxQuote (chain, CRL, collateral, signatures);
//   - check: Verifier.Check on the decoded bundle: the payload's claims,
//     the same verification, validation and the binding;
//   - decode+check: the bundle's JSON decoded too.
func BenchmarkVerify(b *testing.B) {
	for _, tee := range []string{TEESEVSNP, TEETDX} {
		s := synth{tee: tee}
		policy, reg, payload, ev := s.build(b)
		bundle, err := json.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		nowTime := time.Unix(testNow, 0)
		var library func() error
		switch tee {
		case TEESEVSNP:
			root := policy.compiled.snp.roots[0]
			crl, err := x509.ParseRevocationList(ev.SEVSNP.CRL)
			if err != nil {
				b.Fatal(err)
			}
			library = func() error {
				report, err := sevabi.ReportToProto(ev.SEVSNP.Report)
				if err != nil {
					return err
				}
				return sevverify.SnpAttestation(&spb.Attestation{Report: report, CertificateChain: &spb.CertificateChain{VcekCert: ev.SEVSNP.VCEK}},
					&sevverify.Options{CheckRevocations: true, DisableCertFetching: true, Getter: refusingSEVGetter{}, Now: nowTime,
						TrustedRoots: map[string][]*trust.AMDRootCerts{root.productLine: {{ProductLine: root.productLine, ProductCerts: root.certs, CRL: crl}}}})
			}
		case TEETDX:
			e, err := attesttest.NewTDX(attesttest.TDXOptions{Now: nowTime, ReportData: ReportData(payload), MrTd: testMRTD, Rtmrs: testRTMRs})
			if err != nil {
				b.Fatal(err)
			}
			roots := newPool(policy.compiled.tdx.roots[0].cert)
			getter := attesttest.TDXGetter(e)
			library = func() error {
				quote, err := tdxabi.QuoteToProto(ev.TDX.Quote)
				if err != nil {
					return err
				}
				return tdxverify.TdxQuote(quote, &tdxverify.Options{CheckRevocations: true, GetCollateral: true, Getter: getter, Now: nowTime, TrustedRoots: roots})
			}
		}
		v := NewVerifier(policy, reg, Options{})
		b.Run(tee+"/library", func(b *testing.B) {
			for b.Loop() {
				if err := library(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tee+"/check", func(b *testing.B) {
			for b.Loop() {
				if res := v.Check(payload, ev, testNow); !res.Admits() {
					b.Fatal(res.Decision)
				}
			}
		})
		b.Run(tee+"/decode+check", func(b *testing.B) {
			for b.Loop() {
				ev, err := DecodeEvidence("e.json", bundle)
				if err != nil {
					b.Fatal(err)
				}
				if res := v.Check(payload, ev, testNow); !res.Admits() {
					b.Fatal(res.Decision)
				}
			}
		})
	}
}
