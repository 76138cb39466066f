package admission_test

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/governance"
)

// counter is an admission.Observer that counts signature checks.
type counter struct{ verified, remembered atomic.Int64 }

func (c *counter) Verified(time.Duration) { c.verified.Add(1) }
func (c *counter) Remembered()            { c.remembered.Add(1) }

// A coordinator keeps one Verifier for all its checks, shared by its
// goroutines. The first check of a token verifies its signatures; later
// checks answer them from memory. The policy checks, revocation included,
// run again on every call, so a remembered signature never outlives a
// revocation.
func ExampleVerifier_CheckToken() {
	load := func(path string) []byte {
		data, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		return data
	}
	reg, err := governance.DecodeRegistry("registry.json", load("../examples/registry.json"), admission.RegistryMembers)
	if err != nil {
		fmt.Fprintln(os.Stderr, err) // names the file, the member and the byte offset
		return
	}
	ks, err := admission.DecodeKeyset("keyset.json", load("../examples/token/keyset.json"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	tok, err := admission.DecodeToken("token.json", load("../examples/token/token.json"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	rev, err := admission.DecodeRevocationRegistry("revocation.json", load("../examples/token/revocation.json"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	const now = 1767225600 // 2026-01-01T00:00:00Z

	var seen counter
	v := admission.NewObservedVerifier(&seen)
	fmt.Println(v.CheckToken(reg, ks, tok, rev, now))

	// Four more checks of the same token, concurrently.
	var wg sync.WaitGroup
	outcomes := make([]string, 4)
	for i := range outcomes {
		wg.Go(func() { outcomes[i] = v.CheckToken(reg, ks, tok, rev, now).String() })
	}
	wg.Wait()
	fmt.Println(outcomes)

	// The same token against a denylist that now revokes it.
	revoked, err := admission.DecodeRevocationRegistry("revocation-revoked.json", load("../examples/token/revocation-revoked.json"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(v.CheckToken(reg, ks, tok, revoked, now))
	fmt.Println("signatures verified:", seen.verified.Load(), "answered from memory:", seen.remembered.Load())
	// Output:
	// allow
	// [allow allow allow allow]
	// reject: token_id_revoked
	// signatures verified: 3 answered from memory: 15
}
