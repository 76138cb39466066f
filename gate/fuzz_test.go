package gate

import (
	"os"
	"testing"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/fuzzprop"
)

// FuzzGate fuzzes the session document and the revocation registry against
// the example registry and keyset, through a cached and an uncached gate.
func FuzzGate(f *testing.F) {
	session, _ := os.ReadFile("../examples/gate/session.json")
	for _, name := range []string{"revocation", "revocation-bravo-revoked"} {
		rev, _ := os.ReadFile("../examples/gate/" + name + ".json")
		f.Add(session, rev, uint64(1767225600))
	}
	regDoc, _ := os.ReadFile("../examples/registry.json")
	ksDoc, _ := os.ReadFile("../examples/gate/keyset.json")
	reg, err := governance.DecodeRegistry("registry.json", regDoc, RegistryMembers)
	if err != nil {
		f.Fatal(err)
	}
	ks, err := admission.DecodeKeyset("keyset.json", ksDoc)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, sessionDoc, revDoc []byte, now uint64) {
		rev, err := admission.DecodeRevocationRegistry("revocation.json", revDoc)
		if err != nil {
			fuzzprop.InputError(t, err, "revocation.json")
			return
		}
		s, err := DecodeSession("session.json", sessionDoc)
		if err != nil {
			fuzzprop.InputError(t, err, "session.json")
			return
		}
		cached := New(reg, ks, rev, Options{})
		r := cached.Evaluate(s, now)
		if r.Outcome != r.Enforcement.Outcome || (r.Outcome == "allow") != (len(r.Reasons) == 0) {
			t.Fatalf("%s with %d reasons (layer D: %s)", r.Outcome, len(r.Reasons), r.Enforcement.Outcome)
		}
		fuzzprop.Same(t, r, cached.Evaluate(s, now))
		fuzzprop.Same(t, r, New(reg, ks, rev, Options{NoCache: true, Workers: 1}).Evaluate(s, now))
	})
}
