package idprofile_test

import (
	"testing"

	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/gendocs"
	"github.com/teegate/teegate/internal/idprofile"
)

// BenchmarkCheckLargeRegistry: the identifier walk over a decoded
// registry of 20,000 operators, which a policy 2 registry of that size
// costs on every decode, against the decode itself.
func BenchmarkCheckLargeRegistry(b *testing.B) {
	docs, _, err := gendocs.Generate(gendocs.Config{Operators: 20000, Events: 20000, Signers: 2000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	reg, err := governance.DecodeRegistry("registry.json", docs[0], governance.Requirement{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("walk", func(b *testing.B) {
		for b.Loop() {
			if err := idprofile.Check("registry.json", reg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(docs[0])))
		for b.Loop() {
			if _, err := governance.DecodeRegistry("registry.json", docs[0], governance.Requirement{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
