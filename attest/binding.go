package attest

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"

	"github.com/teegate/teegate/admission"
)

// TEE types, as payloads, registries and evidence bundles spell them.
const (
	TEESEVSNP = "sev-snp"
	TEETDX    = "tdx"
	TEESGX    = "sgx"
)

// Sizes of the measured fields and of the report data.
const (
	ReportDataSize  = 64 // SEV-SNP REPORT_DATA and TDX REPORTDATA
	MeasurementSize = 48 // SEV-SNP MEASUREMENT, TDX MRTD and each RTMR
)

// Domain-separation labels. Each is versioned, so that a later binding or
// digest never collides with these.
const (
	reportDataLabel  = "teegate/report-data/v1"
	measurementLabel = "teegate/measurement/v1"
)

// ReportData is the report data a TEE report must carry to be bound to a
// payload:
//
//	SHA-512("teegate/report-data/v1" || 0x00 || SHA-256(trimmed payload_json))
//
// The inner digest is the one the verifiers sign (admission.PayloadDigest),
// so the evidence commits to exactly the text that becomes the token, and
// every verifier, seeing the same text, signs the same digest.
func ReportData(payloadJSON string) [ReportDataSize]byte {
	inner := admission.PayloadDigest(payloadJSON)
	h := sha512.New()
	h.Write([]byte(reportDataLabel))
	h.Write([]byte{0})
	h.Write(inner[:])
	var out [ReportDataSize]byte
	h.Sum(out[:0])
	return out
}

// SEVSNPMeasurementDigest is the measurement_digest of an SEV-SNP guest:
//
//	"sha256:" + hex(SHA-256("teegate/measurement/v1" || 0x00 || "sev-snp" || 0x00 || MEASUREMENT))
func SEVSNPMeasurementDigest(measurement [MeasurementSize]byte) string {
	return measurementDigest(TEESEVSNP, measurement[:])
}

// TDXMeasurementDigest is the measurement_digest of a TDX trust domain:
//
//	"sha256:" + hex(SHA-256("teegate/measurement/v1" || 0x00 || "tdx" || 0x00 || MRTD || RTMR0 || RTMR1 || RTMR2))
//
// MRTD measures the initial TD image (the firmware); RTMR0 to RTMR2 the
// firmware configuration, the kernel and its command line. RTMR3 is left
// out: it is extended at run time by the guest itself.
func TDXMeasurementDigest(mrtd, rtmr0, rtmr1, rtmr2 [MeasurementSize]byte) string {
	return measurementDigest(TEETDX, mrtd[:], rtmr0[:], rtmr1[:], rtmr2[:])
}

func measurementDigest(tee string, fields ...[]byte) string {
	h := sha256.New()
	h.Write([]byte(measurementLabel))
	h.Write([]byte{0})
	h.Write([]byte(tee))
	h.Write([]byte{0})
	for _, f := range fields {
		h.Write(f)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
