//go:build libsecp256k1 && !cgo

package bip340

// The libsecp256k1 backend is C, reached through cgo. Without cgo this
// build would silently lose it, so it does not compile: the undefined name
// below is the error message.
var _ = the_libsecp256k1_build_tag_needs_cgo_set_CGO_ENABLED_1_and_a_C_compiler
