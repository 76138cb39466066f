package admission

import (
	"strings"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/idprofile"
	"github.com/teegate/teegate/internal/strictjson"
)

// Limits of layer B.
const (
	// MaxVerifierKeyRotationSeconds: no verifier key may be valid for more
	// than 30 days, so a stolen key ages out.
	MaxVerifierKeyRotationSeconds = 30 * governance.SecondsPerDay
	// MinThresholdM: one verifier alone never admits a signer.
	MinThresholdM = 2
	// MinDistinctVerifierSources: active keys, and the valid signatures on a
	// token, must span at least two trust roots and two verifier instances,
	// so one compromised root or host cannot admit on its own.
	MinDistinctVerifierSources = 2
)

// CheckToken decides whether an admission token admits its signer: the
// registry's policy, the keyset, the denylist's freshness, every payload
// claim against the registry and the revocation registry, and the verifier
// signatures with their quorum. now is the evaluation time in Unix seconds.
//
// Reasons come in the reference's order. Most checks continue after a
// finding; the payload checks marked "stops" in codes.go end the evaluation,
// as in the reference, since later checks need what is missing.
//
// It does every cryptographic step afresh; a Verifier made by NewVerifier
// remembers them across calls.
func CheckToken(reg *governance.Registry, ks *Keyset, tok *Token, rev *RevocationRegistry, now uint64) decision.Decision {
	return NewChecker(nil, reg, ks, rev, now).Check(tok)
}

// Checker checks many tokens against one registry, keyset and revocation
// registry at one time. The registry, keyset and denylist findings, which
// are the same for every token, are made once, and registry operators and
// revocations are indexed once, so each token costs only its own checks.
// A Checker is safe for concurrent use; its documents must not change.
type Checker struct {
	v         *Verifier
	reg       *governance.Registry
	ks        *Keyset
	now       uint64
	prefix    []decision.Reason // registry, keyset and denylist findings
	keys      map[string]resolvedKey
	operators map[string]*governance.Operator // the first record of each normalised id
	rev       revocationIndexes
	minEpoch  uint64
	policy2   bool // the registry's policy_version is 2
}

// NewChecker prepares a Checker for tokens checked at now. v may be nil.
func NewChecker(v *Verifier, reg *governance.Registry, ks *Keyset, rev *RevocationRegistry, now uint64) *Checker {
	var b decision.Builder
	checkRegistryPolicy(&b, reg)
	keys := checkKeyset(&b, v, ks, now)
	governance.CheckDenylistFreshness(&b, rev.DenylistRefreshedAtUnix, &reg.Enforcement, now, freshnessCodes)
	return &Checker{v: v, reg: reg, ks: ks, now: now, prefix: b.Reasons(), keys: keys, operators: governance.IndexOperators(reg.Operators), policy2: reg.Policy() == governance.Policy2,
		rev: revocationIndex(rev), minEpoch: rev.MinTokenRevocationEpoch}
}

// Common returns the findings every token checked by k shares: those about
// the registry's policy, the keyset and the denylist's freshness. Every
// decision of k starts with them.
func (k *Checker) Common() []decision.Reason { return k.prefix }

// Check decides whether tok admits its signer, as CheckToken does.
func (k *Checker) Check(tok *Token) decision.Decision {
	d, _ := k.CheckPayload(tok)
	return d
}

// CheckPayload is Check, also returning the token's decoded payload, or
// nil when it does not decode.
func (k *Checker) CheckPayload(tok *Token) (decision.Decision, *Payload) {
	var b decision.Builder
	b.Add(k.prefix...)
	c := tokenCheck{Checker: k, b: &b}
	c.run(tok)
	return b.Decide(k.now), c.decoded
}

func checkRegistryPolicy(b *decision.Builder, reg *governance.Registry) {
	if !reg.Mandatory() {
		b.Addf(CodeGovernanceProfileNotMandatory, "profile_status is %q; tokens are checked only under a mandatory profile", reg.ProfileStatus)
	}
	governance.CheckCeilings(b, &reg.Enforcement, ceilingCodes)
}

var ceilingCodes = governance.CeilingCodes{
	AttestationMaxAgeAboveCeiling: CodeAttestationMaxAgeExceedsHardCeiling,
	DenylistStalenessZero:         CodeDenylistMaxStalenessInvalidZero,
	DenylistStalenessAboveCeiling: CodeDenylistMaxStalenessExceedsHardCeiling,
}

var freshnessCodes = governance.FreshnessCodes{
	RefreshedAtInvalid: CodeDenylistRefreshedAtInvalid,
	RefreshedInFuture:  CodeDenylistRefreshedAtInFuture,
	Stale:              CodeDenylistStale,
}

// resolvedKey is a keyset key that may sign: it passed every check that
// skips a key.
type resolvedKey struct {
	instance, trustRoot string // normalised, as the quorum counts them
	pub                 PubKey
	validFrom           uint64
	validUntil          uint64
	revokedAt           *uint64
}

func checkKeyset(b *decision.Builder, v *Verifier, ks *Keyset, now uint64) map[string]resolvedKey {
	if ks.KeysetVersion == 0 {
		b.Addf(CodeKeysetVersionInvalid, "keyset_version must be greater than 0")
	}
	if ks.ThresholdM < MinThresholdM {
		b.Addf(CodeKeysetThresholdInvalid, "threshold_m is %d; at least %d verifiers must sign", ks.ThresholdM, MinThresholdM)
	}
	if ks.MaxKeyAgeSeconds == 0 || ks.MaxKeyAgeSeconds > MaxVerifierKeyRotationSeconds {
		b.Addf(CodeKeysetMaxKeyAgeInvalid, "max_key_age_seconds is %d, outside [1, %d]", ks.MaxKeyAgeSeconds, MaxVerifierKeyRotationSeconds)
	}
	if uint64(len(ks.Keys)) < ks.ThresholdM {
		b.Addf(CodeKeysetInsufficientKeys, "the keyset lists %d keys, fewer than threshold_m (%d)", len(ks.Keys), ks.ThresholdM)
	}
	resolved := map[string]resolvedKey{}
	seenIDs := map[string]bool{}
	seenPubkeys := map[string]bool{}
	active := 0
	activeRoots, activeInstances := map[string]bool{}, map[string]bool{}
	for i := range ks.Keys {
		k := &ks.Keys[i]
		if ident.Blank(k.KeyID) {
			b.Addf(CodeVerifierKeyIDMissing, "keys[%d]: field [key_id] must be non-empty", i)
			continue
		}
		id := ident.Norm(k.KeyID)
		if seenIDs[id] {
			b.Addf(CodeVerifierKeyIDDuplicate, "key_id %q appears more than once; only the first entry is used", k.KeyID)
			continue
		}
		seenIDs[id] = true // claimed even if a later check skips this entry
		if ident.Blank(k.VerifierInstanceID) {
			b.Addf(CodeVerifierInstanceIDMissing, "key %q: field [verifier_instance_id] must be non-empty", k.KeyID)
			continue
		}
		if ident.Blank(k.TrustRootID) {
			b.Addf(CodeVerifierTrustRootIDMissing, "key %q: field [trust_root_id] must be non-empty", k.KeyID)
			continue
		}
		if k.ValidFromUnix == 0 {
			b.Addf(CodeVerifierValidFromInvalid, "key %q: valid_from_unix must be greater than 0", k.KeyID)
			continue
		}
		if k.ValidUntilUnix <= k.ValidFromUnix {
			b.Addf(CodeVerifierValidityWindowInvalid, "key %q: valid_until_unix (%d) is not after valid_from_unix (%d)",
				k.KeyID, k.ValidUntilUnix, k.ValidFromUnix)
			continue
		}
		// The next two findings reject the keyset but leave the key usable,
		// as in the reference.
		if lifetime := k.ValidUntilUnix - k.ValidFromUnix; ks.MaxKeyAgeSeconds > 0 && lifetime > ks.MaxKeyAgeSeconds {
			b.Addf(CodeVerifierKeyAgeExceedsPolicy, "key %q is valid for %d s, above max_key_age_seconds (%d)", k.KeyID, lifetime, ks.MaxKeyAgeSeconds)
		}
		if k.RevokedAtUnix != nil && *k.RevokedAtUnix < k.ValidFromUnix {
			b.Addf(CodeVerifierKeyRevokedBeforeValidFrom, "key %q: revoked_at_unix (%d) is before valid_from_unix (%d)",
				k.KeyID, *k.RevokedAtUnix, k.ValidFromUnix)
		}
		pub, err := v.parsePubKey(k.PubkeyHex)
		if err != nil {
			b.Addf(CodeVerifierPubkeyInvalid, "key %q: %v", k.KeyID, err)
			continue
		}
		if seenPubkeys[pub.Hex] {
			b.Addf(CodeVerifierPubkeyDuplicate, "key %q reuses public key %s of an earlier key id", k.KeyID, pub.Hex)
			continue
		}
		seenPubkeys[pub.Hex] = true
		if k.ValidFromUnix <= now && now <= k.ValidUntilUnix && (k.RevokedAtUnix == nil || now < *k.RevokedAtUnix) {
			active++
			activeRoots[ident.Norm(k.TrustRootID)] = true
			activeInstances[ident.Norm(k.VerifierInstanceID)] = true
		}
		resolved[id] = resolvedKey{
			instance:   ident.Norm(k.VerifierInstanceID),
			trustRoot:  ident.Norm(k.TrustRootID),
			pub:        pub,
			validFrom:  k.ValidFromUnix,
			validUntil: k.ValidUntilUnix,
			revokedAt:  k.RevokedAtUnix,
		}
	}
	if uint64(active) < ks.ThresholdM {
		b.Addf(CodeKeysetActiveKeysBelowThreshold, "%d keys are active at %d, fewer than threshold_m (%d)", active, now, ks.ThresholdM)
	}
	if active > 0 && len(activeRoots) < MinDistinctVerifierSources {
		b.Addf(CodeKeysetActiveTrustRootsBelowMinimum, "active keys span %d trust root(s); at least %d are required", len(activeRoots), MinDistinctVerifierSources)
	}
	if active > 0 && len(activeInstances) < MinDistinctVerifierSources {
		b.Addf(CodeKeysetActiveInstancesBelowMinimum, "active keys span %d verifier instance(s); at least %d are required", len(activeInstances), MinDistinctVerifierSources)
	}
	return resolved
}

// revocations is a revocation map keyed by normalised id. Where several raw
// keys normalise to one id (say "T-1" and "t-1 "), the earliest revocation
// stands, so the id is revoked if any of them is: the reference keeps one
// of them at random.
type revocations map[string]RevocationRecord

type revocationIndexes struct {
	tokens, keys revocations
}

func revocationIndex(rev *RevocationRegistry) revocationIndexes {
	return revocationIndexes{tokens: normaliseRevocations(rev.RevokedTokenIDs), keys: normaliseRevocations(rev.RevokedVerifierKeyIDs)}
}

func normaliseRevocations(m map[string]RevocationRecord) revocations {
	out := make(revocations, len(m))
	for raw, rec := range m {
		id := ident.Norm(raw)
		if prev, ok := out[id]; ok && (prev.RevokedAtUnix < rec.RevokedAtUnix ||
			prev.RevokedAtUnix == rec.RevokedAtUnix && prev.Reason <= rec.Reason) {
			continue // keep the earliest; ties broken by reason, so the result never depends on map order
		}
		out[id] = rec
	}
	return out
}

// revokedBy reports the revocation of id in effect at now, if any.
func (r revocations) revokedBy(id string, now uint64) (RevocationRecord, bool) {
	rec, ok := r[ident.Norm(id)]
	return rec, ok && rec.InForce(now)
}

func reasonSuffix(rec RevocationRecord) string {
	if reason := ident.Trim(rec.Reason); reason != "" {
		return " (reason: " + reason + ")"
	}
	return ""
}

// tokenCheck is one token's check by a Checker: the state of the payload,
// operator and signature steps, which need one another's results.
type tokenCheck struct {
	*Checker
	b *decision.Builder
	// decoded is the token's payload, once run has decoded it.
	decoded *Payload
}

// required reports whether a mandatory payload field is present, adding
// code when it is blank.
func (c *tokenCheck) required(v, field string, code decision.Code) bool {
	if ident.Blank(v) {
		c.b.Addf(code, "payload field [%s] must be non-empty", field)
		return false
	}
	return true
}

func (c *tokenCheck) run(tok *Token) {
	entry, declared, ok := c.claims(tok.PayloadJSON)
	if !ok {
		return
	}
	c.signatures(entry, c.decoded, tok.Signatures, declared)
}

// claims decodes the payload and checks its own claims and those it makes
// against the registry: everything before the signatures. ok is false when
// a stopping check failed.
func (c *tokenCheck) claims(payloadJSON string) (entry *payloadEntry, declared map[string]bool, ok bool) {
	payloadText := ident.Trim(payloadJSON)
	if payloadText == "" {
		c.b.Addf(CodeTokenPayloadMissing, "payload_json is empty")
		return nil, nil, false
	}
	entry = c.v.entry(payloadText, c.now)
	p, err := entry.payload, entry.err
	if err != nil {
		c.b.Addf(CodeTokenPayloadInvalid, "payload_json does not decode: %s", strictjson.ProblemOf(err))
		return nil, nil, false
	}
	c.decoded = p
	if c.policy2 {
		if err := idprofile.Check("payload_json", p); err != nil {
			c.b.Addf(CodeTokenPayloadIdentifierInvalid, "payload_json: %s", strictjson.ProblemOf(err))
			return nil, nil, false
		}
	}
	if declared, ok = c.payload(p); !ok {
		return nil, nil, false
	}
	if !c.operator(p) {
		return nil, nil, false
	}
	return entry, declared, true
}

// CheckClaims decides whether a payload's claims hold against the registry
// at now, as CheckToken judges them before it looks at signatures: the
// registry's policy, the payload's own fields, its operator's record
// (status, signer, TEE type, measurement allowlist, window) and its
// lifetime. It needs no keyset and no denylist, and verifies nothing: it
// is what an attestation verifier checks before it signs (package attest),
// so that it never signs a payload that layer B would refuse on its claims
// alone. It returns the decoded payload, or nil when it does not decode.
func CheckClaims(reg *governance.Registry, payloadJSON string, now uint64) (decision.Decision, *Payload) {
	var b decision.Builder
	checkRegistryPolicy(&b, reg)
	k := &Checker{reg: reg, now: now, operators: governance.IndexOperators(reg.Operators), policy2: reg.Policy() == governance.Policy2}
	c := tokenCheck{Checker: k, b: &b}
	c.claims(payloadJSON)
	return b.Decide(now), c.decoded
}

// payload checks the payload's own claims and its revocation, returning the
// declared signing key ids; ok is false when a stopping check failed.
func (c *tokenCheck) payload(p *Payload) (declared map[string]bool, ok bool) {
	if !c.required(p.TokenID, "token_id", CodeTokenIDMissing) ||
		!c.required(p.OperatorID, "operator_id", CodeOperatorIDMissing) ||
		!c.required(p.SignerIdentifier, "signer_identifier", CodeSignerIdentifierMissing) ||
		!c.required(p.TEEType, "tee_type", CodeTEETypeMissing) {
		return nil, false
	}
	if !ident.IsSHA256Digest(p.MeasurementDigest) {
		c.b.Addf(CodeMeasurementDigestInvalid, "measurement_digest %q is not sha256: followed by 64 hex digits", p.MeasurementDigest)
	}
	if p.IssuedAtUnix == 0 {
		c.b.Addf(CodeTokenIssuedAtInvalid, "issued_at_unix must be greater than 0")
	}
	if p.ExpiresAtUnix <= p.IssuedAtUnix {
		c.b.Addf(CodeTokenExpiryInvalid, "expires_at_unix (%d) is not after issued_at_unix (%d)", p.ExpiresAtUnix, p.IssuedAtUnix)
	}
	if p.IssuedAtUnix > c.now {
		c.b.Addf(CodeTokenNotYetValid, "the token is issued at %d, after now (%d)", p.IssuedAtUnix, c.now)
	}
	if p.ExpiresAtUnix < c.now {
		c.b.Addf(CodeTokenExpired, "the token expired at %d, before now (%d)", p.ExpiresAtUnix, c.now)
	}
	if p.RegistrySnapshotVersion == 0 {
		c.b.Addf(CodeRegistrySnapshotVersionInvalid, "registry_snapshot_version must be greater than 0")
	}
	if len(p.VerifierKeyIDs) == 0 {
		c.b.Addf(CodeTokenVerifierKeyIDsMissing, "verifier_key_ids is empty; the payload must name the keys that sign it")
	}
	declared = map[string]bool{}
	for i, raw := range p.VerifierKeyIDs {
		id := ident.Norm(raw)
		switch {
		case id == "":
			c.b.Addf(CodeTokenVerifierKeyIDMissing, "verifier_key_ids[%d] is empty", i)
		case declared[id]:
			c.b.Addf(CodeTokenVerifierKeyIDDuplicate, "verifier_key_ids names %q more than once", raw)
		default:
			declared[id] = true
		}
	}
	if rec, revoked := c.rev.tokens.revokedBy(p.TokenID, c.now); revoked {
		c.b.Addf(CodeTokenIDRevoked, "token %q was revoked at %d%s", p.TokenID, rec.RevokedAtUnix, reasonSuffix(rec))
	}
	if p.TokenRevocationEpoch < c.minEpoch {
		c.b.Addf(CodeTokenRevocationEpochBelowMinimum, "token_revocation_epoch %d is below min_token_revocation_epoch %d",
			p.TokenRevocationEpoch, c.minEpoch)
	}
	return declared, true
}

// operator checks the payload against its operator's registry record; it
// returns false when no operator matches, which stops the evaluation.
func (c *tokenCheck) operator(p *Payload) bool {
	op := c.operators[ident.Norm(p.OperatorID)] // the first match, as in the reference
	if op == nil {
		c.b.Addf(CodeOperatorNotFound, "no registry operator has operator_id %q", ident.Trim(p.OperatorID))
		return false
	}
	if !op.Active() {
		c.b.Addf(CodeOperatorNotActive, "operator %q has status %q", op.OperatorID, op.Status)
	}
	if ident.Norm(op.SignerIdentifier) != ident.Norm(p.SignerIdentifier) {
		c.b.Addf(CodeSignerIdentifierMismatch, "the token names signer %q but operator %q has signer %q",
			p.SignerIdentifier, op.OperatorID, op.SignerIdentifier)
	}
	if !containsNorm(op.AllowedTEETypes, p.TEEType) {
		c.b.Addf(CodeTEETypeNotAllowed, "tee_type %q is not among operator %q's allowed_tee_types [%s]",
			p.TEEType, op.OperatorID, strings.Join(op.AllowedTEETypes, ", "))
	}
	if !containsNorm(op.AllowedMeasurements, p.MeasurementDigest) {
		c.b.Addf(CodeMeasurementNotAllowlisted, "measurement %q is not among operator %q's allowed_measurements",
			p.MeasurementDigest, op.OperatorID)
	}
	if p.IssuedAtUnix < op.EffectiveFrom {
		c.b.Addf(CodeOperatorNotYetEffective, "the token is issued at %d, before operator %q's effective_from (%d)",
			p.IssuedAtUnix, op.OperatorID, op.EffectiveFrom)
	}
	if op.EffectiveUntil != nil && p.IssuedAtUnix > *op.EffectiveUntil {
		c.b.Addf(CodeOperatorEffectiveWindowExpired, "the token is issued at %d, after operator %q's effective_until (%d)",
			p.IssuedAtUnix, op.OperatorID, *op.EffectiveUntil)
	}
	if c.policy2 {
		c.operatorAtNow(p, op)
	}
	var ttl uint64
	if p.ExpiresAtUnix > p.IssuedAtUnix {
		ttl = p.ExpiresAtUnix - p.IssuedAtUnix
	}
	if limit := min(c.reg.Enforcement.AttestationMaxAgeSeconds, op.AttestationMaxAgeSeconds); ttl > limit {
		c.b.Addf(CodeTokenTTLExceedsAttestationMaxAge, "the token lives %d s, longer than the attestation max age of %d s", ttl, limit)
	}
	return true
}

// operatorAtNow is policy 2's check of the operator at now, not only at
// the token's issue: its window must still be open, and the token must be
// for the registry version it was checked against.
func (c *tokenCheck) operatorAtNow(p *Payload, op *governance.Operator) {
	if op.EffectiveFrom > c.now {
		c.b.Addf(CodeTokenOperatorNotYetEffective, "operator %q is effective only from %d, after now (%d)", op.OperatorID, op.EffectiveFrom, c.now)
	}
	if op.EffectiveUntil != nil && *op.EffectiveUntil < c.now {
		c.b.Addf(CodeTokenOperatorWindowClosed, "operator %q's window closed at %d, before now (%d)", op.OperatorID, *op.EffectiveUntil, c.now)
	}
	minV, v, _ := c.reg.TokenVersions() // absent (a registry built in code): 0 and 0, and every token is refused
	switch {
	case p.RegistrySnapshotVersion < minV:
		c.b.Addf(CodeTokenRegistryVersionBelowMinimum, "registry_snapshot_version %d is below min_token_registry_version %d", p.RegistrySnapshotVersion, minV)
	case p.RegistrySnapshotVersion > v:
		c.b.Addf(CodeTokenRegistryVersionAboveRegistry, "registry_snapshot_version %d is above registry_version %d: the token names a registry this one is not", p.RegistrySnapshotVersion, v)
	}
}

func containsNorm(list []string, v string) bool {
	want := ident.Norm(v)
	for _, item := range list {
		if ident.Norm(item) == want {
			return true
		}
	}
	return false
}

// signatures verifies each signature and counts the quorum.
//
// Threshold counting: a signature counts only if it is the first one for
// its key id, the payload declares that key, the key is usable, valid at
// issue time and not revoked now, and the signature verifies. The quorum is
// then the number of distinct verifier instances behind the valid
// signatures, not the number of keys (deliberate difference 5): during a
// rotation one instance holds two keys, and must not count twice. At most
// one signature is verified per declared key id, so the work is bounded by
// the payload, whatever the length of the signature list.
func (c *tokenCheck) signatures(entry *payloadEntry, p *Payload, sigs []TokenSignature, declared map[string]bool) {
	if len(sigs) == 0 {
		c.b.Addf(CodeTokenSignaturesMissing, "the token carries no signatures")
	}
	seen := map[string]bool{}
	valid := 0
	roots, instances := map[string]bool{}, map[string]bool{}
	for i := range sigs {
		s := &sigs[i]
		if ident.Blank(s.VerifierKeyID) {
			c.b.Addf(CodeTokenSignatureKeyIDMissing, "signatures[%d]: field [verifier_key_id] must be non-empty", i)
			continue
		}
		id := ident.Norm(s.VerifierKeyID)
		if seen[id] {
			c.b.Addf(CodeTokenSignatureKeyIDDuplicate, "a second signature for key %q is ignored", s.VerifierKeyID)
			continue
		}
		seen[id] = true // only the first entry for a key id is ever tried
		if !declared[id] {
			c.b.Addf(CodeTokenSignatureKeyNotDeclared, "key %q signed, but the payload's verifier_key_ids does not name it", s.VerifierKeyID)
			continue
		}
		key, ok := c.keys[id]
		if !ok {
			c.b.Addf(CodeTokenSignatureKeyUnknown, "key %q is not a usable key of the keyset", s.VerifierKeyID)
			continue
		}
		if p.IssuedAtUnix < key.validFrom || p.IssuedAtUnix > key.validUntil {
			c.b.Addf(CodeTokenSignatureKeyNotValidAtIssueTime, "key %q is valid from %d to %d; the token is issued at %d",
				s.VerifierKeyID, key.validFrom, key.validUntil, p.IssuedAtUnix)
			continue
		}
		if c.policy2 && key.validUntil < c.now {
			// Policy 2: a signature is no better than its key now.
			c.b.Addf(CodeTokenSignatureKeyExpired, "key %q was valid until %d, before now (%d)", s.VerifierKeyID, key.validUntil, c.now)
			continue
		}
		if key.revokedAt != nil && *key.revokedAt <= c.now {
			c.b.Addf(CodeTokenSignatureKeyRevoked, "key %q is revoked in the keyset since %d (now %d)", s.VerifierKeyID, *key.revokedAt, c.now)
			continue
		}
		if rec, revoked := c.rev.keys.revokedBy(s.VerifierKeyID, c.now); revoked {
			c.b.Addf(CodeTokenSignatureKeyRevoked, "key %q is revoked in the revocation registry since %d%s",
				s.VerifierKeyID, rec.RevokedAtUnix, reasonSuffix(rec))
			continue
		}
		if err := c.v.verify(entry, key.pub, s.SignatureHex); err != nil {
			c.b.Addf(CodeTokenSignatureVerificationFailed, "key %q: %v", s.VerifierKeyID, err)
			continue
		}
		valid++
		roots[key.trustRoot] = true
		instances[key.instance] = true
	}
	if uint64(len(instances)) < c.ks.ThresholdM {
		c.b.Addf(CodeTokenSignatureQuorumNotMet, "%d valid signature(s) from %d distinct verifier instance(s); threshold_m is %d",
			valid, len(instances), c.ks.ThresholdM)
	}
	if valid > 0 && len(roots) < MinDistinctVerifierSources {
		c.b.Addf(CodeTokenSignatureTrustRootDiversityViolation, "valid signatures span %d trust root(s); at least %d are required", len(roots), MinDistinctVerifierSources)
	}
	if valid > 0 && len(instances) < MinDistinctVerifierSources {
		c.b.Addf(CodeTokenSignatureInstanceDiversityViolation, "valid signatures span %d verifier instance(s); at least %d are required", len(instances), MinDistinctVerifierSources)
	}
}
