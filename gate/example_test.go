package gate_test

import (
	"fmt"
	"os"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/gate"
	"github.com/teegate/teegate/governance"
)

// A coordinator builds the gate once from the governed documents, then
// evaluates each signing session.
func ExampleGate_Evaluate() {
	read := func(path string) []byte {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		return data
	}
	reg, err := governance.DecodeRegistry("registry.json", read("../examples/registry.json"), gate.RegistryMembers)
	if err != nil {
		panic(err)
	}
	keyset, err := admission.DecodeKeyset("keyset.json", read("../examples/gate/keyset.json"))
	if err != nil {
		panic(err)
	}
	revocations, err := admission.DecodeRevocationRegistry("revocation.json", read("../examples/gate/revocation-bravo-revoked.json"))
	if err != nil {
		panic(err)
	}
	session, err := gate.DecodeSession("session.json", read("../examples/gate/session.json"))
	if err != nil {
		panic(err)
	}

	g := gate.New(reg, keyset, revocations, gate.Options{})
	result := g.Evaluate(session, 1767225600) // 2026-01-01T00:00:00Z
	fmt.Println(result.Outcome, result.Admits())
	for _, r := range result.Reasons {
		fmt.Println(r.Layer, r.Signer, r.Code)
	}
	// Output:
	// reject false
	// enforcement  full_enforcement_violation_blocked
	// runtime keep-bravo selected_token_revoked
	// token keep-bravo token_id_revoked
}
