// Package attest is the attestation verifier's side of teegate: it checks
// a signer's TEE evidence (an AMD SEV-SNP attestation report or an Intel
// TDX quote) against a governed attestation policy and the registry, and
// signs an admission-token payload only when the evidence proves every
// claim the payload makes.
//
// The binding: the signer writes the payload first and asks its TEE for a
// report whose report data is ReportData(payload), so the evidence commits
// to the exact text the verifiers sign. The payload's measurement_digest
// must be the digest of the measured code (SEVSNPMeasurementDigest,
// TDXMeasurementDigest), and the registry must allowlist it.
//
// Cryptographic verification (the chain to a trust root, revocation,
// Intel's collateral, signatures) is done by go-sev-guest and go-tdx-guest,
// offline: certificates, CRLs and collateral come from the evidence bundle
// or the policy, never from the network. Policy validation (debug, VMPL,
// minimum TCB levels, the binding) follows, with every option of the
// libraries' validate packages set explicitly. SGX evidence is refused:
// no maintained Go verifier of SGX DCAP quotes exists.
//
// The package imports admission and governance; they never import it.
package attest
