package service

import (
	"github.com/teegate/teegate/gate"
)

// LayerService marks a reason of the deployment's rules over layer D's
// decision (gate.Options.RejectStaleDenylist, which the service turns on).
const LayerService = gate.LayerService

// layerRegistry is layer A, as the metrics of the registry check name it;
// the gate's layers name B, C and D.
const layerRegistry gate.Layer = "registry"

// layerAttest is the attestation layer (package attest), as the metrics
// of the verifier role name it.
const layerAttest gate.Layer = "attest"

// CodeDenylistStaleAtSessionStart is the code of the gate's
// RejectStaleDenylist, which the service applies to every session start
// and to /v1/check/enforcement.
const CodeDenylistStaleAtSessionStart = gate.CodeDenylistStaleAtSessionStart
