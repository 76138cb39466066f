// Package granttest makes policy 2 fixtures for tests: governance
// approvers with deterministic keys, registries that list them, and grants
// they sign. It is for tests only.
package granttest

import (
	"fmt"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
)

// Approver is a governance approver and its signing key.
type Approver struct {
	ID, Role string
	Key      *admission.SecretKey
}

// NewApprover makes an approver whose key is derived from seed, so that
// fixtures are the same on every run.
func NewApprover(id, role string, seed byte) Approver {
	sk, err := admission.ParseSecretKey(fmt.Appendf(nil, "%062x%02x", 0x7e6a7e, seed))
	if err != nil {
		panic(err)
	}
	return Approver{ID: id, Role: role, Key: sk}
}

// The default approvers: one per role of the activation gate.
var (
	Alice = NewApprover("alice", governance.RoleSecurityOwner, 1)
	Bob   = NewApprover("bob", governance.RoleSignerRuntimeOwner, 2)
	Carol = NewApprover("carol", governance.RoleGovernanceDelegate, 3)
)

// Entry is the registry entry of a's key, valid over [from, until).
func (a Approver) Entry(from, until uint64) governance.GovernanceKey {
	return governance.GovernanceKey{ApproverID: a.ID, Role: a.Role, PubkeyHex: a.Key.PubKeyHex(), ValidFromUnix: from, ValidUntilUnix: until}
}

// Policy2 makes reg a policy 2 registry whose governance keys are the
// approvers', each valid over [from, until), and which admits tokens of
// registry version 1 (TokenVersion).
func Policy2(reg *governance.Registry, from, until uint64, as ...Approver) {
	v, tv := uint64(governance.Policy2), uint64(TokenVersion)
	reg.PolicyVersion = &v
	reg.RegistryVersion, reg.MinTokenRegistryVersion = &tv, &tv
	keys := make([]governance.GovernanceKey, len(as))
	for i, a := range as {
		keys[i] = a.Entry(from, until)
	}
	reg.GovernanceKeys = &keys
}

// TokenVersion is the registry version of the registries Policy2 makes,
// and of the tokens the tests sign.
const TokenVersion = 1

// BreakGlassText is a break-glass grant text.
func BreakGlassText(id, ticket string, declared, expires uint64, scope, waived []string) *grant.Text {
	return &grant.Text{GrantID: id, Kind: grant.KindBreakGlass, DeclaredAtUnix: declared, ExpiresAtUnix: expires,
		IncidentTicket: &ticket, ScopeOperatorIDs: &scope, WaivedCodes: &waived}
}

// VendorOutageText is a vendor-outage grant text.
func VendorOutageText(id, vendor string, declared, expires, relaxed uint64) *grant.Text {
	return &grant.Text{GrantID: id, Kind: grant.KindVendorOutage, DeclaredAtUnix: declared, ExpiresAtUnix: expires,
		VendorID: &vendor, RelaxedMaxSingleVendorSharePercent: &relaxed}
}

// Marshal writes a grant text as an approver would.
func Marshal(t testing.TB, text *grant.Text) string {
	t.Helper()
	b, err := json.Marshal(text)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Signed is the grant of text signed by each approver in turn.
func Signed(t testing.TB, text *grant.Text, as ...Approver) *grant.Grant {
	t.Helper()
	return SignedJSON(t, Marshal(t, text), as...)
}

// SignedRaw is SignedJSON without the issuing tools' checks: each approver
// signs the text's digest whatever it says, as a careless or hostile
// signer could.
func SignedRaw(t testing.TB, text string, as ...Approver) *grant.Grant {
	t.Helper()
	g := &grant.Grant{GrantJSON: text, Signatures: []grant.Signature{}}
	for _, a := range as {
		sig, err := a.Key.SignDigest(grant.Digest(text))
		if err != nil {
			t.Fatal(err)
		}
		g.Signatures = append(g.Signatures, grant.Signature{ApproverID: a.ID, SignatureHex: sig})
	}
	return g
}

// SignedJSON is Signed for a text already written.
func SignedJSON(t testing.TB, text string, as ...Approver) *grant.Grant {
	t.Helper()
	g := &grant.Grant{GrantJSON: text, Signatures: []grant.Signature{}}
	for _, a := range as {
		s, err := grant.Sign(a.Key, text, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		g.Signatures = append(g.Signatures, s)
	}
	return g
}

// WithKeys is a policy 2 registry document, as JSON text, whose
// governance keys are replaced by the approvers', each valid over
// [from, until): examples/policy2/registry.json lists keys whose secrets
// were discarded, and tests must sign.
func WithKeys(t testing.TB, registryJSON []byte, from, until uint64, as ...Approver) []byte {
	t.Helper()
	var doc map[string]jsontext.Value
	if err := json.Unmarshal(registryJSON, &doc); err != nil {
		t.Fatal(err)
	}
	keys := make([]governance.GovernanceKey, len(as))
	for i, a := range as {
		keys[i] = a.Entry(from, until)
	}
	k, err := json.Marshal(keys)
	if err != nil {
		t.Fatal(err)
	}
	doc["governance_keys"] = k
	out, err := json.Marshal(doc, json.Deterministic(true))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
