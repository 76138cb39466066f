package gate

import (
	"testing"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/codetest"
)

// A code added to codes.go that no evaluation produces, or that
// docs/reason-codes.md does not list, fails here.
func TestEveryCodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	sc := newScenario(t, 10, 2)
	// op-0001 presents a token of op-0002's.
	sc.sign(t, 1, func(p *admission.Payload) { p.OperatorID, p.SignerIdentifier = "op-0002", "s-op-0002" })
	for _, r := range New(sc.reg, sc.ks, sc.rev, Options{}).Evaluate(sc.session, testNow).Reasons {
		produced[r.Code] = true
	}
	codetest.CheckCoverage(t, "codes.go", 2, produced, "../docs/reason-codes.md")
}
