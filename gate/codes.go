package gate

import "github.com/teegate/teegate/decision"

// Reason codes the gate adds to layer B's, at the token layer: a token is
// bound to the signer that presents it. Layer B checks a token against the
// registry record of the operator the token names; only the gate knows
// which selected signer presents it, and a signer must not borrow another
// operator's valid token to stand in for its own revoked one.
const (
	CodeTokenOperatorMismatch         decision.Code = "token_operator_mismatch"          // the token names another operator than the selected signer presenting it
	CodeTokenSignerIdentifierMismatch decision.Code = "token_signer_identifier_mismatch" // the token names another signer identifier than the selected signer's
)

// The code of Options.RejectStaleDenylist, under LayerService. Its name
// is the one teegate serve has always given it.
const (
	CodeDenylistStaleAtSessionStart decision.Code = "service_denylist_stale_at_session_start" // the denylist is not fresh (older than denylist_max_staleness_seconds, unset, or dated in the future) and the session is not mid_session: rejected whatever the mode
)
