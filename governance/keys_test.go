package governance

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/bip340"
	"github.com/teegate/teegate/internal/codetest"
)

// x-only keys of G, 2G and 3G: valid keys whose secrets nobody should use.
const (
	pubG  = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
	pub2G = "c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5"
	pub3G = "f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9"
)

// policy2 makes r a policy 2 registry with one key per role, registry
// versions 5 to 7, and each operator's vendor.
func policy2(r *Registry) {
	v := uint64(Policy2)
	r.PolicyVersion = &v
	r.RegistryVersion, r.MinTokenRegistryVersion = u64(7), u64(5)
	for i, vendor := range []string{VendorIntel, VendorAMD, VendorIntel} {
		r.Operators[i].VendorID = &vendor
	}
	r.GovernanceKeys = &[]GovernanceKey{
		{ApproverID: "alice", Role: RoleSecurityOwner, PubkeyHex: pubG, ValidFromUnix: testNow - 100, ValidUntilUnix: testNow + 100},
		{ApproverID: "bob", Role: RoleSignerRuntimeOwner, PubkeyHex: pub2G, ValidFromUnix: testNow - 100, ValidUntilUnix: testNow + 100},
		{ApproverID: "carol", Role: RoleGovernanceDelegate, PubkeyHex: pub3G, ValidFromUnix: testNow - 100, ValidUntilUnix: testNow + 100},
	}
}

func editKey(i int, f func(k *GovernanceKey)) func(r *Registry, _ **AuditLog) {
	return func(r *Registry, _ **AuditLog) {
		policy2(r)
		f(&(*r.GovernanceKeys)[i])
	}
}

var keyCases = []registryCase{
	{"policy 2 with three keys", func(r *Registry, _ **AuditLog) { policy2(r) }, 0, nil},
	{"policy 2 without keys", func(r *Registry, _ **AuditLog) { policy2(r); r.GovernanceKeys = nil }, 0, codes{CodeGovernanceKeysMissing}},
	{"policy 2 with an empty key list", func(r *Registry, _ **AuditLog) { policy2(r); *r.GovernanceKeys = nil }, 0, codes{CodeGovernanceKeysMissing}},
	{"policy 1 ignores nothing: keys are an input error, not checked", func(r *Registry, _ **AuditLog) {}, 0, nil},
	{"blank approver", editKey(0, func(k *GovernanceKey) { k.ApproverID = " " }), 0, codes{CodeGovernanceKeyApproverIDMissing}},
	{"unknown role", editKey(1, func(k *GovernanceKey) { k.Role = "auditor" }), 0, codes{CodeGovernanceKeyRoleInvalid}},
	{"role normalised", editKey(1, func(k *GovernanceKey) { k.Role = " Signer_Runtime_Owner " }), 0, nil},
	{"short key", editKey(2, func(k *GovernanceKey) { k.PubkeyHex = pub3G[:62] }), 0, codes{CodeGovernanceKeyPubkeyInvalid}},
	{"key off the curve", editKey(2, func(k *GovernanceKey) { k.PubkeyHex = strings.Repeat("ff", 32) }), 0, codes{CodeGovernanceKeyPubkeyInvalid}},
	{"upper-case key", editKey(2, func(k *GovernanceKey) { k.PubkeyHex = strings.ToUpper(pub3G) }), 0, nil},
	{"empty window", editKey(0, func(k *GovernanceKey) { k.ValidUntilUnix = k.ValidFromUnix }), 0, codes{CodeGovernanceKeyWindowInvalid}},
	{"window too long", editKey(0, func(k *GovernanceKey) { k.ValidUntilUnix = k.ValidFromUnix + MaxGovernanceKeyLifetimeSeconds + 1 }), 0,
		codes{CodeGovernanceKeyLifetimeExceedsMaximum}},
	{"window at the maximum", editKey(0, func(k *GovernanceKey) { k.ValidUntilUnix = k.ValidFromUnix + MaxGovernanceKeyLifetimeSeconds }), 0, nil},
	{"one key under two approvers", editKey(1, func(k *GovernanceKey) { k.PubkeyHex = pubG }), 0,
		codes{CodeGovernanceKeyPubkeyDuplicate, CodeGovernanceKeyPubkeyDuplicate}},
	{"one approver with two roles", func(r *Registry, _ **AuditLog) {
		policy2(r)
		*r.GovernanceKeys = append(*r.GovernanceKeys, GovernanceKey{ApproverID: "ALICE", Role: RoleGovernanceDelegate, PubkeyHex: strings.Replace(pub3G, "f9", "f8", 1),
			ValidFromUnix: testNow, ValidUntilUnix: testNow + 1})
	}, 0, codes{CodeGovernanceApproverRoleConflict, CodeGovernanceKeyPubkeyInvalid, CodeGovernanceApproverRoleConflict}}, // per entry, in order
}

func TestCheckRegistryGovernanceKeys(t *testing.T) { runCases(t, keyCases) }

func editPolicy2(f func(r *Registry)) func(r *Registry, _ **AuditLog) {
	return func(r *Registry, _ **AuditLog) {
		policy2(r)
		f(r)
	}
}

// Issue 17's rules at layer A: registry versions, vendors, no operator
// from the future. Each policy 1 twin allows.
var policy2RegistryCases = []registryCase{
	{"no registry version", editPolicy2(func(r *Registry) { r.RegistryVersion = nil }), 0, codes{CodeRegistryVersionInvalid}},
	{"registry version 0", editPolicy2(func(r *Registry) { r.RegistryVersion, r.MinTokenRegistryVersion = u64(0), u64(0) }), 0, codes{CodeRegistryVersionInvalid}},
	{"a minimum above the version", editPolicy2(func(r *Registry) { r.MinTokenRegistryVersion = u64(8) }), 0, codes{CodeMinTokenRegistryVersionAboveRegistryVersion}},
	{"a minimum equal to the version", editPolicy2(func(r *Registry) { r.MinTokenRegistryVersion = u64(7) }), 0, nil},
	{"an operator without a vendor", editPolicy2(func(r *Registry) { r.Operators[1].VendorID = nil }), 0,
		codes{CodeOperatorVendorInvalid, CodeOperatorTEETypeVendorMismatch}},
	{"an unknown vendor", editPolicy2(func(r *Registry) { v := "globex"; r.Operators[1].VendorID = &v }), 0,
		codes{CodeOperatorVendorInvalid, CodeOperatorTEETypeVendorMismatch}},
	{"a vendor, normalised", editPolicy2(func(r *Registry) { v := " AMD "; r.Operators[1].VendorID = &v }), 0, nil},
	{"a TEE type of another vendor", editPolicy2(func(r *Registry) { r.Operators[0].AllowedTEETypes = []string{"sgx", "sev-snp"} }), 0,
		codes{CodeOperatorTEETypeVendorMismatch}},
	{"an unknown TEE type", editPolicy2(func(r *Registry) { r.Operators[0].AllowedTEETypes = []string{"sgx", "keystone"} }), 0,
		codes{CodeOperatorTEETypeVendorMismatch}},
	{"an active operator from the future", editPolicy2(func(r *Registry) { r.Operators[0].EffectiveFrom = testNow + 1 }), 0,
		codes{CodeActiveOperatorNotYetEffective}},
	{"a suspended operator from the future is no finding", editPolicy2(func(r *Registry) { r.Operators[1].EffectiveFrom = testNow + 1 }), 0, nil},
	{"policy 1: an active operator from the future", func(r *Registry, _ **AuditLog) { r.Operators[0].EffectiveFrom = testNow + 1 }, 0, nil},
}

func TestCheckRegistryPolicy2(t *testing.T) { runCases(t, policy2RegistryCases) }

func TestApproversAt(t *testing.T) {
	r := validRegistry()
	policy2(r)
	keys := *r.GovernanceKeys
	keys = append(keys,
		GovernanceKey{ApproverID: "dave", Role: RoleSecurityOwner, PubkeyHex: "zz", ValidFromUnix: testNow - 1, ValidUntilUnix: testNow + 1},      // defective, in its window
		GovernanceKey{ApproverID: "erin", Role: RoleSecurityOwner, PubkeyHex: pub3G[:2], ValidFromUnix: testNow + 1, ValidUntilUnix: testNow + 2}, // not yet
	)
	r.GovernanceKeys = &keys
	a := r.ApproversAt(testNow)
	// A defective key in its window counts its approver in the denominator;
	// a key outside it does not.
	if a.Len() != 4 {
		t.Fatalf("%d active approvers, want 4 (alice, bob, carol, dave)", a.Len())
	}
	var sig [bip340.SignatureSize]byte
	var digest [bip340.DigestSize]byte
	for _, tc := range []struct {
		id   string
		want error
	}{{"mallory", ErrApproverUnknown}, {"dave", ErrApproverNoValidKey}, {"erin", ErrApproverNoValidKey}, {" Alice ", ErrSignatureInvalid}} {
		if _, _, err := a.Verify(tc.id, &sig, &digest); !errors.Is(err, tc.want) {
			t.Errorf("Verify(%q): %v, want %v", tc.id, err, tc.want)
		}
	}
	if (&Registry{}).ApproversAt(testNow).Len() != 0 {
		t.Error("a registry without keys has approvers")
	}
}

func TestPolicyVersionIsDecodedStrictly(t *testing.T) {
	const base = `{"profile_status": "draft", "enforcement": {"break_glass_quorum_bps": 6700, "re_attestation_poll_interval_seconds": 300}, "operators": []`
	const versions = `, "registry_version": 7, "min_token_registry_version": 5`
	for _, tc := range []struct{ name, doc, msg string }{
		{"policy 3", base + `, "policy_version": 3}`, `"/policy_version": policy_version 3 is not 1 or 2`},
		{"policy 0", base + `, "policy_version": 0}`, `policy_version 0 is not 1 or 2`},
		{"keys under policy 1", base + `, "policy_version": 1, "governance_keys": []}`, `"/governance_keys": governance_keys belong to policy_version 2`},
		{"keys without a version", base + `, "governance_keys": []}`, `"/governance_keys"`},
		{"policy 2 without a quorum", strings.Replace(base, `"break_glass_quorum_bps": 6700, `, ``, 1) + versions + `, "policy_version": 2, "governance_keys": []}`,
			`"/enforcement/break_glass_quorum_bps": policy_version 2 computes`},
		{"policy 2 without a poll interval", strings.Replace(base, `, "re_attestation_poll_interval_seconds": 300`, ``, 1) + versions + `, "policy_version": 2}`,
			`"/enforcement/re_attestation_poll_interval_seconds": policy_version 2 bounds`},
		{"policy 2 without a registry version", base + `, "min_token_registry_version": 5, "policy_version": 2}`, `"/registry_version": policy_version 2 binds`},
		{"policy 2 without a minimum token version", base + `, "registry_version": 5, "policy_version": 2}`, `"/min_token_registry_version": policy_version 2 binds`},
		{"versions under policy 1", base + versions + `}`, `"/registry_version": registry_version belongs to policy_version 2`},
		{"a minimum under policy 1", base + `, "min_token_registry_version": 1}`, `"/min_token_registry_version": min_token_registry_version belongs`},
		{"a vendor under policy 1", strings.Replace(base, `"operators": []`, `"operators": [{"operator_id": "a", "vendor_id": "intel"}]`, 1) + `}`,
			`"/operators/0/vendor_id": an operator's vendor_id belongs to policy_version 2`},
		{"a look-alike identifier under policy 2", strings.Replace(base, `"operators": []`, `"operators": [{"operator_id": "keep-alpha", "signer_identifier": "s1"}, {"operator_id": "keep-аlpha", "signer_identifier": "s2"}]`, 1) + versions + `, "policy_version": 2}`,
			`"/operators/1/operator_id": policy_version 2 identifier "keep-аlpha" has "а" at byte 5`},
		{"a key without its role", base + versions + `, "policy_version": 2, "governance_keys": [{"approver_id": "a", "pubkey_hex": "", "valid_from_unix": 1, "valid_until_unix": 2}]}`,
			`"/governance_keys/0": missing required member "role"`},
		{"a key with an extra member", base + versions + `, "policy_version": 2, "governance_keys": [{"approver_id": "a", "role": "r", "pubkey_hex": "", "valid_from_unix": 1, "valid_until_unix": 2, "weight": 2}]}`,
			`"/governance_keys/0/weight": unknown member`},
	} {
		req := RequireMembers(append([]string{"/profile_status"}, GovernanceKeyMembers...)...)
		for _, decode := range []func() error{
			func() error { _, err := DecodeRegistry("r.json", []byte(tc.doc), req); return err },
			func() error { _, err := ReadRegistry("r.json", strings.NewReader(tc.doc), req); return err },
		} {
			if err := decode(); err == nil || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "r.json") {
				t.Errorf("%s: %v, want %q", tc.name, err, tc.msg)
			}
		}
	}
	for _, doc := range []string{base + `}`, base + `, "policy_version": 1}`, base + versions + `, "policy_version": 2, "governance_keys": []}`} {
		if _, err := DecodeRegistry("r.json", []byte(doc), RequireMembers("/profile_status")); err != nil {
			t.Errorf("%s: %v", doc, err)
		}
	}
}

// A policy 2 code added without a test row or a line in
// docs/reason-codes.md fails here; codes.go keeps the reference's 86.
func TestEveryPolicy2CodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, tc := range append(slices.Clone(keyCases), policy2RegistryCases...) {
		for _, c := range tc.want {
			produced[c] = true
		}
	}
	codetest.CheckCoverage(t, "policy2_codes.go", 13, produced, "../docs/reason-codes.md")
}
