package admission

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

// FuzzCheckToken: decoding and checking never panic and a decoded token
// always gets a consistent decision. The token and the revocation registry
// are fuzzed; the registry and keyset come from the conformance cases.
func FuzzCheckToken(f *testing.F) {
	dirs, _ := filepath.Glob("../testdata/conformance/token/*")
	type seed struct{ reg, ks []byte }
	var seeds []seed
	for _, dir := range dirs {
		reg, err1 := os.ReadFile(filepath.Join(dir, "registry.json"))
		ks, err2 := os.ReadFile(filepath.Join(dir, "keyset.json"))
		tok, err3 := os.ReadFile(filepath.Join(dir, "token.json"))
		rev, err4 := os.ReadFile(filepath.Join(dir, "revocation.json"))
		if err1 == nil && err2 == nil && err3 == nil && err4 == nil {
			f.Add(uint8(len(seeds)), tok, rev, uint64(1700100000))
			seeds = append(seeds, seed{reg, ks})
		}
	}
	if len(seeds) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, which uint8, tokDoc, revDoc []byte, now uint64) {
		s := seeds[int(which)%len(seeds)]
		reg, err := governance.DecodeRegistry("registry.json", s.reg, RegistryMembers)
		if err != nil {
			return
		}
		ks, err := DecodeKeyset("keyset.json", s.ks)
		if err != nil {
			return
		}
		tok, err := DecodeToken("token.json", tokDoc)
		if err != nil {
			return
		}
		rev, err := DecodeRevocationRegistry("revocation.json", revDoc)
		if err != nil {
			return
		}
		d := CheckToken(reg, ks, tok, rev, now)
		if (d.Outcome == decision.Allow) != (len(d.Reasons) == 0) {
			t.Fatalf("inconsistent decision %v", d)
		}
	})
}
