// Package sat is unsigned 64-bit arithmetic that saturates instead of
// wrapping, as the reference checkers' Rust does (saturating_add,
// saturating_sub, saturating_mul). Every timestamp and count in teegate is
// a uint64, and any of them may be 2^64-1 in valid input.
package sat

import "math/bits"

// Add is a + b, or 2^64-1 if that overflows.
func Add(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return s
}

// Sub is a - b, or 0 if b > a.
func Sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// Mul is a * b, or 2^64-1 if that overflows.
func Mul(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return ^uint64(0)
	}
	return lo
}
