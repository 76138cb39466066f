package gate

import "github.com/teegate/teegate/decision"

// Policy 2 only, at the token layer: the vendor a signer counts under is
// its operator's governed one, and its verified token must be for a TEE of
// that vendor.
const (
	CodeTokenTEETypeVendorMismatch decision.Code = "token_tee_type_vendor_mismatch" // the verified token's tee_type is not a TEE of the operator's governed vendor
)
