package cohort

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/ident"
)

// grantOutage is a vendor-outage grant that passed its checks.
type grantOutage struct {
	index             int
	vendor            string // normalised: the vendor that is out
	declared, expires uint64
	relaxed           uint64
}

// outageCap is vendorCap under policy 2: the cap comes from vendor-outage
// grants signed by governance, each raising it by one step over the cap in
// force when it was declared (40 to 50, 50 to 60), never from the
// session's word. It returns the cap in force at now and the vendors out
// then, which keep the policy cap: a relaxation lets the other vendors
// carry the cohort, not the failing one grow in it.
//
// A grant that expired is no error: it no longer raises the cap, but it
// may be the step a grant still in force was declared on.
func outageCap(b *decision.Builder, reg *governance.Registry, grants []grant.Grant, now uint64) (uint64, map[string]bool) {
	policy := reg.Enforcement.MaxSingleVendorSharePercent
	if len(grants) == 0 {
		return policy, nil
	}
	if len(grants) > MaxOutageGrants {
		// ValidateSession refuses this as an input error; a caller that
		// skipped it verifies nothing, and relaxes nothing.
		b.Addf(CodeVendorOutageGrantsTooMany, "vendor_outage_grants: %d grants, above the limit of %d; none was verified", len(grants), MaxOutageGrants)
		return policy, nil
	}
	approvers := reg.ApproversAt(now)
	var valid []grantOutage
	for i := range grants {
		name := fmt.Sprintf("vendor_outage_grants[%d]", i)
		start := b.Len()
		v, _ := grant.Check(b, name, &grants[i], grant.KindVendorOutage, approvers, reg.Enforcement.BreakGlassQuorumBps)
		if v == nil {
			continue
		}
		t := v.Text
		o := grantOutage{index: i, vendor: ident.Norm(*t.VendorID), declared: t.DeclaredAtUnix, expires: t.ExpiresAtUnix, relaxed: *t.RelaxedMaxSingleVendorSharePercent}
		if !governance.KnownVendor(o.vendor) {
			b.Addf(CodeVendorOutageGrantVendorInvalid, "%s: vendor_id %q is not a known vendor", name, *t.VendorID)
		}
		switch {
		case o.declared == 0:
			b.Addf(CodeVendorOutageDeclaredAtInvalid, "%s: declared_at_unix must be greater than 0", name)
		case o.declared > now:
			b.Addf(CodeVendorOutageDeclaredInFuture, "%s: declared at %d, after now (%d)", name, o.declared, now)
		case o.expires <= o.declared:
			b.Addf(CodeVendorOutageExpiryWindowInvalid, "%s: expires at %d, not after its declaration at %d", name, o.expires, o.declared)
		case o.expires-o.declared > MaxOutageRelaxationSeconds:
			b.Addf(CodeVendorOutageRelaxationTTLExceedsMaximum, "%s: the relaxation lasts %d s, above the maximum of %d s", name, o.expires-o.declared, MaxOutageRelaxationSeconds)
		}
		if b.Len() == start {
			valid = append(valid, o)
		}
	}
	// Steps are judged in the order the grants were declared: each on the
	// cap that the grants accepted before it held at its declaration.
	// Grants declared in the same second go lower step first, so that the
	// order the session lists them in never decides.
	slices.SortStableFunc(valid, func(x, y grantOutage) int {
		return cmp.Or(cmp.Compare(x.declared, y.declared), cmp.Compare(x.relaxed, y.relaxed))
	})
	var accepted []grantOutage
	for _, o := range valid {
		capAt := policy
		for _, a := range accepted {
			if a.declared <= o.declared && o.declared < a.expires {
				capAt = max(capAt, a.relaxed)
			}
		}
		if want, ok := nextStep(capAt); !ok || o.relaxed != want {
			step := "no further step"
			if ok {
				step = fmt.Sprintf("a step to %d %%", want)
			}
			b.Addf(CodeVendorOutageGrantStepInvalid, "vendor_outage_grants[%d] relaxes the cap to %d %%, but it was declared when the cap in force was %d %%, which allows %s",
				o.index, o.relaxed, capAt, step)
			continue
		}
		accepted = append(accepted, o)
	}
	capNow, out := policy, map[string]bool{}
	for _, a := range accepted {
		if a.declared <= now && now < a.expires {
			capNow = max(capNow, a.relaxed)
			out[a.vendor] = true
		}
	}
	return capNow, out
}

// MaxOutageGrants bounds a session's vendor-outage grants, and so the
// signatures it makes the gate verify (each grant up to
// grant.MaxSignatures): a chain of steps needs two, and a few more cover
// outages of several vendors.
const MaxOutageGrants = 8

// nextStep is the relaxation step just above cap, if any.
func nextStep(cap uint64) (uint64, bool) {
	for _, s := range relaxationSteps {
		if s > cap {
			return s, true
		}
	}
	return 0, false
}
