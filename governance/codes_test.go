package governance

import (
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/codetest"
)

// A code added to codes.go without a test row or a line in
// docs/reason-codes.md fails here. The reference's layer A has 86 codes.
func TestEveryCodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, table := range [][]registryCase{enforcementCases, operatorCases, gateCases, eventCases} {
		for _, tc := range table {
			for _, c := range tc.want {
				produced[c] = true
			}
		}
	}
	codetest.CheckCoverage(t, "codes.go", 86, produced, "../docs/reason-codes.md")
}
