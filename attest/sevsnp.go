package attest

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	sevabi "github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sevvalidate "github.com/google/go-sev-guest/validate"
	sevverify "github.com/google/go-sev-guest/verify"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/teegate/teegate/decision"
)

// snpPolicyDebugBit is POLICY bit 19: the host may debug the guest.
const snpPolicyDebugBit = 1 << 19

// snpEvidence is an SEV-SNP report under verification.
type snpEvidence struct {
	raw         []byte
	report      *spb.Report
	signer      sevabi.ReportSigner
	productLine string
	root        *snpRoot
}

func (e *snpEvidence) trustRootID() string { return e.root.id }

func (e *snpEvidence) validate(c *check, binding [ReportDataSize]byte) { c.validateSEVSNP(e, binding) }

func (e *snpEvidence) debug() bool { return e.report.GetPolicy()&snpPolicyDebugBit != 0 }

func (e *snpEvidence) reportData() []byte { return e.report.GetReportData() }

func (e *snpEvidence) measurementDigest() string {
	var m [MeasurementSize]byte
	copy(m[:], e.report.GetMeasurement())
	return SEVSNPMeasurementDigest(m)
}

// parseSNPReport parses a raw report and the kind of key that signed it.
func parseSNPReport(raw []byte) (*spb.Report, sevabi.ReportSigner, error) {
	if len(raw) != sevabi.ReportSize {
		return nil, 0, fmt.Errorf("the report is %d bytes; an SEV-SNP attestation report is %d", len(raw), sevabi.ReportSize)
	}
	var report *spb.Report
	if err := guarded("go-sev-guest's report parser", func() (err error) {
		report, err = sevabi.ReportToProto(raw)
		return err
	}); err != nil {
		return nil, 0, err
	}
	info, err := sevabi.ParseSignerInfo(report.GetSignerInfo())
	if err != nil {
		return nil, 0, err
	}
	if info.SigningKey != sevabi.VcekReportSigner && info.SigningKey != sevabi.VlekReportSigner {
		return nil, 0, fmt.Errorf("the report is signed by %v, not a VCEK or VLEK", info.SigningKey)
	}
	return report, info.SigningKey, nil
}

// productLineOf says which product line made the report: version 3
// reports name the CPU family and model; older ones leave it to the
// endorsement certificate's product name.
func productLineOf(report *spb.Report, signer sevabi.ReportSigner, cert []byte) (string, error) {
	if fms := report.GetCpuid1EaxFms(); fms != 0 {
		if pl := kds.ProductLineFromFms(fms); pl != "" {
			return pl, nil
		}
		return "", fmt.Errorf("CPUID family/model 0x%x is no known SEV-SNP product line", fms)
	}
	c, err := x509.ParseCertificate(cert)
	if err != nil {
		return "", fmt.Errorf("the %v certificate does not parse: %v", signer, err)
	}
	exts, err := kds.CertificateExtensions(c, signer)
	if err != nil {
		return "", fmt.Errorf("the %v certificate: %v", signer, err)
	}
	product, err := kds.ParseProductName(exts.ProductName, signer)
	if err != nil {
		return "", fmt.Errorf("the %v certificate: %v", signer, err)
	}
	return kds.ProductLine(product), nil
}

// verifySEVSNP verifies an SEV-SNP report against the policy: the VCEK or
// VLEK chain to a trusted ARK, the product line's CRL, and the report's
// signature, all by go-sev-guest, offline.
func (c *check) verifySEVSNP(ev *SEVSNPEvidence) (*snpEvidence, bool) {
	report, signer, err := parseSNPReport(ev.Report)
	if err != nil {
		c.b.Addf(CodeEvidenceMalformed, "the SEV-SNP report does not parse: %v", err)
		return nil, false
	}
	e := &snpEvidence{raw: ev.Report, report: report, signer: signer}
	chain := &spb.CertificateChain{VcekCert: ev.VCEK, VlekCert: ev.VLEK}
	cert := ev.VCEK
	if signer == sevabi.VlekReportSigner {
		cert = ev.VLEK
	}
	if len(cert) == 0 {
		c.b.Addf(CodeCertificateChainInvalid, "the report is signed by its %v, and the bundle does not carry that certificate", signer)
		return nil, false
	}
	if e.productLine, err = productLineOf(report, signer, cert); err != nil {
		c.b.Addf(CodeCertificateChainInvalid, "cannot tell the report's product line: %v", err)
		return nil, false
	}
	var candidates []*snpRoot
	for i, r := range c.policy.compiled.snp.roots {
		if r.productLine == e.productLine {
			candidates = append(candidates, &c.policy.compiled.snp.roots[i])
		}
	}
	if len(candidates) == 0 {
		c.b.Addf(CodeTrustRootUnknown, "the report comes from an SEV-SNP %s, and the policy trusts no root for that product line", e.productLine)
		return nil, false
	}
	var bundleCRL *x509.RevocationList
	if len(ev.CRL) > 0 {
		if bundleCRL, err = x509.ParseRevocationList(ev.CRL); err != nil {
			c.b.Addf(CodeRevocationUnavailable, "the bundle's CRL does not parse: %v", err)
			return nil, false
		}
	}
	attestation := &spb.Attestation{Report: report, CertificateChain: chain}
	// Each root of the product line is tried in the policy's order; the
	// first that verifies names the root. When none does, the first one's
	// refusal is reported, so the outcome never depends on the last.
	var firstCode decision.Code
	var firstDetail string
	for _, root := range candidates {
		code, detail := c.verifySNPUnder(root, attestation, e.signer, bundleCRL)
		if code == "" {
			e.root = root
			return e, true
		}
		if firstCode == "" {
			firstCode, firstDetail = code, detail
		}
	}
	c.b.Addf(firstCode, "%s", firstDetail)
	return nil, false
}

// verifySNPUnder verifies the attestation under one root, returning the
// code and detail of a refusal, or "" when it verifies.
func (c *check) verifySNPUnder(root *snpRoot, attestation *spb.Attestation, signer sevabi.ReportSigner, bundleCRL *x509.RevocationList) (decision.Code, string) {
	// The newest CRL that covers this root: a genuine newer one (the
	// library checks the ARK's signature) can only be more current.
	crl := root.crl
	if bundleCRL != nil && (crl == nil || bundleCRL.ThisUpdate.After(crl.ThisUpdate)) {
		crl = bundleCRL
	}
	// A CRL past its next update is no revocation information: the library
	// would try to download a fresh one. The chain and signature are still
	// verified first, so that the first problem is the one reported.
	var noCRL string
	switch {
	case !c.policy.CheckRevocation:
	case crl == nil:
		noCRL = "no CRL for the product line is in the evidence bundle or the policy"
	case !c.nowTime.Before(crl.NextUpdate):
		noCRL = fmt.Sprintf("the newest CRL for the product line was due for renewal at %s", crl.NextUpdate.UTC().Format("2006-01-02T15:04:05Z"))
	}
	opts := &sevverify.Options{
		CheckRevocations: c.policy.CheckRevocation && noCRL == "",
		// Certificates come from the bundle and the policy, never AMD's KDS.
		DisableCertFetching: true,
		Getter:              refusingSEVGetter{c.opts.OnNetwork},
		Now:                 c.nowTime,
		// Always the policy's root: left empty, the library trusts the AMD
		// roots built into it.
		TrustedRoots: map[string][]*trust.AMDRootCerts{
			root.productLine: {{ProductLine: root.productLine, ProductCerts: root.certs, CRL: crl}},
		},
		// The product line is bound by the root: a VCEK verifies only under
		// its own product line's ARK and ASK.
		Product: nil,
	}
	if err := guarded("go-sev-guest's verify", func() error { return sevverify.SnpAttestation(attestation, opts) }); err != nil {
		return classifySNP(err), fmt.Sprintf("SEV-SNP report under trust root %q: %v", root.id, err)
	}
	if noCRL != "" {
		return CodeRevocationUnavailable, fmt.Sprintf("SEV-SNP report under trust root %q: %s", root.id, noCRL)
	}
	// go-sev-guest checks the CRL against the ASK only; a VLEK is signed
	// by the ASVK, whose revocation teegate checks itself.
	if c.policy.CheckRevocation && signer == sevabi.VlekReportSigner && root.certs.Asvk != nil {
		if at, revoked := revokedIn(crl, root.certs.Asvk); revoked {
			return CodeCertificateRevoked, fmt.Sprintf("SEV-SNP report under trust root %q: the ASVK was revoked at %s", root.id, at.UTC().Format(time.RFC3339))
		}
	}
	return "", ""
}

// revokedIn reports whether crl lists cert's serial number.
func revokedIn(crl *x509.RevocationList, cert *x509.Certificate) (time.Time, bool) {
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return e.RevocationTime, true
		}
	}
	return time.Time{}, false
}

// refusingSEVGetter is the only getter go-sev-guest is given: it refuses
// every URL. With certificate fetching off and a current CRL in hand the
// library never calls it; onNetwork hears of any call.
type refusingSEVGetter struct{ onNetwork func(string) }

func (g refusingSEVGetter) Get(u string) ([]byte, error) {
	if g.onNetwork != nil {
		g.onNetwork(u)
	}
	return nil, fmt.Errorf("teegate verifies offline; it does not fetch %s", u)
}

// classifySNP maps go-sev-guest v0.15.0's verification errors to reason
// codes. Tests produce each class.
func classifySNP(err error) decision.Code {
	if errors.Is(err, errLibraryPanic) {
		return CodeVerificationFailed
	}
	var unavailable sevverify.CRLUnavailableErr
	if errors.As(err, &unavailable) {
		return CodeRevocationUnavailable
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "was revoked at"):
		return CodeCertificateRevoked
	case strings.Contains(msg, "CRL is not signed by ARK"), strings.Contains(msg, "to check CRL validity"),
		strings.Contains(msg, "to check intermediate key validity"):
		return CodeRevocationUnavailable
	case strings.Contains(msg, "report signature verification error"), strings.Contains(msg, "could not interpret report signature"),
		strings.Contains(msg, "unknown SignatureAlgo"), strings.Contains(msg, "attestation report format error"):
		return CodeSignatureInvalid
	default:
		return CodeCertificateChainInvalid
	}
}

// validateSEVSNP applies the policy to a verified report: teegate's own
// checks first, each with its own code, then go-sev-guest's validate with
// every option set.
func (c *check) validateSEVSNP(e *snpEvidence, binding [ReportDataSize]byte) {
	p := c.policy.SEVSNP
	cp := &c.policy.compiled.snp
	r := e.report
	if e.debug() && !c.policy.AllowDebug {
		c.b.Addf(CodeDebugEnabled, "POLICY 0x%x has the DEBUG bit (19) set; the policy does not allow debuggable guests", r.GetPolicy())
	}
	if r.GetVmpl() != 0 {
		c.b.Addf(CodeVMPLNotZero, "the report was requested at VMPL %d; only VMPL 0, the guest's most privileged level, is accepted", r.GetVmpl())
	}
	reported := kds.DecomposeTCBVersion(kds.TCBVersion(r.GetReportedTcb()))
	if !kds.TCBPartsLE(cp.minTCB, reported) {
		c.b.Addf(CodeTCBBelowMinimum, "REPORTED_TCB %+v is below the policy's minimum_tcb %+v in at least one component", reported, cp.minTCB)
	}
	launch := kds.DecomposeTCBVersion(kds.TCBVersion(r.GetLaunchTcb()))
	if !kds.TCBPartsLE(cp.minLaunchTCB, launch) {
		c.b.Addf(CodeTCBBelowMinimum, "LAUNCH_TCB %+v is below the policy's minimum_launch_tcb %+v in at least one component", launch, cp.minLaunchTCB)
	}
	if uint64(r.GetGuestSvn()) < p.MinimumGuestSVN {
		c.b.Addf(CodeTCBBelowMinimum, "GUEST_SVN %d is below the policy's minimum %d", r.GetGuestSvn(), p.MinimumGuestSVN)
	}
	if uint64(r.GetCurrentBuild()) < p.MinimumBuild {
		c.b.Addf(CodeTCBBelowMinimum, "firmware build %d is below the policy's minimum %d", r.GetCurrentBuild(), p.MinimumBuild)
	}
	if v := uint16(r.GetCurrentMajor())<<8 | uint16(r.GetCurrentMinor()); v < cp.minVersion {
		c.b.Addf(CodeTCBBelowMinimum, "firmware API version %d.%d is below the policy's minimum %s", r.GetCurrentMajor(), r.GetCurrentMinor(), p.MinimumAPIVersion)
	}
	vmpl0 := 0
	opts := &sevvalidate.Options{
		// The most a guest's POLICY may allow. Debug, SMT: as the policy
		// says. Never a migration agent (it can export the guest's memory)
		// or CXL memory; no minimum ABI version and no required extra
		// hardening (single socket, AES-256-XTS, RAPL off, ciphertext
		// hiding, page-swap off), which AMD leaves to the guest owner.
		GuestPolicy: sevabi.SnpPolicy{
			ABIMinor:             0,
			ABIMajor:             0,
			SMT:                  p.AllowSMT,
			MigrateMA:            false,
			Debug:                c.policy.AllowDebug,
			SingleSocket:         false,
			CXLAllowed:           false,
			MemAES256XTS:         false,
			RAPLDis:              false,
			CipherTextHidingDRAM: false,
			PageSwapDisable:      false,
		},
		MinimumGuestSvn: uint32(p.MinimumGuestSVN),
		ReportData:      binding[:],
		// Not compared to fixed values: the launch digest (MEASUREMENT) is
		// allowlisted per operator by the registry, through the
		// measurement digest; the host's data, the ID block's image and
		// family, the report ids and the chip are not part of the claim.
		HostData:                  nil,
		ImageID:                   nil,
		FamilyID:                  nil,
		ReportID:                  nil,
		ReportIDMA:                nil,
		Measurement:               nil,
		ChipID:                    nil,
		MinimumBuild:              uint8(p.MinimumBuild),
		MinimumVersion:            cp.minVersion,
		MinimumTCB:                cp.minTCB,
		MinimumLaunchTCB:          cp.minLaunchTCB,
		PermitProvisionalFirmware: p.PermitProvisionalFirmware,
		// Not checked: SMT is judged by the guest's POLICY above; TSME,
		// ECC and the rest are the host's configuration.
		PlatformInfo: nil,
		// Not required: an ID block signs the launch digest, which the
		// registry's allowlist already pins.
		RequireAuthorKey:       false,
		RequireIDBlock:         false,
		TrustedAuthorKeys:      nil,
		TrustedAuthorKeyHashes: nil,
		TrustedIDKeys:          nil,
		TrustedIDKeyHashes:     nil,
		VMPL:                   &vmpl0,
		// No extra certificate-table entries are judged.
		CertTableOptions:               nil,
		MinimumLaunchMitigationVector:  0,
		MinimumCurrentMitigationVector: 0,
	}
	attestation := &spb.Attestation{Report: r, CertificateChain: &spb.CertificateChain{}}
	if e.signer == sevabi.VlekReportSigner {
		attestation.CertificateChain.VlekCert = c.ev.SEVSNP.VLEK
	} else {
		attestation.CertificateChain.VcekCert = c.ev.SEVSNP.VCEK
	}
	if err := guarded("go-sev-guest's validate", func() error { return sevvalidate.SnpAttestation(attestation, opts) }); err != nil {
		c.libraryFindings(err, snpValidateErrors)
	}
}

// snpValidateErrors maps go-sev-guest validate's errors to the codes of
// teegate's own checks.
var snpValidateErrors = []validateClass{
	{CodeDebugEnabled, "unauthorized debug capability"},
	{CodeReportDataMismatch, "REPORT_DATA"},
	{CodeVMPLNotZero, "report VMPL"},
	{CodeTCBBelowMinimum, "less than the required minimum"},
	{CodeTCBBelowMinimum, "policy minimum"},
}
