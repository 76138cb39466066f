package sat

import "testing"

func TestSaturation(t *testing.T) {
	const max = ^uint64(0)
	for _, tc := range []struct {
		name string
		got  uint64
		want uint64
	}{
		{"add", Add(2, 3), 5},
		{"add to the edge", Add(max-1, 1), max},
		{"add past the edge", Add(max, 1), max},
		{"sub", Sub(5, 3), 2},
		{"sub below zero", Sub(3, 5), 0},
		{"mul", Mul(6, 7), 42},
		{"mul by zero", Mul(0, max), 0},
		{"mul past the edge", Mul(max/2+1, 2), max},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
