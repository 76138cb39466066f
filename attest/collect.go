package attest

import (
	"errors"
	"fmt"

	sevabi "github.com/google/go-sev-guest/abi"
	sevclient "github.com/google/go-sev-guest/client"
	tdxclient "github.com/google/go-tdx-guest/client"
)

// ErrNoDevice: this machine is not a guest of the TEE asked for, or its
// kernel does not expose the interface to ask it for a report.
var ErrNoDevice = errors.New("no TEE guest device")

// Devices are where Collect asks for a report. A nil member means the
// guest's own, found as the libraries find it.
type Devices struct {
	// SEVSNP is configfs-tsm (/sys/kernel/config/tsm/report) or, on older
	// kernels, /dev/sev-guest.
	SEVSNP sevclient.QuoteProvider
	// TDX is configfs-tsm or, on older kernels, /dev/tdx_guest.
	TDX tdxclient.QuoteProvider
}

// Collect asks this guest's TEE for a report bound to payloadJSON (its
// report data is ReportData(payloadJSON)) and returns the evidence bundle.
// It runs inside the signer's guest, before the payload goes to the
// verifiers. collateral, for TDX, is added to the bundle as it is; it may
// be empty where the verifiers' policy carries it.
func Collect(payloadJSON, tee string, devices Devices, collateral *TDXCollateral) (*Evidence, error) {
	binding := ReportData(payloadJSON)
	switch tee {
	case TEESEVSNP:
		qp := devices.SEVSNP
		if qp == nil {
			var err error
			if qp, err = sevclient.GetQuoteProvider(); err != nil {
				return nil, fmt.Errorf("%w: SEV-SNP: neither /sys/kernel/config/tsm/report (configfs-tsm) nor /dev/sev-guest answers: %v", ErrNoDevice, err)
			}
		}
		raw, err := qp.GetRawQuote(binding)
		if err != nil {
			return nil, fmt.Errorf("SEV-SNP: the guest device refused the report request: %w", err)
		}
		snp, err := snpEvidenceFromQuote(raw)
		if err != nil {
			return nil, err
		}
		return &Evidence{EvidenceVersion: EvidenceVersion, TEEType: TEESEVSNP, SEVSNP: snp}, nil
	case TEETDX:
		var qp any = devices.TDX
		if devices.TDX == nil {
			// The library falls back from configfs-tsm to /dev/tdx_guest.
			provider, err := tdxclient.GetQuoteProvider()
			if err != nil {
				return nil, fmt.Errorf("%w: TDX: %v", ErrNoDevice, err)
			}
			if provider.IsSupported() != nil {
				d, err := tdxclient.OpenDevice()
				if err != nil {
					return nil, fmt.Errorf("%w: TDX: neither /sys/kernel/config/tsm/report (configfs-tsm) nor /dev/tdx_guest answers: %v", ErrNoDevice, err)
				}
				d.Close()
			}
			qp = provider
		}
		quote, err := tdxclient.GetRawQuote(qp, binding)
		if err != nil {
			return nil, fmt.Errorf("TDX: the guest refused the quote request: %w", err)
		}
		if _, err := parseTDXQuote(quote); err != nil {
			return nil, fmt.Errorf("TDX: the guest returned no TDX quote: %v", err)
		}
		tdx := &TDXEvidence{Quote: quote}
		if collateral != nil {
			tdx.Collateral = *collateral
		}
		return &Evidence{EvidenceVersion: EvidenceVersion, TEEType: TEETDX, TDX: tdx}, nil
	default:
		return nil, fmt.Errorf("cannot collect %q evidence: want %q or %q", tee, TEESEVSNP, TEETDX)
	}
}

// snpEvidenceFromQuote splits what an SEV-SNP quote provider returns (the
// report, then the host's certificate table) into a bundle's members.
func snpEvidenceFromQuote(raw []byte) (*SEVSNPEvidence, error) {
	if len(raw) < sevabi.ReportSize {
		return nil, fmt.Errorf("SEV-SNP: the guest returned %d bytes, less than a report (%d)", len(raw), sevabi.ReportSize)
	}
	snp := &SEVSNPEvidence{Report: raw[:sevabi.ReportSize:sevabi.ReportSize]}
	if len(raw) > sevabi.ReportSize {
		var table sevabi.CertTable
		if err := guarded("go-sev-guest's certificate table parser", func() error { return table.Unmarshal(raw[sevabi.ReportSize:]) }); err != nil {
			return nil, fmt.Errorf("SEV-SNP: the host's certificate table does not parse: %v", err)
		}
		// Read by GUID here rather than with CertTable.Proto, which logs a
		// warning to stdout when neither key's certificate is present.
		snp.VCEK, _ = table.GetByGUIDString(sevabi.VcekGUID)
		snp.VLEK, _ = table.GetByGUIDString(sevabi.VlekGUID)
	}
	if len(snp.VCEK) == 0 && len(snp.VLEK) == 0 {
		return nil, errors.New("SEV-SNP: the host supplied no VCEK or VLEK certificate with the report; " +
			"configure the host to provide it (SNP_SET_EXT_CONFIG / the certificate blob), as verification never downloads it")
	}
	if _, _, err := parseSNPReport(snp.Report); err != nil {
		return nil, fmt.Errorf("SEV-SNP: the guest returned no valid report: %v", err)
	}
	return snp, nil
}
