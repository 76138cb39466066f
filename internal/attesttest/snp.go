package attesttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	spb "github.com/google/go-sev-guest/proto/sevsnp"
	sevtesting "github.com/google/go-sev-guest/testing"
)

// SNP defaults. See SNPOptions.
const (
	// DefaultSNPPolicy is the guest POLICY used when SNPOptions.Policy is 0:
	// reserved bit 17 and SMT bit 16 set, debug (bit 19), migration agent and
	// single socket clear, ABI 0.0.
	DefaultSNPPolicy uint64 = 0x30000

	// SNPPolicyDebug is the guest POLICY debug bit (bit 19).
	SNPPolicyDebug uint64 = 1 << 19

	// snpCertYears is the ARK/ASK lifetime in 365-day years (go-sev-guest's
	// AmdSignerBuilder uses 25).
	snpCertYears = 25

	// vcekLifetime mirrors AMD's 7-year VCEK certificates.
	vcekLifetime = 7 * 365 * 24 * time.Hour

	// snpCRLLifetime is the default CRL NextUpdate - Now.
	snpCRLLifetime = 7 * 24 * time.Hour

	// Firmware version reported in CURRENT_* and COMMITTED_*: 1.55 build 21.
	snpFirmwareMajor = 1
	snpFirmwareMinor = 55
	snpFirmwareBuild = 21

	snpVCEKSerial = 0x7e575e70001
)

// DefaultSNPTCB is the TCB used when SNPOptions.TCB is the zero value.
var DefaultSNPTCB = kds.TCBParts{BlSpl: 3, TeeSpl: 0, SnpSpl: 8, UcodeSpl: 115}

// snpProduct describes a supported product line: the KDS product name
// (with stepping) of its VCEK and the CPUID family/model/stepping.
type snpProduct struct {
	name                    string // KDS productName, e.g. "Milan-B1"
	family, model, stepping byte
}

var snpProducts = map[string]snpProduct{
	"Milan": {name: "Milan-B1", family: 0x19, model: 0x01, stepping: 1},
	"Genoa": {name: "Genoa-B1", family: 0x19, model: 0x11, stepping: 1},
}

// SNPCertsNotBefore is the fixed NotBefore of the test-only ARK and ASK
// certificates of every product line; their NotAfter is 25*365 days later
// (2049-12-26T00:00:00Z).
var SNPCertsNotBefore = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)

// SNPCertsNotAfter is the NotAfter of the test-only ARK and ASK.
var SNPCertsNotAfter = SNPCertsNotBefore.Add(time.Duration(365*24*snpCertYears) * time.Hour)

// SNPOptions chooses a synthetic SEV-SNP attestation report. The zero value
// (with Now set) is a production-like guest: debug off, VMPL 0, SMT allowed.
type SNPOptions struct {
	// Now is the time at which the evidence is valid: the VCEK is valid from
	// Now-1h to Now+7 years, and the CRL has ThisUpdate = Now-1h and
	// NextUpdate = Now+7 days unless CRLNextUpdate is set. The zero value means
	// time.Now(). Now must lie inside the fixed ARK/ASK validity window
	// [SNPCertsNotBefore, SNPCertsNotAfter).
	Now time.Time
	// ProductLine is "Milan" (the default when empty) or "Genoa".
	ProductLine string
	// ReportData is the report's REPORT_DATA.
	ReportData [64]byte
	// Measurement is the report's MEASUREMENT.
	Measurement [48]byte
	// Policy is the guest POLICY; 0 means DefaultSNPPolicy (0x30000). It must
	// have the reserved bit 17 set (go-sev-guest rejects it otherwise).
	Policy uint64
	// VMPL is the report's VMPL.
	VMPL uint32
	// GuestSVN is the report's GUEST_SVN.
	GuestSVN uint32
	// TCB is used for REPORTED_TCB, CURRENT_TCB, COMMITTED_TCB, LAUNCH_TCB and
	// the VCEK certificate's TCB extensions; the zero value means DefaultSNPTCB
	// ({BlSpl: 3, SnpSpl: 8, UcodeSpl: 115}).
	TCB kds.TCBParts
	// ReportVersion is the report's VERSION; 0 means 3, in which case the CPUID
	// family/model/stepping of the product line are filled in so that the
	// library derives the product line from the report. 2 is also supported
	// (the product line then comes from the VCEK's productName extension).
	ReportVersion uint32
	// RevokeASK makes the CRL list the ASK's serial number.
	RevokeASK bool
	// CRLNextUpdate, when non-zero, overrides the CRL's NextUpdate (e.g. to
	// make an expired CRL).
	CRLNextUpdate time.Time
}

// SNPEvidence is a synthetic, test-only SEV-SNP attestation report with its
// certificate chain and CRL.
type SNPEvidence struct {
	// Report is the raw 1184-byte (abi.ReportSize) ATTESTATION_REPORT, signed
	// (ECDSA P-384, SHA-384) by the VCEK key.
	Report []byte
	// VCEK is the DER of the test-only VCEK certificate, whose TCB extensions
	// equal SNPOptions.TCB and whose HWID equals the report's CHIP_ID.
	VCEK []byte
	// ARK is the PEM (one CERTIFICATE block) of the test-only ARK for the
	// product line.
	ARK []byte
	// ASK is the PEM (one CERTIFICATE block) of the test-only ASK.
	ASK []byte
	// CRL is the DER of an X.509 CRL signed by the ARK, like AMD's
	// per-product CRL at https://kdsintf.amd.com/vcek/v1/<product>/crl.
	CRL []byte
}

// snpChain is the cached test-only ARK/ASK pair of one product line.
type snpChain struct {
	ark, ask       *x509.Certificate
	arkPEM, askPEM []byte
}

var (
	snpMu     sync.Mutex // guards snpChains and go-sev-guest's shared math/rand source
	snpChains = map[string]*snpChain{}
)

func snpProductLine(pl string) (string, snpProduct, error) {
	if pl == "" {
		pl = "Milan"
	}
	p, ok := snpProducts[pl]
	if !ok {
		return "", snpProduct{}, fmt.Errorf("attesttest: unsupported SEV-SNP product line %q (want \"Milan\" or \"Genoa\")", pl)
	}
	return pl, p, nil
}

// snpRoots returns the cached ARK/ASK of a product line, creating them with
// go-sev-guest's AmdSignerBuilder (fixed keys, names, serials and creation
// time) on first use.
func snpRoots(productLine string) (*snpChain, error) {
	pl, p, err := snpProductLine(productLine)
	if err != nil {
		return nil, err
	}
	snpMu.Lock()
	defer snpMu.Unlock()
	if c, ok := snpChains[pl]; ok {
		return c, nil
	}
	keys := sevtesting.DefaultAmdKeys()
	keys.Vlek = nil // no VLEK certificate needed
	b := &sevtesting.AmdSignerBuilder{
		Keys:             keys,
		ProductName:      p.name,
		ArkCreationTime:  SNPCertsNotBefore,
		AskCreationTime:  SNPCertsNotBefore,
		AsvkCreationTime: SNPCertsNotBefore,
		VcekCreationTime: SNPCertsNotBefore,
		VlekCreationTime: SNPCertsNotBefore,
	}
	signer, err := b.TestOnlyCertChain()
	if err != nil {
		return nil, fmt.Errorf("attesttest: creating the %s ARK/ASK: %v", pl, err)
	}
	c := &snpChain{
		ark:    signer.Ark,
		ask:    signer.Ask,
		arkPEM: pemCert(signer.Ark.Raw),
		askPEM: pemCert(signer.Ask.Raw),
	}
	snpChains[pl] = c
	return c, nil
}

// SNPRoots returns the PEM of the test-only ARK and ASK of productLine
// ("Milan" or "Genoa"; "" means "Milan"): the same keys, names, serial numbers
// and validity as the ARK and ASK of NewSNP's evidence (within a process, the
// same bytes). TEST ONLY: the private keys are public.
func SNPRoots(productLine string) (ark, ask []byte, err error) {
	c, err := snpRoots(productLine)
	if err != nil {
		return nil, nil, err
	}
	return clone(c.arkPEM), clone(c.askPEM), nil
}

// NewSNP makes a synthetic, test-only SEV-SNP attestation report as chosen by
// opts, signed by the test-only VCEK, with its VCEK certificate, the test-only
// ARK and ASK, and a CRL signed by the ARK.
func NewSNP(opts SNPOptions) (*SNPEvidence, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if now.Before(SNPCertsNotBefore) || !now.Before(SNPCertsNotAfter) {
		return nil, fmt.Errorf("attesttest: Now %v is outside the test-only ARK/ASK validity [%v, %v)",
			now, SNPCertsNotBefore, SNPCertsNotAfter)
	}
	pl, product, err := snpProductLine(opts.ProductLine)
	if err != nil {
		return nil, err
	}
	policy := opts.Policy
	if policy == 0 {
		policy = DefaultSNPPolicy
	}
	if _, err := abi.ParseSnpPolicy(policy); err != nil {
		return nil, fmt.Errorf("attesttest: invalid guest policy 0x%x: %v", policy, err)
	}
	if opts.VMPL > 3 {
		return nil, fmt.Errorf("attesttest: VMPL %d, want 0-3", opts.VMPL)
	}
	version := opts.ReportVersion
	if version == 0 {
		version = abi.ReportVersion3
	}
	if version != abi.ReportVersion2 && version != abi.ReportVersion3 {
		return nil, fmt.Errorf("attesttest: report version %d not supported (want 2 or 3)", version)
	}
	tcbParts := opts.TCB
	if tcbParts == (kds.TCBParts{}) {
		tcbParts = DefaultSNPTCB
	}
	tcb, err := kds.ComposeTCBParts(tcbParts)
	if err != nil {
		return nil, fmt.Errorf("attesttest: invalid TCB: %v", err)
	}

	chain, err := snpRoots(pl)
	if err != nil {
		return nil, err
	}
	chipID := snpChipID(pl)

	vcek, err := newVCEK(chain.ask, now, tcbParts, chipID[:], product.name)
	if err != nil {
		return nil, err
	}

	report := &spb.Report{
		Version:          version,
		GuestSvn:         opts.GuestSVN,
		Policy:           policy,
		FamilyId:         make([]byte, abi.FamilyIDSize),
		ImageId:          make([]byte, abi.ImageIDSize),
		Vmpl:             opts.VMPL,
		SignatureAlgo:    abi.SignEcdsaP384Sha384,
		CurrentTcb:       uint64(tcb),
		PlatformInfo:     0,
		SignerInfo:       abi.ComposeSignerInfo(abi.SignerInfo{SigningKey: abi.VcekReportSigner}),
		ReportData:       clone(opts.ReportData[:]),
		Measurement:      clone(opts.Measurement[:]),
		HostData:         make([]byte, abi.HostDataSize),
		IdKeyDigest:      make([]byte, abi.IDKeyDigestSize),
		AuthorKeyDigest:  make([]byte, abi.AuthorKeyDigestSize),
		ReportId:         snpReportID(opts),
		ReportIdMa:       fill(abi.ReportIDMASize, 0xff), // no migration agent
		ReportedTcb:      uint64(tcb),
		ChipId:           clone(chipID[:]),
		CommittedTcb:     uint64(tcb),
		CurrentBuild:     snpFirmwareBuild,
		CurrentMinor:     snpFirmwareMinor,
		CurrentMajor:     snpFirmwareMajor,
		CommittedBuild:   snpFirmwareBuild,
		CommittedMinor:   snpFirmwareMinor,
		CommittedMajor:   snpFirmwareMajor,
		LaunchTcb:        uint64(tcb),
		Signature:        make([]byte, abi.SignatureSize),
		LaunchMitVector:  0,
		CurrentMitVector: 0,
	}
	if version >= abi.ReportVersion3 {
		report.Cpuid1EaxFms = abi.FmsToCpuid1Eax(product.family, product.model, product.stepping)
	}
	raw, err := abi.ReportToAbiBytes(report)
	if err != nil {
		return nil, fmt.Errorf("attesttest: encoding the report: %v", err)
	}
	digest := sha512.Sum384(abi.SignedComponent(raw))
	// A nil random source gives a deterministic (RFC 6979) signature.
	der, err := sevtesting.DefaultVcek().Sign(nil, digest[:], crypto.SHA384)
	if err != nil {
		return nil, fmt.Errorf("attesttest: signing the report: %v", err)
	}
	r, s, err := parseECDSASignature(der)
	if err != nil {
		return nil, err
	}
	if err := abi.SetSignature(r, s, raw); err != nil {
		return nil, fmt.Errorf("attesttest: setting the report signature: %v", err)
	}

	crl, err := newSNPCRL(chain, now, opts)
	if err != nil {
		return nil, err
	}
	return &SNPEvidence{
		Report: raw,
		VCEK:   vcek,
		ARK:    clone(chain.arkPEM),
		ASK:    clone(chain.askPEM),
		CRL:    crl,
	}, nil
}

// newVCEK certifies go-sev-guest's fixed test VCEK key with the ASK's fixed
// test key, with the KDS extensions for tcb, hwid and productName.
func newVCEK(ask *x509.Certificate, now time.Time, tcb kds.TCBParts, hwid []byte, productName string) ([]byte, error) {
	serial := big.NewInt(snpVCEKSerial)
	tmpl := &x509.Certificate{
		Version:            3,
		SerialNumber:       serial,
		SignatureAlgorithm: x509.SHA384WithRSAPSS,
		Subject:            amdName("SEV-VCEK", fmt.Sprintf("%x", serial)),
		NotBefore:          now.Add(-time.Hour),
		NotAfter:           now.Add(vcekLifetime),
		// Only the KDS extensions (plus the authority key identifier that
		// x509 adds from the ASK): go-sev-guest rejects any other extension.
		ExtraExtensions: sevtesting.CustomExtensions(tcb, hwid, "", productName),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ask, sevtesting.DefaultVcek().Public(), sevtesting.DefaultAsk())
	if err != nil {
		return nil, fmt.Errorf("attesttest: creating the VCEK certificate: %v", err)
	}
	return der, nil
}

func newSNPCRL(chain *snpChain, now time.Time, opts SNPOptions) ([]byte, error) {
	next := now.Add(snpCRLLifetime)
	if !opts.CRLNextUpdate.IsZero() {
		next = opts.CRLNextUpdate
	}
	this := now.Add(-time.Hour)
	if !this.Before(next) {
		this = next.Add(-24 * time.Hour)
	}
	tmpl := &x509.RevocationList{
		SignatureAlgorithm: x509.SHA384WithRSAPSS,
		Number:             big.NewInt(1),
		ThisUpdate:         this,
		NextUpdate:         next,
	}
	if opts.RevokeASK {
		tmpl.RevokedCertificateEntries = []x509.RevocationListEntry{{
			SerialNumber:   new(big.Int).Set(chain.ask.SerialNumber),
			RevocationTime: this,
		}}
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, chain.ark, sevtesting.DefaultArk())
	if err != nil {
		return nil, fmt.Errorf("attesttest: creating the SNP CRL: %v", err)
	}
	return der, nil
}

func amdName(cn, serial string) pkix.Name {
	return pkix.Name{
		Country:            []string{"US"},
		Province:           []string{"CA"},
		Locality:           []string{"Santa Clara"},
		Organization:       []string{"Advanced Micro Devices"},
		OrganizationalUnit: []string{"Engineering"},
		CommonName:         cn,
		SerialNumber:       serial,
	}
}

// snpChipID is the fixed, test-only CHIP_ID (= VCEK HWID) of a product line.
func snpChipID(productLine string) [abi.ChipIDSize]byte {
	return sha512.Sum512([]byte("attesttest TEST ONLY SEV-SNP CHIP_ID " + productLine))
}

// snpReportID is a REPORT_ID derived from the chosen fields, so that equal
// options give equal reports.
func snpReportID(opts SNPOptions) []byte {
	h := sha512.New384()
	h.Write([]byte("attesttest TEST ONLY SEV-SNP REPORT_ID"))
	h.Write(opts.ReportData[:])
	h.Write(opts.Measurement[:])
	return h.Sum(nil)[:abi.ReportIDSize]
}

// parseECDSASignature splits an ASN.1 ECDSA signature into r and s.
func parseECDSASignature(der []byte) (*big.Int, *big.Int, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil {
		return nil, nil, errors.New("attesttest: malformed ECDSA signature")
	}
	return sig.R, sig.S, nil
}

// ecdsaSignRaw signs SHA-256/384 digest with key deterministically and
// returns r||s, each left-padded to the curve's byte size.
func ecdsaSignRaw(key *ecdsa.PrivateKey, digest []byte, h crypto.Hash) ([]byte, error) {
	der, err := key.Sign(nil, digest, h)
	if err != nil {
		return nil, err
	}
	r, s, err := parseECDSASignature(der)
	if err != nil {
		return nil, err
	}
	n := (key.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	s.FillBytes(out[n:])
	return out, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func fill(n int, v byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = v
	}
	return b
}
