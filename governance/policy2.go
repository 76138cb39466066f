package governance

import (
	"strings"

	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/ident"
	"github.com/teegate/teegate/internal/idprofile"
)

// TEE vendors, policy 2: the buckets of the single-vendor cap. A signer
// counts under its operator's governed vendor, never under a label a
// session gives it.
const (
	VendorIntel = "intel"
	VendorAMD   = "amd"
	VendorArm   = "arm"
	VendorAWS   = "aws"
)

// teeVendors pairs each TEE type with the vendor whose hardware and
// attestation roots it rests on. A table, not a map: a map literal is
// built when the package initialises, in every check's process.
var teeVendors = [...]struct{ tee, vendor string }{
	{"sgx", VendorIntel},
	{"tdx", VendorIntel},
	{"sev-snp", VendorAMD},
	{"cca", VendorArm},
	{"nitro", VendorAWS},
}

// TEEVendor returns the vendor of a TEE type (trimmed, ASCII-folded), and
// whether the type is known.
func TEEVendor(teeType string) (string, bool) {
	t := ident.Norm(teeType)
	for _, e := range teeVendors {
		if e.tee == t {
			return e.vendor, true
		}
	}
	return "", false
}

// KnownVendor reports whether v (normalised) is one of the vendors.
func KnownVendor(v string) bool { return knownVendor(ident.Norm(v)) }

func knownVendor(v string) bool {
	for _, e := range teeVendors {
		if v == e.vendor {
			return true
		}
	}
	return false
}

// Vendor is the operator's governed vendor, normalised; "" when it has
// none (policy 1, or a defect layer A reports).
func (o *Operator) Vendor() string {
	if o.VendorID == nil {
		return ""
	}
	return ident.Norm(*o.VendorID)
}

// checkPolicy2 is layer A's check of what a policy 2 registry adds beside
// its governance keys: the registry versions that bind tokens, each
// operator's vendor and TEE types, and no active operator from the future.
func checkPolicy2(b *decision.Builder, reg *Registry, now uint64) {
	if reg.Policy() != Policy2 {
		return
	}
	// Decoding refuses a policy 2 registry without them; one built in
	// code may lack them, and is reported.
	minV, v, ok := reg.TokenVersions()
	if !ok || v == 0 {
		b.Addf(CodeRegistryVersionInvalid, "registry_version and min_token_registry_version must be present, and registry_version greater than 0")
	} else if minV > v {
		b.Addf(CodeMinTokenRegistryVersionAboveRegistryVersion, "min_token_registry_version %d is above registry_version %d: no token can be admitted", minV, v)
	}
	for i := range reg.Operators {
		op := &reg.Operators[i]
		vendor := op.Vendor()
		if !knownVendor(vendor) {
			got := "none"
			if op.VendorID != nil {
				got = "\"" + *op.VendorID + "\""
			}
			b.Addf(CodeOperatorVendorInvalid, "operator %q: vendor_id is %s; policy 2 needs one of %s", op.OperatorID, got, vendorList())
		}
		for _, tt := range op.AllowedTEETypes {
			if tv, ok := TEEVendor(tt); !ok || tv != vendor {
				b.Addf(CodeOperatorTEETypeVendorMismatch, "operator %q: allowed TEE type %q is not one of vendor %q's", op.OperatorID, tt, vendor)
			}
		}
		if op.Active() && op.EffectiveFrom > now {
			b.Addf(CodeActiveOperatorNotYetEffective, "operator %q is active but effective only from %d, after now (%d)", op.OperatorID, op.EffectiveFrom, now)
		}
	}
}

// CheckIdentifiers refuses, under policy 2, a document that holds an
// identifier outside the profile (idprofile): an input error naming file
// and the member. Under policy 1 it accepts every document, as before.
// Every command and the service call it for each document they read
// beside the registry, which decoding checks itself.
func (r *Registry) CheckIdentifiers(file string, doc any) error {
	if r.Policy() != Policy2 {
		return nil
	}
	return idprofile.Check(file, doc)
}

// TokenVersions returns the range of registry_snapshot_version a token
// may carry, and false when the registry does not state both ends.
func (r *Registry) TokenVersions() (minVersion, version uint64, ok bool) {
	if r.RegistryVersion == nil || r.MinTokenRegistryVersion == nil {
		return 0, 0, false
	}
	return *r.MinTokenRegistryVersion, *r.RegistryVersion, true
}

func vendorList() string {
	return strings.Join([]string{VendorAMD, VendorArm, VendorAWS, VendorIntel}, ", ")
}
