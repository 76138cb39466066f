// Package vectors holds the official BIP-340 verification vectors for the
// tests of admission and internal/bip340: bips/bip-0340/test-vectors.csv,
// the 15 with 32-byte messages (teegate only ever signs a SHA-256 digest).
// The file was checked field by field against an independent copy, the
// test vectors shipped in the npm package bip-schnorr 0.6.7.
package vectors

import (
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"strings"
	"testing"
)

//go:embed bip340-vectors.csv
var file string

// Vector is one row: the key, digest and signature, both as written in the
// file (upper-case hex) and decoded.
type Vector struct {
	Index, Comment string
	KeyHex, SigHex string
	Key, Digest    [32]byte
	Sig            [64]byte
	Valid          bool // the expected verification result
}

// All returns the 15 vectors, in the file's order.
func All(t testing.TB) []Vector {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 16 {
		t.Fatalf("%d rows, want a header and 15 vectors", len(rows))
	}
	var out []Vector
	for _, row := range rows[1:] {
		v := Vector{Index: row[0], KeyHex: row[1], SigHex: row[3], Valid: row[4] == "TRUE", Comment: row[5]}
		for _, f := range []struct {
			dst []byte
			hex string
		}{{v.Key[:], row[1]}, {v.Digest[:], row[2]}, {v.Sig[:], row[3]}} {
			if n, err := hex.Decode(f.dst, []byte(f.hex)); err != nil || n != len(f.dst) {
				t.Fatalf("vector %s: %q is not %d bytes of hex", v.Index, f.hex, len(f.dst))
			}
		}
		out = append(out, v)
	}
	return out
}
