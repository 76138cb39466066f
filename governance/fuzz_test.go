package governance

import (
	"os"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/fuzzprop"
)

// FuzzCheckRegistry feeds arbitrary registry and event documents through
// the decoders and the check, with and without the events, and checks the
// properties of internal/fuzzprop on every input.
func FuzzCheckRegistry(f *testing.F) {
	reg, _ := os.ReadFile("../examples/registry.json")
	events, _ := os.ReadFile("../examples/events.json")
	f.Add(reg, events, uint64(1767225600))
	// A policy 2 registry, so that the fuzzer starts inside its rules
	// (governance keys, versions, vendors, identifiers).
	reg2, _ := os.ReadFile("../examples/policy2/registry.json")
	events2, _ := os.ReadFile("../examples/policy2/events.json")
	f.Add(reg2, events2, uint64(1767228400))
	fuzzprop.AddConformancePairs(f, "registry", "events.json")
	f.Fuzz(func(t *testing.T, regDoc, eventsDoc []byte, now uint64) {
		reg, err := DecodeRegistry("registry.json", regDoc, Requirement{})
		if err != nil {
			fuzzprop.InputError(t, err, "registry.json")
			return
		}
		log, err := DecodeAuditLog("events.json", eventsDoc)
		if err != nil {
			fuzzprop.InputError(t, err, "events.json")
			log = nil
		}
		// The approvers at now are at most the registry's approver ids.
		if a := reg.ApproversAt(now); reg.GovernanceKeys != nil && a.Len() > len(*reg.GovernanceKeys) {
			t.Fatalf("%d active approvers from %d key entries", a.Len(), len(*reg.GovernanceKeys))
		}
		for _, l := range []*AuditLog{nil, log} {
			d := CheckRegistry(reg, l, now)
			fuzzprop.Decision(t, d, func() decision.Decision { return CheckRegistry(reg, l, now) }, false)
		}
	})
}
