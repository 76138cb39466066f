package cohort

import (
	"os"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/fuzzprop"
)

// FuzzCheckRuntime fuzzes the registry and the session together.
func FuzzCheckRuntime(f *testing.F) {
	reg, _ := os.ReadFile("../examples/registry.json")
	for _, name := range []string{"session-start", "session-mid-grace", "session-vendor-outage", "session-rejected"} {
		s, _ := os.ReadFile("../examples/runtime/" + name + ".json")
		f.Add(reg, s, uint64(1767225600))
	}
	fuzzprop.AddConformancePairs(f, "runtime", "session.json")
	f.Fuzz(func(t *testing.T, regDoc, sessionDoc []byte, now uint64) {
		reg, err := governance.DecodeRegistry("registry.json", regDoc, RegistryMembers)
		if err != nil {
			fuzzprop.InputError(t, err, "registry.json")
			return
		}
		s, err := DecodeSession("session.json", sessionDoc)
		if err != nil {
			fuzzprop.InputError(t, err, "session.json")
			return
		}
		d, signers := CheckRuntimeAttributed(reg, s, now)
		if len(signers) != len(d.Reasons) {
			t.Fatalf("%d attributions for %d reasons", len(signers), len(d.Reasons))
		}
		fuzzprop.Decision(t, d, func() decision.Decision { return CheckRuntime(reg, s, now) }, false)
	})
}
