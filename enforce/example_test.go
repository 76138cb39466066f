package enforce_test

import (
	"fmt"
	"os"

	"github.com/teegate/teegate/enforce"
	"github.com/teegate/teegate/governance"
)

// A coordinator enforces a runtime decision in the registry's enforcement
// mode. Here full_enforcement meets a vendor-diversity violation, and a
// valid break-glass waiver turns the block into warnings.
func ExampleCheckEnforcement() {
	load := func(path string) []byte {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		return data
	}
	reg, err := governance.DecodeRegistry("registry.json", load("../examples/registry.json"), enforce.RegistryMembers)
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // names the file, the member and the byte offset
		return
	}
	ctx, err := enforce.DecodeContext("context.json", load("../examples/enforcement/context-full-break-glass.json"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}

	d := enforce.CheckEnforcement(reg, ctx, 1767225600) // 2026-01-01T00:00:00Z
	fmt.Println(d.Outcome, d.Admits())
	for _, r := range d.Reasons {
		fmt.Println(r.Code)
	}

	// Without the waiver the same violation is blocked.
	ctx.BreakGlass = nil
	fmt.Println(enforce.CheckEnforcement(reg, ctx, 1767225600))
	// Output:
	// allow_with_warnings true
	// full_enforcement_break_glass_applied
	// runtime_vendor_diversity_cap_exceeded
	// reject: full_enforcement_violation_blocked, runtime_vendor_diversity_cap_exceeded
}
