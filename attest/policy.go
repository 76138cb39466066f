package attest

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/google/go-sev-guest/kds"
	"github.com/google/go-sev-guest/verify/trust"

	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/strictjson"
)

// PolicyVersion is the attestation policy format this package reads.
const PolicyVersion = 1

// Limits of the attestation policy.
const (
	// DefaultMaxClockSkewSeconds: a report carries no time, so the payload's
	// issued_at_unix stands for it, and must be this close to the
	// verifier's clock. Two minutes covers NTP-synchronised hosts and the
	// time a signer takes to collect evidence and reach the verifiers.
	DefaultMaxClockSkewSeconds = 120
	// MaxClockSkewCeilingSeconds: evidence older than ten minutes is a
	// replay, whatever a policy says.
	MaxClockSkewCeilingSeconds = 600
	// MaxTrustRoots bounds each TEE's roots: a root per product line and a
	// spare during a rotation is a handful; each extra one costs a chain
	// verification when evidence does not verify.
	MaxTrustRoots = 16
)

// Policy is an attestation verifier's governed policy: which TEE types it
// accepts, the roots it trusts for each, and the minimum TCB levels. It is
// decoded as strictly as every other teegate document, and validated when
// decoded: a policy that cannot be applied is an input error, never a
// silently weaker check. Every member is required unless marked optional.
type Policy struct {
	PolicyVersion uint64 `json:"policy_version"`
	// AcceptedTEETypes lists the TEE types whose evidence this verifier
	// judges: "sev-snp", "tdx", or both.
	AcceptedTEETypes []string `json:"accepted_tee_types"`
	// MaxClockSkewSeconds bounds |issued_at_unix - now|; optional,
	// DefaultMaxClockSkewSeconds, at most MaxClockSkewCeilingSeconds.
	MaxClockSkewSeconds *uint64 `json:"max_clock_skew_seconds,omitzero"`
	// AllowDebug accepts guests that the host can debug, which exposes
	// their memory, and so their keys. Only for test benches.
	AllowDebug bool `json:"allow_debug"`
	// CheckRevocation requires a current CRL, signed by the trust root, for
	// every chain; without one the evidence is refused. Turning it off
	// leaves revoked AMD or Intel keys trusted.
	CheckRevocation bool `json:"check_revocation"`
	// SEVSNP is required when sev-snp is accepted, and absent otherwise;
	// TDX likewise.
	SEVSNP *SEVSNPPolicy `json:"sev_snp,omitzero"`
	TDX    *TDXPolicy    `json:"tdx,omitzero"`

	compiled compiled
}

// SEVSNPPolicy is the policy for AMD SEV-SNP evidence.
type SEVSNPPolicy struct {
	TrustRoots []SEVSNPRoot `json:"trust_roots"`
	// MinimumTCB is the component-wise minimum of the report's REPORTED_TCB
	// (which must also equal the VCEK's TCB), and MinimumLaunchTCB that of
	// its LAUNCH_TCB.
	MinimumTCB       SEVSNPTCB `json:"minimum_tcb"`
	MinimumLaunchTCB SEVSNPTCB `json:"minimum_launch_tcb"`
	// MinimumGuestSVN is the minimum GUEST_SVN.
	MinimumGuestSVN uint64 `json:"minimum_guest_svn"`
	// MinimumBuild and MinimumAPIVersion ("major.minor") are the minimum
	// firmware build and API version.
	MinimumBuild      uint64 `json:"minimum_build"`
	MinimumAPIVersion string `json:"minimum_api_version"`
	// PermitProvisionalFirmware accepts a committed firmware older than
	// the current one; otherwise the two must be equal.
	PermitProvisionalFirmware bool `json:"permit_provisional_firmware"`
	// AllowSMT accepts guests whose POLICY allows simultaneous
	// multithreading, as most cloud hosts run.
	AllowSMT bool `json:"allow_smt"`
}

// SEVSNPTCB is a TCB version by component: security patch levels of the
// bootloader, the TEE (PSP OS), the SNP firmware and the microcode.
type SEVSNPTCB struct {
	BootloaderSPL uint64 `json:"bl_spl"`
	TEESPL        uint64 `json:"tee_spl"`
	SNPSPL        uint64 `json:"snp_spl"`
	MicrocodeSPL  uint64 `json:"ucode_spl"`
}

// SEVSNPRoot is AMD's root of trust for one product line: the ARK and the
// ASK (for VCEKs) and, optionally, the ASVK (for VLEKs), as PEM, as AMD's
// KDS serves them at /vcek/v1/{product_line}/cert_chain.
type SEVSNPRoot struct {
	// TrustRootID names the root as the verifier keyset's trust_root_id
	// does, so that a decision says under which root a verifier vouched.
	TrustRootID string `json:"trust_root_id" teegate:"id"`
	ProductLine string `json:"product_line"` // Milan, Genoa or Turin
	ARK         string `json:"ark"`
	ASK         string `json:"ask"`
	ASVK        string `json:"asvk,omitzero"` // optional
	// CRL is the product line's DER revocation list, signed by the ARK;
	// optional. When present it is used rather than the bundle's.
	CRL []byte `json:"crl,omitzero"`
}

// TDXPolicy is the policy for Intel TDX evidence.
type TDXPolicy struct {
	TrustRoots []TDXRoot `json:"trust_roots"`
	// MinimumTEETCBSVN is the component-wise minimum TEE_TCB_SVN, as 32 hex
	// digits; MinimumQESVN the minimum ISVSVN of the quoting enclave's
	// report, and MinimumPCESVN the minimum PCESVN of the PCK certificate.
	MinimumTEETCBSVN string `json:"minimum_tee_tcb_svn"`
	MinimumQESVN     uint64 `json:"minimum_qe_svn"`
	MinimumPCESVN    uint64 `json:"minimum_pce_svn"`
	// MinimumTCBEvaluationDataNumber is the oldest TCB info and QE identity
	// accepted, by the tcbEvaluationDataNumber Intel raises at each TCB
	// recovery: without it a signer may send any copy not yet past its
	// nextUpdate, from before a recovery that rated its platform out of
	// date. Raise it when Intel announces a recovery.
	MinimumTCBEvaluationDataNumber uint64 `json:"minimum_tcb_evaluation_data_number"`
	// Collateral is optional, and so is each of its members: what it
	// carries is used rather than the bundle's. A fleet on one platform
	// (one FMSPC) may keep all of it here.
	Collateral TDXCollateral `json:"collateral,omitzero"`
}

// TDXRoot is Intel's SGX root CA, as PEM.
type TDXRoot struct {
	TrustRootID string `json:"trust_root_id" teegate:"id"`
	RootCA      string `json:"root_ca"`
}

// policyMembers are the members a policy must carry; the rest may be
// absent (but not null).
var policyMembers = strictjson.Members(
	"/policy_version",
	"/accepted_tee_types",
	"/allow_debug",
	"/check_revocation",
	"/sev_snp/trust_roots",
	"/sev_snp/trust_roots/*/trust_root_id",
	"/sev_snp/trust_roots/*/product_line",
	"/sev_snp/trust_roots/*/ark",
	"/sev_snp/trust_roots/*/ask",
	"/sev_snp/minimum_tcb",
	"/sev_snp/minimum_tcb/bl_spl",
	"/sev_snp/minimum_tcb/tee_spl",
	"/sev_snp/minimum_tcb/snp_spl",
	"/sev_snp/minimum_tcb/ucode_spl",
	"/sev_snp/minimum_launch_tcb",
	"/sev_snp/minimum_launch_tcb/bl_spl",
	"/sev_snp/minimum_launch_tcb/tee_spl",
	"/sev_snp/minimum_launch_tcb/snp_spl",
	"/sev_snp/minimum_launch_tcb/ucode_spl",
	"/sev_snp/minimum_guest_svn",
	"/sev_snp/minimum_build",
	"/sev_snp/minimum_api_version",
	"/sev_snp/permit_provisional_firmware",
	"/sev_snp/allow_smt",
	"/tdx/trust_roots",
	"/tdx/trust_roots/*/trust_root_id",
	"/tdx/trust_roots/*/root_ca",
	"/tdx/minimum_tee_tcb_svn",
	"/tdx/minimum_qe_svn",
	"/tdx/minimum_pce_svn",
	"/tdx/minimum_tcb_evaluation_data_number",
)

// compiled is the policy parsed for use: certificates, CRLs and limits,
// made once when the policy is decoded, never per verification.
type compiled struct {
	accepted map[string]bool
	skew     uint64
	snp      snpCompiled
	tdx      tdxCompiled
}

type snpCompiled struct {
	roots        []snpRoot
	minTCB       kds.TCBParts
	minLaunchTCB kds.TCBParts
	minVersion   uint16 // major << 8 | minor
}

type snpRoot struct {
	id          string
	productLine string
	certs       *trust.ProductCerts // shared, never modified
	crl         *x509.RevocationList
}

type tdxCompiled struct {
	roots      []tdxRoot
	minTEESVN  [16]byte
	collateral parsedCollateral
}

type tdxRoot struct {
	id   string
	cert *x509.Certificate
}

// productLines are the SEV-SNP product lines teegate verifies. Turin is
// left out: its TCB_VERSION has another layout (an FMC field first), which
// go-sev-guest v0.15.0 does not read, so its minimum TCB levels would be
// compared with the wrong fields.
var productLines = []string{"Milan", "Genoa"}

// DecodePolicy decodes and validates an attestation policy; file names it
// in errors, with the member at fault.
func DecodePolicy(file string, data []byte) (*Policy, error) {
	p, err := strictjson.DecodeNew[Policy](file, data, policyMembers)
	if err != nil {
		return nil, err
	}
	v := policyValidator{file: file}
	p.compiled = v.compile(p)
	if v.err != nil {
		return nil, v.err
	}
	return p, nil
}

// MaxClockSkew is the policy's bound on |issued_at_unix - now|, in seconds.
func (p *Policy) MaxClockSkew() uint64 { return p.compiled.skew }

// Accepts reports whether the policy judges evidence of TEE type tee.
func (p *Policy) Accepts(tee string) bool { return p.compiled.accepted[tee] }

// policyValidator compiles a decoded policy, keeping the first error, which
// names the member at fault.
type policyValidator struct {
	file string
	err  error
}

func (v *policyValidator) fail(pointer, format string, args ...any) {
	if v.err == nil {
		v.err = &strictjson.Error{Op: strictjson.OpParse, File: v.file, Pointer: pointer, Offset: -1, Msg: fmt.Sprintf(format, args...)}
	}
}

func (v *policyValidator) compile(p *Policy) compiled {
	var c compiled
	if p.PolicyVersion != PolicyVersion {
		v.fail("/policy_version", "policy_version is %d; this teegate reads version %d", p.PolicyVersion, PolicyVersion)
	}
	c.accepted = map[string]bool{}
	if len(p.AcceptedTEETypes) == 0 {
		v.fail("/accepted_tee_types", "the policy accepts no TEE type")
	}
	for i, t := range p.AcceptedTEETypes {
		at := fmt.Sprintf("/accepted_tee_types/%d", i)
		switch {
		case t == TEESGX:
			v.fail(at, "teegate cannot verify SGX evidence (no maintained Go DCAP verifier); leave %q out", TEESGX)
		case t != TEESEVSNP && t != TEETDX:
			v.fail(at, "%q is not %q or %q", t, TEESEVSNP, TEETDX)
		case c.accepted[t]:
			v.fail(at, "%q is listed twice", t)
		}
		c.accepted[t] = true
	}
	c.skew = DefaultMaxClockSkewSeconds
	if p.MaxClockSkewSeconds != nil {
		c.skew = *p.MaxClockSkewSeconds
		if c.skew > MaxClockSkewCeilingSeconds {
			v.fail("/max_clock_skew_seconds", "%d s is above the ceiling of %d s", c.skew, MaxClockSkewCeilingSeconds)
		}
	}
	v.section("sev_snp", TEESEVSNP, c.accepted, p.SEVSNP != nil)
	v.section("tdx", TEETDX, c.accepted, p.TDX != nil)
	if p.SEVSNP != nil {
		c.snp = v.compileSEVSNP(p.SEVSNP)
	}
	if p.TDX != nil {
		c.tdx = v.compileTDX(p.TDX)
	}
	return c
}

// section requires a TEE's member exactly when the TEE is accepted: a
// section nobody reads would look like policy while enforcing nothing.
func (v *policyValidator) section(member, tee string, accepted map[string]bool, present bool) {
	switch {
	case accepted[tee] && !present:
		v.fail("", "accepted_tee_types names %q, so the policy needs a %q member", tee, member)
	case !accepted[tee] && present:
		v.fail("/"+member, "accepted_tee_types does not name %q; remove %q or accept it", tee, member)
	}
}

func (v *policyValidator) compileSEVSNP(p *SEVSNPPolicy) snpCompiled {
	var c snpCompiled
	v.rootCount("/sev_snp/trust_roots", len(p.TrustRoots))
	ids := map[string]bool{}
	for i := range p.TrustRoots {
		r := &p.TrustRoots[i]
		at := fmt.Sprintf("/sev_snp/trust_roots/%d", i)
		v.rootID(at, r.TrustRootID, ids)
		switch {
		case r.ProductLine == "Turin":
			v.fail(at+"/product_line", "Turin is not supported: its TCB_VERSION layout differs, and go-sev-guest v0.15.0 reads it as Milan's")
		case !containsString(productLines, r.ProductLine):
			v.fail(at+"/product_line", "%q is not one of %s", r.ProductLine, strings.Join(productLines, ", "))
		}
		ark := v.certificate(at+"/ark", r.ARK)
		ask := v.certificate(at+"/ask", r.ASK)
		var asvk *x509.Certificate
		if r.ASVK != "" {
			asvk = v.certificate(at+"/asvk", r.ASVK)
		}
		if v.err != nil {
			return c
		}
		v.signedBy(at+"/ark", ark, ark, "itself (an ARK is self-signed)")
		v.signedBy(at+"/ask", ask, ark, "the ARK")
		if asvk != nil {
			v.signedBy(at+"/asvk", asvk, ark, "the ARK")
		}
		root := snpRoot{id: ident.Trim(r.TrustRootID), productLine: r.ProductLine,
			certs: &trust.ProductCerts{Ark: ark, Ask: ask, Asvk: asvk}}
		if len(r.CRL) > 0 {
			root.crl = v.crl(at+"/crl", r.CRL, ark)
		}
		c.roots = append(c.roots, root)
	}
	c.minTCB = v.tcb("/sev_snp/minimum_tcb", p.MinimumTCB)
	c.minLaunchTCB = v.tcb("/sev_snp/minimum_launch_tcb", p.MinimumLaunchTCB)
	if p.MinimumGuestSVN > math.MaxUint32 {
		v.fail("/sev_snp/minimum_guest_svn", "%d does not fit the report's 32-bit GUEST_SVN", p.MinimumGuestSVN)
	}
	if p.MinimumBuild > math.MaxUint8 {
		v.fail("/sev_snp/minimum_build", "%d does not fit the report's 8-bit firmware build", p.MinimumBuild)
	}
	c.minVersion = v.apiVersion("/sev_snp/minimum_api_version", p.MinimumAPIVersion)
	return c
}

func (v *policyValidator) compileTDX(p *TDXPolicy) tdxCompiled {
	var c tdxCompiled
	v.rootCount("/tdx/trust_roots", len(p.TrustRoots))
	ids := map[string]bool{}
	for i := range p.TrustRoots {
		r := &p.TrustRoots[i]
		at := fmt.Sprintf("/tdx/trust_roots/%d", i)
		v.rootID(at, r.TrustRootID, ids)
		cert := v.certificate(at+"/root_ca", r.RootCA)
		if cert == nil {
			continue
		}
		v.signedBy(at+"/root_ca", cert, cert, "itself (a root CA is self-signed)")
		c.roots = append(c.roots, tdxRoot{id: ident.Trim(r.TrustRootID), cert: cert})
	}
	svn, err := hex.DecodeString(p.MinimumTEETCBSVN)
	if err != nil || len(svn) != len(c.minTEESVN) {
		v.fail("/tdx/minimum_tee_tcb_svn", "want %d hex digits, one byte per TEE_TCB_SVN component", 2*len(c.minTEESVN))
	}
	copy(c.minTEESVN[:], svn)
	if p.MinimumQESVN > math.MaxUint16 {
		v.fail("/tdx/minimum_qe_svn", "%d does not fit the quote's 16-bit QE_SVN", p.MinimumQESVN)
	}
	if p.MinimumPCESVN > math.MaxUint16 {
		v.fail("/tdx/minimum_pce_svn", "%d does not fit the quote's 16-bit PCE_SVN", p.MinimumPCESVN)
	}
	if err := p.Collateral.check(v.file, "/tdx/collateral"); err != nil && v.err == nil {
		v.err = err
	}
	c.collateral, _ = parseCollateral(&p.Collateral)
	return c
}

func (v *policyValidator) rootCount(at string, n int) {
	if n == 0 {
		v.fail(at, "no trust root: nothing could verify")
	}
	if n > MaxTrustRoots {
		v.fail(at, "%d trust roots, above the limit of %d", n, MaxTrustRoots)
	}
}

func (v *policyValidator) rootID(at, id string, seen map[string]bool) {
	norm := ident.Norm(id)
	switch {
	case norm == "":
		v.fail(at+"/trust_root_id", "trust_root_id must be non-empty")
	case seen[norm]:
		v.fail(at+"/trust_root_id", "trust_root_id %q is used twice", id)
	}
	seen[norm] = true
}

// certificate parses text, which must be one PEM certificate and nothing
// else.
func (v *policyValidator) certificate(at, text string) *x509.Certificate {
	block, rest := pem.Decode([]byte(text))
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) > 0 {
		v.fail(at, "want exactly one PEM CERTIFICATE block")
		return nil
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		v.fail(at, "not an X.509 certificate: %v", err)
		return nil
	}
	return cert
}

func (v *policyValidator) signedBy(at string, cert, parent *x509.Certificate, what string) {
	if err := cert.CheckSignatureFrom(parent); err != nil {
		v.fail(at, "the certificate is not signed by %s: %v", what, err)
	}
}

func (v *policyValidator) crl(at string, der []byte, issuer *x509.Certificate) *x509.RevocationList {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		v.fail(at, "not a DER X.509 CRL: %v", err)
		return nil
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		v.fail(at, "the CRL is not signed by the root: %v", err)
		return nil
	}
	return crl
}

func (v *policyValidator) tcb(at string, t SEVSNPTCB) kds.TCBParts {
	for _, f := range []struct {
		name string
		n    uint64
	}{{"bl_spl", t.BootloaderSPL}, {"tee_spl", t.TEESPL}, {"snp_spl", t.SNPSPL}, {"ucode_spl", t.MicrocodeSPL}} {
		if f.n > math.MaxUint8 {
			v.fail(at+"/"+f.name, "%d does not fit a TCB component (0 to 255)", f.n)
		}
	}
	return kds.TCBParts{BlSpl: uint8(t.BootloaderSPL), TeeSpl: uint8(t.TEESPL), SnpSpl: uint8(t.SNPSPL), UcodeSpl: uint8(t.MicrocodeSPL)}
}

// apiVersion parses "major.minor", each 0 to 255.
func (v *policyValidator) apiVersion(at, s string) uint16 {
	major, minor, ok := strings.Cut(s, ".")
	ma, err1 := strconv.ParseUint(major, 10, 8)
	mi, err2 := strconv.ParseUint(minor, 10, 8)
	if !ok || err1 != nil || err2 != nil {
		v.fail(at, "%q is not major.minor, each 0 to 255", s)
		return 0
	}
	return uint16(ma)<<8 | uint16(mi)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
