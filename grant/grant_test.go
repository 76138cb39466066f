package grant_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/codetest"
	. "github.com/teegate/teegate/internal/granttest"
)

const now = 1_700_100_000

// registry is a policy 2 registry with the three default approvers, their
// keys valid around now.
func registry() *governance.Registry {
	reg := &governance.Registry{ProfileStatus: "mandatory", Enforcement: governance.Enforcement{BreakGlassQuorumBps: 6700}}
	Policy2(reg, now-86400, now+86400, Alice, Bob, Carol)
	return reg
}

func outageText() *grant.Text { return VendorOutageText("g-1", "sgx", now-60, now+3600, 50) }

type grantCase struct {
	name  string
	edit  func(t *testing.T, reg *governance.Registry, g *grant.Grant)
	want  []decision.Code
	quota uint64 // the computed quorum, when the text decodes
}

var grantCases = []grantCase{
	{"three of three", func(*testing.T, *governance.Registry, *grant.Grant) {}, nil, 10000},
	{"two of three is below 6700", func(t *testing.T, _ *governance.Registry, g *grant.Grant) { g.Signatures = g.Signatures[:2] },
		[]decision.Code{grant.CodeGrantQuorumBelowRequired}, 6666},
	{"one approver under two keys counts once", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		// Alice's second key (a rotation) signs too; Carol does not sign.
		alice2 := NewApprover("alice", governance.RoleSecurityOwner, 9)
		*reg.GovernanceKeys = append(*reg.GovernanceKeys, alice2.Entry(now-10, now+10))
		g.Signatures = append(SignedJSON(t, g.GrantJSON, alice2).Signatures, g.Signatures[:2]...)
	}, []decision.Code{grant.CodeGrantQuorumBelowRequired}, 6666},
	{"one approver twice under one key counts once", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		g.Signatures = append(g.Signatures[:2], g.Signatures[0])
	}, []decision.Code{grant.CodeGrantQuorumBelowRequired}, 6666},
	{"signed by a non-approver", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		mallory := NewApprover("mallory", governance.RoleSecurityOwner, 7)
		g.Signatures = append(g.Signatures, SignedJSON(t, g.GrantJSON, mallory).Signatures...)
	}, []decision.Code{grant.CodeGrantSignatureApproverUnknown}, 10000},
	{"a non-approver signs under an approver's name", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		mallory := NewApprover("mallory", governance.RoleSecurityOwner, 7)
		s := SignedJSON(t, g.GrantJSON, mallory).Signatures[0]
		s.ApproverID = "carol"
		g.Signatures[2] = s
	}, []decision.Code{grant.CodeGrantSignatureInvalid, grant.CodeGrantQuorumBelowRequired}, 6666},
	{"signed by an expired key", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		(*reg.GovernanceKeys)[2].ValidUntilUnix = now // exclusive: expired at now
		(*reg.GovernanceKeys)[2].ValidFromUnix = now - 100
	}, []decision.Code{grant.CodeGrantSignatureApproverNoValidKey}, 10000}, // Carol is no longer active: 2 of 2
	{"signed by a key not yet valid", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		(*reg.GovernanceKeys)[1].ValidFromUnix = now + 1
		(*reg.GovernanceKeys)[1].ValidUntilUnix = now + 100
	}, []decision.Code{grant.CodeGrantSignatureApproverNoValidKey}, 10000},
	{"an approver whose only key is defective", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		(*reg.GovernanceKeys)[1].PubkeyHex = "zz"
	}, []decision.Code{grant.CodeGrantSignatureApproverNoValidKey, grant.CodeGrantQuorumBelowRequired}, 6666},
	{"a defective entry listed first does not decide its approver's role", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		blank := NewApprover("alice", "", 9).Entry(now-10, now+10)
		*reg.GovernanceKeys = append([]governance.GovernanceKey{blank}, *reg.GovernanceKeys...)
	}, nil, 10000},
	{"a registry built without a quorum grants nothing", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		reg.Enforcement.BreakGlassQuorumBps = 0
		g.Signatures = g.Signatures[:1]
	}, []decision.Code{grant.CodeGrantQuorumBelowRequired}, 3333},
	{"a bad signature repeated is one finding", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		bad := g.Signatures[2]
		bad.SignatureHex = g.Signatures[1].SignatureHex // Bob's, under Carol's name
		g.Signatures = g.Signatures[:2]
		for range grant.MaxSignatures - 2 {
			g.Signatures = append(g.Signatures, bad)
		}
	}, []decision.Code{grant.CodeGrantSignatureInvalid, grant.CodeGrantQuorumBelowRequired}, 6666},
	{"a key listed under two approver ids verifies for neither", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		k := (*reg.GovernanceKeys)[1] // Bob's key, listed under Carol's id (and role) too
		k.ApproverID, k.Role = "carol", (*reg.GovernanceKeys)[2].Role
		*reg.GovernanceKeys = append(*reg.GovernanceKeys, k)
	}, []decision.Code{grant.CodeGrantSignatureApproverNoValidKey, grant.CodeGrantQuorumBelowRequired}, 6666},
	{"an approver listed with two roles has no usable key", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		k := NewApprover("bob", governance.RoleGovernanceDelegate, 11).Entry(now-10, now+10)
		if k.Role == (*reg.GovernanceKeys)[1].Role {
			k.Role = governance.RoleSecurityOwner
		}
		*reg.GovernanceKeys = append(*reg.GovernanceKeys, k)
	}, []decision.Code{grant.CodeGrantSignatureApproverNoValidKey, grant.CodeGrantQuorumBelowRequired}, 6666},
	{"no security owner", func(t *testing.T, reg *governance.Registry, g *grant.Grant) {
		reg.Enforcement.BreakGlassQuorumBps = 5000
		g.Signatures = g.Signatures[1:]
	}, []decision.Code{grant.CodeGrantSecurityOwnerMissing}, 6666},
	{"a tampered text", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		g.GrantJSON = strings.Replace(g.GrantJSON, `"relaxed_max_single_vendor_share_percent":50`, `"relaxed_max_single_vendor_share_percent":60`, 1)
	}, []decision.Code{grant.CodeGrantSignatureInvalid, grant.CodeGrantSignatureInvalid, grant.CodeGrantSignatureInvalid,
		grant.CodeGrantQuorumBelowRequired, grant.CodeGrantSecurityOwnerMissing}, 0},
	{"a signature that is not hex", func(t *testing.T, _ *governance.Registry, g *grant.Grant) { g.Signatures[1].SignatureHex = "xyz" },
		[]decision.Code{grant.CodeGrantSignatureInvalid, grant.CodeGrantQuorumBelowRequired}, 6666},
	{"a blank approver id", func(t *testing.T, _ *governance.Registry, g *grant.Grant) { g.Signatures[1].ApproverID = " " },
		[]decision.Code{grant.CodeGrantSignatureApproverIDMissing, grant.CodeGrantQuorumBelowRequired}, 6666},
	{"no signatures", func(t *testing.T, _ *governance.Registry, g *grant.Grant) { g.Signatures = nil },
		[]decision.Code{grant.CodeGrantSignaturesMissing, grant.CodeGrantQuorumBelowRequired, grant.CodeGrantSecurityOwnerMissing}, 0},
	{"too many signatures", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		for len(g.Signatures) <= grant.MaxSignatures {
			g.Signatures = append(g.Signatures, g.Signatures[0])
		}
	}, []decision.Code{grant.CodeGrantSignaturesTooMany, grant.CodeGrantQuorumBelowRequired, grant.CodeGrantSecurityOwnerMissing}, 0},
	{"a blank grant id", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		text := outageText()
		text.GrantID = " "
		*g = *SignedRaw(t, Marshal(t, text), Alice, Bob, Carol)
	}, []decision.Code{grant.CodeGrantTextInvalid}, 0},
	{"a look-alike vendor", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		text := outageText()
		*text.VendorID = "іntel" // a Cyrillic і
		*g = *SignedRaw(t, Marshal(t, text), Alice, Bob, Carol)
	}, []decision.Code{grant.CodeGrantTextInvalid}, 0},
	{"a text that does not decode", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		*g = *SignedJSON(t, `{"grant_id": "g", "kind": "vendor_outage", "declared_at_unix": 1, "expires_at_unix": 2, "vendor_id": "v", "relaxed_max_single_vendor_share_percent": 50}`, Alice)
		g.GrantJSON = strings.Replace(g.GrantJSON, `"vendor_id"`, `"vendor_id": "w", "vendor_id"`, 1)
	}, []decision.Code{grant.CodeGrantTextInvalid}, 0},
	{"a break-glass grant where an outage grant is expected", func(t *testing.T, _ *governance.Registry, g *grant.Grant) {
		*g = *Signed(t, BreakGlassText("g", "INC-1", now-60, now+60, []string{"op-1"}, []string{"x"}), Alice, Bob, Carol)
	}, []decision.Code{grant.CodeGrantKindMismatch}, 0},
}

func TestCheck(t *testing.T) {
	for _, tc := range grantCases {
		t.Run(tc.name, func(t *testing.T) {
			reg := registry()
			g := Signed(t, outageText(), Alice, Bob, Carol)
			tc.edit(t, reg, g)
			var b decision.Builder
			v, ok := grant.Check(&b, "vendor_outage_grants[0]", g, grant.KindVendorOutage, reg.ApproversAt(now), reg.Enforcement.BreakGlassQuorumBps)
			d := b.Decide(now)
			if got := d.Codes(); !slices.Equal(got, tc.want) || ok != (len(tc.want) == 0) {
				t.Fatalf("ok %t, codes %v, want %v\n%v", ok, got, tc.want, d.Reasons)
			}
			for _, r := range d.Reasons {
				if !strings.HasPrefix(r.Detail, "vendor_outage_grants[0]: ") {
					t.Errorf("detail does not name the grant: %q", r.Detail)
				}
			}
			if v != nil && v.QuorumBps != tc.quota {
				t.Errorf("quorum %d bps, want %d", v.QuorumBps, tc.quota)
			}
		})
	}
}

// Removing any one signature never raises the computed quorum, nor makes
// a failing grant pass: whatever a signature is, it can only add.
func TestRemovingASignatureNeverRaisesTheQuorum(t *testing.T) {
	mallory := NewApprover("mallory", governance.RoleSecurityOwner, 7)
	alice2 := NewApprover("alice", governance.RoleSecurityOwner, 9)
	reg := registry()
	*reg.GovernanceKeys = append(*reg.GovernanceKeys, alice2.Entry(now-10, now+10))
	base := Signed(t, outageText(), Alice, Bob, Carol, alice2, mallory, Alice)
	bad := base.Signatures[1]
	bad.SignatureHex = base.Signatures[2].SignatureHex // Carol's signature under Bob's name
	pool := append(base.Signatures, bad)
	// Every subset of the pool, as a grant.
	for mask := 0; mask < 1<<len(pool); mask++ {
		var sigs []grant.Signature
		for i := range pool {
			if mask&(1<<i) != 0 {
				sigs = append(sigs, pool[i])
			}
		}
		full := check(reg, &grant.Grant{GrantJSON: base.GrantJSON, Signatures: sigs})
		for drop := range sigs {
			fewer := slices.Delete(slices.Clone(sigs), drop, drop+1)
			less := check(reg, &grant.Grant{GrantJSON: base.GrantJSON, Signatures: fewer})
			if less.QuorumBps > full.QuorumBps || (less.SecurityOwner && !full.SecurityOwner) {
				t.Fatalf("dropping signature %d of %v raised the quorum: %d -> %d bps", drop, sigs, full.QuorumBps, less.QuorumBps)
			}
		}
	}
}

func check(reg *governance.Registry, g *grant.Grant) *grant.Verified {
	var b decision.Builder
	v, _ := grant.Check(&b, "g", g, grant.KindVendorOutage, reg.ApproversAt(now), 6700)
	return v
}

func TestQuorumRoundsDown(t *testing.T) {
	for _, tc := range []struct {
		counted, active int
		want            uint64
	}{{0, 0, 0}, {1, 0, 0}, {2, 3, 6666}, {3, 3, 10000}, {1, 7, 1428}, {67, 100, 6700}} {
		if got := grant.Quorum(tc.counted, tc.active); got != tc.want {
			t.Errorf("Quorum(%d, %d) = %d, want %d", tc.counted, tc.active, got, tc.want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	const outage = `{"grant_id": "g", "kind": "vendor_outage", "declared_at_unix": 1, "expires_at_unix": 2, "vendor_id": "v", "relaxed_max_single_vendor_share_percent": 50}`
	if _, err := grant.DecodeText(" \n" + outage + "\n"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, doc, msg string }{
		{"unknown kind", strings.Replace(outage, `"vendor_outage"`, `"global_pause"`, 1), `"/kind": kind "global_pause" is not`},
		{"missing own member", strings.Replace(outage, `"vendor_id": "v", `, ``, 1), `"/vendor_id": a vendor_outage grant needs vendor_id`},
		{"other kind's member", strings.Replace(outage, `"vendor_id"`, `"waived_codes": [], "vendor_id"`, 1), `"/waived_codes": waived_codes is not a member of a vendor_outage grant`},
		{"unknown member", strings.Replace(outage, `"vendor_id"`, `"approver_quorum_bps": 10000, "vendor_id"`, 1), `"/approver_quorum_bps": unknown member`},
		{"duplicate member", strings.Replace(outage, `"vendor_id"`, `"vendor_id": "w", "vendor_id"`, 1), `duplicate`},
		{"null member", strings.Replace(outage, `"vendor_id": "v"`, `"vendor_id": null`, 1), `"/vendor_id": a vendor_outage grant needs vendor_id`},
		{"no times", `{"grant_id": "g", "kind": "vendor_outage", "vendor_id": "v", "relaxed_max_single_vendor_share_percent": 50}`, `missing required member "declared_at_unix"`},
		{"an array", `["g", "vendor_outage"]`, `want an object`},
	} {
		_, err := grant.DecodeText(tc.doc)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.msg)
		}
	}
}

func TestSignAndAssemble(t *testing.T) {
	text := Marshal(t, outageText())
	s, err := grant.Sign(Alice.Key, "\n"+text+"\n", " alice ")
	if err != nil || s.ApproverID != "alice" {
		t.Fatalf("%+v %v", s, err)
	}
	g, err := grant.Assemble(text+"\n", []grant.Signature{{ApproverID: " alice\t", SignatureHex: s.SignatureHex}})
	if err != nil || g.GrantJSON != text || g.Signatures[0].ApproverID != "alice" {
		t.Fatalf("%+v %v", g, err)
	}
	if v := check(registry(), g); v == nil || !slices.Equal(v.Counted, []string{"alice"}) {
		t.Fatalf("the assembled grant: %+v", v)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"sign an empty text", func() error { _, err := grant.Sign(Alice.Key, " ", "alice"); return err }()},
		{"sign a bad text", func() error { _, err := grant.Sign(Alice.Key, `{"kind": "x"}`, "alice"); return err }()},
		{"sign without an id", func() error { _, err := grant.Sign(Alice.Key, text, " "); return err }()},
		{"sign under a look-alike id", func() error { _, err := grant.Sign(Alice.Key, text, "аlice"); return err }()}, // a Cyrillic а
		{"assemble a look-alike id", func() error {
			_, err := grant.Assemble(text, []grant.Signature{{ApproverID: "аlice", SignatureHex: s.SignatureHex}})
			return err
		}()},
		{"assemble nothing", func() error { _, err := grant.Assemble(text, nil); return err }()},
		{"assemble a blank id", func() error {
			_, err := grant.Assemble(text, []grant.Signature{{ApproverID: "", SignatureHex: s.SignatureHex}})
			return err
		}()},
		{"assemble a short signature", func() error {
			_, err := grant.Assemble(text, []grant.Signature{{ApproverID: "a", SignatureHex: "00"}})
			return err
		}()},
		{"assemble one signature twice", func() error { _, err := grant.Assemble(text, []grant.Signature{s, s}); return err }()},
		{"assemble too many", func() error {
			_, err := grant.Assemble(text, slices.Repeat([]grant.Signature{s}, grant.MaxSignatures+1))
			return err
		}()},
	} {
		if !errors.Is(tc.err, grant.ErrIssue) {
			t.Errorf("%s: %v, want ErrIssue", tc.name, tc.err)
		}
	}
}

func TestEveryCodeIsTestedAndDocumented(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, tc := range grantCases {
		for _, c := range tc.want {
			produced[c] = true
		}
	}
	codetest.CheckCoverage(t, "codes.go", 10, produced, "../docs/reason-codes.md")
}

func FuzzDecodeText(f *testing.F) {
	f.Add(`{"grant_id": "g", "kind": "vendor_outage", "declared_at_unix": 1, "expires_at_unix": 2, "vendor_id": "v", "relaxed_max_single_vendor_share_percent": 50}`)
	f.Add(`{"grant_id": "g", "kind": "break_glass", "declared_at_unix": 1, "expires_at_unix": 2, "incident_ticket": "i", "scope_operator_ids": ["a"], "waived_codes": ["c"]}`)
	f.Add(`{"grant_id": "g", "kind": "break_glass", "vendor_id": null}`)
	f.Fuzz(func(t *testing.T, doc string) {
		text, err := grant.DecodeText(doc)
		if err != nil {
			return
		}
		// What decodes is of exactly one kind, with all its members.
		switch text.Kind {
		case grant.KindBreakGlass:
			if text.IncidentTicket == nil || text.ScopeOperatorIDs == nil || text.WaivedCodes == nil || text.VendorID != nil || text.RelaxedMaxSingleVendorSharePercent != nil {
				t.Fatalf("a break-glass text with the wrong members: %+v", text)
			}
		case grant.KindVendorOutage:
			if text.VendorID == nil || text.RelaxedMaxSingleVendorSharePercent == nil || text.IncidentTicket != nil || text.ScopeOperatorIDs != nil || text.WaivedCodes != nil {
				t.Fatalf("an outage text with the wrong members: %+v", text)
			}
		default:
			t.Fatalf("kind %q decoded", text.Kind)
		}
		// And a grant carrying it is checked without a panic.
		var b decision.Builder
		grant.Check(&b, "g", &grant.Grant{GrantJSON: doc, Signatures: []grant.Signature{{ApproverID: "alice", SignatureHex: strings.Repeat("00", 64)}}},
			text.Kind, registry().ApproversAt(now), 6700)
		if b.Len() == 0 {
			t.Fatal("a grant with a zero signature passed")
		}
	})
}

func FuzzDecodeGrant(f *testing.F) {
	f.Add(`{"grant_json": "{}", "signatures": [{"approver_id": "a", "signature_hex": "00"}]}`)
	f.Add(`{"grant_json": "{}", "signatures": []}`)
	f.Fuzz(func(t *testing.T, doc string) {
		g, err := grant.Decode("g.json", []byte(doc))
		if err != nil {
			return
		}
		var b decision.Builder
		grant.Check(&b, "g", g, grant.KindBreakGlass, registry().ApproversAt(now), 6700)
		grant.Check(&b, "g", g, grant.KindVendorOutage, registry().ApproversAt(now), 6700)
	})
}
