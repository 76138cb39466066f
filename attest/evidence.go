package attest

import (
	"errors"
	"fmt"

	"github.com/teegate/teegate/internal/strictjson"
)

// EvidenceVersion is the evidence bundle format this package reads.
const EvidenceVersion = 1

// Evidence is an evidence bundle: what a signer's TEE produced for one
// payload, and whatever collateral the signer brings to verify it. Binary
// members are base64 (standard alphabet, padded); certificate chains are
// PEM text; Intel's collateral is the PCS response body, as text.
//
// Exactly the member named by tee_type is present.
type Evidence struct {
	EvidenceVersion uint64          `json:"evidence_version"`
	TEEType         string          `json:"tee_type"`
	SEVSNP          *SEVSNPEvidence `json:"sev_snp,omitzero"`
	TDX             *TDXEvidence    `json:"tdx,omitzero"`
	SGX             *SGXEvidence    `json:"sgx,omitzero"`
}

// SEVSNPEvidence is an AMD SEV-SNP attestation report and the certificate
// of the key that signed it.
type SEVSNPEvidence struct {
	// Report is the raw ATTESTATION_REPORT (1184 bytes), as the guest's
	// SNP_GET_REPORT or SNP_GET_EXT_REPORT returns it.
	Report []byte `json:"report"`
	// VCEK or VLEK is the DER certificate of the endorsement key that
	// signed the report: the one the report's SIGNER_INFO names. The host
	// supplies it in the extended report's certificate table.
	VCEK []byte `json:"vcek,omitzero"`
	VLEK []byte `json:"vlek,omitzero"`
	// CRL is the DER revocation list AMD publishes for the product line,
	// signed by its ARK. The policy's copy, if it has one, is used instead.
	CRL []byte `json:"crl,omitzero"`
}

// TDXEvidence is an Intel TDX quote and the collateral to judge it.
type TDXEvidence struct {
	// Quote is the raw quote (version 4) as the guest's quote provider
	// returns it; it carries the PCK certificate chain.
	Quote []byte `json:"quote"`
	// Collateral may be left out, or partly, where the policy carries it.
	Collateral TDXCollateral `json:"collateral,omitzero"`
}

// TDXCollateral is what Intel's Provisioning Certification Service (or a
// PCCS caching it) serves to judge a quote. Every member may be absent;
// the policy's copy of a member, if it has one, is used instead.
type TDXCollateral struct {
	// TCBInfo is the body of GET /tdx/certification/v4/tcb?fmspc=...,
	// {"tcbInfo": {...}, "signature": "..."}, byte for byte: the signature
	// covers the text of its tcbInfo member.
	TCBInfo string `json:"tcb_info,omitzero"`
	// TCBInfoIssuerChain is that response's TCB-Info-Issuer-Chain header,
	// decoded: the PEM signing certificate, then the root.
	TCBInfoIssuerChain string `json:"tcb_info_issuer_chain,omitzero"`
	// QEIdentity is the body of GET /tdx/certification/v4/qe/identity.
	QEIdentity string `json:"qe_identity,omitzero"`
	// QEIdentityIssuerChain is its SGX-Enclave-Identity-Issuer-Chain.
	QEIdentityIssuerChain string `json:"qe_identity_issuer_chain,omitzero"`
	// PCKCRL is the DER body of GET /sgx/certification/v4/pckcrl for the
	// CA that issued the PCK certificate, and PCKCRLIssuerChain its
	// SGX-PCK-CRL-Issuer-Chain.
	PCKCRL            []byte `json:"pck_crl,omitzero"`
	PCKCRLIssuerChain string `json:"pck_crl_issuer_chain,omitzero"`
	// RootCACRL is the DER CRL of Intel's SGX root CA.
	RootCACRL []byte `json:"root_ca_crl,omitzero"`
}

// collateralMembers: every member of a collateral file may be absent.
var collateralMembers = strictjson.Members()

// DecodeCollateral decodes a file of TDX collateral, as Collect adds it to
// a bundle, strictly, and checks that what it carries parses.
func DecodeCollateral(file string, data []byte) (*TDXCollateral, error) {
	c, err := strictjson.DecodeNew[TDXCollateral](file, data, collateralMembers)
	if err != nil {
		return nil, err
	}
	if err := c.check(file, ""); err != nil {
		return nil, err
	}
	return c, nil
}

// check refuses collateral that does not parse, naming the member under
// prefix; sizes are checked with the bundle's.
func (c *TDXCollateral) check(file, prefix string) error {
	for _, s := range c.sizes(prefix) {
		if s.n > s.max {
			return &strictjson.Error{Op: strictjson.OpParse, File: file, Pointer: s.pointer, Offset: -1,
				Msg: fmt.Sprintf("%d bytes, above the %d-byte limit", s.n, s.max)}
		}
	}
	if _, err := parseCollateral(c); err != nil {
		var ce *collateralError
		if errors.As(err, &ce) {
			return &strictjson.Error{Op: strictjson.OpParse, File: file, Pointer: prefix + "/" + ce.member, Offset: -1, Msg: ce.err.Error()}
		}
		return err
	}
	return nil
}

// SGXEvidence is an SGX DCAP quote. It is decoded so that the bundle
// format is complete, and refused: teegate cannot verify SGX quotes.
type SGXEvidence struct {
	Quote []byte `json:"quote"`
}

// evidenceMembers are the members a bundle must have; the rest may be
// absent (but not null).
var evidenceMembers = strictjson.Members(
	"/evidence_version",
	"/tee_type",
	"/sev_snp/report",
	"/tdx/quote",
	"/sgx/quote",
)

// Bounds on what a bundle holds, each well above the real thing so that
// none is refused, and far below what would cost time to read.
const (
	// MaxQuoteBytes: a TDX quote with its PCK chain is about 5 KB.
	MaxQuoteBytes = 64 << 10
	// MaxCertificateBytes: a VCEK or VLEK is about 1.4 KB.
	MaxCertificateBytes = 16 << 10
	// MaxCollateralBytes: each PCS response or CRL is a few KB; a CRL of a
	// product line that revoked much would be larger, so the bound is loose.
	MaxCollateralBytes = 1 << 20
)

// DecodeEvidence decodes an evidence bundle strictly; file names it in
// errors. It checks the bundle's shape (version, TEE type, the member for
// it, sizes), not what the report or quote says: that is Check's work.
func DecodeEvidence(file string, data []byte) (*Evidence, error) {
	ev, err := strictjson.DecodeNew[Evidence](file, data, evidenceMembers)
	if err != nil {
		return nil, err
	}
	if err := ev.validate(file); err != nil {
		return nil, err
	}
	return ev, nil
}

func (ev *Evidence) validate(file string) error {
	bad := func(pointer, format string, args ...any) error {
		return &strictjson.Error{Op: strictjson.OpParse, File: file, Pointer: pointer, Offset: -1, Msg: fmt.Sprintf(format, args...)}
	}
	if ev.EvidenceVersion != EvidenceVersion {
		return bad("/evidence_version", "evidence_version is %d; this teegate reads version %d", ev.EvidenceVersion, EvidenceVersion)
	}
	if ev.TEEType != TEESEVSNP && ev.TEEType != TEETDX && ev.TEEType != TEESGX {
		return bad("/tee_type", "tee_type %q is not one of %q, %q, %q", ev.TEEType, TEESEVSNP, TEETDX, TEESGX)
	}
	for _, m := range []struct {
		tee, member string
		present     bool
	}{{TEESEVSNP, "sev_snp", ev.SEVSNP != nil}, {TEETDX, "tdx", ev.TDX != nil}, {TEESGX, "sgx", ev.SGX != nil}} {
		switch {
		case m.tee == ev.TEEType && !m.present:
			return bad("", "tee_type is %q but the bundle has no %q member", ev.TEEType, m.member)
		case m.tee != ev.TEEType && m.present:
			return bad("/"+m.member, "member %q does not belong in a bundle whose tee_type is %q", m.member, ev.TEEType)
		}
	}
	var sizes []sized
	switch {
	case ev.SEVSNP != nil:
		e := ev.SEVSNP
		if len(e.VCEK) == 0 && len(e.VLEK) == 0 {
			return bad("/sev_snp", "the bundle has neither a vcek nor a vlek certificate")
		}
		sizes = []sized{
			{"/sev_snp/report", len(e.Report), MaxQuoteBytes},
			{"/sev_snp/vcek", len(e.VCEK), MaxCertificateBytes},
			{"/sev_snp/vlek", len(e.VLEK), MaxCertificateBytes},
			{"/sev_snp/crl", len(e.CRL), MaxCollateralBytes},
		}
	case ev.TDX != nil:
		sizes = append([]sized{{"/tdx/quote", len(ev.TDX.Quote), MaxQuoteBytes}}, ev.TDX.Collateral.sizes("/tdx/collateral")...)
	case ev.SGX != nil:
		sizes = []sized{{"/sgx/quote", len(ev.SGX.Quote), MaxQuoteBytes}}
	}
	for _, s := range sizes {
		if s.n > s.max {
			return bad(s.pointer, "%d bytes, above the %d-byte limit", s.n, s.max)
		}
	}
	return nil
}

// sized is a member's size and its bound.
type sized struct {
	pointer string
	n, max  int
}

func (c *TDXCollateral) sizes(prefix string) []sized {
	return []sized{
		{prefix + "/tcb_info", len(c.TCBInfo), MaxCollateralBytes},
		{prefix + "/tcb_info_issuer_chain", len(c.TCBInfoIssuerChain), MaxCollateralBytes},
		{prefix + "/qe_identity", len(c.QEIdentity), MaxCollateralBytes},
		{prefix + "/qe_identity_issuer_chain", len(c.QEIdentityIssuerChain), MaxCollateralBytes},
		{prefix + "/pck_crl", len(c.PCKCRL), MaxCollateralBytes},
		{prefix + "/pck_crl_issuer_chain", len(c.PCKCRLIssuerChain), MaxCollateralBytes},
		{prefix + "/root_ca_crl", len(c.RootCACRL), MaxCollateralBytes},
	}
}
