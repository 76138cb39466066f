package attest

import (
	"fmt"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/ident"
)

// Signed is a verifier's answer to a request to sign: its decision and,
// only when the decision allows, its signature over the payload. It
// serialises as the decision object with a "signature" member added.
type Signed struct {
	Outcome         decision.Outcome          `json:"decision"`
	Reasons         []decision.Reason         `json:"reasons"`
	ValidatedAtUnix uint64                    `json:"validated_at_unix"`
	Signature       *admission.TokenSignature `json:"signature,omitempty"`
}

// Marshal renders s as teegate prints every decision.
func (s Signed) Marshal() ([]byte, error) {
	if s.Reasons == nil {
		s.Reasons = []decision.Reason{}
	}
	return decision.MarshalIndent(s)
}

// Admits reports whether the verifier signed.
func (s Signed) Admits() bool { return s.Signature != nil }

// Sign runs exactly Check's checks and, only if they allow, signs the
// payload with sk as key keyID, as admission.Sign does. The error is for a
// request no evidence could make signable: a key id the payload does not
// declare. Nothing is signed on any path but allow.
func (v *Verifier) Sign(sk *admission.SecretKey, keyID, payloadJSON string, ev *Evidence, now uint64) (Result, Signed, error) {
	res := v.Check(payloadJSON, ev, now)
	out := Signed{Outcome: res.Outcome, Reasons: res.Reasons, ValidatedAtUnix: res.ValidatedAtUnix}
	if !res.Admits() {
		return res, out, nil
	}
	sig, err := admission.Sign(sk, payloadJSON, keyID)
	if err != nil {
		return res, out, err
	}
	out.Signature = &sig
	return res, out, nil
}

// CheckKeyID refuses a key id the payload does not declare, before any
// verification: signing would fail after it, whatever the evidence.
func CheckKeyID(payload *admission.Payload, keyID string) error {
	if ident.Blank(keyID) {
		return fmt.Errorf("%w: the key id is empty", admission.ErrIssue)
	}
	for _, id := range payload.VerifierKeyIDs {
		if ident.Norm(id) == ident.Norm(keyID) {
			return nil
		}
	}
	return fmt.Errorf("%w: the payload's verifier_key_ids does not name key %q", admission.ErrIssue, keyID)
}
