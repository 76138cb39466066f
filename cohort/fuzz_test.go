package cohort

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
)

// FuzzCheckRuntime: decoding and checking never panic, a decoded session
// always gets a consistent decision, and the same input the same one.
func FuzzCheckRuntime(f *testing.F) {
	reg, _ := os.ReadFile("../examples/registry.json")
	for _, name := range []string{"session-start", "session-mid-grace", "session-vendor-outage", "session-rejected"} {
		s, _ := os.ReadFile("../examples/runtime/" + name + ".json")
		f.Add(reg, s, uint64(1767225600))
	}
	dirs, _ := filepath.Glob("../testdata/conformance/runtime/*")
	for _, dir := range dirs {
		r, err1 := os.ReadFile(filepath.Join(dir, "registry.json"))
		s, err2 := os.ReadFile(filepath.Join(dir, "session.json"))
		if err1 == nil && err2 == nil {
			f.Add(r, s, uint64(1700100000))
		}
	}
	f.Fuzz(func(t *testing.T, regDoc, sessionDoc []byte, now uint64) {
		reg, err := governance.DecodeRegistry("registry.json", regDoc, RegistryMembers)
		if err != nil {
			return
		}
		s, err := DecodeSession("session.json", sessionDoc)
		if err != nil {
			return
		}
		d := CheckRuntime(reg, s, now)
		if (d.Outcome == decision.Allow) != (len(d.Reasons) == 0) {
			t.Fatalf("inconsistent decision %v", d)
		}
		if again := CheckRuntime(reg, s, now); !reflect.DeepEqual(d, again) {
			t.Fatalf("same input, different decisions")
		}
	})
}
