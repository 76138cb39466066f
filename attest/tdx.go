package attest

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	tdxabi "github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	tdxpb "github.com/google/go-tdx-guest/proto/tdx"
	tdxvalidate "github.com/google/go-tdx-guest/validate"
	tdxverify "github.com/google/go-tdx-guest/verify"
	"go.uber.org/multierr"

	"github.com/teegate/teegate/decision"
)

// Fields of a TDX quote that this package reads.
const (
	tdAttributesDebug = 1 << 0 // TD_ATTRIBUTES bit 0: the TD is debuggable
	rtmrsMeasured     = 3      // RTMR0 to RTMR2 enter the measurement digest
)

// parsedCollateral is TDX collateral whose shape is checked and whose
// dates are read, so that the newest copy of each item can be chosen.
type parsedCollateral struct {
	tcbInfo    *pcsResponse
	qeIdentity *pcsResponse
	pckCRL     *crlItem
	rootCACRL  *crlItem
}

// pcsResponse is a PCS response (TCB info or QE identity) with what
// teegate reads of it. Its body is rebuilt to hold the signed member and
// the signature and nothing else: go-tdx-guest checks the signature over
// the member it finds by exact name, but judges the values it decodes with
// encoding/json, which matches names regardless of case, so a body with a
// second, unsigned "TCBINFO" member would be judged on that one.
type pcsResponse struct {
	body, chain string
	issued      time.Time
	// evaluation is the tcbEvaluationDataNumber: Intel raises it at each
	// TCB recovery.
	evaluation uint64
	fmspc      string // TCB info only, lower-case hex
}

type crlItem struct {
	der   []byte
	chain string // PCK CRL only
	crl   *x509.RevocationList
}

// collateralError names the collateral member that does not parse.
type collateralError struct {
	member string
	err    error
}

func (e *collateralError) Error() string { return e.member + ": " + e.err.Error() }

// parseCollateral checks what c carries: each response has its issuer
// chain, the responses' shape, dates and FMSPC, and that the CRLs parse.
// Verifying them is go-tdx-guest's work.
func parseCollateral(c *TDXCollateral) (parsedCollateral, error) {
	var p parsedCollateral
	fail := func(member string, err error) (parsedCollateral, error) {
		return parsedCollateral{}, &collateralError{member, err}
	}
	for _, pair := range []struct{ body, chain, bodyMember, chainMember string }{
		{c.TCBInfo, c.TCBInfoIssuerChain, "tcb_info", "tcb_info_issuer_chain"},
		{c.QEIdentity, c.QEIdentityIssuerChain, "qe_identity", "qe_identity_issuer_chain"},
		{string(c.PCKCRL), c.PCKCRLIssuerChain, "pck_crl", "pck_crl_issuer_chain"},
	} {
		switch {
		case pair.body != "" && pair.chain == "":
			return fail(pair.chainMember, fmt.Errorf("%s needs its issuer chain", pair.bodyMember))
		case pair.body == "" && pair.chain != "":
			return fail(pair.chainMember, fmt.Errorf("an issuer chain without %s", pair.bodyMember))
		case pair.chain != "" && countPEMCertificates(pair.chain) != 2:
			return fail(pair.chainMember, errors.New("want two PEM CERTIFICATE blocks: the signing certificate, then the root"))
		}
	}
	var err error
	if c.TCBInfo != "" {
		if p.tcbInfo, err = parsePCSResponse(c.TCBInfo, c.TCBInfoIssuerChain, "tcbInfo"); err != nil {
			return fail("tcb_info", err)
		}
	}
	if c.QEIdentity != "" {
		if p.qeIdentity, err = parsePCSResponse(c.QEIdentity, c.QEIdentityIssuerChain, "enclaveIdentity"); err != nil {
			return fail("qe_identity", err)
		}
	}
	if len(c.PCKCRL) > 0 {
		crl, err := x509.ParseRevocationList(c.PCKCRL)
		if err != nil {
			return fail("pck_crl", fmt.Errorf("not a DER X.509 CRL: %v", err))
		}
		p.pckCRL = &crlItem{der: c.PCKCRL, chain: c.PCKCRLIssuerChain, crl: crl}
	}
	if len(c.RootCACRL) > 0 {
		crl, err := x509.ParseRevocationList(c.RootCACRL)
		if err != nil {
			return fail("root_ca_crl", fmt.Errorf("not a DER X.509 CRL: %v", err))
		}
		p.rootCACRL = &crlItem{der: c.RootCACRL, crl: crl}
	}
	return p, nil
}

func countPEMCertificates(text string) int {
	n := 0
	rest := []byte(text)
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return n
		}
		if block.Type != "CERTIFICATE" {
			return -1
		}
		n++
	}
}

// parsePCSResponse reads a PCS response whose signed member is member. It
// must hold that member and "signature", spelt exactly so, and nothing
// else; teegate hands go-tdx-guest the two alone.
func parsePCSResponse(body, chain, member string) (*pcsResponse, error) {
	var outer map[string]jsontext.Value // json v2: exact names, duplicates refused
	if err := json.Unmarshal([]byte(body), &outer); err != nil {
		return nil, fmt.Errorf("not a PCS response: %v", err)
	}
	signed, ok := outer[member]
	signature, ok2 := outer["signature"]
	if !ok || !ok2 || len(outer) != 2 {
		return nil, fmt.Errorf("not a PCS response: want exactly the members %q and \"signature\"", member)
	}
	var sig string
	if err := json.Unmarshal(signature, &sig); err != nil {
		return nil, errors.New("not a PCS response: signature is not a string")
	}
	var fields struct {
		IssueDate  time.Time `json:"issueDate"`
		Evaluation uint64    `json:"tcbEvaluationDataNumber"`
		FMSPC      string    `json:"fmspc"`
	}
	if err := json.Unmarshal(signed, &fields); err != nil || fields.IssueDate.IsZero() {
		return nil, fmt.Errorf("not a PCS response: %s has no issueDate", member)
	}
	r := &pcsResponse{chain: chain, issued: fields.IssueDate, evaluation: fields.Evaluation, fmspc: strings.ToLower(fields.FMSPC)}
	if member == "tcbInfo" && r.fmspc == "" {
		return nil, errors.New("not a TCB info response: no tcbInfo.fmspc")
	}
	canonical, err := json.Marshal(map[string]jsontext.Value{member: signed, "signature": signature}, json.Deterministic(true))
	if err != nil {
		return nil, err
	}
	r.body = string(canonical)
	return r, nil
}

// newer returns the newer of two items, either of which may be nil;
// a tie goes to the first.
func newerItem(a, b *pcsResponse) *pcsResponse {
	if a == nil || b != nil && b.issued.After(a.issued) {
		return b
	}
	return a
}

func newerCRL(a, b *crlItem) *crlItem {
	if a == nil || b != nil && b.crl.ThisUpdate.After(a.crl.ThisUpdate) {
		return b
	}
	return a
}

// collateralSet is the collateral a verification uses: for each item the
// newest of the policy's copy and the bundle's. A newer copy, genuine
// (go-tdx-guest checks Intel's signature on each), can only be more
// current; a signer cannot make verification weaker by choosing which to
// send.
type collateralSet struct {
	tcbInfo    *pcsResponse
	qeIdentity *pcsResponse
	pckCRL     *crlItem
	rootCACRL  *crlItem
}

func mergeCollateral(policy, bundle parsedCollateral, fmspc string) collateralSet {
	var s collateralSet
	for _, p := range []parsedCollateral{policy, bundle} {
		if p.tcbInfo != nil && p.tcbInfo.fmspc == strings.ToLower(fmspc) {
			s.tcbInfo = newerItem(s.tcbInfo, p.tcbInfo)
		}
		s.qeIdentity = newerItem(s.qeIdentity, p.qeIdentity)
		s.pckCRL = newerCRL(s.pckCRL, p.pckCRL)
		s.rootCACRL = newerCRL(s.rootCACRL, p.rootCACRL)
	}
	return s
}

// offlineGetter answers go-tdx-guest's requests for collateral from a
// collateralSet, as Intel's PCS would, with the issuer chain in the
// response header. It never touches the network: a URL it has nothing
// for is refused, and one that is not collateral at all is reported to
// onNetwork first.
type offlineGetter struct {
	set       collateralSet
	rootCRLs  map[string]bool // the root CA's CRL distribution points
	onNetwork func(url string)
	// missing records the first item the library asked for and did not
	// get, so that the refusal is reported as what it is.
	missing decision.Code
	detail  string
}

func (g *offlineGetter) Get(u string) (map[string][]string, []byte, error) {
	refuse := func(code decision.Code, what string) (map[string][]string, []byte, error) {
		if g.missing == "" {
			g.missing, g.detail = code, what
		}
		return nil, nil, fmt.Errorf("%s is in neither the evidence bundle nor the policy", what)
	}
	switch {
	case u == pcs.QeIdentityURL():
		if g.set.qeIdentity == nil {
			return refuse(CodeCollateralUnavailable, "the QE identity")
		}
		return issuerHeader("Sgx-Enclave-Identity-Issuer-Chain", g.set.qeIdentity.chain), []byte(g.set.qeIdentity.body), nil
	case strings.HasPrefix(u, pcs.TcbInfoURL("")):
		if g.set.tcbInfo == nil {
			return refuse(CodeCollateralUnavailable, "the TCB info for FMSPC "+strings.TrimPrefix(u, pcs.TcbInfoURL("")))
		}
		return issuerHeader("Tcb-Info-Issuer-Chain", g.set.tcbInfo.chain), []byte(g.set.tcbInfo.body), nil
	case u == pcs.PckCrlURL("platform") || u == pcs.PckCrlURL("processor"):
		if g.set.pckCRL == nil {
			return refuse(CodeRevocationUnavailable, "the PCK CRL")
		}
		return issuerHeader("Sgx-Pck-Crl-Issuer-Chain", g.set.pckCRL.chain), g.set.pckCRL.der, nil
	case g.rootCRLs[u]:
		if g.set.rootCACRL == nil {
			return refuse(CodeRevocationUnavailable, "the root CA CRL")
		}
		return nil, g.set.rootCACRL.der, nil
	}
	if g.onNetwork != nil {
		g.onNetwork(u)
	}
	return refuse(CodeVerificationFailed, "the URL "+u+" (teegate verifies offline)")
}

// issuerHeader is a PCS response header carrying an issuer chain, which
// PCS sends URL-encoded and go-tdx-guest decodes.
func issuerHeader(name, chain string) map[string][]string {
	if chain == "" {
		return map[string][]string{}
	}
	return map[string][]string{name: {url.QueryEscape(chain)}}
}

// tdxEvidence is a TDX quote under verification.
type tdxEvidence struct {
	quote *tdxpb.QuoteV4
	root  *tdxRoot
	// pckRoot is the root certificate at the end of the quote's PCK chain.
	pckRoot *x509.Certificate
	// pck is the PCK certificate's SGX extension: the platform's FMSPC and
	// its PCE SVN, as Intel certified them.
	pck *pcs.PckExtensions
}

func (e *tdxEvidence) trustRootID() string { return e.root.id }

func (e *tdxEvidence) validate(c *check, binding [ReportDataSize]byte) { c.validateTDX(e, binding) }

func (e *tdxEvidence) debug() bool {
	return binary.LittleEndian.Uint64(e.quote.GetTdQuoteBody().GetTdAttributes())&tdAttributesDebug != 0
}

func (e *tdxEvidence) reportData() []byte { return e.quote.GetTdQuoteBody().GetReportData() }

// measurementDigest is TDXMeasurementDigest of the quote's MRTD and RTMRs.
func (e *tdxEvidence) measurementDigest() string {
	body := e.quote.GetTdQuoteBody()
	var mrtd [MeasurementSize]byte
	var rtmr [rtmrsMeasured][MeasurementSize]byte
	copy(mrtd[:], body.GetMrTd())
	for i := range rtmrsMeasured {
		copy(rtmr[i][:], body.GetRtmrs()[i])
	}
	return TDXMeasurementDigest(mrtd, rtmr[0], rtmr[1], rtmr[2])
}

// parseTDXQuote parses a raw quote; ok is false with a reason when it is
// not a TDX quote version 4.
func parseTDXQuote(raw []byte) (*tdxpb.QuoteV4, error) {
	var quote *tdxpb.QuoteV4
	err := guarded("go-tdx-guest's quote parser", func() error {
		anyQuote, err := tdxabi.QuoteToProto(raw)
		if err != nil {
			return err
		}
		var ok bool
		if quote, ok = anyQuote.(*tdxpb.QuoteV4); !ok {
			return fmt.Errorf("unsupported quote format %T", anyQuote)
		}
		return tdxabi.CheckQuoteV4(quote)
	})
	if err != nil {
		return nil, err
	}
	if quote.GetHeader().GetTeeType() != tdxabi.TeeTDX {
		return nil, tdxabi.ErrTeeType
	}
	if n := len(quote.GetTdQuoteBody().GetRtmrs()); n < rtmrsMeasured {
		return nil, fmt.Errorf("the quote has %d RTMRs", n)
	}
	return quote, nil
}

// verifyTDX verifies a TDX quote against the policy: the PCK chain to a
// trusted root, the collateral, revocation, Intel's TCB status rule and
// the signatures, all by go-tdx-guest, offline.
func (c *check) verifyTDX(ev *TDXEvidence) (*tdxEvidence, bool) {
	p := &c.policy.compiled.tdx
	quote, err := parseTDXQuote(ev.Quote)
	if err != nil {
		c.b.Addf(CodeEvidenceMalformed, "the TDX quote does not parse: %v", err)
		return nil, false
	}
	e := &tdxEvidence{quote: quote}
	chain := quote.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	certs, err := parsePEMChain(chain)
	if err != nil || len(certs) == 0 {
		c.b.Addf(CodeCertificateChainInvalid, "the quote's PCK certificate chain does not parse: %v", err)
		return nil, false
	}
	e.pckRoot = certs[len(certs)-1]
	for i := range p.roots {
		if bytes.Equal(p.roots[i].cert.RawSubjectPublicKeyInfo, e.pckRoot.RawSubjectPublicKeyInfo) {
			e.root = &p.roots[i]
			break
		}
	}
	if e.root == nil {
		c.b.Addf(CodeTrustRootUnknown, "the quote's PCK chain ends at %q, whose key is not a trust root of the policy", e.pckRoot.Subject.CommonName)
		return nil, false
	}
	bundle, err := parseCollateral(&ev.Collateral)
	if err != nil {
		c.b.Addf(CodeCollateralInvalid, "the bundle's collateral does not parse: %v", err)
		return nil, false
	}
	if err := guarded("go-tdx-guest's PCK extension parser", func() (err error) {
		e.pck, err = pcs.PckCertificateExtensions(certs[0])
		return err
	}); err != nil {
		c.b.Addf(CodeCertificateChainInvalid, "the PCK certificate's SGX extension does not parse: %v", err)
		return nil, false
	}
	getter := &offlineGetter{set: mergeCollateral(p.collateral, bundle, e.pck.FMSPC), rootCRLs: map[string]bool{}, onNetwork: c.opts.OnNetwork}
	for _, r := range []struct {
		what string
		resp *pcsResponse
	}{{"TCB info", getter.set.tcbInfo}, {"QE identity", getter.set.qeIdentity}} {
		if min := c.policy.TDX.MinimumTCBEvaluationDataNumber; r.resp != nil && r.resp.evaluation < min {
			c.b.Addf(CodeCollateralOutdated, "the newest %s in the bundle and the policy has tcbEvaluationDataNumber %d; the policy's minimum is %d",
				r.what, r.resp.evaluation, min)
			return nil, false
		}
	}
	// The root CA CRL is fetched from the distribution points of the root
	// certificate of the QE identity's issuer chain; serve it at those of
	// every root the policy trusts, and of the quote's own.
	for _, cert := range []*x509.Certificate{e.root.cert, e.pckRoot} {
		for _, dp := range cert.CRLDistributionPoints {
			getter.rootCRLs[dp] = true
		}
	}
	if qe := getter.set.qeIdentity; qe != nil {
		if issuers, err := parsePEMChain([]byte(qe.chain)); err == nil {
			for _, cert := range issuers {
				for _, dp := range cert.CRLDistributionPoints {
					getter.rootCRLs[dp] = true
				}
			}
		}
	}
	roots := x509.NewCertPool()
	roots.AddCert(e.root.cert)
	opts := &tdxverify.Options{
		// Intel's CRLs come from the collateral, never the network.
		CheckRevocations: c.policy.CheckRevocation,
		// The TCB info and QE identity are always required: without them
		// nothing says whether the platform, the TDX module and the QE are
		// up to date, and the QE is not proven to be Intel's.
		GetCollateral: true,
		Getter:        getter,
		Now:           c.nowTime,
		// Always the policy's root: left nil, the library trusts a root
		// embedded in it and logs a warning to stdout.
		TrustedRoots: roots,
	}
	if err := guarded("go-tdx-guest's verify", func() error { return tdxverify.TdxQuote(quote, opts) }); err != nil {
		code := getter.missing
		switch {
		case errors.Is(err, errLibraryPanic):
			code = CodeVerificationFailed
		case code == "":
			code = classifyTDX(err)
		}
		c.b.Addf(code, "TDX quote under trust root %q: %v", e.root.id, err)
		return nil, false
	}
	return e, true
}

// tdxVerifyErrors maps go-tdx-guest v0.3.1's verification errors to reason
// codes, by the text the library gives them (most are wrapped with %v, so
// errors.Is cannot see them). The first match wins; tests produce each
// class, so a library upgrade that rewords one fails them.
var tdxVerifyErrors = []struct {
	code    decision.Code
	phrases []string
}{
	{CodeRevocationUnavailable, []string{
		tdxverify.ErrRootCaCrlExpired.Error(), tdxverify.ErrPCKCrlExpired.Error(),
		tdxverify.ErrPCKCrlSigningCertExpired.Error(), tdxverify.ErrPCKCrlRootCertExpired.Error(),
		tdxverify.ErrMissingPckCrl.Error(), tdxverify.ErrMissingRootCaCrl.Error(),
		"CRL verification failed", "in PCK CRL does not match",
	}},
	{CodeCollateralExpired, []string{
		tdxverify.ErrTcbInfoExpired.Error(), tdxverify.ErrQeIdentityExpired.Error(),
		tdxverify.ErrTcbInfoSigningCertExpired.Error(), tdxverify.ErrTcbInfoRootCertExpired.Error(),
		tdxverify.ErrQeIdentitySigningCertExpired.Error(), tdxverify.ErrQeIdentityRootCertExpired.Error(),
	}},
	{CodeCertificateRevoked, []string{"was revoked at"}},
	{CodeTCBStatusNotUpToDate, []string{"failed TCB status check", tdxverify.ErrTcbStatus.Error()}},
	{CodeSignatureInvalid, []string{
		tdxverify.ErrHashVerificationFail.Error(), tdxverify.ErrSHA56VerificationFail.Error(),
		"QE report's signature", "attestation key in the quote is invalid", "signature to DER format",
	}},
	{CodeCollateralInvalid, []string{
		"tcbInfo", "QeIdentity", "QE Identity", "FMSPC", "PCEID", "MRSIGNERSEAM", "SeamAttributes",
		"TdxModule", "MISCSELECT", "MRSIGNER", "ISV PRODID", "issuer chain", "collateral",
	}},
	{CodeCertificateChainInvalid, []string{"certificate", "Certificate"}},
}

func classifyTDX(err error) decision.Code {
	msg := err.Error()
	for _, class := range tdxVerifyErrors {
		for _, phrase := range class.phrases {
			if strings.Contains(msg, phrase) {
				return class.code
			}
		}
	}
	return CodeVerificationFailed
}

// validateTDX applies the policy to a verified quote. teegate's own checks
// come first, each with its own code; go-tdx-guest's validate then judges
// the quote with every option set, and a refusal of its that no code of
// teegate's explains is reported as a policy violation.
func (c *check) validateTDX(e *tdxEvidence, binding [ReportDataSize]byte) {
	p := &c.policy.compiled.tdx
	body := e.quote.GetTdQuoteBody()
	if e.debug() && !c.policy.AllowDebug {
		c.b.Addf(CodeDebugEnabled, "TD_ATTRIBUTES %x has the DEBUG bit (0) set; the policy does not allow debuggable guests", body.GetTdAttributes())
	}
	svn := body.GetTeeTcbSvn()
	for i := range p.minTEESVN {
		if svn[i] < p.minTEESVN[i] {
			c.b.Addf(CodeTCBBelowMinimum, "TEE_TCB_SVN %x is below the policy's minimum %x (component %d)", svn, p.minTEESVN, i)
			break
		}
	}
	// The QE's SVN is its report's ISVSVN, which the PCK key signed; the
	// PCE's is the PCESVN Intel certified in the PCK certificate. Both
	// were verified above.
	qeSVN := e.quote.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetQeReport().GetIsvSvn()
	if uint64(qeSVN) < c.policy.TDX.MinimumQESVN {
		c.b.Addf(CodeTCBBelowMinimum, "the QE report's ISVSVN %d is below the policy's minimum_qe_svn %d", qeSVN, c.policy.TDX.MinimumQESVN)
	}
	if pceSVN := e.pck.TCB.PCESvn; uint64(pceSVN) < c.policy.TDX.MinimumPCESVN {
		c.b.Addf(CodeTCBBelowMinimum, "the PCK certificate's PCESVN %d is below the policy's minimum_pce_svn %d", pceSVN, c.policy.TDX.MinimumPCESVN)
	}
	opts := &tdxvalidate.Options{
		HeaderOptions: tdxvalidate.HeaderOptions{
			// Zero: go-tdx-guest v0.3.1 reads these from header bytes 8 to 11
			// (abi.go, headerPceSvnStart), which a version 4 quote reserves.
			// teegate checks the QE and PCE SVNs above, from where Intel
			// attests them.
			MinimumQeSvn:  0,
			MinimumPceSvn: 0,
			// Not checked: the QE is proven Intel's by its identity, which
			// Intel signs (the collateral), not by what the quote says.
			QeVendorID: nil,
		},
		TdQuoteBodyOptions: tdxvalidate.TdQuoteBodyOptions{
			MinimumTeeTcbSvn: p.minTEESVN[:],
			// Not checked here: the TDX module is judged by Intel's TCB
			// info (MRSIGNERSEAM, attributes, TCB status).
			MrSeam: nil,
			// Not compared to fixed values: DEBUG is checked above, and the
			// library checks the fixed bits of both.
			TdAttributes: nil,
			Xfam:         nil,
			// Not compared here: MRTD and RTMR0-2 make the measurement
			// digest, which the registry allowlists per operator; MRTD's
			// owner fields and RTMR3 are not part of it.
			MrTd:          nil,
			MrConfigID:    nil,
			MrOwner:       nil,
			MrOwnerConfig: nil,
			Rtmrs:         nil,
			ReportData:    binding[:],
		},
	}
	if err := guarded("go-tdx-guest's validate", func() error { return tdxvalidate.TdxQuote(e.quote, opts) }); err != nil {
		c.libraryFindings(err, tdxValidateErrors)
	}
}

// tdxValidateErrors maps go-tdx-guest validate's errors to the codes of
// teegate's own checks; an error of none of these classes is a policy
// violation.
var tdxValidateErrors = []validateClass{
	{CodeReportDataMismatch, "REPORT_DATA"},
	{CodeTCBBelowMinimum, "less than the required minimum"},
}

// validateClass is a class of a library's validation errors, by a phrase
// of their text.
type validateClass struct {
	code   decision.Code
	phrase string
}

// libraryFindings adds the findings of a library's validation error that
// teegate's own checks did not already make.
func (c *check) libraryFindings(err error, classes []validateClass) {
	have := map[decision.Code]bool{}
	for _, r := range c.b.Reasons() {
		have[r.Code] = true
	}
	have[CodeReportDataMismatch] = have[CodeReportDataMismatch] || c.reportDataMismatch
	for _, e := range multierr.Errors(err) {
		code := CodePolicyViolation
		for _, class := range classes {
			if strings.Contains(e.Error(), class.phrase) {
				code = class.code
				break
			}
		}
		if code != CodePolicyViolation && have[code] {
			continue // teegate's own check already said so
		}
		have[code] = true
		c.b.Addf(code, "%v", e)
	}
}

// parsePEMChain parses the PEM certificates in data, in order. A trailing
// NUL, which quotes carry, is allowed.
func parsePEMChain(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := bytes.TrimRight(data, "\x00")
	for len(bytes.TrimSpace(rest)) > 0 {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, errors.New("not a chain of PEM CERTIFICATE blocks")
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert)
	}
	return certs, nil
}
