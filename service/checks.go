package service

import (
	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/strictjson"
)

// Members of a check request body: the CLI's documents, each named after
// its flag.
const (
	memberRegistry   = "registry"
	memberEvents     = "events"
	memberKeyset     = "keyset"
	memberToken      = "token"
	memberRevocation = "revocation_registry"
	memberSession    = "session"
	memberContext    = "context"
)

// checkBody is a check request: the documents it carries, and the
// service's documents for the governed ones it does not.
type checkBody struct {
	env          strictjson.Envelope
	snap         *snapshot
	governedOnly bool
	used         []Document
	requestDocs  []string // members holding governed documents
}

func (s *Service) splitCheckBody(body []byte, snap *snapshot, members ...string) (*checkBody, error) {
	env, err := strictjson.SplitEnvelope(requestFile, body, envelopeLimit(len(members)), members...)
	if err != nil {
		return nil, err
	}
	return &checkBody{env: env, snap: snap, governedOnly: s.opts.GovernedDocumentsOnly}, nil
}

// document decodes member name of the body. When the body lacks it, a
// governed document (doc not empty) is the service's own, in force; any
// other is required. A governed document the body carries is refused when
// the service is configured to decide on its own documents only.
func document[T any](b *checkBody, name string, doc Document, own *T, decode func(file string, data []byte) (*T, error)) (*T, error) {
	m, ok := b.env[name]
	if !ok {
		if doc == "" {
			return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Offset: -1, Msg: "missing required member \"" + name + "\""}
		}
		b.used = append(b.used, doc)
		return own, nil
	}
	if doc != "" {
		if b.governedOnly {
			return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: "/" + name, Offset: m.Offset,
				Msg: "this service decides on its own governed documents; leave this member out"}
		}
		b.requestDocs = append(b.requestDocs, name)
	}
	v, err := decode(requestFile, m.Data)
	if err != nil {
		return nil, m.Rebase(name, err)
	}
	return v, nil
}

// registry is the body's registry, decoded with the members layer req
// reads, or the service's.
func (b *checkBody) registry(req governance.Requirement) (*governance.Registry, error) {
	return document(b, memberRegistry, DocRegistry, b.snap.registry, func(f string, d []byte) (*governance.Registry, error) {
		return governance.DecodeRegistry(f, d, req)
	})
}

// made is the check's decision, its reasons all from one layer.
func (b *checkBody) made(d decision.Decision, layer, sessionID string) *made {
	m := &made{result: d, outcome: d.Outcome, sessionID: sessionID, used: b.used, requestDocs: b.requestDocs}
	for _, r := range d.Reasons {
		m.reasons = append(m.reasons, layerCode{layer: layer, code: r.Code})
	}
	return m
}

func (s *Service) checkRegistry(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, memberRegistry, memberEvents)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(governance.Requirement{})
	if err != nil {
		return nil, err
	}
	var log *governance.AuditLog // nil without events: no event checks, as in the CLI
	if m, ok := b.env[memberEvents]; ok {
		if log, err = governance.DecodeAuditLog(requestFile, m.Data); err != nil {
			return nil, m.Rebase(memberEvents, err)
		}
	}
	return b.made(governance.CheckRegistry(reg, log, now), "registry", ""), nil
}

func (s *Service) checkToken(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, memberRegistry, memberKeyset, memberToken, memberRevocation)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(admission.RegistryMembers)
	if err != nil {
		return nil, err
	}
	ks, err := document(b, memberKeyset, DocKeyset, snap.keyset, admission.DecodeKeyset)
	if err != nil {
		return nil, err
	}
	tok, err := document(b, memberToken, "", nil, admission.DecodeToken)
	if err != nil {
		return nil, err
	}
	rev, err := document(b, memberRevocation, DocRevocationRegistry, snap.revocation, admission.DecodeRevocationRegistry)
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
	return b.made(v.CheckToken(reg, ks, tok, rev, now), "token", ""), nil
}

func (s *Service) checkRuntime(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, memberRegistry, memberSession)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(cohort.RegistryMembers)
	if err != nil {
		return nil, err
	}
	session, err := document(b, memberSession, "", nil, cohort.DecodeSession)
	if err != nil {
		return nil, err
	}
	return b.made(cohort.CheckRuntime(reg, session, now), "runtime", session.SessionID), nil
}

func (s *Service) checkEnforcement(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, memberRegistry, memberContext)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(enforce.RegistryMembers)
	if err != nil {
		return nil, err
	}
	ctx, err := document(b, memberContext, "", nil, enforce.DecodeContext)
	if err != nil {
		return nil, err
	}
	m := b.made(enforce.CheckEnforcement(reg, ctx, now), "enforcement", ctx.SessionID)
	// Layer D repeats the caller's runtime reason codes after a prefix;
	// as metric labels they would let any caller mint series without end.
	// Layer D's own codes keep their labels, unless a caller's code
	// repeated spells one of them, which is counted as repeated.
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
