package bip340

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
)

var updateBaseTable = flag.Bool("update-base-table", false, "write basetable.bin from btcec's arithmetic")

// generator is G, the secp256k1 base point, in affine coordinates (SEC 2,
// section 2.4.1). It is built from its coordinates because btcec's
// GeneratorJacobian computes 1·G through its own table.
var generator = func() btcec.JacobianPoint {
	var g btcec.JacobianPoint
	g.X.SetByteSlice([]byte{
		0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0, 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07,
		0x02, 0x9b, 0xfc, 0xdb, 0x2d, 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98,
	})
	g.Y.SetByteSlice([]byte{
		0x48, 0x3a, 0xda, 0x77, 0x26, 0xa3, 0xc4, 0x65, 0x5d, 0xa4, 0xfb, 0xfc, 0x0e, 0x11, 0x08, 0xa8,
		0xfd, 0x17, 0xb4, 0x48, 0xa6, 0x85, 0x54, 0x19, 0x9c, 0x47, 0xd0, 0x8f, 0xfb, 0x10, 0xd4, 0xb8,
	})
	g.Z.SetInt(1)
	return g
}()

// computeBaseTable builds baseTable's bytes with btcec's arithmetic alone:
// each window's base 16^i·G by doubling the last one four times from G
// itself, its multiples by repeated addition, each made affine.
func computeBaseTable() []byte {
	out := make([]byte, 0, baseTableLength)
	base := generator
	for i := range baseWindows {
		if i > 0 {
			for range baseWindowBits {
				btcec.DoubleNonConst(&base, &base)
			}
		}
		var m btcec.JacobianPoint
		m.Set(&base)
		for d := 1; d <= baseDigits; d++ {
			if d > 1 {
				btcec.AddNonConst(&m, &base, &m)
			}
			a := m
			a.ToAffine()
			var x, y [32]byte
			a.X.PutBytes(&x)
			a.Y.PutBytes(&y)
			out = append(append(out, x[:]...), y[:]...)
		}
	}
	return out
}

// The table in the binary is the multiples of G that btcec's arithmetic
// computes: a wrong point would make s·G wrong for every signature whose
// s has that digit.
func TestBaseTableIsTheMultiplesOfG(t *testing.T) {
	want := computeBaseTable()
	if *updateBaseTable {
		if err := os.WriteFile("basetable.bin", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if len(baseTable) != baseTableLength {
		t.Fatalf("basetable.bin holds %d bytes, want %d", len(baseTable), baseTableLength)
	}
	if !bytes.Equal([]byte(baseTable), want) {
		for off := 0; off < baseTableLength; off += basePointBytes {
			if baseTable[off:off+basePointBytes] != string(want[off:off+basePointBytes]) {
				i, d := off/basePointBytes/baseDigits, off/basePointBytes%baseDigits+1
				t.Fatalf("basetable.bin: point %d·16^%d·G differs from btcec's (regenerate with -update-base-table)", d, i)
			}
		}
	}
}

// baseMultNonConst agrees with btcec's general scalar multiplication of G,
// on scalars that use every digit of every window, on the edges (0, 1,
// n-1, powers of 16, all digits 15) and on random ones.
func TestBaseMultAgrees(t *testing.T) {
	scalars := []*btcec.ModNScalar{new(btcec.ModNScalar), new(btcec.ModNScalar).SetInt(1), new(btcec.ModNScalar).SetInt(1).Negate()}
	for i := range baseWindows {
		var b [32]byte
		b[31-i/2] = 1 << (baseWindowBits * (i % 2)) // 16^i
		s := new(btcec.ModNScalar)
		s.SetBytes(&b)
		scalars = append(scalars, s)
		for d := range 16 { // digit d in window i, a repeated digit around it (0 for d = 15)
			for j := range b {
				b[j] = byte(d+1)<<4 | byte(d+1)&0xf
			}
			b[31-i/2] = byte(d) << (baseWindowBits * (i % 2))
			s := new(btcec.ModNScalar)
			s.SetBytes(&b)
			scalars = append(scalars, s)
		}
	}
	var ones [32]byte
	for j := range ones {
		ones[j] = 0xff
	}
	allF := new(btcec.ModNScalar)
	allF.SetBytes(&ones) // reduced mod n
	scalars = append(scalars, allF)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		var b [32]byte
		fillRandom(rng, b[:])
		s := new(btcec.ModNScalar)
		s.SetBytes(&b)
		scalars = append(scalars, s)
	}
	for _, s := range scalars {
		var got, want btcec.JacobianPoint
		baseMultNonConst(s, &got)
		g := generator
		btcec.ScalarMultNonConst(s, &g, &want)
		if !sameAffine(&got, &want) {
			t.Fatalf("k = %x: from the table %v, by scalar multiplication %v", s.Bytes(), got, want)
		}
	}
}

// sameAffine reports whether two Jacobian points are the same point.
func sameAffine(a, b *btcec.JacobianPoint) bool {
	aInf := (a.X.IsZero() && a.Y.IsZero()) || a.Z.IsZero()
	bInf := (b.X.IsZero() && b.Y.IsZero()) || b.Z.IsZero()
	if aInf || bInf {
		return aInf == bInf
	}
	x, y := *a, *b
	x.ToAffine()
	y.ToAffine()
	return x.X.Equals(&y.X) && x.Y.Equals(&y.Y)
}
