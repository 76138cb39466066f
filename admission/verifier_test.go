package admission

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/teegate/teegate/governance"
)

// A remembering Verifier decides exactly as CheckToken does, on every table
// case, even when all of them share one Verifier concurrently.
func TestVerifierAgreesWithCheckToken(t *testing.T) {
	v := NewVerifier()
	var wg sync.WaitGroup
	for _, table := range [][]tokenCase{policyCases, keysetCases, denylistCases, payloadCases, operatorCases, signatureCases} {
		for _, tc := range table {
			f := validFixture()
			tc.edit(f)
			tok := f.token(t)
			want := CheckToken(f.reg, f.ks, tok, f.rev, testNow)
			for range 2 { // cold, then warm
				wg.Add(1)
				go func() {
					defer wg.Done()
					if got := v.CheckToken(f.reg, f.ks, tok, f.rev, testNow); !reflect.DeepEqual(got, want) {
						t.Errorf("%s: %v, want %v", tc.name, got.Reasons, want.Reasons)
					}
				}()
			}
		}
	}
	wg.Wait()
}

// A remembered verification never outlives a revocation: the policy checks
// run on every call.
func TestVerifierHonoursLaterRevocation(t *testing.T) {
	v := NewVerifier()
	f := validFixture()
	tok := f.token(t)
	if d := v.CheckToken(f.reg, f.ks, tok, f.rev, testNow); len(d.Reasons) != 0 {
		t.Fatal(d.Reasons)
	}
	f.rev.RevokedTokenIDs = map[string]RevocationRecord{"tok-1": {RevokedAtUnix: testNow}}
	f.rev.RevokedVerifierKeyIDs = map[string]RevocationRecord{"key-a": {RevokedAtUnix: testNow}}
	d := v.CheckToken(f.reg, f.ks, tok, f.rev, testNow)
	if !d.Has(CodeTokenIDRevoked) || !d.Has(CodeTokenSignatureKeyRevoked) {
		t.Fatalf("after revocation: %v", d.Reasons)
	}
}

func TestVerifierPrune(t *testing.T) {
	v := NewVerifier()
	f := validFixture()
	v.CheckToken(f.reg, f.ks, f.token(t), f.rev, testNow)
	if v.Len() != 1 {
		t.Fatalf("%d entries, want 1", v.Len())
	}
	// Kept through the longest grace period after expiry, in which a
	// mid-session signer is still checked, and forgotten after it.
	lastUse := f.payload.ExpiresAtUnix + governance.MaxGracePeriodSeconds
	v.Prune(lastUse)
	if v.Len() != 1 {
		t.Fatal("pruned a token that a mid-session signer may still present")
	}
	v.Prune(lastUse + 1)
	if v.Len() != 0 {
		t.Fatal("kept a token past any grace period")
	}
	// Checking a token past any grace period does not remember it.
	v.CheckToken(f.reg, f.ks, f.token(t), f.rev, lastUse+1)
	if v.Len() != 0 {
		t.Fatal("remembered a token past any grace period")
	}
}

// A token claiming a far expiry is forgotten within a day all the same.
func TestVerifierForgetsWithinADay(t *testing.T) {
	v := NewVerifier()
	f := validFixture()
	f.payload.ExpiresAtUnix = ^uint64(0)
	v.CheckToken(f.reg, f.ks, f.token(t), f.rev, testNow)
	if v.Len() != 1 {
		t.Fatalf("%d entries, want 1", v.Len())
	}
	v.Prune(testNow + 86400)
	if v.Len() != 1 {
		t.Fatal("forgotten before a day")
	}
	v.Prune(testNow + 86401)
	if v.Len() != 0 {
		t.Fatal("remembered for more than a day")
	}
}

// countingObserver counts what a Verifier tells it.
type countingObserver struct {
	mu                   sync.Mutex
	verified, remembered int
}

func (o *countingObserver) Verified(elapsed time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if elapsed <= 0 {
		panic("a verification took no time")
	}
	o.verified++
}

func (o *countingObserver) Remembered() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.remembered++
}

// An observer hears of each verification once, and of each later check of
// the same signature as remembered.
func TestVerifierObserver(t *testing.T) {
	obs := &countingObserver{}
	v := NewObservedVerifier(obs)
	f := validFixture()
	tok := f.token(t)
	v.CheckToken(f.reg, f.ks, tok, f.rev, testNow)
	sigs := len(tok.Signatures)
	if obs.verified != sigs || obs.remembered != 0 {
		t.Fatalf("first check: %d verified, %d remembered; want %d, 0", obs.verified, obs.remembered, sigs)
	}
	v.CheckToken(f.reg, f.ks, tok, f.rev, testNow)
	v.CheckToken(f.reg, f.ks, tok, f.rev, testNow)
	if obs.verified != sigs || obs.remembered != 2*sigs {
		t.Fatalf("two more checks: %d verified, %d remembered; want %d, %d", obs.verified, obs.remembered, sigs, 2*sigs)
	}
}

// A payload no trusted key has signed is never remembered, however many
// times it is checked: junk costs its checker time, not the Verifier's
// memory.
func TestVerifierRemembersOnlySignedPayloads(t *testing.T) {
	v := NewVerifier()
	f := validFixture()
	f.editToken = func(tok *Token) {
		for i := range tok.Signatures {
			// Well-formed hex of the right length that verifies nothing.
			tok.Signatures[i].SignatureHex = strings.Repeat("ab", 64)
		}
	}
	junk := f.token(t)
	for range 3 {
		if d := v.CheckToken(f.reg, f.ks, junk, f.rev, testNow); !d.Has(CodeTokenSignatureVerificationFailed) {
			t.Fatalf("junk token: %v", d.Codes())
		}
	}
	if n := v.Len(); n != 0 {
		t.Fatalf("%d unsigned payloads remembered", n)
	}
	good := validFixture()
	v.CheckToken(good.reg, good.ks, good.token(t), good.rev, testNow)
	if n := v.Len(); n != 1 {
		t.Fatalf("%d payloads remembered after a signed one, want 1", n)
	}
}

// The public keys a Verifier remembers are bounded, whatever keysets it
// is shown.
func TestVerifierBoundsKeys(t *testing.T) {
	v := NewVerifier()
	for i := range MaxRememberedKeys + 50 {
		v.parsePubKey(fmt.Sprintf("%064x", i))
	}
	if n := len(v.pubkeys); n != MaxRememberedKeys {
		t.Fatalf("%d keys remembered, want the bound %d", n, MaxRememberedKeys)
	}
}

// Signature texts longer than a signature are checked but never
// remembered, so junk attached to a known payload costs no memory.
func TestVerifierForgetsJunkSignatureTexts(t *testing.T) {
	v := NewVerifier()
	f := validFixture()
	v.CheckToken(f.reg, f.ks, f.token(t), f.rev, testNow)
	junk := validFixture()
	junk.editToken = func(tok *Token) { tok.Signatures[0].SignatureHex = strings.Repeat("0", 10_000) }
	if d := v.CheckToken(junk.reg, junk.ks, junk.token(t), junk.rev, testNow); !d.Has(CodeTokenSignatureVerificationFailed) {
		t.Fatalf("junk signature: %v", d.Codes())
	}
	for _, e := range v.payloads {
		for k := range e.verified {
			if len(k.signature) > maxRememberedSignatureText {
				t.Fatalf("a %d-byte signature text is remembered", len(k.signature))
			}
		}
	}
}

// A new keyset version keeps the verifications already made: they are
// facts about keys and payloads, and the policy still runs on the new
// keyset.
func TestVerifierSurvivesKeysetVersions(t *testing.T) {
	obs := &countingObserver{}
	v := NewObservedVerifier(obs)
	f := validFixture()
	tok := f.token(t)
	v.CheckToken(f.reg, f.ks, tok, f.rev, testNow)
	verified := obs.verified
	next := *f.ks
	next.KeysetVersion++
	if d := v.CheckToken(f.reg, &next, tok, f.rev, testNow); len(d.Reasons) != 0 {
		t.Fatal(d.Reasons)
	}
	if obs.verified != verified || v.Len() != 1 {
		t.Fatalf("after a keyset version bump: %d verifications (was %d), %d payloads", obs.verified, verified, v.Len())
	}
}
