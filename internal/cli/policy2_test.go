package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/clitest"
	. "github.com/teegate/teegate/internal/granttest"
)

const p2Now = 1767225600 // the examples' 2026-01-01T00:00:00Z

// policy2Registry is examples/registry.json as policy 2, its governance
// keys those of the default approvers.
func policy2Registry(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../examples/policy2/registry.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(WithKeys(t, data, 1764547200, 1772323200, Alice, Bob, Carol))
}

func marshalJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// p2Context is a full-enforcement context whose runtime decision rejects
// for the vendor cap, with member added (a grant, a waiver, a history).
func p2Context(member string) string {
	return `{"session_id": "s-1", "canary_session": false, "selected_operator_ids": ["keep-alpha", "keep-bravo"],
 "runtime_decision": {"decision": "reject", "session_id": "s-1", "validated_at_unix": 1767225600,
  "reasons": [{"code": "vendor_diversity_cap_exceeded", "detail": "intel holds 100 %"}]},
 "enforcement_mode": "full_enforcement"` + member + `}`
}

const p2Events = `{"events": [{"event_id": "e-1", "event_type": "break_glass_activate", "incident_ticket": "INC-9",
 "scope_operator_ids": ["keep-alpha", "keep-bravo"], "expires_at_unix": 1767229200,
 "governance_decision_id": "BG-9", "effective_at_unix": 1767225000}]}`

func p2Grant(t *testing.T, waived ...string) string {
	text := BreakGlassText("BG-9", "INC-9", p2Now-900, p2Now+3600, []string{"keep-alpha", "keep-bravo"}, waived)
	return marshalJSON(t, Signed(t, text, Alice, Bob, Carol))
}

func TestPolicy2CheckEnforcement(t *testing.T) {
	dir := clitest.WriteFiles(t, map[string]string{
		"registry.json":    policy2Registry(t),
		"registry-v1.json": mustRead(t, "../../examples/registry.json"),
		"events.json":      p2Events,
		"granted.json":     p2Context(`, "break_glass_grant": ` + p2Grant(t, "vendor_diversity_cap_exceeded")),
		"unnamed.json":     p2Context(`, "break_glass_grant": ` + p2Grant(t, "token_expired")),
		"asserted.json":    p2Context(`, "break_glass": {"incident_ticket": "INC-9", "declared_at_unix": 1767224700, "expires_at_unix": 1767229200, "approver_quorum_bps": 10000, "scope_operator_ids": ["keep-alpha", "keep-bravo"]}`),
		"history.json":     p2Context(`, "break_glass_history": [{"incident_ticket": "INC-1", "activated_at_unix": 1}]`),
		"asserted-v1.json": strings.Replace(p2Context(`, "break_glass": {"incident_ticket": "INC-9", "declared_at_unix": 1767224700, "expires_at_unix": 1767229200, "approver_quorum_bps": 10000, "scope_operator_ids": ["keep-alpha", "keep-bravo"]}`), `"reject", "session_id": "s-1", `, `"reject", `, 1),
	})
	for _, tc := range []struct {
		name  string
		args  []string
		exit  int
		codes []string
		msg   string
	}{
		{"a signed, activated grant", []string{"--registry", "registry.json", "--context", "granted.json", "--events", "events.json"}, 0,
			[]string{"full_enforcement_break_glass_applied", "runtime_vendor_diversity_cap_exceeded"}, ""},
		{"no audit log", []string{"--registry", "registry.json", "--context", "granted.json"}, 1,
			[]string{"full_enforcement_violation_blocked", "runtime_vendor_diversity_cap_exceeded", "break_glass_grant_not_activated"}, ""},
		{"a grant that names another code", []string{"--registry", "registry.json", "--context", "unnamed.json", "--events", "events.json"}, 1,
			[]string{"full_enforcement_violation_blocked", "runtime_vendor_diversity_cap_exceeded", "break_glass_grant_violation_not_waived"}, ""},
		{"an asserted quorum", []string{"--registry", "registry.json", "--context", "asserted.json", "--events", "events.json"}, 2, nil,
			`failed to parse JSON file [asserted.json]: member "/break_glass": the registry is policy_version 2`},
		{"a history in the context", []string{"--registry", "registry.json", "--context", "history.json", "--events", "events.json"}, 2, nil,
			`[history.json]: member "/break_glass_history"`},
		{"a grant under policy 1", []string{"--registry", "registry-v1.json", "--context", "granted.json"}, 2, nil,
			`[granted.json]: member "/break_glass_grant": break_glass_grant belongs to policy_version 2`},
		{"policy 1 is unchanged", []string{"--registry", "registry-v1.json", "--context", "asserted-v1.json"}, 0,
			[]string{"full_enforcement_break_glass_applied", "runtime_vendor_diversity_cap_exceeded"}, ""},
		{"a runtime session_id under policy 1", []string{"--registry", "registry-v1.json", "--context", "asserted.json"}, 2, nil,
			`[asserted.json]: member "/runtime_decision/session_id": runtime_decision.session_id belongs to policy_version 2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, dir, fixedClock(p2Now), append([]string{"check", "enforcement", "--now-unix", "1767225600"}, tc.args...)...)
			if r.exit != tc.exit {
				t.Fatalf("exit %d, want %d\n%s%s", r.exit, tc.exit, r.stdout, r.stderr)
			}
			if tc.exit == ExitError {
				if r.stdout != "" || !strings.Contains(r.stderr, tc.msg) {
					t.Fatalf("stdout %q, stderr %q, want %q", r.stdout, r.stderr, tc.msg)
				}
				return
			}
			if got := clitest.ReasonCodes(t, r.stdout); !slices.Equal(got, tc.codes) {
				t.Fatalf("codes %v, want %v", got, tc.codes)
			}
		})
	}
}

// The gate and check runtime refuse the other policy's members as input
// errors naming the file and the member, and check registry reports the
// governance keys' defects.
func TestPolicy2InputErrors(t *testing.T) {
	session := mustRead(t, "../../examples/gate/session.json")
	outage := `"vendor_outage": {"declared": true, "declared_at_unix": 1767222000, "relaxed_max_single_vendor_share_percent": 50, "expires_at_unix": 1767229200},` + "\n  \"enforcement\""
	bad := strings.Replace(policy2Registry(t), `"approver_id":"bob","role":"signer_runtime_owner"`, `"approver_id":"bob","role":"auditor"`, 1)
	dir := clitest.WriteFiles(t, map[string]string{
		"registry.json":         policy2Registry(t),
		"registry-bad-key.json": bad,
		"registry-v3.json":      strings.Replace(policy2Registry(t), `"policy_version":2`, `"policy_version":3`, 1),
		"session-outage.json":   strings.Replace(session, `"enforcement"`, outage, 1),
		"session-waiver.json":   strings.Replace(session, `"canary_session": false}`, `"canary_session": false, "break_glass": {"incident_ticket": "I", "declared_at_unix": 1, "expires_at_unix": 2, "approver_quorum_bps": 10000, "scope_operator_ids": []}}`, 1),
		"runtime-outage.json":   mustRead(t, "../../examples/runtime/session-vendor-outage.json"),
	})
	if bad == policy2Registry(t) {
		t.Fatal("the bad key edit did not apply")
	}
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	gate := []string{"gate", "--keyset", filepath.Join(examples, "gate/keyset.json"), "--revocation-registry", filepath.Join(examples, "gate/revocation.json"), "--now-unix", "1767225600"}
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"a declared outage in a gate session", append(gate, "--registry", "registry.json", "--session", "session-outage.json"),
			`[session-outage.json]: member "/vendor_outage": the registry is policy_version 2`},
		{"an asserted waiver in a gate session", append(gate, "--registry", "registry.json", "--session", "session-waiver.json"),
			`[session-waiver.json]: member "/enforcement/break_glass": the registry is policy_version 2`},
		{"a declared outage in a runtime session", []string{"check", "runtime", "--registry", "registry.json", "--session", "runtime-outage.json"},
			`[runtime-outage.json]: member "/vendor_outage"`},
		{"an unknown policy version", []string{"check", "registry", "--registry", "registry-v3.json"},
			`[registry-v3.json]: member "/policy_version": policy_version 3 is not 1 or 2`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, dir, fixedClock(p2Now), tc.args...)
			if r.exit != ExitError || r.stdout != "" || !strings.Contains(r.stderr, tc.msg) {
				t.Fatalf("exit %d, stdout %q, stderr %q, want %q", r.exit, r.stdout, r.stderr, tc.msg)
			}
		})
	}
	r := runCLI(t, dir, fixedClock(p2Now), "check", "registry", "--registry", "registry-bad-key.json", "--now-unix", "1767225600")
	if got := clitest.ReasonCodes(t, r.stdout); r.exit != ExitReject || !slices.Equal(got, []string{"governance_key_role_invalid"}) {
		t.Fatalf("exit %d, codes %v\n%s", r.exit, got, r.stderr)
	}
	r = runCLI(t, dir, fixedClock(p2Now), "check", "registry", "--registry", "registry.json", "--events", filepath.Join(examples, "events.json"), "--now-unix", "1767225600")
	if r.exit != ExitAllow {
		t.Fatalf("the policy 2 example registry: exit %d\n%s%s", r.exit, r.stdout, r.stderr)
	}
}

// grant sign and assemble refuse what would only make a grant that fails,
// with exit 2, a message naming the file, and nothing on stdout.
func TestGrantSignAndAssemble(t *testing.T) {
	text := Marshal(t, BreakGlassText("BG-9", "INC-9", p2Now-900, p2Now+3600, []string{"keep-alpha"}, []string{"token_expired"}))
	dir := clitest.WriteFiles(t, map[string]string{
		"grant.json":     text,
		"bad-kind.json":  strings.Replace(text, `"break_glass"`, `"pause_everything"`, 1),
		"mixed.json":     strings.Replace(text, `"incident_ticket"`, `"vendor_id":"sgx","incident_ticket"`, 1),
		"quorum.json":    strings.Replace(text, `"incident_ticket"`, `"approver_quorum_bps":10000,"incident_ticket"`, 1),
		"alice.key":      string(Alice.Key.KeyFile()),
		"bob.key":        string(Bob.Key.KeyFile()),
		"not-a-sig.json": `{"approver_id": "bob"}`,
	})
	if err := os.Chmod(filepath.Join(dir, "alice.key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "bob.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, dir, fixedClock(0), "grant", "sign", "--grant", "grant.json", "--key", "alice.key", "--approver-id", "alice")
	if r.exit != 0 {
		t.Fatalf("sign: %d %s", r.exit, r.stderr)
	}
	if err := os.WriteFile("sig-alice.json", []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "", fixedClock(0), "grant", "assemble", "--grant", "grant.json", "--signature", "sig-alice.json")
	g, err := grant.Decode("stdout", []byte(r.stdout))
	if r.exit != 0 || err != nil || g.GrantJSON != text || len(g.Signatures) != 1 {
		t.Fatalf("assemble: %d %v %s%s", r.exit, err, r.stdout, r.stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"an unknown kind", []string{"sign", "--grant", "bad-kind.json", "--key", "alice.key", "--approver-id", "alice"}, `[bad-kind.json]: member "/kind"`},
		{"members of both kinds", []string{"sign", "--grant", "mixed.json", "--key", "alice.key", "--approver-id", "alice"}, `[mixed.json]: member "/vendor_id"`},
		{"an asserted quorum", []string{"sign", "--grant", "quorum.json", "--key", "alice.key", "--approver-id", "alice"}, `[quorum.json]: member "/approver_quorum_bps": unknown member`},
		{"a key others can read", []string{"sign", "--grant", "grant.json", "--key", "bob.key", "--approver-id", "bob"}, "accessible to other users"},
		{"a blank approver", []string{"sign", "--grant", "grant.json", "--key", "alice.key", "--approver-id", " "}, "the approver id is empty"},
		{"no key", []string{"sign", "--grant", "grant.json", "--approver-id", "alice"}, "missing required --key"},
		{"a signature file without a signature", []string{"assemble", "--grant", "grant.json", "--signature", "not-a-sig.json"}, `[not-a-sig.json]: missing required member "signature_hex"`},
		{"one signature twice", []string{"assemble", "--grant", "grant.json", "--signature", "sig-alice.json", "sig-alice.json"}, "given twice"},
		{"no such grant", []string{"assemble", "--grant", "missing.json", "--signature", "sig-alice.json"}, "failed to read file [missing.json]"},
		{"more signature files than a grant may carry, none read", append([]string{"assemble", "--grant", "grant.json", "--signature"},
			slices.Repeat([]string{"missing.json"}, grant.MaxSignatures+1)...), "above the limit of 32"},
		{"no subcommand", []string{}, "want sign or assemble"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", fixedClock(0), append([]string{"grant"}, tc.args...)...)
			if r.exit != ExitError || r.stdout != "" || !strings.Contains(r.stderr, tc.msg) {
				t.Fatalf("exit %d, stdout %q, stderr %q, want %q", r.exit, r.stdout, r.stderr, tc.msg)
			}
			if strings.Contains(r.stderr, strings.TrimSpace(string(Alice.Key.KeyFile()))) {
				t.Fatal("the secret key leaked into stderr")
			}
		})
	}
}

// Issue 17's rule 5 through every command: under policy 2 an identifier
// outside the profile, in any document, is an input error naming the file
// and the member; under policy 1 the same documents are decided as before.
func TestPolicy2Identifiers(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	ex := func(p string) string { return filepath.Join(examples, p) }
	cyrillic := "vеndor-a" // a Cyrillic е
	dir := clitest.WriteFiles(t, map[string]string{
		"keyset.json":     strings.Replace(mustRead(t, ex("gate/keyset.json")), `"vk-c-2025-12"`, `"vk-c-2025-12\u200d"`, 1),
		"revocation.json": strings.Replace(mustRead(t, ex("gate/revocation.json")), `"keep-echo"`, `"ｋeep-echo"`, 1),
		"session.json":    strings.Replace(mustRead(t, ex("runtime/session-start.json")), `"vendor_id": "arm"`, `"vendor_id": "`+cyrillic+`"`, 1),
		"gate.json":       strings.Replace(mustRead(t, ex("gate/session.json")), `"operator_id": "keep-golf"`, `"operator_id": "keep-golf "`, 1),
		"context.json":    strings.Replace(strings.Replace(p2Context(""), `"keep-bravo"]`, `"\u212aeep-bravo"]`, 1), `"reject", "session_id": "s-1", `, `"reject", `, 1),
		"events.json":     strings.Replace(mustRead(t, ex("events.json")), `"INC-2025-0412"`, `"INC-2025-0412 "`, 1),
	})
	for _, tc := range []struct {
		name    string
		args    []string // without --registry
		member  string
		policy1 int // the exit code under policy 1
	}{
		{"a key id with a zero-width joiner", []string{"check", "token", "--keyset", "keyset.json", "--token", ex("token/token.json"),
			"--revocation-registry", ex("token/revocation.json")}, `[keyset.json]: member "/keys/2/key_id"`, 1},
		{"a full-width operator on the denylist", []string{"gate", "--keyset", ex("gate/keyset.json"), "--revocation-registry", "revocation.json",
			"--session", ex("gate/session.json")}, `[revocation.json]: member "/revoked_operator_ids/0"`, 0},
		{"a vendor in Cyrillic", []string{"check", "runtime", "--session", "session.json"}, `[session.json]: member "/selected_signers/4/vendor_id"`, 0},
		{"an operator with a trailing space", []string{"gate", "--keyset", ex("gate/keyset.json"), "--revocation-registry", ex("gate/revocation.json"),
			"--session", "gate.json"}, `[gate.json]: member "/selected_signers/4/operator_id"`, 0},
		{"the Kelvin sign in an operator id", []string{"check", "enforcement", "--context", "context.json"}, `[context.json]: member "/selected_operator_ids/1"`, 0},
		{"an incident ticket with a trailing space", []string{"check", "registry", "--events", "events.json"}, `[events.json]: member "/events/`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, dir, fixedClock(p2Now), append(tc.args, "--registry", ex("policy2/registry.json"), "--now-unix", "1767225600")...)
			if r.exit != ExitError || r.stdout != "" || !strings.Contains(r.stderr, tc.member) || !strings.Contains(r.stderr, "policy_version 2 identifier") {
				t.Fatalf("policy 2: exit %d, stdout %q, stderr %q, want %q", r.exit, r.stdout, r.stderr, tc.member)
			}
			r = runCLI(t, dir, fixedClock(p2Now), append(tc.args, "--registry", ex("registry.json"), "--now-unix", "1767225600")...)
			if r.exit == ExitError {
				t.Fatalf("policy 1: exit 2, %s", r.stderr)
			}
		})
	}
}

// Issue 17's rule 6 end to end: check runtime names the session it
// decided under policy 2, and check enforcement enforces that decision
// only for that session and while it is fresh. Under policy 1 the output
// has no session_id, and any session may reuse it.
func TestPolicy2RuntimeDecisionBinding(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	ex := func(p string) string { return filepath.Join(examples, p) }
	for _, p2 := range []bool{true, false} {
		registry := ex("registry.json")
		if p2 {
			registry = ex("policy2/registry.json")
		}
		r := runCLI(t, "", fixedClock(0), "check", "runtime", "--registry", registry, "--session", ex("runtime/session-start.json"), "--now-unix", "1767225600")
		if r.exit != 0 || strings.Contains(r.stdout, `"session_id"`) != p2 {
			t.Fatalf("policy 2 %t: check runtime: exit %d\n%s%s", p2, r.exit, r.stdout, r.stderr)
		}
		context := func(session string) string {
			return `{"session_id": "` + session + `", "canary_session": false, "enforcement_mode": "full_enforcement",
 "selected_operator_ids": ["keep-alpha", "keep-bravo", "keep-charlie", "keep-foxtrot", "keep-golf"], "runtime_decision": ` + r.stdout + `}`
		}
		dir := clitest.WriteFiles(t, map[string]string{
			"own.json":   context("roast-2026-01-01-000117"),
			"other.json": context("roast-2026-01-01-000999"),
		})
		for _, tc := range []struct {
			context, now string
			codes        []string
		}{
			{"own.json", "1767225600", []string{}},
			{"own.json", "1767225900", []string{}},
			{"own.json", "1767225901", []string{"runtime_decision_stale"}},
			{"other.json", "1767225600", []string{"runtime_decision_session_mismatch"}},
		} {
			want := tc.codes
			if !p2 {
				want = []string{} // policy 1 enforces a decision of any age, for any session
			}
			e := runCLI(t, dir, fixedClock(0), "check", "enforcement", "--registry", registry, "--context", tc.context, "--now-unix", tc.now)
			if got := clitest.ReasonCodes(t, e.stdout); !slices.Equal(got, want) {
				t.Errorf("policy 2 %t, %s at %s: %v, want %v\n%s", p2, tc.context, tc.now, got, want, e.stderr)
			}
		}
	}
}

// editedRegistry is the registry at path with edit applied to it as a
// JSON object.
func editedRegistry(t *testing.T, path string, edit func(reg map[string]any)) string {
	t.Helper()
	var reg map[string]any
	if err := json.Unmarshal([]byte(mustRead(t, path)), &reg); err != nil {
		t.Fatal(err)
	}
	edit(reg)
	out, err := json.Marshal(reg, json.Deterministic(true))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func operatorNamed(reg map[string]any, id string) map[string]any {
	for _, op := range reg["operators"].([]any) {
		if o := op.(map[string]any); o["operator_id"] == id {
			return o
		}
	}
	panic("no operator " + id)
}

// Issue 17's rules 1 to 4 and 7 through check token, check runtime and
// the gate, each with its policy 1 twin: the same edit of the policy 1
// examples, decided as before.
func TestPolicy2RulesThroughTheCommands(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	ex := func(p string) string { return filepath.Join(examples, p) }
	token := []string{"check", "token", "--keyset", ex("token/keyset.json"), "--token", ex("token/token.json"), "--revocation-registry", ex("token/revocation.json")}
	runtime := []string{"check", "runtime", "--session", "session.json"}
	gate := []string{"gate", "--keyset", ex("gate/keyset.json"), "--revocation-registry", ex("gate/revocation.json"), "--session", "gate.json"}
	registry := []string{"check", "registry"}
	for _, tc := range []struct {
		name          string
		edit          func(reg map[string]any) // of either registry
		session       func(s string) string    // of the runtime and gate sessions
		args          []string
		want, policy1 []string
	}{
		{"2: an operator's window closed since the token was issued", func(reg map[string]any) {
			operatorNamed(reg, "keep-alpha")["effective_until"] = 1767225300
		}, nil, token, []string{"token_operator_window_closed"}, []string{}},
		{"2, through the gate", func(reg map[string]any) {
			operatorNamed(reg, "keep-alpha")["effective_until"] = 1767225300
		}, nil, gate, []string{"full_enforcement_violation_blocked", "selected_operator_window_closed", "token_operator_window_closed"}, []string{}},
		{"7: an operator from the future", func(reg map[string]any) {
			operatorNamed(reg, "keep-alpha")["effective_from"] = 1767226000
		}, nil, token, []string{"operator_not_yet_effective", "token_operator_not_yet_effective"}, []string{"operator_not_yet_effective"}},
		{"4: tokens of an older registry", func(reg map[string]any) {
			if _, p2 := reg["policy_version"]; p2 {
				reg["registry_version"], reg["min_token_registry_version"] = 43, 43
			}
		}, nil, token, []string{"token_registry_version_below_minimum"}, []string{}},
		{"3: an operator's stricter age limit", func(reg map[string]any) {
			operatorNamed(reg, "keep-golf")["attestation_max_age_seconds"] = 1800
		}, nil, runtime, []string{"selected_token_ttl_exceeds_operator_attestation_max_age"}, []string{}},
		{"1: a signer labelled with another vendor", nil, func(s string) string {
			return strings.Replace(s, `"vendor_id": "arm"`, `"vendor_id": "arm-2"`, 1)
		}, runtime, []string{"selected_vendor_mismatch"}, []string{}},
		{"1: an operator without a vendor, through check registry", func(reg map[string]any) {
			delete(operatorNamed(reg, "keep-golf"), "vendor_id")
		}, nil, registry, []string{"operator_vendor_invalid", "operator_tee_type_vendor_mismatch"}, []string{}},
		{"1: a TEE type of another vendor, through check registry", func(reg map[string]any) {
			operatorNamed(reg, "keep-golf")["allowed_tee_types"] = []any{"cca", "sgx"}
		}, nil, registry, []string{"operator_tee_type_vendor_mismatch"}, []string{}},
		{"4: a minimum above the version, through check registry", func(reg map[string]any) {
			if _, p2 := reg["policy_version"]; p2 {
				reg["min_token_registry_version"] = 43
			}
		}, nil, registry, []string{"min_token_registry_version_above_registry_version"}, []string{}},
		{"7: an active operator from the future, through check registry", func(reg map[string]any) {
			operatorNamed(reg, "keep-golf")["effective_from"] = 1767226000
		}, nil, registry, []string{"active_operator_not_yet_effective"}, []string{}},
		{"1, through the gate", nil, func(s string) string {
			return strings.Replace(s, `"vendor_id": "arm"`, `"vendor_id": "arm-2"`, 1)
		}, gate, []string{"full_enforcement_violation_blocked", "selected_vendor_mismatch"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p2 := range []bool{true, false} {
				registry, want := ex("registry.json"), tc.policy1
				if p2 {
					registry, want = ex("policy2/registry.json"), tc.want
				}
				files := map[string]string{
					"registry.json": mustRead(t, registry),
					"session.json":  mustRead(t, ex("runtime/session-start.json")),
					"gate.json":     mustRead(t, ex("gate/session.json")),
				}
				if tc.edit != nil {
					files["registry.json"] = editedRegistry(t, registry, tc.edit)
				}
				if tc.session != nil {
					files["session.json"], files["gate.json"] = tc.session(files["session.json"]), tc.session(files["gate.json"])
				}
				dir := clitest.WriteFiles(t, files)
				r := runCLI(t, dir, fixedClock(0), append(tc.args, "--registry", "registry.json", "--now-unix", "1767225600")...)
				if got := clitest.ReasonCodes(t, r.stdout); r.exit == ExitError || !slices.Equal(got, want) {
					t.Fatalf("policy 2 %t: exit %d, %v, want %v\n%s", p2, r.exit, got, want, r.stderr)
				}
			}
		})
	}
}
