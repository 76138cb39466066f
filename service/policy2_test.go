package service

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/teegate/teegate/grant"
	. "github.com/teegate/teegate/internal/granttest"
)

// policy2Fixture is examples/policy2 with the tests' governance keys, at
// 00:46:40, when keep-bravo's token has expired, and a session carrying a
// grant, activated in the audit log, that waives exactly that.
func policy2Fixture(t *testing.T) (f *fixture, session []byte) {
	f = newFixture(t)
	f.clock.Set(p2Now)
	f.write(t, DocRegistry, WithKeys(t, readExample(t, "policy2/registry.json"), 1764547200, 1772323200, Alice, Bob, Carol))
	f.write(t, DocRevocationRegistry, readExample(t, "policy2/revocation.json"))
	f.paths.Events = filepath.Join(f.dir, "events.json")
	f.write(t, DocEvents, []byte(policy2Log("")))
	ops := []string{"keep-alpha", "keep-bravo", "keep-charlie", "keep-foxtrot", "keep-golf"}
	g := Signed(t, BreakGlassText("BG-1", "INC-1", p2Now-400, p2Now+3600, ops, []string{"token_expired", "selected_token_expired_for_session_start"}), Alice, Bob, Carol)
	return f, withGrant(t, f.session, g)
}

// p2Now is 2026-01-01T00:46:40Z.
const p2Now = 1767228400

// policy2Log is an audit log that activates grant BG-1, then more.
func policy2Log(more string) string {
	return `{"events": [{"event_id": "e-1", "event_type": "break_glass_activate", "incident_ticket": "INC-1",
 "scope_operator_ids": ["keep-alpha", "keep-bravo", "keep-charlie", "keep-foxtrot", "keep-golf"], "expires_at_unix": 1767232000,
 "governance_decision_id": "BG-1", "effective_at_unix": 1767228100}` + more + `]}`
}

func withGrant(t *testing.T, session []byte, g *grant.Grant) []byte {
	t.Helper()
	gj, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(session), `"canary_session": false}`, `"canary_session": false, "break_glass_grant": `+string(gj)+`}`, 1)
	if !strings.Contains(s, "break_glass_grant") {
		t.Fatal("the session edit did not apply")
	}
	return []byte(s)
}

func TestPolicy2NeedsAnAuditLog(t *testing.T) {
	f, _ := policy2Fixture(t)
	opts := f.options()
	opts.Paths.Events = ""
	if _, err := New(opts); err == nil || !strings.Contains(err.Error(), "--events") {
		t.Fatalf("a policy 2 registry without an audit log: %v", err)
	}
}

func TestPolicy2ThroughTheService(t *testing.T) {
	f, session := policy2Fixture(t)
	ts := f.start(t, f.options())

	r := ts.post(t, "/v1/gate", session)
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"decision": "allow_with_warnings"`)) || !bytes.Contains(r.body, []byte("full_enforcement_break_glass_applied")) {
		t.Fatalf("the granted session: %d %s", r.status, r.body)
	}
	if rd := ts.get(t, "/readyz"); !bytes.Contains(rd.body, []byte(`"events": {`)) {
		t.Fatalf("readiness does not name the audit log: %s", rd.body)
	}

	// Governance ends the incident; the log is reloaded with the others.
	f.write(t, DocEvents, []byte(policy2Log(`, {"event_id": "e-2", "event_type": "break_glass_expire", "incident_ticket": "INC-1",
 "governance_decision_id": "BG-1-end", "effective_at_unix": 1767228300}`)))
	if err := ts.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	r = ts.post(t, "/v1/gate", session)
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"decision": "reject"`)) || !bytes.Contains(r.body, []byte("break_glass_grant_ended_by_governance")) {
		t.Fatalf("after the incident ended: %d %s", r.status, r.body)
	}

	// An older copy of the log, without the end, is refused: the log only grows.
	f.write(t, DocEvents, []byte(policy2Log("")))
	if err := ts.svc.Reload(); err == nil || !strings.Contains(err.Error(), "older than the document in force") {
		t.Fatalf("a shorter log: %v", err)
	}
	if r = ts.post(t, "/v1/gate", session); !bytes.Contains(r.body, []byte("break_glass_grant_ended_by_governance")) {
		t.Fatalf("the rolled-back log came into force: %s", r.body)
	}
	// A log that does not decode is refused alone: the denylist updated
	// beside it still comes into force, and the log in force stays.
	f.write(t, DocEvents, []byte(`{"events": [`))
	rev := bytes.Replace(readExample(t, "policy2/revocation.json"), []byte("1767228390"), []byte("1767228395"), 1)
	f.write(t, DocRevocationRegistry, rev)
	if err := ts.svc.Reload(); err == nil || !strings.Contains(err.Error(), "events.json") {
		t.Fatalf("a broken log: %v", err)
	}
	if snap := ts.svc.store.current.Load(); snap.revocation.DenylistRefreshedAtUnix != 1767228395 || len(snap.events.Events) != 2 {
		t.Fatalf("after a broken log: denylist refreshed at %d, %d events in force", snap.revocation.DenylistRefreshedAtUnix, len(snap.events.Events))
	}
	// So is a log whose history was rewritten.
	f.write(t, DocEvents, []byte(strings.Replace(policy2Log(`, {"event_id": "e-2", "event_type": "break_glass_expire", "incident_ticket": "INC-1",
 "governance_decision_id": "BG-1-end", "effective_at_unix": 1767228300}, {"event_id": "e-3", "event_type": "add", "operator_id": "x", "signer_identifier": "y",
 "governance_decision_id": "d", "effective_at_unix": 1767228350}`), `"effective_at_unix": 1767228100`, `"effective_at_unix": 1767228101`, 1)))
	if err := ts.svc.Reload(); err == nil || !strings.Contains(err.Error(), "the log may only grow") {
		t.Fatalf("a rewritten log: %v", err)
	}
}

// A new audit log that decodes but holds an identifier outside the
// profile is refused alone, like one that does not decode: the denylist
// updated beside it comes into force, and the log in force stays.
func TestPolicy2LogWithABadIdentifierIsHeldApart(t *testing.T) {
	f, _ := policy2Fixture(t)
	ts := f.start(t, f.options())
	f.write(t, DocEvents, []byte(policy2Log(`, {"event_id": "e-2", "event_type": "break_glass_expire", "incident_ticket": "INC-1\u200b",
 "governance_decision_id": "BG-1-end", "effective_at_unix": 1767228300}`)))
	rev := bytes.Replace(readExample(t, "policy2/revocation.json"), []byte("1767228390"), []byte("1767228395"), 1)
	f.write(t, DocRevocationRegistry, rev)
	if err := ts.svc.Reload(); err == nil || !strings.Contains(err.Error(), "events.json") || !strings.Contains(err.Error(), "incident_ticket") {
		t.Fatalf("a log with a look-alike ticket: %v", err)
	}
	if snap := ts.svc.store.current.Load(); snap.revocation.DenylistRefreshedAtUnix != 1767228395 || len(snap.events.Events) != 1 {
		t.Fatalf("after the refused log: denylist refreshed at %d, %d events in force", snap.revocation.DenylistRefreshedAtUnix, len(snap.events.Events))
	}
}

// Under policy 2 the service refuses, naming the member, whatever the
// coordinator asserts in place of a grant.
func TestPolicy2RefusesAssertions(t *testing.T) {
	f, session := policy2Fixture(t)
	ts := f.start(t, f.options())
	outage := `"vendor_outage": {"declared": true, "declared_at_unix": 1767222000, "relaxed_max_single_vendor_share_percent": 60, "expires_at_unix": 1767229200}, "enforcement"`
	ctx := readExample(t, "enforcement/context-full-break-glass.json")
	runtime := readExample(t, "runtime/session-vendor-outage.json")
	for _, tc := range []struct {
		path, body, member string
	}{
		{"/v1/gate", strings.Replace(string(session), `"enforcement"`, outage, 1), "/vendor_outage"},
		{"/v1/check/enforcement", fmt.Sprintf(`{"context": %s}`, ctx), "/context/break_glass"},
		{"/v1/check/runtime", fmt.Sprintf(`{"session": %s}`, runtime), "/session/vendor_outage"},
	} {
		r := ts.post(t, tc.path, []byte(tc.body))
		if r.status != 400 || !bytes.Contains(r.body, []byte(`"member": "`+tc.member+`"`)) || !bytes.Contains(r.body, []byte("policy_version 2")) {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.path, r.status, r.body, tc.member)
		}
	}
}

// The events document is optional under policy 1: a service without one
// decides as before, and one with one holds it.
func TestPolicy1WithAnAuditLog(t *testing.T) {
	f := newFixture(t)
	f.paths.Events = filepath.Join(f.dir, "events.json")
	if err := os.WriteFile(f.paths.Events, readExample(t, "events.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := f.start(t, f.options())
	if r := ts.post(t, "/v1/gate", f.session); r.status != 200 || !bytes.Contains(r.body, []byte(`"decision": "allow"`)) {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

// Issue 17 through the service: a look-alike identifier in a session is a
// 400 naming the member, one in a governed document refuses the reload
// (the documents in force stay), and the runtime check names its session.
func TestPolicy2IdentifiersAndBinding(t *testing.T) {
	f, session := policy2Fixture(t)
	ts := f.start(t, f.options())
	lookalike := bytes.Replace(session, []byte(`"operator_id": "keep-golf"`), []byte(`"operator_id": "keep-gоlf"`), 1) // a Cyrillic о
	if r := ts.post(t, "/v1/gate", lookalike); r.status != 400 || !bytes.Contains(r.body, []byte(`"member": "/selected_signers/4/operator_id"`)) {
		t.Fatalf("a look-alike operator: %d %s", r.status, r.body)
	}
	keyset := bytes.Replace(readExample(t, "gate/keyset.json"), []byte(`"vk-a-2025-12"`), []byte(`"vk-a-2025-12\u200b"`), 1)
	keyset = bytes.Replace(keyset, []byte(`"keyset_version": 9`), []byte(`"keyset_version": 10`), 1)
	f.write(t, DocKeyset, keyset)
	if err := ts.svc.Reload(); err == nil || !strings.Contains(err.Error(), `member "/keys/0/key_id": policy_version 2 identifier`) {
		t.Fatalf("a look-alike key id: %v", err)
	}
	if v := ts.svc.store.current.Load().keyset.KeysetVersion; v != 9 {
		t.Fatalf("keyset %d in force", v)
	}
	var rs map[string]jsontext.Value
	if err := json.Unmarshal(readExample(t, "runtime/session-start.json"), &rs); err != nil {
		t.Fatal(err)
	}
	delete(rs, "denylist") // the service's own applies
	body, err := json.Marshal(map[string]any{"session": rs})
	if err != nil {
		t.Fatal(err)
	}
	r := ts.post(t, "/v1/check/runtime", body)
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"session_id": "roast-2026-01-01-000117"`)) {
		t.Fatalf("the runtime check: %d %s", r.status, r.body)
	}
}

// Issue 17 through /v1/gate, with its policy 1 twin, and a registry layer
// A rejects under policy 2 refused at reload.
func TestPolicy2RulesThroughTheService(t *testing.T) {
	relabelled := bytes.Replace(readExample(t, "gate/session.json"), []byte(`"vendor_id": "arm"`), []byte(`"vendor_id": "arm-2"`), 1)
	for _, p2 := range []bool{true, false} {
		f := newFixture(t)
		if p2 {
			f.write(t, DocRegistry, readExample(t, "policy2/registry.json"))
			f.paths.Events = filepath.Join(f.dir, "events.json")
			f.write(t, DocEvents, readExample(t, "policy2/events.json"))
		}
		ts := f.start(t, f.options())
		r := ts.post(t, "/v1/gate", relabelled)
		if mismatch := bytes.Contains(r.body, []byte(`"code": "selected_vendor_mismatch"`)); r.status != 200 || mismatch != p2 {
			t.Fatalf("policy 2 %t: %d %s", p2, r.status, r.body)
		}
		if !p2 {
			continue
		}
		future := bytes.Replace(readExample(t, "policy2/registry.json"), []byte(`"effective_from": 1735689600`), []byte(`"effective_from": 1767229200`), 1)
		f.write(t, DocRegistry, future)
		if err := ts.svc.Reload(); err == nil || !strings.Contains(err.Error(), "active_operator_not_yet_effective") {
			t.Fatalf("a registry with an active operator from the future: %v", err)
		}
	}
}

// With --request-documents allow, a body that brings a policy 2 registry
// is judged on documents that policy accepts: the service's own ones it
// falls back on, and the ones the body brings, are held to the identifier
// profile too.
func TestPolicy2BroughtRegistryChecksEveryDocument(t *testing.T) {
	f := newFixture(t)
	// A key id policy 1 accepts and policy 2 refuses, in the service's keyset.
	f.write(t, DocKeyset, bytes.Replace(readExample(t, "gate/keyset.json"), []byte(`"vk-c-2025-12"`), []byte(`"vk c 2025-12"`), 1))
	opts := f.options()
	opts.AllowRequestDocuments = true
	ts := f.start(t, opts)
	p2 := readExample(t, "policy2/registry.json")
	tok := readExample(t, "token/token.json")
	r := ts.post(t, "/v1/check/token", []byte(fmt.Sprintf(`{"registry": %s, "token": %s}`, p2, tok)))
	if r.status != 400 || !bytes.Contains(r.body, []byte("keyset.json")) || !bytes.Contains(r.body, []byte(`/keys/2/key_id`)) {
		t.Fatalf("the service's own keyset under a brought policy 2 registry: %d %s", r.status, r.body)
	}
	events := bytes.Replace(readExample(t, "policy2/events.json"), []byte(`"INC-2026-0001"`), []byte(`"INC 2026 0001"`), 1)
	ctx := readExample(t, "enforcement/context-monitor.json")
	r = ts.post(t, "/v1/check/enforcement", []byte(fmt.Sprintf(`{"registry": %s, "context": %s, "events": %s}`, p2, ctx, events)))
	if r.status != 400 || !bytes.Contains(r.body, []byte(`"member": "/events/events/`)) {
		t.Fatalf("brought events under a brought policy 2 registry: %d %s", r.status, r.body)
	}
}

// Issue 17's rules 2 to 4 through the service's endpoints, each with its
// policy 1 twin, which answers as before.
func TestPolicy2MoreRulesThroughTheService(t *testing.T) {
	edit := func(t *testing.T, name string, f func(reg map[string]any)) []byte {
		var reg map[string]any
		if err := json.Unmarshal(readExample(t, name), &reg); err != nil {
			t.Fatal(err)
		}
		f(reg)
		out, err := json.Marshal(reg, json.Deterministic(true))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	operator := func(reg map[string]any, id string) map[string]any {
		for _, op := range reg["operators"].([]any) {
			if o := op.(map[string]any); o["operator_id"] == id {
				return o
			}
		}
		t.Fatalf("no operator %s", id)
		return nil
	}
	var rs map[string]jsontext.Value
	if err := json.Unmarshal(readExample(t, "runtime/session-start.json"), &rs); err != nil {
		t.Fatal(err)
	}
	delete(rs, "denylist")
	runtimeBody, err := json.Marshal(map[string]any{"session": rs})
	if err != nil {
		t.Fatal(err)
	}
	tokenBody := []byte(fmt.Sprintf(`{"token": %s}`, readExample(t, "token/token.json")))
	for _, tc := range []struct {
		name, path string
		body       []byte
		edit       func(reg map[string]any)
		code       string // under policy 2; policy 1 answers without it
		later      bool   // decided 200 s after the registry came into force
	}{
		{"2: an operator's window closed since the registry came into force", "/v1/gate", nil, func(reg map[string]any) {
			operator(reg, "keep-alpha")["effective_until"] = 1767225700 // layer A refuses a closed window at load
		}, "token_operator_window_closed", true},
		{"3: an operator's stricter age limit", "/v1/check/runtime", runtimeBody, func(reg map[string]any) {
			operator(reg, "keep-golf")["attestation_max_age_seconds"] = 1800
		}, "selected_token_ttl_exceeds_operator_attestation_max_age", false},
		{"4: a token of an older registry", "/v1/check/token", tokenBody, func(reg map[string]any) {
			if _, p2 := reg["policy_version"]; p2 {
				reg["registry_version"], reg["min_token_registry_version"] = 43, 43
			}
		}, "token_registry_version_below_minimum", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, p2 := range []bool{true, false} {
				f := newFixture(t)
				if tc.path == "/v1/check/token" {
					f.write(t, DocKeyset, readExample(t, "token/keyset.json"))
				}
				name := "registry.json"
				if p2 {
					name = "policy2/registry.json"
					f.paths.Events = filepath.Join(f.dir, "events.json")
					f.write(t, DocEvents, readExample(t, "policy2/events.json"))
				}
				f.write(t, DocRegistry, edit(t, name, tc.edit))
				ts := f.start(t, f.options())
				if tc.later {
					f.clock.Set(testNow + 200)
					f.write(t, DocRevocationRegistry, bytes.Replace(readExample(t, "gate/revocation.json"), []byte("1767225580"), []byte("1767225790"), 1))
					if err := ts.svc.Reload(); err != nil {
						t.Fatal(err)
					}
				}
				body := tc.body
				if body == nil {
					body = f.session
				}
				r := ts.post(t, tc.path, body)
				if r.status != 200 || bytes.Contains(r.body, []byte(`"code": "`+tc.code+`"`)) != p2 {
					t.Fatalf("policy 2 %t: %d %s", p2, r.status, r.body)
				}
			}
		})
	}
}
