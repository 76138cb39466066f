package cohort

import (
	"fmt"
	"testing"

	"github.com/teegate/teegate/governance"
)

// largeInputs is a registry of ops active operators and a cohort of the
// first signers of them, spread over five vendors, that passes.
func largeInputs(ops, signers int) (*governance.Registry, *Session) {
	reg, s := validInputs()
	reg.Operators, s.SelectedSigners = nil, nil
	s.Threshold = uint64(signers * 2 / 3)
	reg.Enforcement.MinAttestedSignersPerCohort = s.Threshold + 1
	vendors := []string{"intel", "amd", "aws-nitro", "arm-cca", "nvidia"}
	for i := range ops {
		reg.Operators = append(reg.Operators, governance.Operator{
			OperatorID: fmt.Sprintf("operator-%05d", i), SignerIdentifier: fmt.Sprintf("signer-%05d", i), Status: "active", EffectiveFrom: 1_700_000_000,
		})
	}
	for i := range signers {
		s.SelectedSigners = append(s.SelectedSigners, SelectedSigner{
			// Every 10th operator of the registry, so lookups land all over it.
			OperatorID: fmt.Sprintf("operator-%05d", i*ops/signers), SignerIdentifier: fmt.Sprintf("signer-%05d", i*ops/signers),
			VendorID: vendors[i%len(vendors)],
			Token:    TokenSnapshot{TokenID: fmt.Sprintf("tok-%05d", i), IssuedAtUnix: testNow - 600, ExpiresAtUnix: testNow + 3000, TokenRevocationEpoch: 5},
		})
	}
	for i := range 1000 { // a denylist of others
		s.Denylist.RevokedOperatorIDs = append(s.Denylist.RevokedOperatorIDs, fmt.Sprintf("retired-%04d", i))
	}
	return reg, s
}

// BenchmarkCheckRuntime: the cost grows with registry plus cohort, not
// their product, because operators are looked up in an index.
func BenchmarkCheckRuntime(b *testing.B) {
	for _, size := range []struct{ ops, signers int }{{1000, 100}, {10000, 1000}} {
		b.Run(fmt.Sprintf("%d-operators-%d-signers", size.ops, size.signers), func(b *testing.B) {
			reg, s := largeInputs(size.ops, size.signers)
			for b.Loop() {
				if d := CheckRuntime(reg, s, testNow); len(d.Reasons) != 0 {
					b.Fatal(d.Reasons[0])
				}
			}
		})
	}
}
