package service

import (
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/gate"
)

// LayerService marks a reason the service adds to the gate's.
const LayerService gate.Layer = "service"

// layerRegistry is layer A, as the metrics of the registry check name it;
// the gate's layers name B, C and D.
const layerRegistry gate.Layer = "registry"

// layerAttest is the attestation layer (package attest), as the metrics
// of the verifier role name it.
const layerAttest gate.Layer = "attest"

// Reason codes the service adds to the gate's decision. The plan requires
// a denylist no older than denylist_max_staleness_seconds when a session
// starts, whatever the enforcement mode: layers B and C reject such a
// session, but in monitor, soft and non-canary hard-canary modes layer D
// lets it through with warnings. The service holds the denylist itself and
// fails closed.
const (
	CodeDenylistStaleAtSessionStart decision.Code = "service_denylist_stale_at_session_start" // the service's denylist is past its staleness bound (or dated in the future) and the session is not mid_session: rejected whatever the mode
)
