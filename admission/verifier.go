package admission

import (
	"sync"
	"time"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/sat"
)

// Verifier does the expensive part of layer B: parsing public keys,
// decoding payloads and verifying signatures. A nil *Verifier does the work
// every time; one made by NewVerifier remembers the results, so that a
// coordinator checking the same tokens again (every few seconds, for every
// session) pays for each signature once. It is safe for concurrent use.
//
// Only facts that cannot change are remembered: that a public key parses,
// what a payload text decodes to, and whether a signature by a key over a
// payload verifies. Every policy check (windows, expiry, revocation,
// quorum) runs again on every call, so a cached verification never outlives
// a revocation, and one keyset's verifications serve its successors.
// Entries are dropped once their token has expired and the longest grace
// period after it is over (Prune).
//
// A payload is remembered only once a signature over it has verified under
// a key of the keyset being checked, and signature texts longer than a
// signature are never remembered, so junk tokens and junk signatures cost
// their checker time but not the Verifier's memory beyond fixed bounds. A Verifier shared by callers who
// bring their own keysets would let them fill it with payloads they signed
// themselves: share one only among checks of keysets you trust.
type Verifier struct {
	mu       sync.Mutex
	pubkeys  map[string]pubkeyResult
	payloads map[string]*payloadEntry // by payload text, which holds the token id
	// nextExpiry is the earliest forget time among payloads; Prune has
	// nothing to do before it.
	nextExpiry uint64
	obs        Observer // nil: nobody is told
}

// Observer is told of a Verifier's signature checks, for metrics: each
// verification it performs, with how long it took, and each answered from
// memory. Its methods are called concurrently and must be quick.
type Observer interface {
	Verified(elapsed time.Duration)
	Remembered()
}

// Bounds on what a Verifier remembers, so that a flood of distinct tokens
// (bad ones included) cannot grow it without limit. A full Verifier keeps
// working; it just stops remembering until Prune makes room.
const (
	// MaxRememberedPayloads: a large cohort is a few thousand signers, and
	// each token is remembered at most a day.
	MaxRememberedPayloads = 1 << 16
	// MaxRememberedKeys: a keyset holds a handful of verifier keys, and
	// rotation adds a few a month; more distinct keys are junk.
	MaxRememberedKeys = 1 << 10
	// maxSignaturesPerPayload: a token declares a handful of verifier
	// keys; more distinct signature texts for one payload are junk.
	maxSignaturesPerPayload = 64
	// maxRememberedSignatureText: a signature is 128 hex digits; allow for
	// the whitespace trimming forgives. A longer text is junk, checked but
	// never kept, so that junk cannot grow a remembered payload's memory.
	maxRememberedSignatureText = 2*64 + 64
)

type pubkeyResult struct {
	pub PubKey
	err error
}

type payloadEntry struct {
	text    string
	digest  [32]byte // what the verifiers sign: SHA-256 of the payload text
	payload *Payload
	err     error
	expires uint64 // payload expiry; 0 when it does not decode
	// cacheable: the payload decodes and has not expired, so it may be
	// remembered once a signature over it verifies.
	cacheable  bool
	remembered bool // guarded by the Verifier's mutex
	// verified records each signature tried: its key's public key and the
	// signature text, and the result.
	verified map[signatureKey]error
}

type signatureKey struct{ pubkey, signature string }

// NewVerifier returns a Verifier that remembers its work.
func NewVerifier() *Verifier { return NewObservedVerifier(nil) }

// NewObservedVerifier returns a Verifier that remembers its work and tells
// obs (if not nil) about each signature check.
func NewObservedVerifier(obs Observer) *Verifier {
	return &Verifier{pubkeys: map[string]pubkeyResult{}, payloads: map[string]*payloadEntry{}, obs: obs}
}

func (v *Verifier) parsePubKey(s string) (PubKey, error) {
	if v == nil {
		return ParsePubKey(s)
	}
	v.mu.Lock()
	r, ok := v.pubkeys[s]
	v.mu.Unlock()
	if !ok {
		r.pub, r.err = ParsePubKey(s)
		v.mu.Lock()
		if len(v.pubkeys) < MaxRememberedKeys {
			v.pubkeys[s] = r
		}
		v.mu.Unlock()
	}
	return r.pub, r.err
}

// entry returns the remembered entry of a payload text, or a new one,
// decoded, that verify remembers once a signature over it verifies. With a
// nil Verifier it decodes afresh.
func (v *Verifier) entry(text string, now uint64) *payloadEntry {
	if v != nil {
		v.mu.Lock()
		e, ok := v.payloads[text]
		v.mu.Unlock()
		if ok {
			return e
		}
	}
	e := &payloadEntry{text: text, digest: PayloadDigest(text), verified: map[signatureKey]error{}}
	e.payload, e.err = DecodePayload(text)
	if e.err == nil {
		// Forgotten once even the longest grace period after its expiry is
		// over (a mid-session signer is still checked then), and within a
		// day whatever it claims: no token may be trusted for longer
		// (MaxAttestationMaxAgeSeconds).
		e.expires = min(sat.Add(e.payload.ExpiresAtUnix, governance.MaxGracePeriodSeconds),
			sat.Add(now, governance.MaxAttestationMaxAgeSeconds))
		// One that has expired by now would be pruned at once.
		e.cacheable = e.expires >= now
	}
	return e
}

func (v *Verifier) verify(e *payloadEntry, pk PubKey, signatureHex string) error {
	if v == nil {
		return Verify(pk, signatureHex, e.digest)
	}
	k := signatureKey{pk.Hex, signatureHex}
	v.mu.Lock()
	err, ok := e.verified[k]
	v.mu.Unlock()
	if ok {
		if v.obs != nil {
			v.obs.Remembered()
		}
		return err
	}
	start := time.Now()
	err = Verify(pk, signatureHex, e.digest)
	if v.obs != nil {
		v.obs.Verified(time.Since(start))
	}
	v.mu.Lock()
	if len(e.verified) < maxSignaturesPerPayload && len(signatureHex) <= maxRememberedSignatureText {
		e.verified[k] = err
	}
	if err == nil {
		v.rememberLocked(e)
	}
	v.mu.Unlock()
	return err
}

// rememberLocked keeps e, whose signature has just verified, unless it
// cannot be kept or another check of the same payload got there first.
func (v *Verifier) rememberLocked(e *payloadEntry) {
	if e.remembered || !e.cacheable || len(v.payloads) >= MaxRememberedPayloads {
		return
	}
	if _, ok := v.payloads[e.text]; ok {
		return
	}
	v.payloads[e.text] = e
	e.remembered = true
	if len(v.payloads) == 1 || e.expires < v.nextExpiry {
		v.nextExpiry = e.expires
	}
}

// Prune forgets the payloads of tokens that expired, grace period
// included, before now. It costs
// nothing until the earliest of them expires, so it can run on every
// evaluation. Public keys are kept: a keyset is small.
func (v *Verifier) Prune(now uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.payloads) == 0 || now <= v.nextExpiry {
		return
	}
	v.nextExpiry = ^uint64(0)
	for k, e := range v.payloads {
		if e.expires < now {
			delete(v.payloads, k)
		} else {
			v.nextExpiry = min(v.nextExpiry, e.expires)
		}
	}
}

// Len is the number of payloads remembered.
func (v *Verifier) Len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.payloads)
}

// CheckToken is CheckToken using v's remembered work.
func (v *Verifier) CheckToken(reg *governance.Registry, ks *Keyset, tok *Token, rev *RevocationRegistry, now uint64) decision.Decision {
	return NewChecker(v, reg, ks, rev, now).Check(tok)
}
