package bip340

import (
	_ "embed"

	"github.com/btcsuite/btcd/btcec/v2"
)

// baseTable holds, for each of the 64 four-bit windows i of a scalar, the
// affine points d·16^i·G for d = 1..15: x then y, 32 bytes each,
// big-endian, point (i, d) at offset ((i*15)+d-1)*64. It is 61,440 bytes
// of read-only data in the binary, generated from btcec's own arithmetic
// and checked against it by TestBaseTableIsTheMultiplesOfG (go test
// ./internal/bip340 -run BaseTable -update-base-table writes it).
//
// btcec computes s·G from a table of 8-bit windows that decred's
// secp256k1 decompresses on its first use, 2.2 MB and about 13 ms on the
// machine of docs/performance.md: more than a whole check. Without a table
// s·G is a general scalar multiplication, which made a verification about
// a hundred microseconds slower there than with btcec's table
// (BenchmarkVerifyCold against BenchmarkVerifyTable). With this one it is
// at most 64 additions, about 9 µs slower than btcec's table, and the
// process starts with it: its pages are mapped from the binary when first
// read.
//
//go:embed basetable.bin
var baseTable string

const (
	baseWindows     = 64
	baseWindowBits  = 4
	baseDigits      = 1<<baseWindowBits - 1 // nonzero digits per window
	basePointBytes  = 64
	baseTableLength = baseWindows * baseDigits * basePointBytes
)

// baseMultNonConst sets result to k·G from baseTable, in variable time
// (verification handles public values only), as btcec's
// ScalarBaseMultNonConst does from its own table: k in base 16, the
// table's point for each nonzero digit added up. The result is
// normalised; k = 0 gives the point at infinity.
func baseMultNonConst(k *btcec.ModNScalar, result *btcec.JacobianPoint) {
	var q, pt btcec.JacobianPoint // q starts as the point at infinity
	pt.Z.SetInt(1)
	var coord [32]byte
	kb := k.Bytes() // big-endian: window i is in byte 31 - i/2
	for i := range baseWindows {
		d := int(kb[31-i/2]>>(baseWindowBits*(i%2))) & baseDigits
		if d == 0 {
			continue
		}
		off := ((i * baseDigits) + d - 1) * basePointBytes
		copy(coord[:], baseTable[off:off+32])
		pt.X.SetBytes(&coord)
		copy(coord[:], baseTable[off+32:off+64])
		pt.Y.SetBytes(&coord)
		btcec.AddNonConst(&q, &pt, &q)
	}
	result.Set(&q)
}
