package governance_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/teegate/teegate/governance"
)

// A coordinator validates the registry and its audit log before it trusts
// either, at an evaluation time it chooses.
func ExampleCheckRegistry() {
	load := func(path string) []byte {
		data, err := os.ReadFile(path) // the decoders refuse documents above 16 MiB
		if err != nil {
			panic(err)
		}
		return data
	}
	reg, err := governance.DecodeRegistry("registry.json", load("../examples/registry-rejected.json"), governance.Requirement{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // names the file, the member and the byte offset
		return
	}
	log, err := governance.DecodeAuditLog("events.json", load("../examples/events.json"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}

	d := governance.CheckRegistry(reg, log, 1767225600) // 2026-01-01T00:00:00Z
	fmt.Println(d.Outcome)
	for _, r := range d.Reasons {
		fmt.Println(r.Code)
	}
	fmt.Println(errors.Is(d.Err(), governance.CodeActivationGateQuorumBelowRequired))
	// Output:
	// reject
	// active_operator_window_expired
	// activation_gate_quorum_below_required
	// operator_status_mismatch_with_events
	// true
}
