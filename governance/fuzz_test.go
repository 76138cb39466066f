package governance

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/teegate/teegate/decision"
)

// FuzzCheckRegistry feeds arbitrary registry and event documents through
// the decoders and the check: neither may panic, a decoded document always
// gets a decision, and the same input always gets the same decision.
func FuzzCheckRegistry(f *testing.F) {
	reg, _ := os.ReadFile("../examples/registry.json")
	events, _ := os.ReadFile("../examples/events.json")
	f.Add(reg, events, uint64(1767225600))
	cases, _ := filepath.Glob("../testdata/conformance/registry/*")
	for _, dir := range cases {
		r, err1 := os.ReadFile(filepath.Join(dir, "registry.json"))
		e, err2 := os.ReadFile(filepath.Join(dir, "events.json"))
		if err1 == nil && err2 == nil {
			f.Add(r, e, uint64(1700100000))
		}
	}
	f.Fuzz(func(t *testing.T, regDoc, eventsDoc []byte, now uint64) {
		reg, err := DecodeRegistry("registry.json", regDoc, Requirement{})
		if err != nil {
			return
		}
		log, err := DecodeAuditLog("events.json", eventsDoc)
		if err != nil {
			log = nil
		}
		d := CheckRegistry(reg, log, now)
		if (d.Outcome == decision.Allow) != (len(d.Reasons) == 0) || d.ValidatedAtUnix != now {
			t.Fatalf("inconsistent decision %v", d)
		}
		if again := CheckRegistry(reg, log, now); !reflect.DeepEqual(d, again) {
			t.Fatalf("same input, different decisions:\n%v\n%v", d, again)
		}
	})
}
