package ident

import "testing"

func TestNorm(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Operator-1", "operator-1"},
		{"  MIXED case\t", "mixed case"},
		{"\u00a0\u2003id\u3000\u2028", "id"}, // Unicode White_Space is trimmed
		{"\u200bid", "\u200bid"},             // zero-width space is not White_Space
		{"op-\u212a", "op-\u212a"},           // Kelvin sign: not folded to "k"
		{"\u00c9T\u00c9", "\u00c9t\u00c9"},   // only ASCII letters fold
		{"already-lower", "already-lower"},
		{"", ""},
	} {
		if got := Norm(tc.in); got != tc.want {
			t.Errorf("Norm(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBlank(t *testing.T) {
	for in, want := range map[string]bool{"": true, " \t\n\u0085\u00a0": true, "x": false, "\u200b": false} {
		if got := Blank(in); got != want {
			t.Errorf("Blank(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsSHA256Digest(t *testing.T) {
	const hex64 = "0123456789abcdefABCDEF0123456789abcdef0123456789abcdef0123456789"
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"sha256:" + hex64, true},
		{"SHA256:" + hex64, true},
		{"ShA256:" + hex64, true},
		{" \tsha256:" + hex64 + "\n", true}, // trimmed before checking
		{"sha256:" + hex64[:63], false},
		{"sha256:" + hex64 + "0", false},
		{"sha256:" + hex64[:63] + "g", false},
		{"sha512:" + hex64, false},
		{"sha256-" + hex64, false},
		{"sha256:" + hex64[:62] + "\u00e9", false}, // 71 bytes, but not hex
		{"sha256:" + hex64[:63] + " ", false},      // trailing space trimmed: 70 bytes
		{"", false},
	} {
		if got := IsSHA256Digest(tc.in); got != tc.want {
			t.Errorf("IsSHA256Digest(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
