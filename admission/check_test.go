package admission

import "testing"

func TestValidTokenAllows(t *testing.T) {
	d := validFixture().check(t)
	if len(d.Reasons) != 0 || d.ValidatedAtUnix != testNow {
		t.Fatalf("valid fixture: %v", d.Reasons)
	}
}

func TestCheckTokenPolicy(t *testing.T)     { runCases(t, policyCases) }
func TestCheckTokenKeyset(t *testing.T)     { runCases(t, keysetCases) }
func TestCheckTokenDenylist(t *testing.T)   { runCases(t, denylistCases) }
func TestCheckTokenPayload(t *testing.T)    { runCases(t, payloadCases) }
func TestCheckTokenOperator(t *testing.T)   { runCases(t, operatorCases) }
func TestCheckTokenSignatures(t *testing.T) { runCases(t, signatureCases) }
