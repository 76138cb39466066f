package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
	memberToken   = "token"
	memberSession = "session"
	memberContext = "context"
)

// Each check's members, which also size its body limit (envelopeLimit).
var (
	registryCheckMembers    = []string{string(DocRegistry), string(DocEvents)}
	tokenCheckMembers       = []string{string(DocRegistry), string(DocKeyset), memberToken, string(DocRevocationRegistry)}
	runtimeCheckMembers     = []string{string(DocRegistry), memberSession}
	enforcementCheckMembers = []string{string(DocRegistry), memberContext, string(DocEvents)}
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
		return nil, refusedDocument("/"+name, m.Offset, doc.label())
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

// identifiers holds a document a check uses, the body's member or the
// service's own, to the identifier profile when reg, which may be the
// body's, is policy 2: a body's own registry must not be judged on
// documents its policy would refuse. The service's own documents were
// checked against its own registry when they were loaded, and are not
// walked again per request. The error names the member; for the
// service's own document, it says so.
func (b *checkBody) identifiers(reg *governance.Registry, member string, doc any) error {
	if _, brought := b.env[member]; !brought && reg == b.snap.registry {
		return nil
	}
	err := reg.CheckIdentifiers(requestFile, doc)
	if err == nil {
		return nil
	}
	if m, brought := b.env[member]; brought {
		return m.Rebase(member, err)
	}
	var se *strictjson.Error
	if errors.As(err, &se) {
		own := *se
		own.Pointer = "/" + member + se.Pointer
		own.Msg = "the service's own " + strings.ReplaceAll(member, "_", " ") + " (" + b.snap.infoOf(Document(member)).Path +
			"), which a policy 2 registry in the body refuses: " + se.Msg
		return &own
	}
	return err
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
	// Without events in the body there are no event checks, as in the CLI
	// without --events: the service's registry passed layer A, with its
	// log, when they were loaded.
	var log *governance.AuditLog
	if _, brought := b.env[string(DocEvents)]; brought {
		if log, err = governed(b, DocEvents, nil, governance.DecodeAuditLog); err != nil {
			return nil, err
		}
		if err := b.identifiers(reg, string(DocEvents), log); err != nil {
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
	for _, d := range []struct {
		member string
		doc    any
	}{{string(DocKeyset), ks}, {memberToken, tok}, {string(DocRevocationRegistry), rev}} {
		if err := b.identifiers(reg, d.member, d.doc); err != nil {
			return nil, err
		}
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
	if err := cohort.ValidateRuntimeSession(requestFile, reg, session); err != nil {
		return nil, b.env[memberSession].Rebase(memberSession, err)
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
		if err := b.identifiers(reg, string(DocRevocationRegistry), snap.revocation); err != nil {
			return nil, err
		}
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
	if err := enforce.ValidateContext(requestFile, reg, ctx); err != nil {
		return nil, b.env[memberContext].Rebase(memberContext, err)
	}
	// The audit log is governed (policy 2 reads it): the service's own,
	// unless the operator lets callers bring theirs.
	var log *governance.AuditLog
	if _, brought := b.env[string(DocEvents)]; brought || (reg.Policy() == governance.Policy2 && snap.events != nil) {
		if log, err = governed(b, DocEvents, snap.events, governance.DecodeAuditLog); err != nil {
			return nil, err
		}
		if err := b.identifiers(reg, string(DocEvents), log); err != nil {
			return nil, err
		}
	}
	if err := s.cohortSize("/"+memberContext+"/selected_operator_ids", len(ctx.SelectedOperatorIDs)); err != nil {
		return nil, err
	}
	// The runtime decision it enforces is the caller's word.
	b.callerAsserted = true
	d, origins := enforce.Evaluate(reg, log, ctx, now)
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

// decideGate decides a gate session against the documents in force. The
// gate is built with RejectStaleDenylist: a session that is not
// mid_session is rejected while the service's denylist is stale, whatever
// its enforcement mode.
func (s *Service) decideGate(ctx context.Context, body []byte, snap *snapshot, now uint64) (*made, error) {
	// A heavy body's cohort is counted before decoding: a 16 MiB body of
	// 13,800 signers is refused after a scan of its first thousand, not
	// after a full strict decode. A light one decodes faster than the scan
	// would save.
	if len(body) > heavyBodyBytes {
		if n := countElements(body, "selected_signers", s.opts.MaxSigners+1); n > s.opts.MaxSigners {
			return nil, s.cohortSize("/selected_signers", n)
		}
	}
	session, err := gate.DecodeSession(requestFile, body)
	if err != nil {
		return nil, err
	}
	if err := s.cohortSize("/selected_signers", len(session.SelectedSigners)); err != nil {
		return nil, err
	}
	if err := gate.ValidateSession(requestFile, snap.registry, session); err != nil {
		return nil, err
	}
	res, err := snap.gate.EvaluateContext(ctx, session, now)
	if err != nil {
		return nil, err
	}
	answer := capSignerReasons(res)
	m := &made{result: answer, outcome: res.Outcome, sessionID: session.SessionID,
		used: []Document{DocRegistry, DocKeyset, DocRevocationRegistry}}
	if snap.registry.Policy() == governance.Policy2 {
		m.used = append(m.used, DocEvents)
	}
	for _, r := range answer.Reasons {
		m.reasons = append(m.reasons, layerCode{layer: r.Layer, code: r.Code})
	}
	return m, nil
}

// countElements counts the elements of the array that is the top-level
// member name of the JSON object doc, stopping at limit. It only scans:
// on anything it cannot scan it returns what it counted so far, and the
// strict decoder that follows says what is wrong. A cohort over limit
// then reads "over limit", not its exact size.
func countElements(doc []byte, name string, limit int) int {
	dec := jsontext.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return 0
	}
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return 0
		}
		if tok.String() != name {
			if dec.SkipValue() != nil {
				return 0
			}
			continue
		}
		if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '[' {
			return 0
		}
		n := 0
		for n < limit && dec.PeekKind() != ']' && dec.PeekKind() != 0 {
			if dec.SkipValue() != nil {
				return n
			}
			n++
		}
		return n
	}
	return 0
}

// cohortSize refuses a cohort larger than the service decides: one gate
// decision verifies every signer's token, so the cohort bounds its work.
func (s *Service) cohortSize(pointer string, n int) error {
	if n <= s.opts.MaxSigners {
		return nil
	}
	return &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: pointer, Offset: -1,
		Msg: fmt.Sprintf("more signers than this service decides on (%d, --max-signers)", s.opts.MaxSigners)}
}

// MaxReasonsPerSigner bounds the reasons a gate answer gives for one
// signer. A token yields a few reasons at most, but one with thousands of
// signatures under one key id yields one reason each; the answer keeps the
// first ones and says how many it left out.
const MaxReasonsPerSigner = 16

// gateAnswer is the gate's decision as the service answers it: the CLI's,
// byte for byte, unless a signer had more than MaxReasonsPerSigner
// reasons; then the rest are left out and reasons_omitted says so.
type gateAnswer struct {
	gate.Result    `json:",inline"`
	ReasonsOmitted *reasonsOmitted `json:"reasons_omitted,omitempty"`
}

type reasonsOmitted struct {
	PerSignerLimit int `json:"per_signer_limit"`
	Reasons        int `json:"reasons"`
	Signers        int `json:"signers"`
}

func (a gateAnswer) Marshal() ([]byte, error) {
	if a.ReasonsOmitted == nil {
		return a.Result.Marshal()
	}
	return decision.MarshalIndent(a)
}

func capSignerReasons(res gate.Result) gateAnswer {
	counts := map[string]int{}
	over := false
	for _, r := range res.Reasons {
		if r.Signer == "" {
			continue
		}
		if counts[r.Signer]++; counts[r.Signer] > MaxReasonsPerSigner {
			over = true
		}
	}
	if !over {
		return gateAnswer{Result: res}
	}
	om := &reasonsOmitted{PerSignerLimit: MaxReasonsPerSigner}
	kept := make([]gate.Reason, 0, len(res.Reasons))
	given := map[string]int{}
	for _, r := range res.Reasons {
		if r.Signer != "" {
			if given[r.Signer]++; given[r.Signer] > MaxReasonsPerSigner {
				om.Reasons++
				continue
			}
		}
		kept = append(kept, r)
	}
	for _, n := range counts {
		if n > MaxReasonsPerSigner {
			om.Signers++
		}
	}
	res.Reasons = kept
	return gateAnswer{Result: res, ReasonsOmitted: om}
}
