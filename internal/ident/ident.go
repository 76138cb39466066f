// Package ident normalises identifiers exactly as the reference checkers do.
//
// The reference trims Unicode White_Space (Rust str::trim) and folds ASCII
// letters only (to_ascii_lowercase). Go's unicode.IsSpace is the same
// White_Space set, but strings.ToLower and strings.EqualFold fold non-ASCII
// letters too (the Kelvin sign U+212A becomes "k"), which would let two
// identifiers the reference keeps apart collide. Nothing in teegate may
// compare identifiers any other way.
package ident

import "strings"

// Trim strips leading and trailing Unicode White_Space.
func Trim(s string) string { return strings.TrimSpace(s) }

// Blank reports whether s is empty after trimming.
func Blank(s string) bool { return Trim(s) == "" }

// Norm trims s and lowercases its ASCII letters, leaving every other rune
// as it is. It is the key under which identifiers and enumeration values
// are compared.
func Norm(s string) string { return asciiLower(Trim(s)) }

func asciiLower(s string) string {
	i := 0
	for i < len(s) && !('A' <= s[i] && s[i] <= 'Z') {
		i++
	}
	if i == len(s) {
		return s // the common case: already lower-case, no allocation
	}
	b := []byte(s)
	for ; i < len(b); i++ {
		if 'A' <= b[i] && b[i] <= 'Z' {
			b[i] += 'a' - 'A'
		}
	}
	return string(b)
}

// sha256Prefix is the algorithm tag a measurement digest starts with.
const sha256Prefix = "sha256:"

// sha256DigestLen is the byte length of a digest: the 7-byte tag and 64 hex
// digits.
const sha256DigestLen = len(sha256Prefix) + 64

// IsSHA256Digest reports whether s, once trimmed, is "sha256:" in any ASCII
// case followed by exactly 64 hex digits in either case. The stored value is
// never rewritten, so callers keep comparing the raw string.
func IsSHA256Digest(s string) bool {
	t := Trim(s)
	if len(t) != sha256DigestLen || asciiLower(t[:len(sha256Prefix)]) != sha256Prefix {
		return false
	}
	for i := len(sha256Prefix); i < len(t); i++ {
		if !isHex(t[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
