package attest

import (
	"errors"
	"fmt"
)

// ErrNotMeasurable: the evidence's measured code cannot be read.
var ErrNotMeasurable = errors.New("cannot measure the evidence")

// Measure returns the measurement_digest of the code that ev's report or
// quote measured, for governance to put on an operator's
// allowed_measurements. It reads the evidence; it does not verify it, so
// the digest is only as good as the evidence's origin: take it from a
// guest you launched yourself, or check the evidence with Check first.
func Measure(ev *Evidence) (string, error) {
	switch ev.TEEType {
	case TEESEVSNP:
		report, signer, err := parseSNPReport(ev.SEVSNP.Report)
		if err != nil {
			return "", fmt.Errorf("%w: the SEV-SNP report does not parse: %v", ErrNotMeasurable, err)
		}
		return (&snpEvidence{report: report, signer: signer}).measurementDigest(), nil
	case TEETDX:
		quote, err := parseTDXQuote(ev.TDX.Quote)
		if err != nil {
			return "", fmt.Errorf("%w: the TDX quote does not parse: %v", ErrNotMeasurable, err)
		}
		return (&tdxEvidence{quote: quote}).measurementDigest(), nil
	default:
		return "", fmt.Errorf("%w: teegate cannot read %s evidence", ErrNotMeasurable, ev.TEEType)
	}
}
