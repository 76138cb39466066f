package gate

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
)

// RegistryMembers are the registry members the gate reads: those of layers
// B, C and D.
var RegistryMembers = governance.AnyOf(admission.RegistryMembers, cohort.RegistryMembers, enforce.RegistryMembers)

// Options are deployment settings of a Gate, fixed when it is built.
type Options struct {
	// Workers is how many tokens are verified at once; 0 means one per
	// available CPU (runtime.GOMAXPROCS).
	Workers int
	// NoCache turns off the verification cache, so that every evaluation
	// verifies every signature again.
	NoCache bool
}

// Gate evaluates signing sessions against one registry, verifier keyset
// and revocation registry. Build it once, when those documents change, and
// call Evaluate for each session; it is safe for concurrent use. The
// documents must not be modified while the Gate is in use.
type Gate struct {
	reg      *governance.Registry
	ks       *admission.Keyset
	rev      *admission.RevocationRegistry
	verifier *admission.Verifier // nil when caching is off
	workers  int
}

// New builds a Gate.
func New(reg *governance.Registry, ks *admission.Keyset, rev *admission.RevocationRegistry, opts Options) *Gate {
	g := &Gate{reg: reg, ks: ks, rev: rev, workers: opts.Workers}
	if g.workers <= 0 {
		g.workers = runtime.GOMAXPROCS(0)
	}
	if !opts.NoCache {
		g.verifier = admission.NewVerifier()
	}
	return g
}

// Layer names the layer a reason comes from.
type Layer string

const (
	LayerToken       Layer = "token"       // layer B, for one signer's admission token
	LayerRuntime     Layer = "runtime"     // layer C, for the cohort or one signer
	LayerEnforcement Layer = "enforcement" // layer D
)

// Reason is a reason of the final decision, with the layer it comes from
// and, where it concerns one signer, that signer's operator id.
type Reason struct {
	Layer  Layer         `json:"layer"`
	Signer string        `json:"signer,omitempty"`
	Code   decision.Code `json:"code"`
	Detail string        `json:"detail"`
}

// Result is a session's evaluation: the final decision, with every layer's
// reasons attributed, and each layer's own decision for audit.
type Result struct {
	Outcome         decision.Outcome `json:"decision"`
	Reasons         []Reason         `json:"reasons"`
	ValidatedAtUnix uint64           `json:"validated_at_unix"`

	// Tokens holds layer B's decision for each selected signer, in order.
	Tokens []decision.Decision `json:"-"`
	// Runtime is layer C's decision over the cohort, with the reasons of
	// every token that failed layer B appended: what layer D enforces.
	Runtime decision.Decision `json:"-"`
	// Enforcement is layer D's decision; its outcome is the final one.
	Enforcement decision.Decision `json:"-"`
}

// attributed is a reason of the combined runtime decision and its origin.
type attributed struct {
	layer  Layer
	signer string
}

// Evaluate decides whether session s may sign at now (Unix seconds).
//
//  1. Every selected signer's token is checked as layer B does, in
//     parallel.
//  2. Layer C checks the cohort on token facts taken from the verified
//     payloads; a signer whose payload does not decode has none, and layer
//     C reports it. Any token that fails layer B makes the runtime decision
//     a rejection, with that token's reasons appended.
//  3. Layer D enforces the runtime decision in the session's mode.
func (g *Gate) Evaluate(s *Session, now uint64) Result {
	if g.verifier != nil {
		g.verifier.Prune(now)
	}
	tokens, payloads := g.checkTokens(s.SelectedSigners, now)

	runtimeSession := g.runtimeSession(s, payloads, now)
	rd, signerOf := cohort.CheckRuntimeAttributed(g.reg, runtimeSession, now)
	combined := append([]decision.Reason(nil), rd.Reasons...)
	origins := make([]attributed, len(combined))
	for i, idx := range signerOf {
		origins[i] = attributed{layer: LayerRuntime}
		if idx != cohort.NoSigner {
			origins[i].signer = s.SelectedSigners[idx].OperatorID
		}
	}
	outcome := rd.Outcome
	for i, td := range tokens {
		if td.Outcome == decision.Reject {
			outcome = decision.Reject
			for _, r := range td.Reasons {
				combined = append(combined, r)
				origins = append(origins, attributed{LayerToken, s.SelectedSigners[i].OperatorID})
			}
		}
	}
	runtimeDecision := decision.Decision{Outcome: outcome, Reasons: combined, ValidatedAtUnix: now}

	ctx := &enforce.Context{
		SessionID:           s.SessionID,
		CanarySession:       s.Enforcement.CanarySession,
		SelectedOperatorIDs: make([]string, len(s.SelectedSigners)),
		RuntimeDecision:     enforce.RuntimeDecision{Decision: string(outcome), Reasons: combined, ValidatedAtUnix: now},
		EnforcementMode:     s.Enforcement.Mode,
		BreakGlass:          s.Enforcement.BreakGlass,
		BreakGlassHistory:   s.Enforcement.BreakGlassHistory,
	}
	for i := range s.SelectedSigners {
		ctx.SelectedOperatorIDs[i] = s.SelectedSigners[i].OperatorID
	}
	ed := enforce.CheckEnforcement(g.reg, ctx, now)

	return Result{
		Outcome:         ed.Outcome,
		Reasons:         attribute(ed.Reasons, combined, origins),
		ValidatedAtUnix: now,
		Tokens:          tokens,
		Runtime:         runtimeDecision,
		Enforcement:     ed,
	}
}

// checkTokens runs layer B over every signer's token on g.workers
// goroutines, returning each decision and each decoded payload (nil when
// it does not decode).
func (g *Gate) checkTokens(signers []Signer, now uint64) ([]decision.Decision, []*admission.Payload) {
	decisions := make([]decision.Decision, len(signers))
	payloads := make([]*admission.Payload, len(signers))
	checker := admission.NewChecker(g.verifier, g.reg, g.ks, g.rev, now)
	// Each worker takes the next unchecked token until none is left: no
	// coordinator goroutine to hand work out, so no worker ever waits for
	// one. The calling goroutine is one of the workers.
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(signers) {
				return
			}
			decisions[i], payloads[i] = checker.CheckPayload(&signers[i].Token)
		}
	}
	var wg sync.WaitGroup
	for range min(g.workers, len(signers)) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	return decisions, payloads
}

// runtimeSession is layer C's view of the session: token facts from the
// verified payloads, and the denylist from the revocation registry.
func (g *Gate) runtimeSession(s *Session, payloads []*admission.Payload, now uint64) *cohort.Session {
	rs := &cohort.Session{
		SessionID:       s.SessionID,
		Phase:           s.Phase,
		Threshold:       s.Threshold,
		SelectedSigners: make([]cohort.SelectedSigner, len(s.SelectedSigners)),
		VendorOutage:    s.VendorOutage,
		Denylist: cohort.Denylist{
			RefreshedAtUnix:          g.rev.DenylistRefreshedAtUnix,
			RevokedOperatorIDs:       g.rev.RevokedOperatorIDs,
			RevokedSignerIdentifiers: g.rev.RevokedSignerIdentifiers,
			RevokedTokenIDs:          revokedBy(g.rev.RevokedTokenIDs, now),
			MinTokenRevocationEpoch:  g.rev.MinTokenRevocationEpoch,
		},
	}
	for i, sel := range s.SelectedSigners {
		rs.SelectedSigners[i] = cohort.SelectedSigner{OperatorID: sel.OperatorID, SignerIdentifier: sel.SignerIdentifier, VendorID: sel.VendorID}
		if p := payloads[i]; p != nil {
			rs.SelectedSigners[i].Token = cohort.TokenSnapshot{TokenID: p.TokenID, IssuedAtUnix: p.IssuedAtUnix,
				ExpiresAtUnix: p.ExpiresAtUnix, TokenRevocationEpoch: p.TokenRevocationEpoch}
		}
	}
	return rs
}

// revokedBy lists the token ids whose revocation is in force at now; layer
// C's denylist has ids only, and a revocation dated later is not yet one.
func revokedBy(m map[string]admission.RevocationRecord, now uint64) []string {
	var ids []string
	for id, rec := range m {
		if rec.RevokedAtUnix <= now {
			ids = append(ids, id)
		}
	}
	return ids
}

// attribute labels layer D's reasons: those re-emitted from the combined
// runtime decision (RuntimeReasonPrefix + code, in order) get their origin
// and their own code back; the rest are layer D's own.
func attribute(final, combined []decision.Reason, origins []attributed) []Reason {
	out := make([]Reason, 0, len(final))
	j := 0
	for _, r := range final {
		if j < len(combined) && r.Code == enforce.RuntimeReasonPrefix+combined[j].Code && r.Detail == combined[j].Detail {
			out = append(out, Reason{Layer: origins[j].layer, Signer: origins[j].signer, Code: combined[j].Code, Detail: r.Detail})
			j++
			continue
		}
		out = append(out, Reason{Layer: LayerEnforcement, Code: r.Code, Detail: r.Detail})
	}
	return out
}

// Admits reports whether the final decision lets the session sign.
func (r Result) Admits() bool { return r.Outcome.Admits() }

// Marshal renders the result as teegate gate prints it: the contract's
// decision object, each reason also naming its layer and signer.
func (r Result) Marshal() ([]byte, error) {
	if r.Reasons == nil {
		r.Reasons = []Reason{}
	}
	return decision.MarshalIndent(r)
}
