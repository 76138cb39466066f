package service

import (
	"bytes"
	"context"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

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
	env              strictjson.Envelope
	snap             *snapshot
	allowRequestDocs bool       // Options.AllowRequestDocuments
	used             []Document // the service's own documents the check uses
	requestDocs      []string   // governed documents the body brought instead
	callerAsserted   bool       // the input is by nature the caller's word
}

func (s *Service) splitCheckBody(body []byte, snap *snapshot, members []string) (*checkBody, error) {
	env, err := strictjson.SplitEnvelope(requestFile, body, envelopeLimit(len(members)), members...)
	if err != nil {
		return nil, err
	}
	return &checkBody{env: env, snap: snap, allowRequestDocs: s.opts.AllowRequestDocuments}, nil
}

// refusedDocument is the input error for a governed document a body
// carries while the service decides on its own documents only.
func refusedDocument(pointer string, offset int64, what string) error {
	return &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: pointer, Offset: offset,
		Msg: what + " is a governed document, and this service decides on its own (it runs without --request-documents allow); leave this member out"}
}

// governed decodes the governed document doc from the body, or, when the
// body lacks it, takes the service's own (own), which is in force. One the
// body carries is refused unless the operator allowed request documents.
func governed[T any](b *checkBody, doc Document, own *T, decode func(file string, data []byte) (*T, error)) (*T, error) {
	name := string(doc)
	m, ok := b.env[name]
	if !ok {
		b.used = append(b.used, doc)
		return own, nil
	}
	if !b.allowRequestDocs {
		return nil, refusedDocument("/"+name, m.Offset, "the "+strings.ReplaceAll(name, "_", " "))
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
	if b.callerAsserted {
		m.advisory = append(m.advisory, AdvisoryCallerAsserted)
	}
	if len(b.requestDocs) > 0 {
		m.advisory = append(m.advisory, AdvisoryRequestDocuments)
	}
	for _, r := range d.Reasons {
		m.reasons = append(m.reasons, layerCode{layer: layer, code: r.Code})
	}
	return m
}

func (s *Service) checkRegistry(_ context.Context, body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, registryCheckMembers)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(governance.Requirement{})
	if err != nil {
		return nil, err
	}
	var log *governance.AuditLog // nil without events: no event checks, as in the CLI
	if m, ok := b.env[memberEvents]; ok {
		// The audit-event log is governed too, and the service holds
		// none: its registry passed layer A when it was loaded.
		if !b.allowRequestDocs {
			return nil, refusedDocument("/"+memberEvents, m.Offset, "the audit-event log")
		}
		b.requestDocs = append(b.requestDocs, memberEvents)
		if log, err = carried(b, memberEvents, governance.DecodeAuditLog); err != nil {
			return nil, err
		}
	}
	return b.made(governance.CheckRegistry(reg, log, now), layerRegistry, ""), nil
}

func (s *Service) checkToken(_ context.Context, body []byte, snap *snapshot, now uint64) (*made, error) {
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

func (s *Service) checkRuntime(_ context.Context, body []byte, snap *snapshot, now uint64) (*made, error) {
	b, err := s.splitCheckBody(body, snap, runtimeCheckMembers)
	if err != nil {
		return nil, err
	}
	reg, err := b.registry(cohort.RegistryMembers)
	if err != nil {
		return nil, err
	}
	session, err := carried(b, memberSession, cohort.DecodeSessionDenylistOptional)
	if err != nil {
		return nil, err
	}
	if err := s.cohortSize("/"+memberSession+"/selected_signers", len(session.SelectedSigners)); err != nil {
		return nil, err
	}
	// The denylist is the revocation state: the service's own, as the
	// gate's is, unless the operator lets callers bring theirs.
	m := b.env[memberSession]
	if at := topMemberOffset(m.Data, memberDenylist); at >= 0 {
		if !b.allowRequestDocs {
			return nil, refusedDocument("/"+memberSession+"/"+memberDenylist, m.Offset+at, "the denylist")
		}
		b.requestDocs = append(b.requestDocs, memberDenylist)
	} else {
		session.Denylist = gate.Denylist(snap.revocation, now)
		b.used = append(b.used, DocRevocationRegistry)
	}
	// The token snapshots are the caller's account of tokens the service
	// has not seen: only /v1/gate verifies them.
	b.callerAsserted = true
	return b.made(cohort.CheckRuntime(reg, session, now), gate.LayerRuntime, session.SessionID), nil
}

// memberDenylist is the runtime session's denylist.
const memberDenylist = "denylist"

// topMemberOffset is the byte offset of the value of the top-level member
// name of the JSON object doc, which has decoded strictly, or -1 when it
// has no such member.
func topMemberOffset(doc []byte, name string) int64 {
	dec := jsontext.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return -1
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return -1
		}
		found := tok.String() == name
		v, err := dec.ReadValue()
		if err != nil {
			return -1
		}
		if found {
			return dec.InputOffset() - int64(len(v))
		}
	}
	return -1
}

func (s *Service) checkEnforcement(_ context.Context, body []byte, snap *snapshot, now uint64) (*made, error) {
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
	if err := s.cohortSize("/"+memberContext+"/selected_operator_ids", len(ctx.SelectedOperatorIDs)); err != nil {
		return nil, err
	}
	// The runtime decision it enforces is the caller's word.
	b.callerAsserted = true
	d, origins := enforce.CheckEnforcementAttributed(reg, ctx, now)
	// The context has no phase, so it counts as a session start: no
	// session starts on a stale denylist, whatever the caller's runtime
	// decision says (gate.Options.RejectStaleDenylist, as in decideGate).
	stale := false
	if st := snap.denylistFreshness(now); !st.Fresh && d.Outcome.Admits() {
		stale = true
		d.Outcome = decision.Reject
		d.Reasons = append([]decision.Reason{{Code: gate.CodeDenylistStaleAtSessionStart,
			Detail: st.Problem + "; a session may not start on it in any enforcement mode"}}, d.Reasons...)
		origins = append([]int{enforce.NotReemitted}, origins...)
	}
	m := b.made(d, gate.LayerEnforcement, ctx.SessionID)
	if stale {
		m.reasons[0].layer = gate.LayerService
	}
	// Layer D repeats the caller's runtime reason codes after a prefix;
	// as metric labels they would let any caller mint series without end.
	// Layer D's own codes keep their labels, even those that look alike.
	for i := range m.reasons {
		if origins[i] != enforce.NotReemitted {
			m.reasons[i].label = echoedRuntimeCode
		}
	}
	return m, nil
}

// echoedRuntimeCode labels, in metrics, every reason code layer D repeats
// from a caller's runtime decision.
const echoedRuntimeCode = enforce.RuntimeReasonPrefix + "*"
