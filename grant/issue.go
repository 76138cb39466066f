package grant

import (
	"errors"
	"fmt"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/internal/bip340"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/idprofile"
)

// ErrIssue marks a request the issuing tools refuse: signing or assembling
// it would only produce a grant that Check rejects.
var ErrIssue = errors.New("cannot issue")

// Sign makes approverID's signature over a grant text. The text must
// decode strictly and be of a known kind: an approver should never sign
// what it cannot read.
func Sign(sk *admission.SecretKey, grantJSON, approverID string) (Signature, error) {
	if _, err := decodeForIssue(grantJSON); err != nil {
		return Signature{}, err
	}
	if p := idprofile.Problem(ident.Trim(approverID)); p != "" {
		return Signature{}, fmt.Errorf("%w: the approver id %s (a grant's approver ids are policy 2 identifiers)", ErrIssue, p)
	}
	sig, err := sk.SignDigest(Digest(grantJSON))
	if err != nil {
		return Signature{}, err
	}
	return Signature{ApproverID: ident.Trim(approverID), SignatureHex: sig}, nil
}

// Assemble builds the grant artifact from its text and the approvers'
// signatures. grant_json holds the text exactly as it was signed (the
// trimmed text). Each signature must name an approver and be 64 bytes of
// hex, and no signature may appear twice. Assemble has no registry, so it
// cannot verify signatures; Check does.
func Assemble(grantJSON string, sigs []Signature) (*Grant, error) {
	if _, err := decodeForIssue(grantJSON); err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no signatures", ErrIssue)
	}
	if len(sigs) > MaxSignatures {
		return nil, fmt.Errorf("%w: %d signatures, above the limit of %d", ErrIssue, len(sigs), MaxSignatures)
	}
	seen := map[[64]byte]bool{}
	out := make([]Signature, len(sigs))
	for i, s := range sigs {
		s.ApproverID = ident.Trim(s.ApproverID)
		if p := idprofile.Problem(s.ApproverID); p != "" {
			return nil, fmt.Errorf("%w: a signature's approver_id %s (a grant's approver ids are policy 2 identifiers)", ErrIssue, p)
		}
		sig, err := bip340.ParseSignatureHex(s.SignatureHex)
		if err != nil {
			return nil, fmt.Errorf("%w: the signature of approver %q: %w", ErrIssue, s.ApproverID, err)
		}
		if seen[*sig] {
			return nil, fmt.Errorf("%w: the signature of approver %q is given twice", ErrIssue, s.ApproverID)
		}
		seen[*sig] = true
		out[i] = s
	}
	return &Grant{GrantJSON: ident.Trim(grantJSON), Signatures: out}, nil
}

func decodeForIssue(grantJSON string) (*Text, error) {
	if ident.Blank(grantJSON) {
		return nil, fmt.Errorf("%w: the grant text is empty", ErrIssue)
	}
	t, err := DecodeText(grantJSON)
	if err != nil {
		return nil, fmt.Errorf("%w: the grant text does not decode: %w", ErrIssue, err)
	}
	return t, nil
}
