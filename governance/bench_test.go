package governance

import (
	"fmt"
	"os"
	"testing"

	"github.com/go-json-experiment/json"
)

func readExample(b *testing.B, name string) []byte {
	b.Helper()
	data, err := os.ReadFile("../examples/" + name)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// largeInputs is a registry of n operators with a log that adds each, as a
// stand-in for a mature deployment.
func largeInputs(n int) (*Registry, *AuditLog) {
	reg := validRegistry()
	op := reg.Operators[0]
	reg.Operators = reg.Operators[:0]
	log := &AuditLog{}
	for i := range n {
		op.OperatorID, op.SignerIdentifier = fmt.Sprintf("op-%05d", i), fmt.Sprintf("signer-%05d", i)
		reg.Operators = append(reg.Operators, op)
		log.Events = append(log.Events, Event{EventID: fmt.Sprintf("e-%05d", i), EventType: EventAdd,
			OperatorID: str(op.OperatorID), SignerIdentifier: str(op.SignerIdentifier), GovernanceDecisionID: "d", EffectiveAtUnix: uint64(1_699_000_000 + i)})
	}
	return reg, log
}

func BenchmarkDecodeRegistry(b *testing.B) {
	b.Run("example", func(b *testing.B) {
		data := readExample(b, "registry.json")
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := DecodeRegistry("registry.json", data, Requirement{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("example-layer-members", func(b *testing.B) {
		// A layer's requirement, as layers B, C and D decode with.
		req := RequireMembers("/profile_status", "/enforcement", "/enforcement/grace_period_seconds",
			"/operators", "/operators/*/operator_id", "/operators/*/status")
		data := readExample(b, "registry.json")
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := DecodeRegistry("registry.json", data, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("1000-operators", func(b *testing.B) {
		reg, _ := largeInputs(1000)
		data, err := json.Marshal(reg)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := DecodeRegistry("registry.json", data, Requirement{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodeAuditLog(b *testing.B) {
	data := readExample(b, "events.json")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := DecodeAuditLog("events.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckRegistry(b *testing.B) {
	b.Run("example", func(b *testing.B) {
		reg, err := DecodeRegistry("registry.json", readExample(b, "registry.json"), Requirement{})
		if err != nil {
			b.Fatal(err)
		}
		log, err := DecodeAuditLog("events.json", readExample(b, "events.json"))
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if d := CheckRegistry(reg, log, 1767225600); len(d.Reasons) != 0 {
				b.Fatal(d)
			}
		}
	})
	b.Run("1000-operators", func(b *testing.B) {
		reg, log := largeInputs(1000)
		for b.Loop() {
			if d := CheckRegistry(reg, log, testNow); len(d.Reasons) != 0 {
				b.Fatal(d)
			}
		}
	})
}
