// Package attesttest makes SYNTHETIC, TEST-ONLY TEE evidence: AMD SEV-SNP
// attestation reports and Intel TDX quotes (with the Intel PCS collateral that
// goes with them) whose fields the caller chooses, signed with real
// cryptography so that github.com/google/go-sev-guest and
// github.com/google/go-tdx-guest verify and validate them offline.
//
// TEST ONLY. Every private key used here is fixed and public: the AMD keys are
// go-sev-guest's testing.DefaultAmdKeys(), and the Intel-like keys are
// constants in this package's source. Nothing signed by them is evidence of
// anything. Never put SNPRoots or TDXRootCA certificates into a production
// trust store.
//
// The keys, names, serial numbers and validity windows of the root and
// intermediate certificates are the same in every process (NotBefore
// 2025-01-01T00:00:00Z), so a policy file that pins these test roots once keeps
// verifying evidence generated later. The TDX certificates are signed with
// deterministic (RFC 6979) ECDSA and are byte-for-byte reproducible; the AMD
// certificates use RSA-PSS, whose salt is random, so only their signature bytes
// differ between processes. Within one process, SNPRoots/TDXRootCA and the
// ARK/ASK/RootCA returned with evidence are identical bytes.
//
// The package returns raw artifacts only (bytes) and imports nothing from
// teegate. Importing it also imports github.com/google/go-sev-guest/testing,
// which registers the global command-line flags "product" and "product_name".
package attesttest
