package attest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/ident"
)

// Options are a verifier's deployment settings, apart from the policy it
// applies.
type Options struct {
	// OnNetwork, if set, is told of every URL a library asks for that is
	// not collateral the bundle or the policy carries. The request is
	// refused either way: verification never touches the network. It is
	// called from the goroutine running Check.
	OnNetwork func(url string)
}

// Verifier judges evidence for payloads, under one attestation policy and
// one registry. It is safe for concurrent use; its documents must not
// change.
type Verifier struct {
	policy   *Policy
	registry *governance.Registry
	opts     Options
}

// NewVerifier returns a Verifier applying policy, with payload claims
// judged against registry.
func NewVerifier(policy *Policy, registry *governance.Registry, opts Options) *Verifier {
	return &Verifier{policy: policy, registry: registry, opts: opts}
}

// Result is a verification's decision and, when the evidence verified,
// what it proved.
type Result struct {
	decision.Decision
	// Evidence is what the evidence proved about the guest, when its
	// signature and chain verified (whatever the decision); nil otherwise.
	Evidence *Proven `json:"-"`
}

// Proven is what verified evidence says about a guest. It serialises to
// JSON for audit.
type Proven struct {
	TEEType string `json:"tee_type"`
	// TrustRootID is the policy's trust root the evidence chains to.
	TrustRootID       string `json:"trust_root_id"`
	MeasurementDigest string `json:"measurement_digest"`
	ReportDataHex     string `json:"report_data_hex"`
	Debug             bool   `json:"debug"`
}

// Check decides whether evidence proves every claim of a payload, under
// policy and registry, at now (Unix seconds). It is Verifier.Check with
// default options.
func Check(policy *Policy, registry *governance.Registry, payloadJSON string, ev *Evidence, now uint64) Result {
	return NewVerifier(policy, registry, Options{}).Check(payloadJSON, ev, now)
}

// Check decides whether ev proves every claim of payloadJSON at now. In
// order:
//
//  1. the payload's claims against the registry, as layer B judges them
//     (admission.CheckClaims), and its issue time against the clock skew;
//  2. the TEE type: SGX is refused, the policy must accept the evidence's
//     type, and the payload must claim it;
//  3. verification, by go-sev-guest or go-tdx-guest: the chain to a trust
//     root of the policy, revocation, collateral, signatures. A failure
//     stops here: nothing the evidence says can be trusted;
//  4. the policy: debug, VMPL, minimum TCB levels, and the library's own
//     validation;
//  5. the binding: the report data must be ReportData(payloadJSON), and the
//     payload's measurement_digest the digest of the measured code.
func (v *Verifier) Check(payloadJSON string, ev *Evidence, now uint64) Result {
	c := &check{policy: v.policy, opts: v.opts, ev: ev, now: now, nowTime: time.Unix(int64(min(now, 1<<62)), 0)}
	c.run(v.registry, payloadJSON)
	return Result{Decision: c.b.Decide(now), Evidence: c.proven}
}

// check is one Check: the state its steps share.
type check struct {
	policy  *Policy
	opts    Options
	ev      *Evidence
	now     uint64
	nowTime time.Time
	b       decision.Builder
	proven  *Proven
	// reportDataMismatch is set before validation, so that a library's
	// complaint about the report data is not reported twice.
	reportDataMismatch bool
}

// verified is evidence whose signature and chain verified.
type verified interface {
	trustRootID() string
	debug() bool
	reportData() []byte
	measurementDigest() string
	// validate applies the policy, adding its findings to c.
	validate(c *check, binding [ReportDataSize]byte)
}

// asVerified is a verification's result as a verified, nil unless ok.
func asVerified[T verified](e T, ok bool) (verified, bool) {
	if !ok {
		return nil, false
	}
	return e, true
}

func (c *check) run(reg *governance.Registry, payloadJSON string) {
	claims, payload := admission.CheckClaims(reg, payloadJSON, c.now)
	skew := c.policy.MaxClockSkew()
	for _, r := range claims.Reasons {
		// Layer B refuses a token issued after now; a verifier allows the
		// signer's clock to run up to the policy's skew ahead of its own.
		if r.Code == admission.CodeTokenNotYetValid && payload != nil && payload.IssuedAtUnix-c.now <= skew {
			continue
		}
		c.b.Add(r)
	}
	if payload == nil {
		return // nothing to bind the evidence to
	}
	if d := absDiff(payload.IssuedAtUnix, c.now); d > skew {
		c.b.Addf(CodeIssuedAtOutsideClockSkew, "issued_at_unix %d is %d s from now (%d); the policy allows %d s",
			payload.IssuedAtUnix, d, c.now, skew)
	}

	// DecodeEvidence has checked a bundle read from a file; one built in
	// Go is checked here, so that a missing member is a refusal, not a
	// panic.
	if c.ev == nil {
		c.b.Addf(CodeEvidenceMalformed, "no evidence")
		return
	}
	if err := c.ev.validate("evidence"); err != nil {
		c.b.Addf(CodeEvidenceMalformed, "the evidence bundle is not well formed: %v", err)
		return
	}
	claimed := ident.Norm(payload.TEEType)
	if claimed == TEESGX || c.ev.TEEType == TEESGX {
		c.b.Addf(CodeSGXUnsupported, "SGX evidence cannot be verified by teegate: no maintained Go verifier of SGX DCAP quotes exists; use a verifier that can, or a SEV-SNP or TDX signer")
		return
	}
	if !c.policy.Accepts(c.ev.TEEType) {
		c.b.Addf(CodeTEETypeNotAccepted, "the evidence is %s; this verifier's policy accepts %v", c.ev.TEEType, c.policy.AcceptedTEETypes)
		return
	}
	sameTEE := claimed == c.ev.TEEType
	if !sameTEE {
		c.b.Addf(CodeTEETypeMismatch, "the payload claims tee_type %q; the evidence is %s", payload.TEEType, c.ev.TEEType)
	}

	binding := ReportData(payloadJSON)
	var e verified
	var ok bool
	switch c.ev.TEEType {
	case TEESEVSNP:
		e, ok = asVerified(c.verifySEVSNP(c.ev.SEVSNP))
	case TEETDX:
		e, ok = asVerified(c.verifyTDX(c.ev.TDX))
	}
	if !ok {
		return
	}
	c.proven = &Proven{TrustRootID: e.trustRootID()}
	c.reportDataMismatch = !bytes.Equal(e.reportData(), binding[:])
	e.validate(c, binding)
	digest := e.measurementDigest()
	c.proven.TEEType, c.proven.MeasurementDigest = c.ev.TEEType, digest
	c.proven.ReportDataHex, c.proven.Debug = hex.EncodeToString(e.reportData()), e.debug()

	if c.reportDataMismatch {
		c.b.Addf(CodeReportDataMismatch, "the report data %x is not the binding of this payload (%x): the evidence was made for another payload",
			e.reportData(), binding)
	}
	if sameTEE && ident.Norm(payload.MeasurementDigest) != digest {
		c.b.Addf(CodeMeasurementMismatch, "the payload claims measurement_digest %q; the evidence's measured code has %s",
			payload.MeasurementDigest, digest)
	}
}

// errLibraryPanic marks a library that panicked on the evidence: a bug
// that hostile input can reach (go-tdx-guest v0.3.1 indexes past a quote
// whose length fields lie). The evidence is refused, and the process lives.
var errLibraryPanic = errors.New("the library panicked")

// guarded runs f, turning a panic into an error wrapping errLibraryPanic.
func guarded(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w in %s: %v", errLibraryPanic, what, r)
		}
	}()
	return f()
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}
