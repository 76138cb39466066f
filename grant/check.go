package grant

import (
	"errors"
	"fmt"
	"strings"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/bip340"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/strictjson"
)

// Verified is a grant whose signatures were checked: what it says, and
// the quorum its signatures reach.
type Verified struct {
	Text *Text
	// Counted are the approvers whose valid signature the grant carries,
	// normalised, each once, in the order of their first such signature.
	Counted []string
	// Active is the number of active approvers of the registry: the
	// quorum's denominator.
	Active int
	// QuorumBps is len(Counted) / Active in basis points, rounded down; 0
	// when no approver is active.
	QuorumBps uint64
	// SecurityOwner reports whether a counted approver holds the
	// security_owner role.
	SecurityOwner bool
}

// Quorum computes a quorum in basis points, rounded down so that a
// quorum is never overstated; 0 of 0 is 0.
func Quorum(counted, active int) uint64 {
	if active <= 0 {
		return 0
	}
	return uint64(counted) * governance.MaxBasisPoints / uint64(active)
}

// Check verifies g as a grant of kind want: its text decodes and is of
// that kind, every signature is a valid one by an active approver, and the
// distinct approvers counted reach requiredBps of the active approvers,
// one of them a security owner. Every finding goes to b, its detail
// starting with name (where the grant sits in its document). It returns
// what was verified, or nil when the text is unreadable or of the other
// kind, and whether the grant passed.
//
// An approver is counted once however many keys or signatures it has: a
// quorum counts people, not keys, as a token's counts verifier instances.
// A signature that fails invalidates the grant even when the others reach
// the quorum: a grant is assembled by governance, and a bad signature in
// it means it was tampered with or assembled wrongly.
func Check(b *decision.Builder, name string, g *Grant, want Kind, approvers *governance.Approvers, requiredBps uint64) (*Verified, bool) {
	start := b.Len()
	text, err := DecodeText(g.GrantJSON)
	if err != nil {
		b.Addf(CodeGrantTextInvalid, "%s: the grant text does not decode: %s", name, strictjson.ProblemOf(err))
		return nil, false
	}
	if text.Kind != want {
		b.Addf(CodeGrantKindMismatch, "%s: a %s grant where a %s grant is expected", name, text.Kind, want)
		return nil, false
	}
	v := &Verified{Text: text, Active: approvers.Len()}
	switch n := len(g.Signatures); {
	case n == 0:
		b.Addf(CodeGrantSignaturesMissing, "%s: the grant carries no signatures", name)
	case n > MaxSignatures:
		b.Addf(CodeGrantSignaturesTooMany, "%s: the grant carries %d signatures, above the limit of %d; none was verified", name, n, MaxSignatures)
	default:
		v.verifySignatures(b, name, g, approvers)
	}
	v.QuorumBps = Quorum(len(v.Counted), v.Active)
	switch {
	case requiredBps == 0:
		// Decoding refuses a policy 2 registry without a quorum; one built
		// in code may have none, and no quorum is not approval.
		b.Addf(CodeGrantQuorumBelowRequired, "%s: break_glass_quorum_bps is 0: a grant needs a quorum the registry states", name)
	case v.QuorumBps < requiredBps:
		b.Addf(CodeGrantQuorumBelowRequired, "%s: signed by %d of the registry's %d active governance approvers (%d bps); break_glass_quorum_bps requires %d",
			name, len(v.Counted), v.Active, v.QuorumBps, requiredBps)
	}
	if !v.SecurityOwner {
		b.Addf(CodeGrantSecurityOwnerMissing, "%s: no approver with the %s role signed the grant", name, governance.RoleSecurityOwner)
	}
	return v, b.Len() == start
}

// verifySignatures verifies each signature once: a signature repeated
// under the same approver id has the same answer, and verifying each copy
// would let the party presenting the grant buy MaxSignatures
// verifications per grant with one signature.
func (v *Verified) verifySignatures(b *decision.Builder, name string, g *Grant, approvers *governance.Approvers) {
	digest := Digest(g.GrantJSON)
	counted := map[string]bool{}
	type entry struct {
		approver string
		sig      [bip340.SignatureSize]byte
	}
	seen := map[entry]bool{}
	for i, s := range g.Signatures {
		if ident.Blank(s.ApproverID) {
			b.Addf(CodeGrantSignatureApproverIDMissing, "%s: signatures[%d].approver_id is blank", name, i)
			continue
		}
		sig, err := bip340.ParseSignatureHex(s.SignatureHex)
		if err != nil {
			b.Addf(CodeGrantSignatureInvalid, "%s: the signature of approver %q: %v", name, s.ApproverID, err)
			continue
		}
		if e := (entry{ident.Norm(s.ApproverID), *sig}); seen[e] {
			continue // its finding, or its count, is the first copy's
		} else {
			seen[e] = true
		}
		id, role, err := approvers.Verify(s.ApproverID, sig, &digest)
		switch {
		case errors.Is(err, governance.ErrApproverUnknown):
			b.Addf(CodeGrantSignatureApproverUnknown, "%s: %q is not a governance approver of the registry", name, s.ApproverID)
		case errors.Is(err, governance.ErrApproverNoValidKey):
			b.Addf(CodeGrantSignatureApproverNoValidKey, "%s: approver %q has no usable governance key now", name, s.ApproverID)
		case err != nil:
			b.Addf(CodeGrantSignatureInvalid, "%s: the signature of approver %q does not verify under any of its keys", name, s.ApproverID)
		case !counted[id]:
			counted[id] = true
			v.Counted = append(v.Counted, id)
			v.SecurityOwner = v.SecurityOwner || role == governance.RoleSecurityOwner
		}
	}
}

// Names lists ids as a reason detail does: quoted, comma-separated.
func Names(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}
