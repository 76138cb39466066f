package cohort

import (
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/codetest"
)

const minimalSession = `{"session_id": "s", "phase": "session_start", "threshold": 1, "selected_signers": [],
 "denylist": {"refreshed_at_unix": 1}}`

func TestDecodeSessionDefaults(t *testing.T) {
	s, err := DecodeSession("s.json", []byte(minimalSession))
	if err != nil {
		t.Fatal(err)
	}
	if s.VendorOutage != nil || s.Denylist.MinTokenRevocationEpoch != 0 || len(s.Denylist.RevokedTokenIDs) != 0 {
		t.Fatalf("defaults: %+v", s)
	}
	withNull := strings.Replace(minimalSession, `"threshold": 1`, `"threshold": 1, "vendor_outage": null`, 1)
	if _, err := DecodeSession("s.json", []byte(withNull)); err != nil {
		t.Fatalf("null vendor_outage: %v", err)
	}
}

func TestDecodeSessionRejects(t *testing.T) {
	for _, tc := range []struct{ name, edit, msg string }{
		{"null denylist list", `"refreshed_at_unix": 1, "revoked_token_ids": null`, `"/denylist/revoked_token_ids": null is not allowed`},
		{"null epoch", `"refreshed_at_unix": 1, "min_token_revocation_epoch": null`, `"/denylist/min_token_revocation_epoch": null`},
		{"empty outage", `"refreshed_at_unix": 1}, "vendor_outage": {`, `"/vendor_outage": missing required member "declared"`},
		{"declared as a string", `"refreshed_at_unix": 1}, "vendor_outage": {"declared": "true", "declared_at_unix": 1, "relaxed_max_single_vendor_share_percent": 50, "expires_at_unix": 2`, `want a boolean`},
		{"denylist source", `"refreshed_at_unix": 1, "source": "x"`, `"/denylist/source": unknown member`},
	} {
		doc := strings.Replace(minimalSession, `"refreshed_at_unix": 1`, tc.edit, 1)
		_, err := DecodeSession("s.json", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.msg)
		}
	}
	noToken := `{"session_id": "s", "phase": "p", "threshold": 1, "denylist": {"refreshed_at_unix": 1},
	 "selected_signers": [{"operator_id": "o", "signer_identifier": "s", "vendor_id": "v"}]}`
	if _, err := DecodeSession("s.json", []byte(noToken)); err == nil || !strings.Contains(err.Error(), `"/selected_signers/0": missing required member "token"`) {
		t.Errorf("signer without token: %v", err)
	}
}

// A code added to codes.go without a test row or a line in
// docs/reason-codes.md fails here. The reference's layer C has 47 codes.
func TestEveryCodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, table := range [][]runtimeCase{policyCases, sessionCases, denylistCases, outageCases, signerCases, vendorCases} {
		for _, tc := range table {
			for _, c := range tc.want {
				produced[c] = true
			}
		}
	}
	codetest.CheckCoverage(t, "codes.go", 47, produced, "../docs/reason-codes.md")
}
