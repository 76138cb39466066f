package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/admission"
)

// The attacks this field has seen, each run through the command line as
// an operator or an attacker would: each must end in reject, with the
// expected reason, or in an input error (exit 2) with a precise message;
// never in allow.

// advKeys are fixed verifier keys for the attacks.
var advKeys = func() []*admission.SecretKey {
	var keys []*admission.SecretKey
	for i := range 3 {
		sk, err := admission.ParseSecretKey(fmt.Appendf(nil, "%064x", 0xad00+i))
		if err != nil {
			panic(err)
		}
		keys = append(keys, sk)
	}
	return keys
}()

const advRegistry = `{
  "profile_status": "mandatory",
  "enforcement": {"attestation_max_age_seconds": 3600, "denylist_max_staleness_seconds": 60},
  "operators": [{
    "operator_id": "op-k", "signer_identifier": "s-k", "status": "active",
    "allowed_tee_types": ["sgx"],
    "allowed_measurements": ["sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"],
    "attestation_max_age_seconds": 3600, "effective_from": 1700000000
  }]
}`

const advNow = "1700100000"

// advKeyset: three instances under two roots, unless edited.
type advKey struct{ id, instance, root, pub string }

func advKeyset(threshold int, keys ...advKey) string {
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf(`{"key_id": %q, "verifier_instance_id": %q, "trust_root_id": %q, "pubkey_hex": %q,
		 "valid_from_unix": 1700000000, "valid_until_unix": 1700259200}`, k.id, k.instance, k.root, k.pub))
	}
	return fmt.Sprintf(`{"keyset_version": 1, "threshold_m": %d, "max_key_age_seconds": 2592000, "keys": [%s]}`, threshold, strings.Join(parts, ","))
}

func advPayload(operator string, keyIDs ...string) string {
	ids, _ := json.Marshal(keyIDs)
	return fmt.Sprintf(`{"token_id":"tok-1","operator_id":%q,"signer_identifier":"s-k","tee_type":"sgx","measurement_digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","issued_at_unix":1700099900,"expires_at_unix":1700100300,"registry_snapshot_version":1,"verifier_key_ids":%s,"token_revocation_epoch":0}`,
		operator, ids)
}

type advSig struct {
	key   int    // index into advKeys
	keyID string // the id written in the signature entry
}

// advToken signs signedText and presents presentedText (they differ when
// the attack re-serialises the payload).
func advToken(t *testing.T, signedText, presentedText string, sigs ...advSig) string {
	t.Helper()
	var entries []admission.TokenSignature
	for _, s := range sigs {
		sig, err := admission.Sign(advKeys[s.key], signedText, s.keyID)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, sig)
	}
	out, err := json.Marshal(admission.Token{PayloadJSON: presentedText, Signatures: entries})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

const advRevocation = `{"denylist_refreshed_at_unix": 1700100000}`

func runToken(t *testing.T, keyset, token string) cliResult {
	t.Helper()
	dir := writeFiles(t, map[string]string{"registry.json": advRegistry, "keyset.json": keyset, "token.json": token, "revocation.json": advRevocation})
	return runCLI(t, dir, fixedClock(0), "check", "token", "--registry", "registry.json", "--keyset", "keyset.json",
		"--token", "token.json", "--revocation-registry", "revocation.json", "--now-unix", advNow)
}

func TestAdversarialTokens(t *testing.T) {
	a, b, c := advKeys[0].PubKeyHex(), advKeys[1].PubKeyHex(), advKeys[2].PubKeyHex()
	three := advKeyset(2, advKey{"vk-a", "inst-a", "root-1", a}, advKey{"vk-b", "inst-b", "root-2", b}, advKey{"vk-c", "inst-c", "root-2", c})
	payload := advPayload("op-k", "vk-a", "vk-b", "vk-c")
	if r := runToken(t, three, advToken(t, payload, payload, advSig{0, "vk-a"}, advSig{1, "vk-b"})); r.exit != 0 {
		t.Fatalf("the honest token is refused: %s%s", r.stdout, r.stderr)
	}
	for _, tc := range []struct {
		name   string
		keyset string
		token  string
		want   string // a reason code that must be present
	}{
		{"one key under two key ids",
			advKeyset(2, advKey{"vk-a", "inst-a", "root-1", a}, advKey{"vk-a2", "inst-b", "root-2", strings.ToUpper(a)}),
			advToken(t, advPayload("op-k", "vk-a", "vk-a2"), advPayload("op-k", "vk-a", "vk-a2"), advSig{0, "vk-a"}, advSig{0, "vk-a2"}),
			"verifier_pubkey_duplicate"},
		{"two keys of one instance",
			advKeyset(2, advKey{"vk-a", "inst-a", "root-1", a}, advKey{"vk-a2", " INST-A", "root-2", b}, advKey{"vk-c", "inst-c", "root-2", c}),
			advToken(t, advPayload("op-k", "vk-a", "vk-a2", "vk-c"), advPayload("op-k", "vk-a", "vk-a2", "vk-c"), advSig{0, "vk-a"}, advSig{1, "vk-a2"}),
			"token_signature_quorum_not_met"},
		{"key ids differing in case and space, in the keyset",
			advKeyset(2, advKey{"vk-a", "inst-a", "root-1", a}, advKey{" VK-A", "inst-b", "root-2", b}),
			advToken(t, advPayload("op-k", "vk-a"), advPayload("op-k", "vk-a"), advSig{0, "vk-a"}),
			"verifier_key_id_duplicate"},
		{"key ids differing in case and space, in the signatures",
			three,
			advToken(t, payload, payload, advSig{0, "vk-a"}, advSig{0, "VK-A "}),
			"token_signature_key_id_duplicate"},
		{"signatures over a re-serialised payload",
			three,
			advToken(t, payload, strings.ReplaceAll(payload, ",", ", "), advSig{0, "vk-a"}, advSig{1, "vk-b"}),
			"token_signature_verification_failed"},
		{"a payload member smuggled as a duplicate",
			three,
			advToken(t, payload, strings.Replace(payload, `{"token_id":"tok-1",`, `{"token_id":"tok-1","token_id":"tok-2",`, 1), advSig{0, "vk-a"}, advSig{1, "vk-b"}),
			"token_payload_invalid"},
		{"a payload member in another case",
			three,
			advToken(t, payload, strings.Replace(payload, `"token_id"`, `"Token_ID"`, 1), advSig{0, "vk-a"}, advSig{1, "vk-b"}),
			"token_payload_invalid"},
		{"an operator id differing only by Unicode case folding",
			three,
			advToken(t, advPayload("op-\u212a", "vk-a", "vk-b"), advPayload("op-\u212a", "vk-a", "vk-b"), advSig{0, "vk-a"}, advSig{1, "vk-b"}),
			"operator_not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runToken(t, tc.keyset, tc.token)
			if r.exit != ExitReject || !strings.Contains(r.stdout, `"code": "`+tc.want+`"`) {
				t.Fatalf("exit %d, want reject with %s\n%s%s", r.exit, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

// Thousands of signature entries cost no more verification than the keys
// the payload declares, and the token is still refused.
func TestAdversarialThousandsOfSignatures(t *testing.T) {
	a, b := advKeys[0].PubKeyHex(), advKeys[1].PubKeyHex()
	keyset := advKeyset(2, advKey{"vk-a", "inst-a", "root-1", a}, advKey{"vk-b", "inst-b", "root-2", b})
	payload := advPayload("op-k", "vk-a", "vk-b")
	var tok admission.Token
	if err := json.Unmarshal([]byte(advToken(t, payload, payload, advSig{0, "vk-a"})), &tok); err != nil {
		t.Fatal(err)
	}
	junk := tok.Signatures[0]
	junk.SignatureHex = strings.Repeat("ab", 64)
	for range 5000 {
		tok.Signatures = append(tok.Signatures, junk)
	}
	out, _ := json.Marshal(tok)
	r := runToken(t, keyset, string(out))
	if r.exit != ExitReject || strings.Count(r.stdout, "token_signature_key_id_duplicate") != 5000 || strings.Contains(r.stdout, "verification_failed") {
		t.Fatalf("exit %d; want reject with 5000 duplicates and nothing verified", r.exit)
	}
}

// Numbers that are not unsigned 64-bit integers, deep nesting and huge
// documents are input errors naming the file and, for JSON, the member.
func TestAdversarialDocuments(t *testing.T) {
	deep := `{"profile_status": "mandatory", "enforcement": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	for _, tc := range []struct {
		name, registry, msg string
	}{
		{"an integer past 2^64", strings.Replace(advRegistry, `"effective_from": 1700000000`, `"effective_from": 18446744073709551616`, 1),
			`member "/operators/0/effective_from": 18446744073709551616 is not an unsigned 64-bit integer`},
		{"a negative number", strings.Replace(advRegistry, `"effective_from": 1700000000`, `"effective_from": -1`, 1),
			`member "/operators/0/effective_from": -1 is not an unsigned 64-bit integer`},
		{"a float", strings.Replace(advRegistry, `"attestation_max_age_seconds": 3600,`, `"attestation_max_age_seconds": 3600.5,`, 1),
			`member "/enforcement/attestation_max_age_seconds": 3600.5 is not an unsigned 64-bit integer`},
		{"an exponent", strings.Replace(advRegistry, `"attestation_max_age_seconds": 3600,`, `"attestation_max_age_seconds": 36e2,`, 1),
			`member "/enforcement/attestation_max_age_seconds": 36e2 is not an unsigned 64-bit integer`},
		{"deep nesting", deep, `failed to parse JSON file [registry.json]: member "/enforcement"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"registry.json": tc.registry})
			r := runCLI(t, dir, fixedClock(0), "check", "registry", "--registry", "registry.json", "--now-unix", advNow)
			if r.exit != ExitError || r.stdout != "" || !strings.Contains(r.stderr, tc.msg) {
				t.Fatalf("exit %d, stderr %.300q; want exit 2 and %q", r.exit, r.stderr, tc.msg)
			}
		})
	}

	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(16<<20 + 1)
	f.Close()
	r := runCLI(t, dir, fixedClock(0), "check", "registry", "--registry", "huge.json", "--now-unix", advNow)
	if r.exit != ExitError || !strings.Contains(r.stderr, "failed to read file [huge.json]: file is larger than the 16777216-byte input limit") {
		t.Fatalf("a 16 MiB + 1 file: exit %d, stderr %q", r.exit, r.stderr)
	}
}

// A break-glass waiver replayed with an old ticket cannot refresh its
// window: the violation stays blocked.
func TestAdversarialBreakGlassReplay(t *testing.T) {
	registry := `{"profile_status": "mandatory", "enforcement": {"break_glass_ttl_seconds": 21600, "break_glass_max_activations_per_7d": 2,
	 "break_glass_cooldown_seconds": 86400, "break_glass_scope": "named_operator_ids_only", "break_glass_quorum_bps": 6700}}`
	// INC-7 was first activated 5 hours ago; the replay declares it anew
	// now and asks for another 6 hours.
	context := `{"session_id": "s", "canary_session": false, "selected_operator_ids": ["op-1"], "enforcement_mode": "full_enforcement",
	 "runtime_decision": {"decision": "reject", "reasons": [{"code": "selected_token_revoked", "detail": "revoked"}], "validated_at_unix": 1700100000},
	 "break_glass": {"incident_ticket": "inc-7", "declared_at_unix": 1700099990, "expires_at_unix": 1700121590, "approver_quorum_bps": 7000,
	  "scope_operator_ids": ["op-1"], "is_new_activation": true},
	 "break_glass_history": [{"incident_ticket": "INC-7", "activated_at_unix": 1700082000}]}`
	dir := writeFiles(t, map[string]string{"registry.json": registry, "context.json": context})
	r := runCLI(t, dir, fixedClock(0), "check", "enforcement", "--registry", "registry.json", "--context", "context.json", "--now-unix", advNow)
	for _, want := range []string{"full_enforcement_violation_blocked", "break_glass_reused_incident_declared_at_mismatch", "break_glass_reused_incident_extends_ttl"} {
		if r.exit != ExitReject || !strings.Contains(r.stdout, `"code": "`+want+`"`) {
			t.Fatalf("exit %d, want reject with %s\n%s%s", r.exit, want, r.stdout, r.stderr)
		}
	}
}
