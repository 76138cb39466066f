package service

import (
	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

// The documents a check request body may carry, each named after the
// CLI's flag: the governed ones by their Document name, and these.
const (
	memberEvents  = "events"
	memberToken   = "token"
	memberSession = "session"
	memberContext = "context"
)

// Each check's members, which also size its body limit (envelopeLimit).
var (
	registryCheckMembers    = []string{string(DocRegistry), memberEvents}
	tokenCheckMembers       = []string{string(DocRegistry), string(DocKeyset), memberToken, string(DocRevocationRegistry)}
	runtimeCheckMembers     = []string{string(DocRegistry), memberSession}
	enforcementCheckMembers = []string{string(DocRegistry), memberContext}
)

// checkBody is a check request: the documents it carries, and the
// service's documents for the governed ones it does not.
type checkBody struct {
	env          strictjson.Envelope
	snap         *snapshot
	governedOnly bool
	used         []Document // the service's own documents the check uses
	requestDocs  []string   // governed documents the body brought instead
}

func (s *Service) splitCheckBody(body []byte, snap *snapshot, members []string) (*checkBody, error) {
	env, err := strictjson.SplitEnvelope(requestFile, body, envelopeLimit(len(members)), members...)
	if err != nil {
		return nil, err
	}
	return &checkBody{env: env, snap: snap, governedOnly: s.opts.GovernedDocumentsOnly}, nil
}

// governed decodes the governed document doc from the body, or, when the
// body lacks it, takes the service's own (own), which is in force. One the
// body carries is refused when the service decides on its own documents
// only.
func governed[T any](b *checkBody, doc Document, own *T, decode func(file string, data []byte) (*T, error)) (*T, error) {
	name := string(doc)
	m, ok := b.env[name]
	if !ok {
		b.used = append(b.used, doc)
		return own, nil
	}
	if b.governedOnly {
		return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: "/" + name, Offset: m.Offset,
			Msg: "this service decides on its own governed documents; leave this member out"}
	}
	b.requestDocs = append(b.requestDocs, name)
	return decodeMember(m, name, decode)
}

// carried decodes member name, which the body must carry.
func carried[T any](b *checkBody, name string, decode func(file string, data []byte) (*T, error)) (*T, error) {
	m, ok := b.env[name]
	if !ok {
		return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Offset: -1, Msg: "missing required member \"" + name + "\""}
	}
	return decodeMember(m, name, decode)
}

func decodeMember[T any](m strictjson.Member, name string, decode func(file string, data []byte) (*T, error)) (*T, error) {
	v, err := decode(requestFile, m.Data)
	if err != nil {
		return nil, m.Rebase(name, err)
	}
	return v, nil
}

// registry is the body's registry, decoded with the members layer req
// reads, or the service's.
func (b *checkBody) registry(req governance.Requirement) (*governance.Registry, error) {
	return governed(b, DocRegistry, b.snap.registry, func(f string, d []byte) (*governance.Registry, error) {
		return governance.DecodeRegistry(f, d, req)
	})
}

// made is the check's decision, its reasons all from one layer.
func (b *checkBody) made(d decision.Decision, layer gate.Layer, sessionID string) *made {
	m := &made{result: d, outcome: d.Outcome, sessionID: sessionID, used: b.used, requestDocs: b.requestDocs}
	for _, r := range d.Reasons {
		m.reasons = append(m.reasons, layerCode{layer: layer, code: r.Code})
	}
	return m
}

func (s *Service) checkRegistry(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, registryCheckMembers)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(governance.Requirement{})
	if err != nil {
		return nil, err
	}
	var log *governance.AuditLog // nil without events: no event checks, as in the CLI
	if _, ok := b.env[memberEvents]; ok {
		if log, err = carried(b, memberEvents, governance.DecodeAuditLog); err != nil {
			return nil, err
		}
	}
	return b.made(governance.CheckRegistry(reg, log, now), layerRegistry, ""), nil
}

func (s *Service) checkToken(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, tokenCheckMembers)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(admission.RegistryMembers)
	if err != nil {
		return nil, err
	}
	ks, err := governed(b, DocKeyset, snap.keyset, admission.DecodeKeyset)
	if err != nil {
		return nil, err
	}
	tok, err := carried(b, memberToken, admission.DecodeToken)
	if err != nil {
		return nil, err
	}
	rev, err := governed(b, DocRevocationRegistry, snap.revocation, admission.DecodeRevocationRegistry)
	if err != nil {
		return nil, err
	}
	// The shared cache remembers payloads signed under the service's
	// keyset. A caller's own keyset gets a cache of its own, for this
	// request: it could otherwise fill the shared one with payloads it
	// signed itself.
	v := s.verifier
	if ks != snap.keyset {
		v = admission.NewObservedVerifier(s.metrics)
	} else {
		v.Prune(now) // the gate prunes too; this service may serve only checks
	}
	return b.made(v.CheckToken(reg, ks, tok, rev, now), gate.LayerToken, ""), nil
}

func (s *Service) checkRuntime(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, runtimeCheckMembers)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(cohort.RegistryMembers)
	if err != nil {
		return nil, err
	}
	session, err := carried(b, memberSession, cohort.DecodeSession)
	if err != nil {
		return nil, err
	}
	return b.made(cohort.CheckRuntime(reg, session, now), gate.LayerRuntime, session.SessionID), nil
}

func (s *Service) checkEnforcement(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, enforcementCheckMembers)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(enforce.RegistryMembers)
	if err != nil {
		return nil, err
	}
	ctx, err := carried(b, memberContext, enforce.DecodeContext)
	if err != nil {
		return nil, err
	}
	m := b.made(enforce.CheckEnforcement(reg, ctx, now), gate.LayerEnforcement, ctx.SessionID)
	// Layer D repeats the caller's runtime reason codes after a prefix;
	// as metric labels they would let any caller mint series without end.
	// Layer D's own codes keep their labels.
	echoed := make(map[decision.Code]bool, len(ctx.RuntimeDecision.Reasons))
	for _, r := range ctx.RuntimeDecision.Reasons {
		echoed[enforce.RuntimeReasonPrefix+r.Code] = true
	}
	for i, r := range m.reasons {
		if echoed[r.code] {
			m.reasons[i].label = echoedRuntimeCode
		}
	}
	return m, nil
}

// echoedRuntimeCode labels, in metrics, every reason code layer D repeats
// from a caller's runtime decision.
const echoedRuntimeCode = enforce.RuntimeReasonPrefix + "*"
