package cohort_test

import (
	"fmt"
	"os"

	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/governance"
)

// A coordinator checks the cohort it selected for a signing session before
// the session starts, at an evaluation time it chooses.
func ExampleCheckRuntime() {
	load := func(path string) []byte {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		return data
	}
	reg, err := governance.DecodeRegistry("registry.json", load("../examples/registry.json"), cohort.RegistryMembers)
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // names the file, the member and the byte offset
		return
	}
	const now = 1767225600 // 2026-01-01T00:00:00Z

	for _, name := range []string{"session-start.json", "session-rejected.json"} {
		s, err := cohort.DecodeSession(name, load("../examples/runtime/"+name))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return
		}
		d := cohort.CheckRuntime(reg, s, now)
		fmt.Println(name+":", d.Outcome)
		for _, r := range d.Reasons {
			fmt.Println(" ", r.Code)
		}
	}
	// Output:
	// session-start.json: allow
	// session-rejected.json: reject
	//   denylist_stale
	//   selected_token_expired_for_session_start
	//   selected_operator_not_active
	//   selected_token_revoked
	//   vendor_diversity_cap_exceeded
}
