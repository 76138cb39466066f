//go:build libsecp256k1 && cgo

package bip340

/*
#cgo LDFLAGS: -lsecp256k1
#cgo noescape secp256k1_xonly_pubkey_parse
#cgo nocallback secp256k1_xonly_pubkey_parse
#cgo noescape secp256k1_schnorrsig_verify
#cgo nocallback secp256k1_schnorrsig_verify
#cgo noescape teegate_verify_loop
#cgo nocallback teegate_verify_loop
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

// teegate_verify_loop verifies the same signature n times without leaving
// C: libsecp256k1's own cost, for the benchmark that measures what the
// binding adds. (cgo is not allowed in test files, so it lives here.)
static int teegate_verify_loop(const secp256k1_context *ctx, const unsigned char *sig64,
		const unsigned char *msg32, const secp256k1_xonly_pubkey *pk, long n) {
	int ok = 1;
	for (long i = 0; i < n; i++) {
		ok &= secp256k1_schnorrsig_verify(ctx, sig64, msg32, 32, pk);
	}
	return ok;
}
*/
import "C"

import "unsafe"

// Backend names the implementation this build verifies with.
const Backend = "libsecp256k1"

type backendKey = secpKey

func parse(x *[PublicKeySize]byte) (backendKey, bool) { return secpParse(x) }

func verify(pk *backendKey, sig *[SignatureSize]byte, digest *[DigestSize]byte) bool {
	return secpVerify(pk, sig, digest)
}

// ctx is created once and shared: verification only reads it, which
// libsecp256k1 allows from any number of threads. It is not randomised;
// randomisation protects secret-key operations, and this package has none.
var ctx = newContext()

func newContext() *C.secp256k1_context {
	c := C.secp256k1_context_create(C.SECP256K1_CONTEXT_NONE)
	if c == nil {
		panic("bip340: secp256k1_context_create failed")
	}
	return c
}

// secpKey is libsecp256k1's parsed key, 64 opaque bytes in Go memory. It
// is held by pointer so that a PublicKey stays as small as btcec's: callers
// keep keys in map values, which Go stores out of line, one allocation
// each, past 128 bytes. The noescape and nocallback directives above let
// the calls take pointers into Go memory, stack included, without copying
// or allocating: C keeps none of them past the call.
type secpKey struct{ k *C.secp256k1_xonly_pubkey }

func secpParse(x *[PublicKeySize]byte) (secpKey, bool) {
	k := new(C.secp256k1_xonly_pubkey)
	if C.secp256k1_xonly_pubkey_parse(ctx, k, (*C.uchar)(unsafe.Pointer(&x[0]))) != 1 {
		return secpKey{}, false
	}
	return secpKey{k}, true
}

// secpVerify must only be given a key that secpParse accepted: on any
// other, libsecp256k1 calls its illegal-argument callback, which aborts.
func secpVerify(pk *secpKey, sig *[SignatureSize]byte, digest *[DigestSize]byte) bool {
	return C.secp256k1_schnorrsig_verify(ctx, (*C.uchar)(unsafe.Pointer(&sig[0])),
		(*C.uchar)(unsafe.Pointer(&digest[0])), DigestSize, pk.k) == 1
}

// secpVerifyLoop verifies sig n times in one C call and reports whether
// every one verified.
func secpVerifyLoop(pk *secpKey, sig *[SignatureSize]byte, digest *[DigestSize]byte, n int) bool {
	return C.teegate_verify_loop(ctx, (*C.uchar)(unsafe.Pointer(&sig[0])),
		(*C.uchar)(unsafe.Pointer(&digest[0])), pk.k, C.long(n)) == 1
}
