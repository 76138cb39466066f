package attesttest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/go-tdx-guest/pcs"
	"github.com/google/go-tdx-guest/verify/trust"
)

// Fixed, PUBLIC, test-only P-256 private scalars (big-endian hex). They were
// generated once for this package; anything they sign is worthless as
// evidence.
const (
	tdxRootKeyHex        = "c1c45eb4a3026539bcdfbe24426287120268b5d652209b1decccda0327316c26"
	tdxPlatformCAKeyHex  = "cdb93cbd6490921d33c975e45b3132834d8d8410f1b082ede407b01748bc03fd"
	tdxPCKKeyHex         = "efa1f3f51fe92d20a01b9d6c8438cbc30eef7653490d6fbe6cdfa39dd567dea7"
	tdxTCBSigningKeyHex  = "01498f7b6a13eb0befbb656f4cb6456111b607b9f3a88b93fd251bc8ca2a4745"
	tdxAttestationKeyHex = "a18bb1bf2ebd0d1b83caa70e5bdf51875cb165f08b5998dddafb79497f07b6b7"
)

// Certificate subjects. go-tdx-guest checks the common names.
const (
	tdxRootCN       = "Intel SGX Root CA"
	tdxPlatformCN   = "Intel SGX PCK Platform CA"
	tdxPCKCN        = "Intel SGX PCK Certificate"
	tdxTCBSigningCN = "Intel SGX TCB Signing"
	tdxTestOnlyOU   = "TEST ONLY - teegate attesttest synthetic PKI, not Intel; the private keys are public"
)

// Fixed serial numbers.
const (
	tdxRootSerial       = 0x7e57_1000_0001
	tdxPlatformCASerial = 0x7e57_1000_0002
	tdxTCBSigningSerial = 0x7e57_1000_0003
	tdxPCKSerial        = 0x7e57_1000_0004
)

// TDXRootCACRLURL is the CRL distribution point of the test-only root CA (and
// of the certificates it issues): the URL go-tdx-guest fetches the root CA
// CRL from. It is deliberately not Intel's URL (the .invalid TLD never
// resolves), so nothing test-only is ever fetched from Intel.
const TDXRootCACRLURL = "https://attesttest.invalid/sgx/IntelSGXRootCA.der"

var (
	// TDXCertsNotBefore is the fixed NotBefore of the test-only root CA, PCK
	// platform CA and TCB signing certificates.
	TDXCertsNotBefore = time.Date(2025, time.January, 1, 0, 0, 0, 0, time.UTC)
	// TDXCertsNotAfter is the fixed NotAfter (25 years later) of the test-only
	// root CA, PCK platform CA and TCB signing certificates.
	TDXCertsNotAfter = time.Date(2050, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// TDX defaults. See TDXOptions.
var (
	// DefaultTDXFMSPC is the FMSPC used when TDXOptions.FMSPC is zero.
	DefaultTDXFMSPC = [6]byte{0x50, 0x80, 0x6f, 0x00, 0x00, 0x00}
	// DefaultTDXTeeTcbSvn is the TEE_TCB_SVN used when TDXOptions.TeeTcbSvn is
	// zero: TDX module SVN 3, module major version 0, late microcode SVN 4.
	DefaultTDXTeeTcbSvn = [16]byte{3, 0, 4}
)

// DefaultTDXXfam is the XFAM used when TDXOptions.Xfam is 0: x87, SSE, AVX,
// AVX-512 state (it satisfies go-tdx-guest validate's fixed-bit rules).
const DefaultTDXXfam uint64 = 0xe7

// TDXAttributeDebug is the TD_ATTRIBUTES DEBUG bit and TDXAttributeSeptVEDisable
// the SEPT_VE_DISABLE bit.
const (
	TDXAttributeDebug         uint64 = 1 << 0
	TDXAttributeSeptVEDisable uint64 = 1 << 28
)

// Platform and QE constants of the synthetic machine.
var (
	// tdxCPUSVN is the platform's CPUSVN, equal to the PCK certificate's 16
	// SGX TCB component SVNs.
	tdxCPUSVN = [16]byte{5, 5, 2, 2, 3, 1, 0, 3}
	// tdxPCEID is the PCE-ID of the PCK certificate and TCB info.
	tdxPCEID = [2]byte{0, 0}
	// tdxQEVendorID is Intel's QE vendor ID.
	tdxQEVendorID = [16]byte{0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07}
	// tdxQEMrSigner is the MRSIGNER of Intel's TD QE (as published in the QE
	// identity); the synthetic QE report claims it.
	tdxQEMrSigner = mustHex("dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5")
	// tdxQEAttributes is the QE report's ATTRIBUTES (flags 0x15, xfrm 0xe7).
	tdxQEAttributes = [16]byte{0x15, 0, 0, 0, 0, 0, 0, 0, 0xe7}
	// tdxQEIdentityAttributes and its mask are the QE identity's
	// attributes/attributesMask: 0x15 & 0xfb == 0x11.
	tdxQEIdentityAttributes     = [16]byte{0x11}
	tdxQEIdentityAttributesMask = [16]byte{0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	// tdxTCBDate is the tcbDate of every TCB level.
	tdxTCBDate = "2024-11-13T00:00:00Z"
)

const (
	tdxQEIsvProdID              = 2
	tdxQEMiscSelect             = 0
	tdxQEMiscSelectMask         = 0xffffffff
	tdxTCBEvaluationDataNumber  = 17
	tdxCollateralLifetime       = 30 * 24 * time.Hour
	tdxPCKLifetime              = 7 * 365 * 24 * time.Hour
	tdxQuoteVersion             = 4
	tdxAttestationKeyTypeP256   = 2
	tdxTeeTypeTDX               = 0x81
	tdxCertDataTypeQEReport     = 6
	tdxCertDataTypePCKChain     = 5
	tdxHeaderSize               = 0x30
	tdxBodySize                 = 0x248
	tdxQEReportSize             = 0x180
	tdxTcbInfoIssuerChainHeader = "Tcb-Info-Issuer-Chain"
	tdxQEIdentityIssuerHeader   = "Sgx-Enclave-Identity-Issuer-Chain"
	tdxPCKCRLIssuerChainHeader  = "Sgx-Pck-Crl-Issuer-Chain"
)

// SGX extension OIDs (1.2.840.113741.1.13.1.*) of the PCK certificate.
var (
	oidSGXExtension      = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1}
	oidSGXPPID           = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 1}
	oidSGXTCB            = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 2}
	oidSGXPCEID          = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 3}
	oidSGXFMSPC          = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 4}
	oidSGXType           = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 5}
	oidSGXPlatformInstID = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 6}
	oidSGXConfiguration  = asn1.ObjectIdentifier{1, 2, 840, 113741, 1, 13, 1, 7}
)

// TDXOptions chooses a synthetic TDX quote (version 4, TEE type TDX, ECDSA-256
// attestation key, certification data type 6 carrying the QE report and the
// PCK chain).
type TDXOptions struct {
	// Now is the time at which the evidence is valid: the PCK leaf is valid
	// from Now-1h to Now+7 years; TCB info, QE identity and both CRLs have
	// issueDate/ThisUpdate Now-1h and nextUpdate Now+30 days unless
	// CollateralNextUpdate is set. The zero value means time.Now(). Now must lie
	// inside [TDXCertsNotBefore, TDXCertsNotAfter).
	Now time.Time
	// ReportData is the TD quote body's REPORT_DATA.
	ReportData [64]byte
	// MrTd is the TD quote body's MR_TD.
	MrTd [48]byte
	// Rtmrs are the TD quote body's RTMR0..3.
	Rtmrs [4][48]byte
	// TdAttributes is TD_ATTRIBUTES as a little-endian uint64; bit 0 is DEBUG
	// (TDXAttributeDebug). 0 is used as is.
	TdAttributes uint64
	// Xfam is XFAM as a little-endian uint64; 0 means DefaultTDXXfam (0xe7).
	Xfam uint64
	// TeeTcbSvn is TEE_TCB_SVN; all-zero means DefaultTDXTeeTcbSvn
	// ({3, 0, 4, 0, ...}). When byte 1 (the TDX module major version) is
	// non-zero, the TCB info also carries a matching, UpToDate
	// tdxModuleIdentities entry "TDX_<hex byte 1>".
	TeeTcbSvn [16]byte
	// QeSvn is the header's QE_SVN (as go-tdx-guest reads it, bytes 10-11) and
	// the QE report's ISVSVN.
	QeSvn uint16
	// PceSvn is the header's PCE_SVN (as go-tdx-guest reads it, bytes 8-9) and
	// the PCK certificate's PCESVN.
	PceSvn uint16
	// TcbStatus is the status of the TCB info level the quote matches; ""
	// means "UpToDate". Any other status (e.g. "OutOfDate") makes go-tdx-guest
	// verify fail its TCB status check; a higher, UpToDate level that the
	// quote does not reach is then listed first, as Intel does.
	TcbStatus string
	// QeTcbStatus is the status of the QE identity TCB level the QE report
	// matches; "" means "UpToDate".
	QeTcbStatus string
	// RevokePCK makes the PCK CRL list the PCK leaf's serial number.
	RevokePCK bool
	// RevokePlatformCA makes the root CA CRL list the PCK platform CA's serial
	// number.
	RevokePlatformCA bool
	// CollateralNextUpdate, when non-zero, overrides the nextUpdate of the TCB
	// info, the QE identity and both CRLs.
	CollateralNextUpdate time.Time
	// FMSPC is the platform's FMSPC (PCK certificate and TCB info); zero means
	// DefaultTDXFMSPC (50806f000000).
	FMSPC [6]byte
}

// TDXEvidence is a synthetic, test-only TDX quote with the Intel PCS
// collateral needed to verify it.
type TDXEvidence struct {
	// Quote is the raw quote: header || TD quote body || signature data,
	// exactly as a TDX guest's quote provider returns it.
	Quote []byte
	// RootCA is the PEM of the test-only root (subject CN "Intel SGX Root CA",
	// as go-tdx-guest requires). Same as TDXRootCA().
	RootCA []byte

	// TCBInfo is the whole response body {"tcbInfo":{...},"signature":"<hex r||s>"}
	// of GET /tdx/certification/v4/tcb?fmspc=...
	TCBInfo []byte
	// TCBInfoIssuerChain is PEM: the TCB signing certificate (CN "Intel SGX TCB
	// Signing") then the root.
	TCBInfoIssuerChain []byte
	// QEIdentity is the whole response body {"enclaveIdentity":{...},"signature":"..."}
	// of GET /tdx/certification/v4/qe/identity.
	QEIdentity []byte
	// QEIdentityIssuerChain is PEM: the TCB signing certificate then the root.
	QEIdentityIssuerChain []byte
	// PCKCRL is the DER of the PCK CRL, signed by the PCK platform CA.
	PCKCRL []byte
	// PCKCRLIssuerChain is PEM: the PCK platform CA then the root.
	PCKCRLIssuerChain []byte
	// RootCACRL is the DER of the root CA CRL, signed by the root.
	RootCACRL []byte
	// RootCACRLURL is the root certificate's CRL distribution point (the URL
	// go-tdx-guest asks for the root CA CRL); always TDXRootCACRLURL.
	RootCACRLURL string
}

// tdxPKI holds the fixed keys and CA certificates.
type tdxPKI struct {
	rootKey, platformKey, pckKey, tcbKey, attKey *ecdsa.PrivateKey

	root, platform, tcbSigning          *x509.Certificate
	rootPEM, platformPEM, tcbSigningPEM []byte
}

var loadTDXPKI = sync.OnceValues(func() (*tdxPKI, error) {
	p := &tdxPKI{}
	var err error
	for _, k := range []struct {
		dst **ecdsa.PrivateKey
		hex string
	}{
		{&p.rootKey, tdxRootKeyHex},
		{&p.platformKey, tdxPlatformCAKeyHex},
		{&p.pckKey, tdxPCKKeyHex},
		{&p.tcbKey, tdxTCBSigningKeyHex},
		{&p.attKey, tdxAttestationKeyHex},
	} {
		raw, err := hex.DecodeString(k.hex)
		if err != nil {
			return nil, err
		}
		if *k.dst, err = ecdsa.ParseRawPrivateKey(elliptic.P256(), raw); err != nil {
			return nil, err
		}
	}

	rootTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(tdxRootSerial),
		Subject:               intelName(tdxRootCN),
		NotBefore:             TDXCertsNotBefore,
		NotAfter:              TDXCertsNotAfter,
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
		CRLDistributionPoints: []string{TDXRootCACRLURL},
	}
	if p.root, err = createCert(rootTmpl, rootTmpl, &p.rootKey.PublicKey, p.rootKey); err != nil {
		return nil, fmt.Errorf("attesttest: creating the TDX root CA: %v", err)
	}
	platformTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(tdxPlatformCASerial),
		Subject:               intelName(tdxPlatformCN),
		NotBefore:             TDXCertsNotBefore,
		NotAfter:              TDXCertsNotAfter,
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
		CRLDistributionPoints: []string{TDXRootCACRLURL},
	}
	if p.platform, err = createCert(platformTmpl, p.root, &p.platformKey.PublicKey, p.rootKey); err != nil {
		return nil, fmt.Errorf("attesttest: creating the TDX PCK platform CA: %v", err)
	}
	tcbTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(tdxTCBSigningSerial),
		Subject:               intelName(tdxTCBSigningCN),
		NotBefore:             TDXCertsNotBefore,
		NotAfter:              TDXCertsNotAfter,
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		SubjectKeyId:          keyID(&p.tcbKey.PublicKey),
		CRLDistributionPoints: []string{TDXRootCACRLURL},
	}
	if p.tcbSigning, err = createCert(tcbTmpl, p.root, &p.tcbKey.PublicKey, p.rootKey); err != nil {
		return nil, fmt.Errorf("attesttest: creating the TDX TCB signing certificate: %v", err)
	}
	p.rootPEM = pemCert(p.root.Raw)
	p.platformPEM = pemCert(p.platform.Raw)
	p.tcbSigningPEM = pemCert(p.tcbSigning.Raw)
	return p, nil
})

// TDXRootCA returns the PEM of the test-only TDX root CA (subject CN "Intel SGX
// Root CA"). Its key, subject, serial number, validity and bytes are the same
// in every process. TEST ONLY: the private key is public.
func TDXRootCA() []byte {
	p, err := loadTDXPKI()
	if err != nil {
		// The inputs are constants; this cannot happen unless the code is broken.
		panic(err)
	}
	return clone(p.rootPEM)
}

// NewTDX makes a synthetic, test-only TDX quote as chosen by opts, with the
// collateral (TCB info, QE identity, CRLs and their issuer chains) that
// go-tdx-guest needs to verify it. Equal options give byte-identical evidence.
func NewTDX(opts TDXOptions) (*TDXEvidence, error) {
	p, err := loadTDXPKI()
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC()
	if now.Before(TDXCertsNotBefore) || !now.Before(TDXCertsNotAfter) {
		return nil, fmt.Errorf("attesttest: Now %v is outside the test-only TDX CA validity [%v, %v)",
			now, TDXCertsNotBefore, TDXCertsNotAfter)
	}
	tcbStatus, err := tdxStatus("TcbStatus", opts.TcbStatus)
	if err != nil {
		return nil, err
	}
	qeTcbStatus, err := tdxStatus("QeTcbStatus", opts.QeTcbStatus)
	if err != nil {
		return nil, err
	}
	fmspc := opts.FMSPC
	if fmspc == ([6]byte{}) {
		fmspc = DefaultTDXFMSPC
	}
	teeTcbSvn := opts.TeeTcbSvn
	if teeTcbSvn == ([16]byte{}) {
		teeTcbSvn = DefaultTDXTeeTcbSvn
	}
	xfam := opts.Xfam
	if xfam == 0 {
		xfam = DefaultTDXXfam
	}

	issue := now.Add(-time.Hour).Truncate(time.Second)
	next := now.Add(tdxCollateralLifetime).Truncate(time.Second)
	if !opts.CollateralNextUpdate.IsZero() {
		next = opts.CollateralNextUpdate.UTC()
	}
	if !issue.Before(next) {
		issue = next.Add(-24 * time.Hour).Truncate(time.Second)
	}

	// PCK leaf certificate.
	pckExt, err := sgxExtension(fmspc, opts.PceSvn)
	if err != nil {
		return nil, err
	}
	pckTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(tdxPCKSerial),
		Subject:               intelName(tdxPCKCN),
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(tdxPCKLifetime),
		SignatureAlgorithm:    x509.ECDSAWithSHA256,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
		SubjectKeyId:          keyID(&p.pckKey.PublicKey),
		CRLDistributionPoints: []string{pcs.PckCrlURL("platform")},
		// With key usage, basic constraints, subject and authority key IDs and
		// the CRL distribution point this makes the 6 extensions that
		// go-tdx-guest's pcs.PckCertificateExtensions insists on.
		ExtraExtensions: []pkix.Extension{{Id: oidSGXExtension, Value: pckExt}},
	}
	pck, err := createCert(pckTmpl, p.platform, &p.pckKey.PublicKey, p.platformKey)
	if err != nil {
		return nil, fmt.Errorf("attesttest: creating the PCK certificate: %v", err)
	}

	quote, err := buildTDXQuote(p, pck, opts, teeTcbSvn, xfam)
	if err != nil {
		return nil, err
	}

	tcbInfo, err := signedCollateral(p.tcbKey, "tcbInfo", tdxTCBInfo(fmspc, opts.PceSvn, teeTcbSvn, tcbStatus, issue, next))
	if err != nil {
		return nil, err
	}
	qeIdentity, err := signedCollateral(p.tcbKey, "enclaveIdentity", tdxQEIdentity(opts.QeSvn, qeTcbStatus, issue, next))
	if err != nil {
		return nil, err
	}

	var pckRevoked, rootRevoked []x509.RevocationListEntry
	if opts.RevokePCK {
		pckRevoked = append(pckRevoked, x509.RevocationListEntry{SerialNumber: big.NewInt(tdxPCKSerial), RevocationTime: issue})
	}
	if opts.RevokePlatformCA {
		rootRevoked = append(rootRevoked, x509.RevocationListEntry{SerialNumber: big.NewInt(tdxPlatformCASerial), RevocationTime: issue})
	}
	pckCRL, err := createCRL(p.platform, p.platformKey, issue, next, pckRevoked)
	if err != nil {
		return nil, fmt.Errorf("attesttest: creating the PCK CRL: %v", err)
	}
	rootCRL, err := createCRL(p.root, p.rootKey, issue, next, rootRevoked)
	if err != nil {
		return nil, fmt.Errorf("attesttest: creating the root CA CRL: %v", err)
	}

	tcbChain := concat(p.tcbSigningPEM, p.rootPEM)
	return &TDXEvidence{
		Quote:                 quote,
		RootCA:                clone(p.rootPEM),
		TCBInfo:               tcbInfo,
		TCBInfoIssuerChain:    tcbChain,
		QEIdentity:            qeIdentity,
		QEIdentityIssuerChain: clone(tcbChain),
		PCKCRL:                pckCRL,
		PCKCRLIssuerChain:     concat(p.platformPEM, p.rootPEM),
		RootCACRL:             rootCRL,
		RootCACRLURL:          TDXRootCACRLURL,
	}, nil
}

// buildTDXQuote lays out and signs a version 4 TDX quote.
func buildTDXQuote(p *tdxPKI, pck *x509.Certificate, opts TDXOptions, teeTcbSvn [16]byte, xfam uint64) ([]byte, error) {
	le16 := binary.LittleEndian.AppendUint16
	le32 := binary.LittleEndian.AppendUint32
	le64 := binary.LittleEndian.AppendUint64

	// Header (48 bytes). Bytes 8-11 are reserved in Intel's TDX quote format;
	// go-tdx-guest reads them as PCE_SVN (8-9) then QE_SVN (10-11).
	header := make([]byte, 0, tdxHeaderSize)
	header = le16(header, tdxQuoteVersion)
	header = le16(header, tdxAttestationKeyTypeP256)
	header = le32(header, tdxTeeTypeTDX)
	header = le16(header, opts.PceSvn)
	header = le16(header, opts.QeSvn)
	header = append(header, tdxQEVendorID[:]...)
	userData := sha256.Sum256([]byte("attesttest TEST ONLY TDX QE user data"))
	header = append(header, userData[:16]...) // QE identifier
	header = append(header, 0, 0, 0, 0)

	// TD quote body (TDX 1.0, 584 bytes).
	mrSeam := sha512.Sum384([]byte("attesttest TEST ONLY TDX module MRSEAM"))
	body := make([]byte, 0, tdxBodySize)
	body = append(body, teeTcbSvn[:]...)
	body = append(body, mrSeam[:]...)
	body = append(body, make([]byte, 48)...) // MRSIGNERSEAM: zero, as for Intel's TDX module
	body = append(body, make([]byte, 8)...)  // SEAMATTRIBUTES
	body = le64(body, opts.TdAttributes)
	body = le64(body, xfam)
	body = append(body, opts.MrTd[:]...)
	body = append(body, make([]byte, 3*48)...) // MRCONFIGID, MROWNER, MROWNERCONFIG
	for _, rtmr := range opts.Rtmrs {
		body = append(body, rtmr[:]...)
	}
	body = append(body, opts.ReportData[:]...)
	if len(header) != tdxHeaderSize || len(body) != tdxBodySize {
		return nil, errors.New("attesttest: internal error: bad TDX quote layout")
	}

	attPub, err := p.attKey.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	attKey := attPub[1:]
	qeAuthData := make([]byte, 32)
	for i := range qeAuthData {
		qeAuthData[i] = byte(i)
	}

	// QE report (SGX REPORT body, 384 bytes), certified by the PCK key.
	qeReportData := sha256.Sum256(concat(attKey, qeAuthData))
	mrEnclave := sha256.Sum256([]byte("attesttest TEST ONLY TD QE MRENCLAVE"))
	qeReport := make([]byte, 0, tdxQEReportSize)
	qeReport = append(qeReport, tdxCPUSVN[:]...)
	qeReport = le32(qeReport, tdxQEMiscSelect)
	qeReport = append(qeReport, make([]byte, 28)...)
	qeReport = append(qeReport, tdxQEAttributes[:]...)
	qeReport = append(qeReport, mrEnclave[:]...)
	qeReport = append(qeReport, make([]byte, 32)...)
	qeReport = append(qeReport, tdxQEMrSigner...)
	qeReport = append(qeReport, make([]byte, 96)...)
	qeReport = le16(qeReport, tdxQEIsvProdID)
	qeReport = le16(qeReport, opts.QeSvn)
	qeReport = append(qeReport, make([]byte, 60)...)
	qeReport = append(qeReport, qeReportData[:]...)
	qeReport = append(qeReport, make([]byte, 32)...)
	if len(qeReport) != tdxQEReportSize {
		return nil, errors.New("attesttest: internal error: bad QE report layout")
	}
	qeDigest := sha256.Sum256(qeReport)
	qeSig, err := ecdsaSignRaw(p.pckKey, qeDigest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("attesttest: signing the QE report: %v", err)
	}

	pckChain := concat(pemCert(pck.Raw), p.platformPEM, p.rootPEM)
	pckChainData := le16(nil, tdxCertDataTypePCKChain)
	pckChainData = le32(pckChainData, uint32(len(pckChain)))
	pckChainData = append(pckChainData, pckChain...)

	qeCertData := concat(qeReport, qeSig)
	qeCertData = le16(qeCertData, uint16(len(qeAuthData)))
	qeCertData = append(qeCertData, qeAuthData...)
	qeCertData = append(qeCertData, pckChainData...)

	quoteDigest := sha256.Sum256(concat(header, body))
	quoteSig, err := ecdsaSignRaw(p.attKey, quoteDigest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("attesttest: signing the quote: %v", err)
	}
	sigData := concat(quoteSig, attKey)
	sigData = le16(sigData, tdxCertDataTypeQEReport)
	sigData = le32(sigData, uint32(len(qeCertData)))
	sigData = append(sigData, qeCertData...)

	quote := concat(header, body)
	quote = le32(quote, uint32(len(sigData)))
	quote = append(quote, sigData...)
	return quote, nil
}

// sgxExtension encodes the value of the PCK certificate's SGX extension
// (OID 1.2.840.113741.1.13.1) for a platform PCK certificate.
func sgxExtension(fmspc [6]byte, pceSvn uint16) ([]byte, error) {
	type intItem struct {
		ID    asn1.ObjectIdentifier
		Value int
	}
	type octetsItem struct {
		ID    asn1.ObjectIdentifier
		Value []byte
	}
	type enumItem struct {
		ID    asn1.ObjectIdentifier
		Value asn1.Enumerated
	}
	type boolItem struct {
		ID    asn1.ObjectIdentifier
		Value bool
	}
	type seqItem struct {
		ID    asn1.ObjectIdentifier
		Value []asn1.RawValue
	}
	raw := func(v any) (asn1.RawValue, error) {
		b, err := asn1.Marshal(v)
		return asn1.RawValue{FullBytes: b}, err
	}
	sub := func(parent asn1.ObjectIdentifier, n int) asn1.ObjectIdentifier {
		return append(append(asn1.ObjectIdentifier{}, parent...), n)
	}

	var errs []error
	must := func(v asn1.RawValue, err error) asn1.RawValue {
		errs = append(errs, err)
		return v
	}

	// TCB: SGX TCB components 1-16, PCESVN (17), CPUSVN (18).
	var tcb []asn1.RawValue
	for i, svn := range tdxCPUSVN {
		tcb = append(tcb, must(raw(intItem{sub(oidSGXTCB, i+1), int(svn)})))
	}
	tcb = append(tcb, must(raw(intItem{sub(oidSGXTCB, 17), int(pceSvn)})))
	tcb = append(tcb, must(raw(octetsItem{sub(oidSGXTCB, 18), tdxCPUSVN[:]})))

	ppid := sha256.Sum256([]byte("attesttest TEST ONLY PPID"))
	instance := sha256.Sum256([]byte("attesttest TEST ONLY platform instance ID"))
	config := []asn1.RawValue{
		must(raw(boolItem{sub(oidSGXConfiguration, 1), false})), // dynamicPlatform
		must(raw(boolItem{sub(oidSGXConfiguration, 2), true})),  // cachedKeys
		must(raw(boolItem{sub(oidSGXConfiguration, 3), true})),  // SMTEnabled
	}
	items := []asn1.RawValue{
		must(raw(octetsItem{oidSGXPPID, ppid[:16]})),
		must(raw(seqItem{oidSGXTCB, tcb})),
		must(raw(octetsItem{oidSGXPCEID, tdxPCEID[:]})),
		must(raw(octetsItem{oidSGXFMSPC, fmspc[:]})),
		must(raw(enumItem{oidSGXType, 1})), // 1 = Platform
		must(raw(octetsItem{oidSGXPlatformInstID, instance[:16]})),
		must(raw(seqItem{oidSGXConfiguration, config})),
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("attesttest: encoding the SGX extension: %v", err)
	}
	return asn1.Marshal(items)
}

// JSON shapes of Intel PCS v4 TDX collateral. Field order follows Intel's.
type (
	jsonTcbComponent struct {
		Svn byte `json:"svn"`
	}
	jsonPlatformTcb struct {
		SgxTcbComponents []jsonTcbComponent `json:"sgxtcbcomponents"`
		Pcesvn           uint16             `json:"pcesvn"`
		TdxTcbComponents []jsonTcbComponent `json:"tdxtcbcomponents"`
	}
	jsonIsvTcb struct {
		Isvsvn uint32 `json:"isvsvn"`
	}
	jsonTcbLevel struct {
		Tcb       any    `json:"tcb"`
		TcbDate   string `json:"tcbDate"`
		TcbStatus string `json:"tcbStatus"`
	}
	jsonTdxModule struct {
		Mrsigner       string `json:"mrsigner"`
		Attributes     string `json:"attributes"`
		AttributesMask string `json:"attributesMask"`
	}
	jsonTdxModuleIdentity struct {
		ID             string         `json:"id"`
		Mrsigner       string         `json:"mrsigner"`
		Attributes     string         `json:"attributes"`
		AttributesMask string         `json:"attributesMask"`
		TcbLevels      []jsonTcbLevel `json:"tcbLevels"`
	}
	jsonTcbInfo struct {
		ID                      string                  `json:"id"`
		Version                 int                     `json:"version"`
		IssueDate               string                  `json:"issueDate"`
		NextUpdate              string                  `json:"nextUpdate"`
		Fmspc                   string                  `json:"fmspc"`
		PceID                   string                  `json:"pceId"`
		TcbType                 int                     `json:"tcbType"`
		TcbEvaluationDataNumber int                     `json:"tcbEvaluationDataNumber"`
		TdxModule               jsonTdxModule           `json:"tdxModule"`
		TdxModuleIdentities     []jsonTdxModuleIdentity `json:"tdxModuleIdentities,omitempty"`
		TcbLevels               []jsonTcbLevel          `json:"tcbLevels"`
	}
	jsonEnclaveIdentity struct {
		ID                      string         `json:"id"`
		Version                 int            `json:"version"`
		IssueDate               string         `json:"issueDate"`
		NextUpdate              string         `json:"nextUpdate"`
		TcbEvaluationDataNumber int            `json:"tcbEvaluationDataNumber"`
		Miscselect              string         `json:"miscselect"`
		MiscselectMask          string         `json:"miscselectMask"`
		Attributes              string         `json:"attributes"`
		AttributesMask          string         `json:"attributesMask"`
		Mrsigner                string         `json:"mrsigner"`
		IsvProdID               int            `json:"isvprodid"`
		TcbLevels               []jsonTcbLevel `json:"tcbLevels"`
	}
)

func components(svns []byte) []jsonTcbComponent {
	out := make([]jsonTcbComponent, len(svns))
	for i, s := range svns {
		out[i] = jsonTcbComponent{Svn: s}
	}
	return out
}

func pcsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

func le32Bytes(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// tdxTCBInfo is the "tcbInfo" member: the level the quote matches has status;
// when status is not UpToDate, a higher UpToDate level comes first.
func tdxTCBInfo(fmspc [6]byte, pceSvn uint16, teeTcbSvn [16]byte, status string, issue, next time.Time) *jsonTcbInfo {
	level := func(pce uint16, tee [16]byte, st string) jsonTcbLevel {
		return jsonTcbLevel{
			Tcb: jsonPlatformTcb{
				SgxTcbComponents: components(tdxCPUSVN[:]),
				Pcesvn:           pce,
				TdxTcbComponents: components(tee[:]),
			},
			TcbDate:   tdxTCBDate,
			TcbStatus: st,
		}
	}
	var levels []jsonTcbLevel
	if status != string(pcs.TcbComponentStatusUpToDate) {
		// A newer TCB the quote does not reach: with TEE_TCB_SVN[1] == 0
		// go-tdx-guest compares every component, otherwise from index 2 on.
		higher, pce := teeTcbSvn, pceSvn
		i := 0
		if teeTcbSvn[1] > 0 {
			i = 2
		}
		switch {
		case higher[i] < 0xff:
			higher[i]++
			levels = append(levels, level(pce, higher, string(pcs.TcbComponentStatusUpToDate)))
		case pce < 0xffff:
			pce++
			levels = append(levels, level(pce, higher, string(pcs.TcbComponentStatusUpToDate)))
		}
	}
	levels = append(levels, level(pceSvn, teeTcbSvn, status))

	info := &jsonTcbInfo{
		ID:                      "TDX",
		Version:                 3,
		IssueDate:               pcsTime(issue),
		NextUpdate:              pcsTime(next),
		Fmspc:                   hex.EncodeToString(fmspc[:]), // lower case, as pcs.PckCertificateExtensions reports it
		PceID:                   hex.EncodeToString(tdxPCEID[:]),
		TcbType:                 0,
		TcbEvaluationDataNumber: tdxTCBEvaluationDataNumber,
		TdxModule: jsonTdxModule{
			Mrsigner:       upperHex(make([]byte, 48)),
			Attributes:     upperHex(make([]byte, 8)),
			AttributesMask: upperHex(fill(8, 0xff)),
		},
		TcbLevels: levels,
	}
	if teeTcbSvn[1] > 0 {
		info.TdxModuleIdentities = []jsonTdxModuleIdentity{{
			ID:             "TDX_" + hex.EncodeToString(teeTcbSvn[1:2]),
			Mrsigner:       upperHex(make([]byte, 48)),
			Attributes:     upperHex(make([]byte, 8)),
			AttributesMask: upperHex(fill(8, 0xff)),
			TcbLevels: []jsonTcbLevel{{
				Tcb:       jsonIsvTcb{Isvsvn: uint32(teeTcbSvn[0])},
				TcbDate:   tdxTCBDate,
				TcbStatus: string(pcs.TcbComponentStatusUpToDate),
			}},
		}}
	}
	return info
}

// tdxQEIdentity is the "enclaveIdentity" member for the TD QE.
func tdxQEIdentity(qeSvn uint16, status string, issue, next time.Time) *jsonEnclaveIdentity {
	var levels []jsonTcbLevel
	if status != string(pcs.TcbComponentStatusUpToDate) {
		levels = append(levels, jsonTcbLevel{
			Tcb:       jsonIsvTcb{Isvsvn: uint32(qeSvn) + 1},
			TcbDate:   tdxTCBDate,
			TcbStatus: string(pcs.TcbComponentStatusUpToDate),
		})
	}
	levels = append(levels, jsonTcbLevel{
		Tcb:       jsonIsvTcb{Isvsvn: uint32(qeSvn)},
		TcbDate:   tdxTCBDate,
		TcbStatus: status,
	})
	return &jsonEnclaveIdentity{
		ID:                      "TD_QE",
		Version:                 2,
		IssueDate:               pcsTime(issue),
		NextUpdate:              pcsTime(next),
		TcbEvaluationDataNumber: tdxTCBEvaluationDataNumber,
		Miscselect:              upperHex(le32Bytes(tdxQEMiscSelect)),
		MiscselectMask:          upperHex(le32Bytes(tdxQEMiscSelectMask)),
		Attributes:              upperHex(tdxQEIdentityAttributes[:]),
		AttributesMask:          upperHex(tdxQEIdentityAttributesMask[:]),
		Mrsigner:                upperHex(tdxQEMrSigner),
		IsvProdID:               tdxQEIsvProdID,
		TcbLevels:               levels,
	}
}

// signedCollateral returns {"<member>":<json of v>,"signature":"<hex r||s>"},
// the signature (ECDSA P-256, SHA-256) covering exactly the member's bytes.
func signedCollateral(key *ecdsa.PrivateKey, member string, v any) ([]byte, error) {
	inner, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("attesttest: encoding %s: %v", member, err)
	}
	digest := sha256.Sum256(inner)
	sig, err := ecdsaSignRaw(key, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("attesttest: signing %s: %v", member, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{%q:`, member)
	b.Write(inner)
	fmt.Fprintf(&b, `,"signature":%q}`, hex.EncodeToString(sig))
	return b.Bytes(), nil
}

func tdxStatus(field, s string) (string, error) {
	if s == "" {
		return string(pcs.TcbComponentStatusUpToDate), nil
	}
	var st pcs.TcbComponentStatus
	if err := st.UnmarshalJSON([]byte(fmt.Sprintf("%q", s))); err != nil {
		return "", fmt.Errorf("attesttest: %s: %v", field, err)
	}
	return s, nil
}

func intelName(cn string) pkix.Name {
	return pkix.Name{
		Country:            []string{"US"},
		Province:           []string{"CA"},
		Locality:           []string{"Santa Clara"},
		Organization:       []string{"Intel Corporation"},
		OrganizationalUnit: []string{tdxTestOnlyOU},
		CommonName:         cn,
	}
}

// createCert signs tmpl deterministically (RFC 6979, since rand is nil).
func createCert(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, priv *ecdsa.PrivateKey) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(nil, tmpl, parent, pub, priv)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func createCRL(issuer *x509.Certificate, key *ecdsa.PrivateKey, this, next time.Time, revoked []x509.RevocationListEntry) ([]byte, error) {
	return x509.CreateRevocationList(nil, &x509.RevocationList{
		SignatureAlgorithm:        x509.ECDSAWithSHA256,
		Number:                    big.NewInt(1),
		ThisUpdate:                this,
		NextUpdate:                next,
		RevokedCertificateEntries: revoked,
	}, issuer, key)
}

// keyID is a subject key identifier: the leftmost 160 bits of the SHA-256 of
// the public key (RFC 7093, method 1).
func keyID(pub *ecdsa.PublicKey) []byte {
	b, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	h := sha256.Sum256(b)
	return h[:20]
}

func concat(parts ...[]byte) []byte {
	var n int
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TDXGetter returns a go-tdx-guest trust.HTTPSGetter that serves ev's
// collateral at the URLs go-tdx-guest asks for: pcs.TcbInfoURL(fmspc),
// pcs.QeIdentityURL(), pcs.PckCrlURL("platform") and ev.RootCACRLURL. The
// issuer chains are in the response headers exactly as Intel's PCS sends
// them (URL-escaped PEM in "Tcb-Info-Issuer-Chain",
// "Sgx-Enclave-Identity-Issuer-Chain" and "Sgx-Pck-Crl-Issuer-Chain"). Every
// other URL is refused with an error. The getter is safe for concurrent use
// and makes no network access.
func TDXGetter(ev *TDXEvidence) trust.HTTPSGetter {
	g := &tdxGetter{responses: map[string]tdxResponse{}}
	if ev == nil {
		return g
	}
	var info struct {
		TcbInfo struct {
			Fmspc string `json:"fmspc"`
		} `json:"tcbInfo"`
	}
	if err := json.Unmarshal(ev.TCBInfo, &info); err == nil && info.TcbInfo.Fmspc != "" {
		g.responses[pcs.TcbInfoURL(info.TcbInfo.Fmspc)] = tdxResponse{
			header: map[string][]string{
				"Content-Type":              {"application/json"},
				tdxTcbInfoIssuerChainHeader: {pcsEscape(ev.TCBInfoIssuerChain)},
			},
			body: clone(ev.TCBInfo),
		}
	}
	g.responses[pcs.QeIdentityURL()] = tdxResponse{
		header: map[string][]string{
			"Content-Type":            {"application/json"},
			tdxQEIdentityIssuerHeader: {pcsEscape(ev.QEIdentityIssuerChain)},
		},
		body: clone(ev.QEIdentity),
	}
	g.responses[pcs.PckCrlURL("platform")] = tdxResponse{
		header: map[string][]string{
			"Content-Type":             {"application/pkix-crl"},
			tdxPCKCRLIssuerChainHeader: {pcsEscape(ev.PCKCRLIssuerChain)},
		},
		body: clone(ev.PCKCRL),
	}
	if ev.RootCACRLURL != "" {
		g.responses[ev.RootCACRLURL] = tdxResponse{
			header: map[string][]string{"Content-Type": {"application/pkix-crl"}},
			body:   clone(ev.RootCACRL),
		}
	}
	return g
}

type tdxResponse struct {
	header map[string][]string
	body   []byte
}

type tdxGetter struct {
	responses map[string]tdxResponse // read-only after construction
}

// Get implements trust.HTTPSGetter. It returns copies, so callers may modify
// the results.
func (g *tdxGetter) Get(u string) (map[string][]string, []byte, error) {
	r, ok := g.responses[u]
	if !ok {
		return nil, nil, fmt.Errorf("attesttest: TDXGetter refuses %q: not a collateral URL of this evidence", u)
	}
	h := make(map[string][]string, len(r.header))
	for k, v := range r.header {
		h[k] = append([]string(nil), v...)
	}
	return h, clone(r.body), nil
}

// pcsEscape percent-encodes s like Intel's PCS encodes issuer chains (as
// JavaScript's encodeURIComponent does: spaces are %20, never '+').
func pcsEscape(s []byte) string {
	return strings.ReplaceAll(url.QueryEscape(string(s)), "+", "%20")
}
