package service

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/attest"
	"github.com/teegate/teegate/governance"
)

// attestKey is the verifier role's fixed test key, declared in the example
// payloads as vk-b.
func attestKey(t testing.TB) *admission.SecretKey {
	t.Helper()
	sk, err := admission.ParseSecretKey(fmt.Appendf(nil, "%064x", 0x8000))
	if err != nil {
		t.Fatal(err)
	}
	return sk
}

// newAttestFixture is the examples' governed documents with the
// attestation examples' registry and policy, and the options of a service
// in the verifier role.
func newAttestFixture(t testing.TB) (*fixture, Options) {
	t.Helper()
	f := newFixture(t)
	f.paths.AttestPolicy = filepath.Join(f.dir, "attest-policy.json")
	f.write(t, DocRegistry, readExample(t, "attest/registry.json"))
	f.write(t, DocAttestPolicy, readExample(t, "attest/policy.json"))
	opts := f.options()
	opts.Attest = AttestRole{Key: attestKey(t), KeyID: "vk-b"}
	return f, opts
}

// attestBody is a /v1/attest body for an example payload and bundle.
func attestBody(t testing.TB, payload, evidence string) []byte {
	t.Helper()
	text, err := json.Marshal(string(readExample(t, "attest/"+payload)))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Appendf(nil, `{"payload_json": %s, "evidence": %s}`, text, readExample(t, "attest/"+evidence))
}

// libraryAttest is what attest.Check decides on the same documents.
func libraryAttest(t testing.TB, payload, evidence string) attest.Result {
	t.Helper()
	policy, err := attest.DecodePolicy("p", readExample(t, "attest/policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := governance.DecodeRegistry("r", readExample(t, "attest/registry.json"), governance.Requirement{})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := attest.DecodeEvidence("e", readExample(t, "attest/"+evidence))
	if err != nil {
		t.Fatal(err)
	}
	return attest.Check(policy, reg, string(readExample(t, "attest/"+payload)), ev, testNow)
}

func TestAttestEndpoint(t *testing.T) {
	f, opts := newAttestFixture(t)
	var log bytes.Buffer
	opts.DecisionLog = &log
	ts := f.start(t, opts)

	// Allow: the decision, and this verifier's signature over the payload.
	r := ts.post(t, "/v1/attest", attestBody(t, "payload-hotel.json", "evidence-hotel.json"))
	if r.status != http.StatusOK || r.header.Get("Teegate-Decision") != "allow" || r.header.Get("Teegate-Decision-Id") == "" {
		t.Fatalf("allow: %d %v\n%s", r.status, r.header, r.body)
	}
	var signed attest.Signed
	if err := json.Unmarshal(r.body, &signed); err != nil || signed.Signature == nil || signed.Signature.VerifierKeyID != "vk-b" {
		t.Fatalf("no signature entry: %v\n%s", err, r.body)
	}
	pk, _ := admission.ParsePubKey(attestKey(t).PubKeyHex())
	if err := admission.Verify(pk, signed.Signature.SignatureHex, admission.PayloadDigest(string(readExample(t, "attest/payload-hotel.json")))); err != nil {
		t.Errorf("the signature does not verify: %v", err)
	}

	// Reject: the library's decision, byte for byte, and no signature.
	for _, tc := range []struct{ payload, evidence string }{
		{"payload-hotel-edited.json", "evidence-hotel.json"},
		{"payload-hotel.json", "evidence-hotel-debug.json"},
		{"payload-hotel.json", "evidence-india.json"},
	} {
		r := ts.post(t, "/v1/attest", attestBody(t, tc.payload, tc.evidence))
		want, _ := libraryAttest(t, tc.payload, tc.evidence).Decision.Marshal()
		if r.status != http.StatusOK || r.header.Get("Teegate-Decision") != "reject" || !bytes.Equal(r.body, want) {
			t.Errorf("%s with %s: %d %q\n%s\nwant\n%s", tc.evidence, tc.payload, r.status, r.header.Get("Teegate-Decision"), r.body, want)
		}
	}

	// Bad requests: 400 naming the member; nothing decided or signed.
	hotel := string(readExample(t, "attest/evidence-hotel.json"))
	quoted, _ := json.Marshal(string(readExample(t, "attest/payload-hotel.json")))
	noKey := strings.Replace(string(quoted), `\"vk-b\", `, "", 1)
	for _, tc := range []struct {
		name, body, member, msg string
	}{
		{"payload not a string", `{"payload_json": {"token_id": "t"}, "evidence": ` + hotel + `}`, "/payload_json", "JSON string"},
		{"no payload", `{"evidence": ` + hotel + `}`, "", `missing required member "payload_json"`},
		{"unknown member", `{"payload_json": "{}", "evidence": ` + hotel + `, "key_id": "vk-a"}`, "/key_id", "unknown member"},
		{"evidence typo", `{"payload_json": ` + string(quoted) + `, "evidence": {"evidence_version": 1, "tee_type": "tdx", "tdx": {"qoute": ""}}}`,
			"/evidence/tdx/qoute", "unknown member"},
		{"a payload that does not decode", `{"payload_json": "not json", "evidence": ` + hotel + `}`, "/payload_json", "the payload does not decode"},
		{"not this verifier's key", `{"payload_json": ` + noKey + `, "evidence": ` + hotel + `}`, "/payload_json", `signs as key "vk-b"`},
	} {
		r := ts.post(t, "/v1/attest", []byte(tc.body))
		var e apiError
		json.Unmarshal(r.body, &e)
		if r.status != http.StatusBadRequest || e.Member != tc.member || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: %d %+v, want 400 %q at %q", tc.name, r.status, e, tc.msg, tc.member)
		}
	}

	// Readiness names the policy in force; metrics count the endpoint by
	// outcome and the attestation layer's codes.
	rd := ts.get(t, "/readyz")
	if !bytes.Contains(rd.body, []byte(`"attest_policy": {`)) {
		t.Errorf("/readyz does not show the policy:\n%s", rd.body)
	}
	for sample, want := range map[string]float64{
		`teegate_decisions_total{advisory="false",endpoint="attest",outcome="allow"}`:                  1,
		`teegate_decisions_total{advisory="false",endpoint="attest",outcome="reject"}`:                 3,
		`teegate_decision_reasons_total{code="attest_debug_enabled",endpoint="attest",layer="attest"}`: 1,
		`teegate_refused_requests_total{endpoint="attest",status="400"}`:                               6,
		`teegate_document_generation{document="attest_policy"}`:                                        1,
	} {
		if got := ts.metric(t, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	ts.stop(t)
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], `"endpoint":"attest"`) || !strings.Contains(lines[0], `"attest_policy":{"sha256"`) {
		t.Errorf("decision log:\n%s", log.String())
	}
	if strings.Contains(log.String(), signed.Signature.SignatureHex) {
		t.Error("the decision log holds the signature")
	}
}

// TestAttestPolicyReload: the policy is a governed document like the
// others: a bad one is refused and the one in force stays; a good one
// takes effect.
func TestAttestPolicyReload(t *testing.T) {
	f, opts := newAttestFixture(t)
	ts := f.start(t, opts)
	body := attestBody(t, "payload-hotel.json", "evidence-hotel.json")

	f.write(t, DocAttestPolicy, []byte(`{"policy_version": 1, "accepted_tee_types": ["sgx"], "allow_debug": false, "check_revocation": true}`))
	if err := ts.svc.Reload(); err == nil || !strings.Contains(err.Error(), "cannot verify SGX") {
		t.Fatalf("a bad policy was not refused: %v", err)
	}
	if r := ts.post(t, "/v1/attest", body); r.header.Get("Teegate-Decision") != "allow" {
		t.Errorf("the policy in force changed: %s", r.body)
	}

	// A refused policy holds back nothing else: a new denylist still
	// comes into force, while the policy in force stays and /readyz
	// names the refusal.
	var rev admission.RevocationRegistry
	if err := json.Unmarshal(readExample(t, "gate/revocation.json"), &rev); err != nil {
		t.Fatal(err)
	}
	rev.DenylistRefreshedAtUnix = testNow - 5
	newRev, _ := json.Marshal(rev)
	f.write(t, DocRevocationRegistry, newRev)
	if err := ts.svc.Reload(); err == nil || !strings.Contains(err.Error(), "cannot verify SGX") {
		t.Fatalf("the bad policy is no longer reported: %v", err)
	}
	if got := ts.metric(t, `teegate_document_generation{document="revocation_registry"}`); got != 2 {
		t.Errorf("the denylist was held back by the policy: generation %v", got)
	}
	if rd := ts.get(t, "/readyz"); !bytes.Contains(rd.body, []byte("cannot verify SGX")) {
		t.Errorf("/readyz does not name the refused policy:\n%s", rd.body)
	}
	if r := ts.post(t, "/v1/attest", body); r.header.Get("Teegate-Decision") != "allow" {
		t.Errorf("the policy in force changed: %s", r.body)
	}

	var p map[string]any
	if err := json.Unmarshal(readExample(t, "attest/policy.json"), &p); err != nil {
		t.Fatal(err)
	}
	p["accepted_tee_types"] = []string{"tdx"}
	delete(p, "sev_snp")
	tdxOnly, _ := json.Marshal(p)
	f.write(t, DocAttestPolicy, tdxOnly)
	if err := ts.svc.Reload(); err != nil {
		t.Fatal(err)
	}
	if r := ts.post(t, "/v1/attest", body); !bytes.Contains(r.body, []byte(attest.CodeTEETypeNotAccepted)) {
		t.Errorf("the new policy is not in force: %s", r.body)
	}
}

func TestAttestRoleOff(t *testing.T) {
	f := newFixture(t)
	ts := f.start(t, f.options())
	if r := ts.post(t, "/v1/attest", []byte(`{}`)); r.status != http.StatusNotFound {
		t.Errorf("/v1/attest without the role: %d", r.status)
	}
	if bytes.Contains(ts.get(t, "/readyz").body, []byte("attest_policy")) {
		t.Error("/readyz shows a policy the service does not hold")
	}

	for name, edit := range map[string]func(*Options){
		"a key without a policy": func(o *Options) { o.Attest = AttestRole{Key: attestKey(t), KeyID: "vk-b"} },
		"a policy without a key": func(o *Options) { o.Paths.AttestPolicy = f.paths.Registry },
		"a key without its id": func(o *Options) {
			o.Attest = AttestRole{Key: attestKey(t), KeyID: " "}
			o.Paths.AttestPolicy = f.paths.Registry
		},
		"a policy that is not one": func(o *Options) {
			o.Attest = AttestRole{Key: attestKey(t), KeyID: "vk-b"}
			o.Paths.AttestPolicy = f.paths.Registry
		},
	} {
		opts := f.options()
		edit(&opts)
		if _, err := New(opts); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := os.Stat(f.paths.Registry); err != nil {
		t.Fatal(err)
	}
}

// TestAttestKeyNotInKeyset: a verifier whose key the keyset does not
// carry is told so at start.
func TestAttestKeyNotInKeyset(t *testing.T) {
	f, opts := newAttestFixture(t)
	var logs bytes.Buffer
	opts.Log = slog.New(slog.NewTextHandler(&logs, nil))
	if _, err := New(opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "the keyset has no key of the verifier role's id") {
		t.Errorf("no warning:\n%s", logs.String())
	}
	var ks admission.Keyset
	if err := json.Unmarshal(readExample(t, "gate/keyset.json"), &ks); err != nil {
		t.Fatal(err)
	}
	ks.Keys[0].KeyID = "vk-b"
	b, _ := json.Marshal(ks)
	f.write(t, DocKeyset, b)
	logs.Reset()
	if _, err := New(opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "is not the keyset's key of its id") {
		t.Errorf("no warning:\n%s", logs.String())
	}
	ks.Keys[0].PubkeyHex = attestKey(t).PubKeyHex()
	b, _ = json.Marshal(ks)
	f.write(t, DocKeyset, b)
	logs.Reset()
	if _, err := New(opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("a warning for the right key:\n%s", logs.String())
	}
}
