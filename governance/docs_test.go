package governance

import (
	"os"
	"testing"

	"github.com/teegate/teegate/internal/strictjson"
)

// The activation gate template in docs/ must stay a record that passes.
func TestActivationGateTemplatePasses(t *testing.T) {
	data, err := os.ReadFile("../docs/activation-gate.template.json")
	if err != nil {
		t.Fatal(err)
	}
	var g ActivationGate
	if err := strictjson.Decode("activation-gate.template.json", data, &g, nil); err != nil {
		t.Fatal(err)
	}
	reg := validRegistry()
	reg.ActivationGate = &g
	if d := CheckRegistry(reg, nil, g.EffectiveAtUnix); len(d.Reasons) != 0 {
		t.Fatalf("template rejected at its effective time: %v", d.Reasons)
	}
	if d := CheckRegistry(reg, nil, g.EffectiveAtUnix-1); !d.Has(CodeActivationGateNotYetEffective) || len(d.Reasons) != 1 {
		t.Fatalf("one second early: %v, want only %s", d.Reasons, CodeActivationGateNotYetEffective)
	}
}
