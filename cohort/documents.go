// Package cohort is layer C: the runtime checks a coordinator makes on the
// cohort of signers it selected for a signing session. Each signer's token
// snapshot must be valid for the session phase and not revoked, the
// denylist must be fresh, the cohort large enough for threshold+1, and no
// TEE vendor may hold more than its share, with a bounded relaxation while
// a vendor outage is declared. CheckRuntime decides.
package cohort

import (
	"fmt"
	"io"
	"slices"

	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/strictjson"
)

// Session is the runtime session input: the cohort selected for one
// signing session, the denylist the coordinator used, and an optional
// vendor-outage declaration.
type Session struct {
	SessionID       string           `json:"session_id"`
	Phase           string           `json:"phase"` // session_start or mid_session
	Threshold       uint64           `json:"threshold"`
	SelectedSigners []SelectedSigner `json:"selected_signers"`
	Denylist        Denylist         `json:"denylist"`
	VendorOutage    *VendorOutage    `json:"vendor_outage"` // nil: none declared
	// VendorOutageGrants relax the vendor cap under policy 2, one step per
	// grant; VendorOutage is then an input error. May be absent, not null.
	VendorOutageGrants []grant.Grant `json:"vendor_outage_grants"`
}

// SelectedSigner is one signer of the cohort and its token snapshot.
type SelectedSigner struct {
	OperatorID       string        `json:"operator_id" teegate:"id"`
	SignerIdentifier string        `json:"signer_identifier" teegate:"id"`
	VendorID         string        `json:"vendor_id" teegate:"id"` // the TEE vendor bucket, as reported
	Token            TokenSnapshot `json:"token"`
}

// TokenSnapshot is what the coordinator retained of the signer's admission
// token (layer B verifies the token itself).
type TokenSnapshot struct {
	TokenID              string `json:"token_id" teegate:"id"`
	IssuedAtUnix         uint64 `json:"issued_at_unix"`
	ExpiresAtUnix        uint64 `json:"expires_at_unix"`
	TokenRevocationEpoch uint64 `json:"token_revocation_epoch"`
}

// Denylist is the revocation state the coordinator selected against. The
// lists and the epoch may be absent (empty, 0) but not null, as in the
// reference.
type Denylist struct {
	RefreshedAtUnix          uint64   `json:"refreshed_at_unix"`
	RevokedOperatorIDs       []string `json:"revoked_operator_ids" teegate:"id"`
	RevokedSignerIdentifiers []string `json:"revoked_signer_identifiers" teegate:"id"`
	RevokedTokenIDs          []string `json:"revoked_token_ids" teegate:"id"`
	MinTokenRevocationEpoch  uint64   `json:"min_token_revocation_epoch"`
}

// VendorOutage declares that a TEE vendor is out, relaxing the
// single-vendor cap for a bounded time.
type VendorOutage struct {
	Declared                           bool   `json:"declared"`
	DeclaredAtUnix                     uint64 `json:"declared_at_unix"`
	RelaxedMaxSingleVendorSharePercent uint64 `json:"relaxed_max_single_vendor_share_percent"`
	ExpiresAtUnix                      uint64 `json:"expires_at_unix"`
}

// RegistryMembers are the registry members layer C reads, and therefore
// requires; the rest of the registry schema may be absent.
var RegistryMembers = governance.RequireMembers(append([]string{
	"/profile_status",
	"/enforcement",
	"/enforcement/attestation_max_age_seconds",
	"/enforcement/grace_period_seconds",
	"/enforcement/min_attested_signers_per_cohort",
	"/enforcement/max_single_vendor_share_percent",
	"/enforcement/denylist_max_staleness_seconds",
	"/operators",
	"/operators/*/operator_id",
	"/operators/*/signer_identifier",
	"/operators/*/status",
	"/operators/*/effective_from",
}, governance.GovernanceKeyMembers...)...)

// sessionMembers are the session members that must be present; the
// denylist's lists and epoch default when absent.
var sessionPaths = []string{
	"/session_id",
	"/phase",
	"/threshold",
	"/selected_signers",
	"/selected_signers/*/operator_id",
	"/selected_signers/*/signer_identifier",
	"/selected_signers/*/vendor_id",
	"/selected_signers/*/token",
	"/selected_signers/*/token/token_id",
	"/selected_signers/*/token/issued_at_unix",
	"/selected_signers/*/token/expires_at_unix",
	"/selected_signers/*/token/token_revocation_epoch",
	"/denylist",
	"/denylist/refreshed_at_unix",
	"/vendor_outage/declared",
	"/vendor_outage/declared_at_unix",
	"/vendor_outage/relaxed_max_single_vendor_share_percent",
	"/vendor_outage/expires_at_unix",
	"/vendor_outage_grants/*/grant_json",
	"/vendor_outage_grants/*/signatures",
	"/vendor_outage_grants/*/signatures/*/approver_id",
	"/vendor_outage_grants/*/signatures/*/signature_hex",
}

var sessionMembers = strictjson.Members(sessionPaths...)

// ValidateSession completes a session's decoding once the registry is
// known: the vendor-outage member of the other policy version is an input
// error. Under policy 2 an outage the coordinator merely declares is
// refused rather than ignored, so that no caller believes it counted.
func ValidateSession(file string, reg *governance.Registry, outage *VendorOutage, grants []grant.Grant) error {
	fail := func(member, msg string) error { return strictjson.MemberError(file, "/"+member, msg) }
	switch {
	case reg.Policy() == governance.Policy2 && outage != nil:
		return fail("vendor_outage", "the registry is policy_version 2: a vendor outage is a governance grant (vendor_outage_grants), not a declaration")
	case reg.Policy() == governance.Policy1 && len(grants) > 0: // an empty list relaxes nothing
		return fail("vendor_outage_grants", "vendor_outage_grants belong to policy_version 2; the registry is policy 1")
	case len(grants) > MaxOutageGrants:
		return fail("vendor_outage_grants", fmt.Sprintf("%d grants, above the limit of %d", len(grants), MaxOutageGrants))
	}
	return nil
}

// ValidateRuntimeSession is ValidateSession for a whole runtime session,
// which under policy 2 must also hold no identifier outside the profile.
func ValidateRuntimeSession(file string, reg *governance.Registry, s *Session) error {
	if err := ValidateSession(file, reg, s.VendorOutage, s.VendorOutageGrants); err != nil {
		return err
	}
	return reg.CheckIdentifiers(file, s)
}

// DecodeSession decodes a runtime session strictly; file names it in errors.
func DecodeSession(file string, data []byte) (*Session, error) {
	return strictjson.DecodeNew[Session](file, data, sessionMembers)
}

// ReadSession is DecodeSession for a session read from r, holding a
// window of it rather than all of it (strictjson.DecodeReader).
func ReadSession(file string, r io.Reader) (*Session, error) {
	return strictjson.DecodeNewReader[Session](file, r, sessionMembers)
}

// sessionMembersDenylistOptional are sessionMembers with the denylist
// optional, for a caller that holds the denylist itself.
var sessionMembersDenylistOptional = strictjson.Members(slices.DeleteFunc(slices.Clone(sessionPaths), func(p string) bool {
	return p == "/denylist" || p == "/denylist/refreshed_at_unix"
})...)

// DecodeSessionDenylistOptional decodes a runtime session as DecodeSession
// does, but with the denylist optional: teegate serve supplies its own
// where the session has none.
func DecodeSessionDenylistOptional(file string, data []byte) (*Session, error) {
	return strictjson.DecodeNew[Session](file, data, sessionMembersDenylistOptional)
}
