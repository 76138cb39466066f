package governance

import (
	"fmt"

	"github.com/teegate/teegate/decision"
)

// The checks below are made by every layer that reads the registry at
// decision time (B and C). Each layer reports them under its own code
// constants, as the reference's checkers do, so each passes its codes in.

// CeilingCodes are a layer's codes for the registry's hard ceilings.
type CeilingCodes struct {
	AttestationMaxAgeAboveCeiling decision.Code // attestation_max_age_seconds > MaxAttestationMaxAgeSeconds
	DenylistStalenessZero         decision.Code // denylist_max_staleness_seconds is 0
	DenylistStalenessAboveCeiling decision.Code // denylist_max_staleness_seconds > MaxDenylistStalenessSeconds
}

// CheckCeilings reports enforcement values past the hard ceilings that no
// registry can raise. The values stay in use as configured afterwards, as
// in the reference.
func CheckCeilings(b *decision.Builder, e *Enforcement, codes CeilingCodes) {
	if e.AttestationMaxAgeSeconds > MaxAttestationMaxAgeSeconds {
		b.Addf(codes.AttestationMaxAgeAboveCeiling, "enforcement.attestation_max_age_seconds is %d, above the hard ceiling of %d",
			e.AttestationMaxAgeSeconds, MaxAttestationMaxAgeSeconds)
	}
	if e.DenylistMaxStalenessSeconds == 0 {
		b.Addf(codes.DenylistStalenessZero, "enforcement.denylist_max_staleness_seconds must be greater than 0")
	} else if e.DenylistMaxStalenessSeconds > MaxDenylistStalenessSeconds {
		b.Addf(codes.DenylistStalenessAboveCeiling, "enforcement.denylist_max_staleness_seconds is %d, above the hard ceiling of %d",
			e.DenylistMaxStalenessSeconds, MaxDenylistStalenessSeconds)
	}
}

// FreshnessCodes are a layer's codes for the denylist's age.
type FreshnessCodes struct {
	RefreshedAtInvalid decision.Code // the refresh time is 0
	RefreshedInFuture  decision.Code // refreshed after now
	Stale              decision.Code // older than denylist_max_staleness_seconds
}

// DenylistStatus is how fresh a denylist is at a time.
type DenylistStatus struct {
	AgeSeconds uint64 // now minus the refresh time; 0 when it is after now
	Fresh      bool
	Problem    string // why it is not fresh; empty when it is
}

// DenylistFreshness is the one freshness rule of a denylist refreshed at
// refreshedAt (Unix seconds), shared by layer C, the gate's
// Options.RejectStaleDenylist and teegate serve's readiness: it is fresh
// at now if its refresh time is set, not after now (a clock that cannot
// be trusted), and at most e.DenylistMaxStalenessSeconds old. An age equal
// to the bound is fresh.
func DenylistFreshness(refreshedAt uint64, e *Enforcement, now uint64) DenylistStatus {
	if refreshedAt > now {
		return DenylistStatus{Problem: fmt.Sprintf("the denylist is dated %d, in the future", refreshedAt)}
	}
	st := DenylistStatus{AgeSeconds: now - refreshedAt}
	if st.Fresh = refreshedAt != 0 && st.AgeSeconds <= e.DenylistMaxStalenessSeconds; !st.Fresh {
		st.Problem = fmt.Sprintf("the denylist is %d s old, beyond denylist_max_staleness_seconds (%d)", st.AgeSeconds, e.DenylistMaxStalenessSeconds)
	}
	return st
}

// CheckDenylistFreshness reports a denylist refreshed at refreshedAt
// (Unix seconds) that is not fresh at now (DenylistFreshness), with the
// layer's code for each way: unset, from the future, or too old.
func CheckDenylistFreshness(b *decision.Builder, refreshedAt uint64, e *Enforcement, now uint64, codes FreshnessCodes) {
	if DenylistFreshness(refreshedAt, e, now).Fresh {
		return
	}
	switch {
	case refreshedAt == 0:
		b.Addf(codes.RefreshedAtInvalid, "the denylist's refresh time must be greater than 0")
	case refreshedAt > now:
		b.Addf(codes.RefreshedInFuture, "the denylist was refreshed at %d, after now (%d)", refreshedAt, now)
	case now-refreshedAt > e.DenylistMaxStalenessSeconds:
		b.Addf(codes.Stale, "the denylist is %d s old; enforcement.denylist_max_staleness_seconds is %d",
			now-refreshedAt, e.DenylistMaxStalenessSeconds)
	}
}
