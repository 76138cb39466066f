package admission

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/codetest"
	"github.com/teegate/teegate/internal/strictjson"
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

// A key written twice in a revocation map is a duplicate member, an input
// error naming the file and the member, in either map and wherever the
// repeat stands; the reference keeps the later entry, so that the order of
// two entries decided whether a revocation was in force.
func TestDecodeRevocationRepeatedKeyIsDuplicateMember(t *testing.T) {
	const rec = `{"revoked_at_unix": 1}`
	for _, tc := range []struct {
		name, doc, pointer string
	}{
		{"token ids", `{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": ` + rec + `, "t": {"revoked_at_unix": 2, "reason": "later"}}}`,
			"/revoked_token_ids/t"},
		{"verifier key ids", `{"denylist_refreshed_at_unix": 5, "revoked_verifier_key_ids": {"k": ` + rec + `, "k": ` + rec + `}}`,
			"/revoked_verifier_key_ids/k"},
		{"not adjacent, after the other map", `{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": ` + rec + `},
			"revoked_verifier_key_ids": {"k-1": ` + rec + `, "k-2": ` + rec + `, "k-1": ` + rec + `}, "min_token_revocation_epoch": 3}`,
			"/revoked_verifier_key_ids/k-1"},
		{"escaped spelling of the same key", `{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"tok": ` + rec + `, "t\u006fk": ` + rec + `}}`,
			"/revoked_token_ids/tok"},
		{"same record twice", `{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": ` + rec + `, "t": ` + rec + `}}`,
			"/revoked_token_ids/t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := DecodeRevocationRegistry("revocation.json", []byte(tc.doc))
			if err == nil {
				t.Fatalf("accepted: %+v", r)
			}
			var e *strictjson.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *strictjson.Error", err)
			}
			// The offset is just past the repeated key.
			end := strings.LastIndex(tc.doc, `": {"revoked_at_unix"`) + 1
			want := fmt.Sprintf("failed to parse JSON file [revocation.json]: member %q: duplicate member (at byte %d)", tc.pointer, end)
			if e.File != "revocation.json" || e.Pointer != tc.pointer || err.Error() != want {
				t.Fatalf("err = %q\nwant  %q", err, want)
			}
		})
	}
}

// Distinct keys decode, each with its own record, including keys that are
// equal only once normalised (they are all kept; see normaliseRevocations),
// and the same key in both maps. The records stay strict.
func TestDecodeRevocationDistinctKeys(t *testing.T) {
	r, err := DecodeRevocationRegistry("r.json", []byte(`{"denylist_refreshed_at_unix": 5,
		"revoked_token_ids": {"t": {"revoked_at_unix": 1, "reason": "first"}, "T": {"revoked_at_unix": 2}, " t": {"revoked_at_unix": 3}},
		"revoked_verifier_key_ids": {"t": {"revoked_at_unix": 4}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]RevocationRecord{"t": {RevokedAtUnix: 1, Reason: "first"}, "T": {RevokedAtUnix: 2}, " t": {RevokedAtUnix: 3}}
	if !maps.Equal(r.RevokedTokenIDs, want) {
		t.Fatalf("revoked_token_ids %+v, want %+v", r.RevokedTokenIDs, want)
	}
	if !maps.Equal(r.RevokedVerifierKeyIDs, map[string]RevocationRecord{"t": {RevokedAtUnix: 4}}) {
		t.Fatalf("revoked_verifier_key_ids %+v", r.RevokedVerifierKeyIDs)
	}
	for _, doc := range []string{
		`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": {"revoked_at_unix": 1, "Reason": "x"}}}`,
		`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": {"revoked_at_unix": 1, "revoked_at_unix": 2}}}`,
		`{"denylist_refreshed_at_unix": 5, "revoked_token_ids": {"t": null}}`,
	} {
		if _, err := DecodeRevocationRegistry("r.json", []byte(doc)); err == nil {
			t.Errorf("accepted %s", doc)
		}
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
