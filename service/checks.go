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
	env  strictjson.Envelope
	snap *snapshot
	used []Document
}

func splitCheckBody(body []byte, snap *snapshot, members ...string) (*checkBody, error) {
	env, err := strictjson.SplitEnvelope(requestFile, body, len(members)*strictjson.MaxInputBytes, members...)
	if err != nil {
		return nil, err
	}
	return &checkBody{env: env, snap: snap}, nil
}

// document decodes member name of the body. When the body lacks it, a
// governed document (doc not empty) is the service's own, in force; any
// other is required.
func document[T any](b *checkBody, name string, doc Document, own *T, decode func(file string, data []byte) (*T, error)) (*T, error) {
	m, ok := b.env[name]
	if !ok {
		if doc == "" {
			return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Offset: -1, Msg: "missing required member \"" + name + "\""}
		}
		b.used = append(b.used, doc)
		return own, nil
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
	m := &made{result: d, outcome: d.Outcome, sessionID: sessionID, used: b.used}
	for _, r := range d.Reasons {
		m.reasons = append(m.reasons, layerCode{layer, r.Code})
	}
	return m
}

func (s *Service) checkRegistry(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := splitCheckBody(body, snap, memberRegistry, memberEvents)
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
	b, err := splitCheckBody(body, snap, memberRegistry, memberKeyset, memberToken, memberRevocation)
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
	// The shared verifier remembers only cryptographic facts, so tokens
	// checked against a caller's keyset cannot affect anyone else's.
	return b.made(s.verifier.CheckToken(reg, ks, tok, rev, now), "token", ""), nil
}

func (s *Service) checkRuntime(body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := splitCheckBody(body, snap, memberRegistry, memberSession)
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
	b, err := splitCheckBody(body, snap, memberRegistry, memberContext)
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
	return b.made(enforce.CheckEnforcement(reg, ctx, now), "enforcement", ctx.SessionID), nil
}
