package service

import (
	"context"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/attest"
	"github.com/teegate/teegate/internal/strictjson"
)

// AttestRole turns on the attestation verifier role: POST /v1/attest
// checks a signer's TEE evidence for a payload under the attestation policy
// (Paths.AttestPolicy) and the registry, and signs the payload with Key as
// KeyID only when the evidence proves every claim.
type AttestRole struct {
	Key   *admission.SecretKey
	KeyID string
}

func (r AttestRole) on() bool { return r.Key != nil }

const endpointAttest = "attest"

// Members of an attest request body.
const (
	memberPayloadJSON = "payload_json"
	memberEvidence    = "evidence"
)

// attestBodyLimit: the payload is a few hundred bytes and the evidence
// bundle is bounded by its own limits, well within one input file's.
const attestBodyLimit = strictjson.MaxInputBytes + 1024

// decideAttest decides an attest request, {"payload_json": "...",
// "evidence": {...}}: the decision, with this verifier's signature entry
// when it allows.
func (s *Service) decideAttest(_ context.Context, body []byte, snap *snapshot, now uint64) (*made, error) {
	env, err := strictjson.SplitEnvelope(requestFile, body, attestBodyLimit, memberPayloadJSON, memberEvidence)
	if err != nil {
		return nil, err
	}
	pm, ok := env[memberPayloadJSON]
	if !ok {
		return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Offset: -1, Msg: `missing required member "` + memberPayloadJSON + `"`}
	}
	var payloadJSON string
	if err := json.Unmarshal(pm.Data, &payloadJSON); err != nil {
		return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: "/" + memberPayloadJSON, Offset: pm.Offset,
			Msg: "want the payload as a JSON string, exactly the text to be signed"}
	}
	ev, err := carried(&checkBody{env: env}, memberEvidence, attest.DecodeEvidence)
	if err != nil {
		return nil, err
	}
	// The payload is the request's, as the CLI's --payload file is: one
	// that does not decode strictly, or does not name this verifier's key
	// (it could never be signed here, whatever the evidence), is a bad
	// request, not a decision.
	p, err := admission.DecodePayload(payloadJSON)
	if err != nil {
		return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: "/" + memberPayloadJSON, Offset: pm.Offset,
			Msg: "the payload does not decode: " + strictjson.ProblemOf(err)}
	}
	if err := attest.CheckKeyID(p, s.opts.Attest.KeyID); err != nil {
		return nil, &strictjson.Error{Op: strictjson.OpParse, File: requestFile, Pointer: "/" + memberPayloadJSON, Offset: pm.Offset,
			Msg: fmt.Sprintf("this verifier signs as key %q: %v", s.opts.Attest.KeyID, err)}
	}
	v := attest.NewVerifier(snap.attestPolicy, snap.registry, attest.Options{
		OnNetwork: func(url string) {
			s.log.Warn("an attestation library asked for a URL; refused, teegate verifies offline", "url", url)
		},
	})
	_, signed, err := v.Sign(s.opts.Attest.Key, s.opts.Attest.KeyID, payloadJSON, ev, now)
	if err != nil {
		return nil, err
	}
	m := &made{result: signed, outcome: signed.Outcome, used: []Document{DocRegistry, DocAttestPolicy}}
	for _, r := range signed.Reasons {
		m.reasons = append(m.reasons, layerCode{layer: layerAttest, code: r.Code})
	}
	return m, nil
}
