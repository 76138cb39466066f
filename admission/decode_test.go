package admission

import (
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/codetest"
)

func TestDecodeRevocationRegistryDefaults(t *testing.T) {
	r, err := DecodeRevocationRegistry("r.json", []byte(`{"denylist_refreshed_at_unix": 5}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.MinTokenRevocationEpoch != 0 || len(r.RevokedTokenIDs) != 0 || len(r.RevokedVerifierKeyIDs) != 0 {
		t.Fatalf("defaults: %+v", r)
	}
	r, err = DecodeRevocationRegistry("r.json", []byte(`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": {"revoked_at_unix": 1}}}`))
	if err != nil || r.RevokedTokenIDs["t"].Reason != "" {
		t.Fatalf("record without reason: %+v, %v", r, err)
	}
	for _, doc := range []string{
		`{}`,
		`{"denylist_refreshed_at_unix": 5, "min_token_revocation_epoch": null}`,
		`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": null}`,
		`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": {}}}`,
		`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": {"revoked_at_unix": 1, "reason": null}}}`,
		`{"denylist_refreshed_at_unix": 5, "revoked_verifier_key_ids": {"k": {"revoked_at_unix": 1, "why": "x"}}}`,
		`[5, 0, {}, {}]`,
	} {
		if _, err := DecodeRevocationRegistry("r.json", []byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
	}
}

// A repeated key keeps the later record whole, as the reference does: the
// earlier record's reason must not survive beside the later time.
func TestDecodeRevocationRepeatedKeyKeepsLaterRecord(t *testing.T) {
	r, err := DecodeRevocationRegistry("r.json", []byte(`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {
		"t": {"revoked_at_unix": 1, "reason": "first"}, "t": {"revoked_at_unix": 2}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.RevokedTokenIDs["t"]; got != (RevocationRecord{RevokedAtUnix: 2}) {
		t.Fatalf("record %+v, want the later one alone", got)
	}
	// The record stays strict.
	if _, err := DecodeRevocationRegistry("r.json", []byte(`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": {"revoked_at_unix": 1, "Reason": "x"}}}`)); err == nil {
		t.Fatal("unknown member in a record accepted")
	}
}

func TestDecodeTokenKeepsPayloadText(t *testing.T) {
	tok, err := DecodeToken("t.json", []byte(`{"payload_json": " {\"a\": 1} ", "signatures": []}`))
	if err != nil || tok.PayloadJSON != ` {"a": 1} ` {
		t.Fatalf("%+v, %v", tok, err)
	}
	if _, err := DecodeToken("t.json", []byte(`{"payload_json": {"a": 1}, "signatures": []}`)); err == nil ||
		!strings.Contains(err.Error(), `"/payload_json"`) {
		t.Fatalf("payload as an object: %v", err)
	}
}

// A code added to codes.go without a test row or a line in
// docs/reason-codes.md fails here. The reference's layer B has 60 codes.
func TestEveryCodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, table := range [][]tokenCase{policyCases, keysetCases, denylistCases, payloadCases, operatorCases, signatureCases} {
		for _, tc := range table {
			for _, c := range tc.want {
				produced[c] = true
			}
		}
	}
	codetest.CheckCoverage(t, "codes.go", 60, produced, "../docs/reason-codes.md")
}
