package enforce

import (
	"os"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/fuzzprop"
)

// FuzzCheckEnforcement fuzzes the registry and the context together.
func FuzzCheckEnforcement(f *testing.F) {
	reg, _ := os.ReadFile("../examples/registry.json")
	for _, name := range []string{"context-monitor", "context-hard-canary", "context-full-break-glass"} {
		c, _ := os.ReadFile("../examples/enforcement/" + name + ".json")
		f.Add(reg, c, uint64(1767225600))
	}
	fuzzprop.AddConformancePairs(f, "enforcement", "context.json")
	f.Fuzz(func(t *testing.T, regDoc, ctxDoc []byte, now uint64) {
		reg, err := governance.DecodeRegistry("registry.json", regDoc, RegistryMembers)
		if err != nil {
			fuzzprop.InputError(t, err, "registry.json")
			return
		}
		ctx, err := DecodeContext("context.json", ctxDoc)
		if err != nil {
			fuzzprop.InputError(t, err, "context.json")
			return
		}
		d := CheckEnforcement(reg, ctx, now)
		fuzzprop.Decision(t, d, func() decision.Decision { return CheckEnforcement(reg, ctx, now) }, true)
	})
}
