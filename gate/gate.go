package gate

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/jsonout"
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
	// verifies every signature again. It overrides Verifier.
	NoCache bool
	// Verifier is the verification cache to use; nil makes a new one
	// (unless NoCache is set). A Verifier remembers only facts about keys,
	// payload texts and signatures, never policy, so Gates built for
	// successive versions of the documents can share one and keep its
	// work.
	Verifier *admission.Verifier
	// RejectStaleDenylist rejects a session start (any phase but
	// mid_session) while the revocation registry's denylist is not fresh
	// (governance.DenylistFreshness), whatever its enforcement mode: the
	// plan asks for a fresh denylist at every session start, yet in
	// monitor, soft and non-canary hard-canary modes layer D admits a
	// session that layers B and C reject for it, with warnings. The reason
	// is CodeDenylistStaleAtSessionStart under LayerService. teegate serve
	// turns it on; teegate gate with --stale-denylist reject.
	RejectStaleDenylist bool
	// AuditLog is the governance audit log, a governed document like the
	// registry: under policy 2 a break-glass grant is in force only when
	// the log records its activation, and the log's activations are the
	// history its cap and cooldown count. nil: no activations. Policy 1
	// does not read it.
	AuditLog *governance.AuditLog
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
	strict   bool // Options.RejectStaleDenylist
	log      *governance.AuditLog
	// policy2 and operators: the registry's policy, and its operators by
	// normalised id, for the checks only the gate can make under policy 2.
	policy2   bool
	operators map[string]*governance.Operator
}

// New builds a Gate.
func New(reg *governance.Registry, ks *admission.Keyset, rev *admission.RevocationRegistry, opts Options) *Gate {
	g := &Gate{reg: reg, ks: ks, rev: rev, workers: opts.Workers, strict: opts.RejectStaleDenylist, log: opts.AuditLog,
		policy2: reg.Policy() == governance.Policy2}
	if g.policy2 {
		g.operators = governance.IndexOperators(reg.Operators)
	}
	if g.workers <= 0 {
		g.workers = runtime.GOMAXPROCS(0)
	}
	switch {
	case opts.NoCache:
	case opts.Verifier != nil:
		g.verifier = opts.Verifier
	default:
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
	// LayerService marks a rule of the deployment's, over layer D's
	// decision: Options.RejectStaleDenylist. It is named for teegate
	// serve, which has always applied it.
	LayerService Layer = "service"
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

// Evaluate decides whether session s may sign at now (Unix seconds).
//
//  1. Every selected signer's token is checked as layer B does, in
//     parallel, and must name the operator and signer identifier of the
//     signer presenting it.
//  2. Layer C checks the cohort on token facts taken from the verified
//     payloads; a signer whose payload does not decode has none, and layer
//     C reports it. Any token that fails makes the runtime decision a
//     rejection, with its reasons appended: layer B's findings about the
//     registry, keyset and denylist once, each token's own under its
//     signer. In the mid_session phase a token's expiry is left to layer
//     C, which tolerates the grace period.
//  3. Layer D enforces the runtime decision in the session's mode.
func (g *Gate) Evaluate(s *Session, now uint64) Result {
	res, _ := g.EvaluateContext(context.Background(), s, now) // never done: no error
	return res
}

// EvaluateContext is Evaluate, abandoned once ctx is done: the token
// checks, where the time goes, stop between tokens, and it returns ctx's
// error and no decision. A service bounds each decision's time with it.
func (g *Gate) EvaluateContext(ctx context.Context, s *Session, now uint64) (Result, error) {
	if g.verifier != nil {
		g.verifier.Prune(now)
	}
	checker := admission.NewChecker(g.verifier, g.reg, g.ks, g.rev, now)
	tokens, payloads := g.checkTokens(ctx, checker, s.SelectedSigners)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	runtimeSession := g.runtimeSession(s, payloads, now)
	rd, signerOf := cohort.CheckRuntimeAttributed(g.reg, runtimeSession, now)
	var rt runtimeReasons
	for i, r := range rd.Reasons {
		signer := ""
		if idx := signerOf[i]; idx != cohort.NoSigner {
			signer = s.SelectedSigners[idx].OperatorID
		}
		rt.add(r, LayerRuntime, signer)
	}
	common := checker.Common()
	for _, r := range common {
		rt.add(r, LayerToken, "")
	}
	phase, _ := cohort.ParsePhase(s.Phase)
	midSession := phase == cohort.PhaseMidSession
	for i := range s.SelectedSigners {
		sel := &s.SelectedSigners[i]
		for _, r := range tokens[i].Reasons[len(common):] {
			if midSession && r.Code == admission.CodeTokenExpired {
				continue // layer C judges expiry mid-session, with the grace period
			}
			rt.add(r, LayerToken, sel.OperatorID)
		}
		if p := payloads[i]; p != nil {
			if ident.Norm(p.OperatorID) != ident.Norm(sel.OperatorID) {
				rt.add(decision.Reason{Code: CodeTokenOperatorMismatch,
					Detail: fmt.Sprintf("selected operator %q presents a token for operator %q", sel.OperatorID, p.OperatorID)}, LayerToken, sel.OperatorID)
			}
			if ident.Norm(p.SignerIdentifier) != ident.Norm(sel.SignerIdentifier) {
				rt.add(decision.Reason{Code: CodeTokenSignerIdentifierMismatch,
					Detail: fmt.Sprintf("selected signer %q presents a token for signer %q", sel.SignerIdentifier, p.SignerIdentifier)}, LayerToken, sel.OperatorID)
			}
			if op := g.operators[ident.Norm(p.OperatorID)]; op != nil { // policy 2 only: nil map otherwise
				if tv, known := governance.TEEVendor(p.TEEType); !known || tv != op.Vendor() {
					rt.add(decision.Reason{Code: CodeTokenTEETypeVendorMismatch,
						Detail: fmt.Sprintf("the token is for a %q TEE, which is not of operator %q's vendor %q", p.TEEType, op.OperatorID, op.Vendor())}, LayerToken, sel.OperatorID)
				}
			}
		}
	}
	outcome := decision.Allow
	if len(rt.reasons) > 0 {
		outcome = decision.Reject // layers B and C have no warning tier
	}
	runtimeDecision := decision.Decision{Outcome: outcome, Reasons: rt.reasons, ValidatedAtUnix: now}

	ec := &enforce.Context{
		SessionID:           s.SessionID,
		CanarySession:       s.Enforcement.CanarySession,
		SelectedOperatorIDs: make([]string, len(s.SelectedSigners)),
		RuntimeDecision:     enforce.RuntimeDecision{Decision: string(outcome), Reasons: rt.reasons, ValidatedAtUnix: now, SessionID: &s.SessionID},
		EnforcementMode:     s.Enforcement.Mode,
		BreakGlass:          s.Enforcement.BreakGlass,
		BreakGlassHistory:   s.Enforcement.BreakGlassHistory,
		BreakGlassGrant:     s.Enforcement.BreakGlassGrant,
	}
	for i := range s.SelectedSigners {
		ec.SelectedOperatorIDs[i] = s.SelectedSigners[i].OperatorID
	}
	ed, origins := enforce.Evaluate(g.reg, g.log, ec, now)

	res := Result{
		Outcome:         ed.Outcome,
		Reasons:         rt.attribute(ed.Reasons, origins),
		ValidatedAtUnix: now,
		Tokens:          tokens,
		Runtime:         runtimeDecision,
		Enforcement:     ed,
	}
	// Only the final outcome and reasons change; res.Enforcement stays
	// layer D's own decision, for audit.
	if g.strict && phase == cohort.PhaseSessionStart && res.Admits() {
		if st := governance.DenylistFreshness(g.rev.DenylistRefreshedAtUnix, &g.reg.Enforcement, now); !st.Fresh {
			res.Outcome = decision.Reject
			res.Reasons = append([]Reason{{Layer: LayerService, Code: CodeDenylistStaleAtSessionStart,
				Detail: st.Problem + "; a session may not start on it in any enforcement mode"}}, res.Reasons...)
		}
	}
	return res, nil
}

// runtimeReasons are the reasons of the runtime decision layer D enforces,
// each with the layer and signer it comes from.
type runtimeReasons struct {
	reasons []decision.Reason
	origins []Reason // the same reasons, attributed
}

func (rt *runtimeReasons) add(r decision.Reason, layer Layer, signer string) {
	rt.reasons = append(rt.reasons, r)
	rt.origins = append(rt.origins, Reason{Layer: layer, Signer: signer, Code: r.Code, Detail: r.Detail})
}

// attribute labels layer D's reasons by their origins
// (enforce.CheckEnforcementAttributed): those re-emitted from the runtime
// decision get their origin and their own code back; the rest are layer
// D's own. When layer D re-emitted none, as when its pre-checks fail, the
// runtime reasons follow its own, so that no layer's findings are lost.
func (rt *runtimeReasons) attribute(final []decision.Reason, origins []int) []Reason {
	out := make([]Reason, 0, len(final))
	reemitted := false
	for i, r := range final {
		if j := origins[i]; j != enforce.NotReemitted {
			out = append(out, rt.origins[j])
			reemitted = true
			continue
		}
		out = append(out, Reason{Layer: LayerEnforcement, Code: r.Code, Detail: r.Detail})
	}
	if !reemitted {
		out = append(out, rt.origins...)
	}
	return out
}

// checkTokens runs layer B over every signer's token on g.workers
// goroutines, returning each decision and each decoded payload (nil when
// it does not decode). Once ctx is done the workers stop, leaving the
// rest unchecked.
func (g *Gate) checkTokens(ctx context.Context, checker *admission.Checker, signers []Signer) ([]decision.Decision, []*admission.Payload) {
	decisions := make([]decision.Decision, len(signers))
	payloads := make([]*admission.Payload, len(signers))
	// Each worker takes the next unchecked token until none is left: no
	// coordinator goroutine to hand work out, so no worker ever waits for
	// one. The calling goroutine is one of the workers.
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= len(signers) || ctx.Err() != nil {
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
		SessionID:          s.SessionID,
		Phase:              s.Phase,
		Threshold:          s.Threshold,
		SelectedSigners:    make([]cohort.SelectedSigner, len(s.SelectedSigners)),
		VendorOutage:       s.VendorOutage,
		VendorOutageGrants: s.VendorOutageGrants,
		Denylist:           Denylist(g.rev, now),
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

// Denylist is layer C's denylist as the revocation registry rev states it
// at now: the lists and epoch as they are, and the token ids whose
// revocation is in force. The gate gives it to layer C; teegate serve
// gives it to a runtime check, so that the denylist is the service's own.
func Denylist(rev *admission.RevocationRegistry, now uint64) cohort.Denylist {
	return cohort.Denylist{
		RefreshedAtUnix:          rev.DenylistRefreshedAtUnix,
		RevokedOperatorIDs:       rev.RevokedOperatorIDs,
		RevokedSignerIdentifiers: rev.RevokedSignerIdentifiers,
		RevokedTokenIDs:          revokedBy(rev.RevokedTokenIDs, now),
		MinTokenRevocationEpoch:  rev.MinTokenRevocationEpoch,
	}
}

// revokedBy lists the token ids whose revocation is in force at now; layer
// C's denylist has ids only, and a revocation dated later is not yet one.
func revokedBy(m map[string]admission.RevocationRecord, now uint64) []string {
	var ids []string
	for id, rec := range m {
		if rec.InForce(now) {
			ids = append(ids, id)
		}
	}
	return ids
}

// Admits reports whether the final decision lets the session sign.
func (r Result) Admits() bool { return r.Outcome.Admits() }

// Marshal renders the result as teegate gate prints it: the contract's
// decision object, each reason also naming its layer and its signer (when
// it has one). Like decision.Decision.Marshal, it writes token by token
// (jsonout.Tokens): the same bytes as json.Marshal, without its reflection.
func (r Result) Marshal() ([]byte, error) {
	return jsonout.Tokens(func(w *jsonout.Writer) {
		w.Decision(string(r.Outcome), "", len(r.Reasons), func(i int) {
			reason := r.Reasons[i]
			w.Member("layer", string(reason.Layer))
			if reason.Signer != "" {
				w.Member("signer", reason.Signer)
			}
			w.Member("code", string(reason.Code))
			w.Member("detail", reason.Detail)
		}, r.ValidatedAtUnix)
	})
}
