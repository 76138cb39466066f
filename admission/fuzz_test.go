package admission

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/fuzzprop"
)

// FuzzCheckToken fuzzes the keyset, the token artifact and the revocation
// registry together, against the registries of the conformance cases.
func FuzzCheckToken(f *testing.F) {
	dirs, _ := filepath.Glob("../testdata/conformance/token/*")
	var registries [][]byte
	for _, dir := range dirs {
		reg, err1 := os.ReadFile(filepath.Join(dir, "registry.json"))
		ks, err2 := os.ReadFile(filepath.Join(dir, "keyset.json"))
		tok, err3 := os.ReadFile(filepath.Join(dir, "token.json"))
		rev, err4 := os.ReadFile(filepath.Join(dir, "revocation.json"))
		if err1 == nil && err2 == nil && err3 == nil && err4 == nil {
			f.Add(uint8(len(registries)), ks, tok, rev, uint64(1700100000))
			registries = append(registries, reg)
		}
	}
	if len(registries) == 0 {
		f.Fatal("no seeds")
	}
	f.Fuzz(func(t *testing.T, which uint8, ksDoc, tokDoc, revDoc []byte, now uint64) {
		reg, err := governance.DecodeRegistry("registry.json", registries[int(which)%len(registries)], RegistryMembers)
		if err != nil {
			return // a seed registry meant to fail
		}
		ks, err := DecodeKeyset("keyset.json", ksDoc)
		if err != nil {
			fuzzprop.InputError(t, err, "keyset.json")
			return
		}
		tok, err := DecodeToken("token.json", tokDoc)
		if err != nil {
			fuzzprop.InputError(t, err, "token.json")
			return
		}
		rev, err := DecodeRevocationRegistry("revocation.json", revDoc)
		if err != nil {
			fuzzprop.InputError(t, err, "revocation.json")
			return
		}
		d := CheckToken(reg, ks, tok, rev, now)
		fuzzprop.Decision(t, d, func() decision.Decision { return CheckToken(reg, ks, tok, rev, now) }, false)
		cached := NewVerifier()
		if got := cached.CheckToken(reg, ks, tok, rev, now); !sameCodes(got, d) {
			t.Fatalf("a Verifier decided %v, CheckToken %v", got.Codes(), d.Codes())
		}
	})
}

// FuzzPayload signs arbitrary payload text with valid verifier keys, so
// that every payload reaches the policy checks with valid signatures.
func FuzzPayload(f *testing.F) {
	fx := validFixture()
	valid, _ := json.Marshal(fx.payload)
	f.Add(string(valid), uint64(testNow))
	f.Add(`{"token_id":"t","token_id":"u"}`, uint64(testNow))
	f.Add(` {"TOKEN_ID":"t"} `, uint64(0))
	f.Fuzz(func(t *testing.T, payload string, now uint64) {
		fx := validFixture()
		tok := &Token{PayloadJSON: payload}
		for _, id := range fx.signers {
			sig, err := signDigest(testKeys[id], PayloadDigest(payload))
			if err != nil {
				t.Fatal(err)
			}
			tok.Signatures = append(tok.Signatures, TokenSignature{VerifierKeyID: id, SignatureHex: sig})
		}
		d := CheckToken(fx.reg, fx.ks, tok, fx.rev, now)
		fuzzprop.Decision(t, d, func() decision.Decision { return CheckToken(fx.reg, fx.ks, tok, fx.rev, now) }, false)
	})
}

func sameCodes(a, b decision.Decision) bool {
	x, y := a.Codes(), b.Codes()
	if a.Outcome != b.Outcome || len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}
