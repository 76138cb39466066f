// Package fuzzprop holds the properties every fuzz target of teegate
// checks on every input: a decision or a clean input error, never both or
// neither; the same input gives the same bytes out; a decision of allow
// carries no reason; and every reason has a code.
package fuzzprop

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/strictjson"
)

// InputError fails t unless err is a clean input error: a
// *strictjson.Error naming file.
func InputError(t *testing.T, err error, file string) {
	t.Helper()
	var e *strictjson.Error
	if !errors.As(err, &e) || e.File != file || e.Error() == "" {
		t.Fatalf("input error %v is not a *strictjson.Error naming %s", err, file)
	}
}

// Output is what a check prints.
type Output interface {
	Marshal() ([]byte, error)
}

// Decision fails t unless d is a well-formed decision, and decide, run
// again, prints the same bytes.
func Decision(t *testing.T, d decision.Decision, decide func() decision.Decision, warnings bool) {
	t.Helper()
	switch d.Outcome {
	case decision.Allow:
		if len(d.Reasons) != 0 {
			t.Fatalf("allow with reasons %v", d.Codes())
		}
	case decision.AllowWithWarnings:
		if !warnings || len(d.Reasons) == 0 {
			t.Fatalf("allow_with_warnings here, with %d reasons", len(d.Reasons))
		}
	case decision.Reject:
		if len(d.Reasons) == 0 {
			t.Fatal("reject without a reason")
		}
	default:
		t.Fatalf("outcome %q", d.Outcome)
	}
	for _, r := range d.Reasons {
		// A detail may be empty: layer D copies the runtime decision's
		// details as they are, as the reference does. A code never is.
		if r.Code == "" {
			t.Fatalf("reason without a code: %+v", r)
		}
	}
	Same(t, d, decide())
}

// Same fails t unless a and b print the same bytes.
func Same(t *testing.T, a, b Output) {
	t.Helper()
	x, err1 := a.Marshal()
	y, err2 := b.Marshal()
	if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
		t.Fatalf("the same input printed differently (%v, %v):\n%s\n%s", err1, err2, x, y)
	}
}

// ConformanceNow is the clock the conformance cases run at, for seeds taken
// from them.
const ConformanceNow uint64 = 1700100000

// AddConformancePairs seeds f with the registry and the named second
// document of every conformance case of layer that has both, at
// ConformanceNow: the corpus of a fuzz target over (registry, document,
// now).
func AddConformancePairs(f *testing.F, layer, second string) {
	f.Helper()
	dirs, _ := filepath.Glob(filepath.Join("..", "testdata", "conformance", layer, "*"))
	for _, dir := range dirs {
		r, err1 := os.ReadFile(filepath.Join(dir, "registry.json"))
		d, err2 := os.ReadFile(filepath.Join(dir, second))
		if err1 == nil && err2 == nil {
			f.Add(r, d, ConformanceNow)
		}
	}
}
