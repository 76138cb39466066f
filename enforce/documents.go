// Package enforce is layer D: how a layer C runtime decision is enforced,
// by mode (monitor only, soft, hard canary, full), and when a break-glass
// waiver may let a session proceed despite a violation. CheckEnforcement
// decides, with warnings where the mode tolerates what it sees.
package enforce

import (
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/strictjson"
)

// Context is the enforcement context of one session: the operators
// selected, the runtime decision about them, the mode in force, and an
// optional break-glass waiver with the history of earlier activations.
type Context struct {
	SessionID           string          `json:"session_id"`
	CanarySession       bool            `json:"canary_session"`
	SelectedOperatorIDs []string        `json:"selected_operator_ids" teegate:"id"`
	RuntimeDecision     RuntimeDecision `json:"runtime_decision"`
	EnforcementMode     string          `json:"enforcement_mode"`
	BreakGlass          *BreakGlass     `json:"break_glass"` // nil: no waiver
	// BreakGlassHistory lists earlier activations; it may be absent (empty)
	// but not null.
	BreakGlassHistory []HistoryRecord `json:"break_glass_history"`
	// BreakGlassGrant is the waiver under policy 2: signed by governance,
	// with its quorum computed and its history taken from the audit log.
	// BreakGlass and BreakGlassHistory are then input errors.
	BreakGlassGrant *grant.Grant `json:"break_glass_grant"` // nil: no waiver
}

// RuntimeDecision is the layer C decision being enforced: a snapshot of
// what teegate check runtime printed.
type RuntimeDecision struct {
	Decision string `json:"decision"`
	// SessionID is the session layer C decided, which it states under
	// policy 2; layer D then requires it to be the context's. Under policy
	// 1 it is an input error (ValidateContext).
	SessionID       *string           `json:"session_id"`
	Reasons         []decision.Reason `json:"reasons"` // may be absent, not null
	ValidatedAtUnix uint64            `json:"validated_at_unix"`
}

// BreakGlass is a waiver that lets named operators proceed despite a
// violation, for a bounded time, on a governance quorum.
type BreakGlass struct {
	IncidentTicket    string   `json:"incident_ticket" teegate:"id"`
	DeclaredAtUnix    uint64   `json:"declared_at_unix"`
	ExpiresAtUnix     uint64   `json:"expires_at_unix"`
	ApproverQuorumBps uint64   `json:"approver_quorum_bps"`
	ScopeOperatorIDs  []string `json:"scope_operator_ids" teegate:"id"`
	// IsNewActivation is the caller's claim that the ticket was never
	// activated before; teegate infers it from the history and only
	// cross-checks the claim. It may be absent (false) but not null.
	IsNewActivation bool `json:"is_new_activation"`
}

// HistoryRecord is one earlier break-glass activation.
type HistoryRecord struct {
	IncidentTicket  string `json:"incident_ticket" teegate:"id"`
	ActivatedAtUnix uint64 `json:"activated_at_unix"`
}

// RegistryMembers are the registry members layer D reads, and therefore
// requires; the rest of the registry schema may be absent.
var RegistryMembers = governance.RequireMembers(append([]string{
	"/profile_status",
	"/enforcement",
	"/enforcement/break_glass_ttl_seconds",
	"/enforcement/break_glass_max_activations_per_7d",
	"/enforcement/break_glass_cooldown_seconds",
	"/enforcement/break_glass_scope",
	"/enforcement/break_glass_quorum_bps",
}, governance.GovernanceKeyMembers...)...)

// contextMembers are the context members that must be present; the
// runtime reasons, the history and the activation hint default when absent.
var contextMembers = strictjson.Members(
	"/session_id",
	"/canary_session",
	"/selected_operator_ids",
	"/runtime_decision",
	"/runtime_decision/decision",
	"/runtime_decision/validated_at_unix",
	"/runtime_decision/reasons/*/code",
	"/runtime_decision/reasons/*/detail",
	"/enforcement_mode",
	"/break_glass/incident_ticket",
	"/break_glass/declared_at_unix",
	"/break_glass/expires_at_unix",
	"/break_glass/approver_quorum_bps",
	"/break_glass/scope_operator_ids",
	"/break_glass_history/*/incident_ticket",
	"/break_glass_history/*/activated_at_unix",
	"/break_glass_grant/grant_json",
	"/break_glass_grant/signatures",
	"/break_glass_grant/signatures/*/approver_id",
	"/break_glass_grant/signatures/*/signature_hex",
)

// ValidateContext completes DecodeContext once the registry is known:
// the members of the other policy version are input errors. Under policy
// 2 a waiver that asserts its own quorum, or a history the coordinator
// lists, is refused rather than ignored, so that no caller believes it
// counted. An empty history asserts nothing and is accepted, as encoders
// write an empty list for a nil one.
func ValidateContext(file string, reg *governance.Registry, ctx *Context) error {
	if err := validatePolicyMembers(file, reg, "", ctx.BreakGlass != nil, len(ctx.BreakGlassHistory) > 0, ctx.BreakGlassGrant != nil); err != nil {
		return err
	}
	if reg.Policy() == governance.Policy1 && ctx.RuntimeDecision.SessionID != nil {
		// Nothing reads it under policy 1: refused, as an unknown member
		// was, rather than let a caller believe the decision is bound.
		return strictjson.MemberError(file, "/runtime_decision/session_id", "runtime_decision.session_id belongs to policy_version 2; the registry is policy 1")
	}
	return reg.CheckIdentifiers(file, ctx)
}

// validatePolicyMembers is ValidateContext for a document whose
// enforcement members sit under prefix (the gate's session).
func validatePolicyMembers(file string, reg *governance.Registry, prefix string, waiver, history, grant bool) error {
	fail := func(member, msg string) error { return strictjson.MemberError(file, prefix+"/"+member, msg) }
	if reg.Policy() == governance.Policy2 {
		switch {
		case waiver:
			return fail("break_glass", "the registry is policy_version 2: a break-glass waiver is a governance grant (break_glass_grant), and break_glass asserts its own approver_quorum_bps")
		case history:
			return fail("break_glass_history", "the registry is policy_version 2: the break-glass history is the governance audit log's, not the session's")
		}
		return nil
	}
	if grant {
		return fail("break_glass_grant", "break_glass_grant belongs to policy_version 2; the registry is policy 1")
	}
	return nil
}

// ValidateGateEnforcement is ValidateContext for the enforcement member of
// a gate session.
func ValidateGateEnforcement(file string, reg *governance.Registry, waiver *BreakGlass, history []HistoryRecord, g *grant.Grant) error {
	return validatePolicyMembers(file, reg, "/enforcement", waiver != nil, len(history) > 0, g != nil)
}

// DecodeContext decodes an enforcement context strictly; file names it in
// errors.
func DecodeContext(file string, data []byte) (*Context, error) {
	return strictjson.DecodeNew[Context](file, data, contextMembers)
}
