package enforce

import (
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/codetest"
)

const minimalContext = `{"session_id": "s", "canary_session": false, "selected_operator_ids": ["op-1"],
 "runtime_decision": {"decision": "allow", "validated_at_unix": 1}, "enforcement_mode": "monitor_only"}`

func TestDecodeContextDefaults(t *testing.T) {
	c, err := DecodeContext("c.json", []byte(minimalContext))
	if err != nil {
		t.Fatal(err)
	}
	if c.BreakGlass != nil || len(c.BreakGlassHistory) != 0 || len(c.RuntimeDecision.Reasons) != 0 {
		t.Fatalf("defaults: %+v", c)
	}
	withNull := strings.Replace(minimalContext, `"enforcement_mode"`, `"break_glass": null, "enforcement_mode"`, 1)
	if _, err := DecodeContext("c.json", []byte(withNull)); err != nil {
		t.Fatalf("null break_glass: %v", err)
	}
	withHint := strings.Replace(minimalContext, `"enforcement_mode"`, `"break_glass": {"incident_ticket": "i", "declared_at_unix": 1,
	 "expires_at_unix": 2, "approver_quorum_bps": 1, "scope_operator_ids": []}, "enforcement_mode"`, 1)
	c, err = DecodeContext("c.json", []byte(withHint))
	if err != nil || c.BreakGlass.IsNewActivation {
		t.Fatalf("absent hint: %+v, %v", c, err)
	}
}

func TestDecodeContextRejects(t *testing.T) {
	for _, tc := range []struct{ name, from, to, msg string }{
		{"null history", `"enforcement_mode"`, `"break_glass_history": null, "enforcement_mode"`, `"/break_glass_history": null is not allowed`},
		{"null reasons", `"validated_at_unix": 1}`, `"validated_at_unix": 1, "reasons": null}`, `"/runtime_decision/reasons": null`},
		{"reason without detail", `"validated_at_unix": 1}`, `"validated_at_unix": 1, "reasons": [{"code": "x"}]}`, `"/runtime_decision/reasons/0": missing required member "detail"`},
		{"empty waiver", `"enforcement_mode"`, `"break_glass": {}, "enforcement_mode"`, `"/break_glass": missing required member "incident_ticket"`},
		{"null hint", `"enforcement_mode"`, `"break_glass": {"incident_ticket": "i", "declared_at_unix": 1, "expires_at_unix": 2, "approver_quorum_bps": 1, "scope_operator_ids": [], "is_new_activation": null}, "enforcement_mode"`, `"/break_glass/is_new_activation": null`},
		{"misspelt waiver", `"enforcement_mode"`, `"break_glas": {}, "enforcement_mode"`, `"/break_glas": unknown member`},
		{"canary as a string", `"canary_session": false`, `"canary_session": "false"`, `want a boolean`},
		{"no canary flag", `"canary_session": false, `, ``, `missing required member "canary_session"`},
	} {
		doc := strings.Replace(minimalContext, tc.from, tc.to, 1)
		if doc == minimalContext {
			t.Fatalf("%s: edit did not apply", tc.name)
		}
		if _, err := DecodeContext("c.json", []byte(doc)); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.msg)
		}
	}
}

// A code added to codes.go without a test row or a line in
// docs/reason-codes.md fails here. The reference's layer D has 39 static
// codes besides the runtime_ family.
func TestEveryCodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, table := range [][]enforcementCase{preCheckCases, modeCases, waiverCases} {
		for _, tc := range table {
			for _, c := range tc.want {
				produced[c] = true
			}
		}
	}
	codetest.CheckCoverage(t, "codes.go", 39, produced, "../docs/reason-codes.md")
}
