// Package gate is the session gate: one call from the governed and signed
// artifacts to the final admission decision of a signing session. It
// verifies every selected signer's admission token (layer B), derives the
// runtime token facts from the verified payloads and checks the cohort
// (layer C), then enforces the outcome (layer D). The reference checkers
// must be chained by hand, and layer C there trusts token snapshots nobody
// verified; the gate never does.
package gate

import (
	"io"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/strictjson"
)

// Session is the gate's session document: the cohort, each signer with its
// full signed admission token, and how the session is enforced.
type Session struct {
	SessionID       string               `json:"session_id"`
	Phase           string               `json:"phase"` // session_start or mid_session
	Threshold       uint64               `json:"threshold"`
	SelectedSigners []Signer             `json:"selected_signers"`
	VendorOutage    *cohort.VendorOutage `json:"vendor_outage"` // nil: none declared; policy 1
	// VendorOutageGrants relax the vendor cap under policy 2; may be
	// absent, not null.
	VendorOutageGrants []grant.Grant `json:"vendor_outage_grants"`
	Enforcement        Enforcement   `json:"enforcement"`
}

// Signer is one selected signer and the token it presented.
type Signer struct {
	OperatorID       string          `json:"operator_id" teegate:"id"`
	SignerIdentifier string          `json:"signer_identifier" teegate:"id"`
	VendorID         string          `json:"vendor_id" teegate:"id"`
	Token            admission.Token `json:"token"`
}

// Enforcement is how the session's runtime decision is enforced.
type Enforcement struct {
	Mode          string              `json:"mode"`
	CanarySession bool                `json:"canary_session"`
	BreakGlass    *enforce.BreakGlass `json:"break_glass"` // nil: no waiver
	// BreakGlassHistory may be absent (empty) but not null.
	BreakGlassHistory []enforce.HistoryRecord `json:"break_glass_history"`
	// BreakGlassGrant is the waiver under policy 2 (enforce.Context).
	BreakGlassGrant *grant.Grant `json:"break_glass_grant"`
}

var sessionMembers = strictjson.Members(
	"/session_id",
	"/phase",
	"/threshold",
	"/selected_signers",
	"/selected_signers/*/operator_id",
	"/selected_signers/*/signer_identifier",
	"/selected_signers/*/vendor_id",
	"/selected_signers/*/token",
	"/selected_signers/*/token/payload_json",
	"/selected_signers/*/token/signatures",
	"/selected_signers/*/token/signatures/*/verifier_key_id",
	"/selected_signers/*/token/signatures/*/signature_hex",
	"/vendor_outage/declared",
	"/vendor_outage/declared_at_unix",
	"/vendor_outage/relaxed_max_single_vendor_share_percent",
	"/vendor_outage/expires_at_unix",
	"/enforcement",
	"/enforcement/mode",
	"/enforcement/canary_session",
	"/enforcement/break_glass/incident_ticket",
	"/enforcement/break_glass/declared_at_unix",
	"/enforcement/break_glass/expires_at_unix",
	"/enforcement/break_glass/approver_quorum_bps",
	"/enforcement/break_glass/scope_operator_ids",
	"/enforcement/break_glass_history/*/incident_ticket",
	"/enforcement/break_glass_history/*/activated_at_unix",
	"/vendor_outage_grants/*/grant_json",
	"/vendor_outage_grants/*/signatures",
	"/vendor_outage_grants/*/signatures/*/approver_id",
	"/vendor_outage_grants/*/signatures/*/signature_hex",
	"/enforcement/break_glass_grant/grant_json",
	"/enforcement/break_glass_grant/signatures",
	"/enforcement/break_glass_grant/signatures/*/approver_id",
	"/enforcement/break_glass_grant/signatures/*/signature_hex",
)

// ValidateSession completes a session's decoding once the registry is
// known: the members of the other policy version are input errors
// (cohort.ValidateSession, enforce.ValidateContext), and so, under policy
// 2, is an identifier outside the profile.
func ValidateSession(file string, reg *governance.Registry, s *Session) error {
	if err := cohort.ValidateSession(file, reg, s.VendorOutage, s.VendorOutageGrants); err != nil {
		return err
	}
	if err := enforce.ValidateGateEnforcement(file, reg, s.Enforcement.BreakGlass, s.Enforcement.BreakGlassHistory, s.Enforcement.BreakGlassGrant); err != nil {
		return err
	}
	return reg.CheckIdentifiers(file, s)
}

// DecodeSession decodes a gate session strictly; file names it in errors.
func DecodeSession(file string, data []byte) (*Session, error) {
	return strictjson.DecodeNew[Session](file, data, sessionMembers)
}

// ReadSession is DecodeSession for a session read from r, holding a
// window of it rather than all of it (strictjson.DecodeReader).
func ReadSession(file string, r io.Reader) (*Session, error) {
	return strictjson.DecodeNewReader[Session](file, r, sessionMembers)
}
