// Package grant holds governance grants, the signed artifacts by which
// policy 2 relaxes a rule: a break-glass waiver (layer D) or a vendor
// outage (layer C). A grant is shaped like an admission token: its text, a
// JSON object signed as the text itself, and BIP-340 signatures by
// governance approvers, whose keys the registry lists. Its quorum is
// computed here from those signatures, never asserted by the session that
// carries it.
//
// Check verifies (signatures, quorum, the text's shape); the layers that
// read a grant validate what it says against their own rules. Sign and
// Assemble are the issuing side, for approvers.
package grant

import (
	"crypto/sha256"
	"fmt"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/idprofile"
	"github.com/teegate/teegate/internal/strictjson"
)

// Kind is what a grant relaxes.
type Kind string

const (
	// KindBreakGlass waives named violations for named operators while an
	// incident lasts (layer D).
	KindBreakGlass Kind = "break_glass"
	// KindVendorOutage raises the single-vendor cap by one step while a
	// TEE vendor is out (layer C).
	KindVendorOutage Kind = "vendor_outage"
)

// MaxSignatures bounds a grant's signatures, and so the verifications it
// costs: a governance body has a handful of approvers, each with a key or
// two during a rotation.
const MaxSignatures = 32

// Grant is the artifact: the text as the approvers signed it, and their
// signatures.
type Grant struct {
	GrantJSON  string      `json:"grant_json"`
	Signatures []Signature `json:"signatures"`
}

// Signature is one approver's BIP-340 signature over the grant text. It
// names the approver, not the key: an approver is counted once, under
// whichever of its keys the signature verifies.
type Signature struct {
	ApproverID   string `json:"approver_id" teegate:"id"`
	SignatureHex string `json:"signature_hex"`
}

// Text is what a grant says. The members after ExpiresAtUnix belong to one
// kind each: a grant must carry all of its kind's and none of the other's.
type Text struct {
	GrantID        string `json:"grant_id" teegate:"id"`
	Kind           Kind   `json:"kind"`
	DeclaredAtUnix uint64 `json:"declared_at_unix"`
	ExpiresAtUnix  uint64 `json:"expires_at_unix"`

	// break_glass
	IncidentTicket   *string   `json:"incident_ticket,omitzero" teegate:"id"`
	ScopeOperatorIDs *[]string `json:"scope_operator_ids,omitzero" teegate:"id"`
	// WaivedCodes are the reason codes of the violations the grant waives,
	// as the runtime decision states them (without layer D's "runtime_").
	WaivedCodes *[]string `json:"waived_codes,omitzero"`

	// vendor_outage
	VendorID                           *string `json:"vendor_id,omitzero" teegate:"id"` // the vendor that is out
	RelaxedMaxSingleVendorSharePercent *uint64 `json:"relaxed_max_single_vendor_share_percent,omitzero"`
}

// Digest is the 32-byte message every approver signs: SHA-256 of the
// grant text after trimming, as an admission token's payload is signed.
func Digest(grantJSON string) [sha256.Size]byte {
	return admission.PayloadDigest(grantJSON)
}

// DecodeText decodes a grant text strictly and checks that its members are
// those of its kind. The name in errors is "grant_json", the member that
// carries it.
func DecodeText(grantJSON string) (*Text, error) {
	t, err := strictjson.DecodeNew[Text]("grant_json", []byte(ident.Trim(grantJSON)), nil)
	if err != nil {
		return nil, err
	}
	if err := t.checkKind(); err != nil {
		return nil, err
	}
	// Grants exist only under policy 2, whose identifiers have one
	// spelling: a look-alike vendor would name no vendor as out.
	if err := idprofile.Check("grant_json", t); err != nil {
		return nil, err
	}
	return t, nil
}

// checkKind requires every member of the text's kind and none of the
// other's, naming the first that is missing, then the first that is not
// its kind's.
func (t *Text) checkKind() error {
	if t.Kind != KindBreakGlass && t.Kind != KindVendorOutage {
		return textError("/kind", fmt.Sprintf("kind %q is not %s or %s", t.Kind, KindBreakGlass, KindVendorOutage))
	}
	members := []struct {
		name    string
		kind    Kind
		present bool
	}{
		{"incident_ticket", KindBreakGlass, t.IncidentTicket != nil},
		{"scope_operator_ids", KindBreakGlass, t.ScopeOperatorIDs != nil},
		{"waived_codes", KindBreakGlass, t.WaivedCodes != nil},
		{"vendor_id", KindVendorOutage, t.VendorID != nil},
		{"relaxed_max_single_vendor_share_percent", KindVendorOutage, t.RelaxedMaxSingleVendorSharePercent != nil},
	}
	for _, m := range members {
		if m.kind == t.Kind && !m.present {
			return textError("/"+m.name, fmt.Sprintf("a %s grant needs %s", t.Kind, m.name))
		}
	}
	for _, m := range members {
		if m.kind != t.Kind && m.present {
			return textError("/"+m.name, fmt.Sprintf("%s is not a member of a %s grant", m.name, t.Kind))
		}
	}
	return nil
}

func textError(pointer, msg string) error { return strictjson.MemberError("grant_json", pointer, msg) }

// Decode decodes a grant artifact strictly; file names it in errors. The
// text inside stays a string: Check decodes and judges it.
func Decode(file string, data []byte) (*Grant, error) {
	return strictjson.DecodeNew[Grant](file, data, nil)
}

// DecodeSignature decodes one signature entry, as grant sign prints it.
func DecodeSignature(file string, data []byte) (*Signature, error) {
	return strictjson.DecodeNew[Signature](file, data, nil)
}
