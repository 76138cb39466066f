package idprofile

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, s := range []string{"a", "keep-alpha", "0x8f3a1c2b", "sec-lead@threshold.example", "urn:tbtc:op/1+2", "A_b.c", strings.Repeat("a", MaxLength)} {
		if !Valid(s) {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{
		"", " keep-alpha", "keep-alpha ", "-lead", ".hidden", strings.Repeat("a", MaxLength+1),
		"ｖendor-a",       // full-width v
		"vеndor-a",       // Cyrillic e
		"vendor\u200d-a", // zero-width joiner
		"\u212aelvin",    // the Kelvin sign
		"a b", "a\tb", "a#b", "a\"b", "a\\b", "a~b", "é",
	} {
		if Valid(s) {
			t.Errorf("%q accepted", s)
		}
		if Problem(s) == "" {
			t.Errorf("%q: no problem stated", s)
		}
	}
}

type inner struct {
	ID    string            `json:"id" teegate:"id"`
	Note  string            `json:"note"`
	Opt   *string           `json:"opt" teegate:"id"`
	List  []string          `json:"list" teegate:"id"`
	PList *[]string         `json:"plist" teegate:"id"`
	Keyed map[string]inner2 `json:"keyed" teegate:"id"`
}

type inner2 struct {
	Who string `json:"who" teegate:"id"`
}

type doc struct {
	Items []inner          `json:"items"`
	ByKey map[string]inner `json:"by_key"`
	Ptr   *inner           `json:"ptr"`
}

func TestCheck(t *testing.T) {
	bad := "vеndor"
	good := "ok"
	for _, tc := range []struct {
		name string
		doc  doc
		ptr  string
	}{
		{"all good", doc{Items: []inner{{ID: "a", Note: "free text is not an identifier", List: []string{"b"}, Opt: &good}}}, ""},
		{"a field", doc{Items: []inner{{ID: "a"}, {ID: bad}}}, "/items/1/id"},
		{"a pointer", doc{Items: []inner{{ID: "a", Opt: &bad}}}, "/items/0/opt"},
		{"a list", doc{Items: []inner{{ID: "a", List: []string{"b", ""}}}}, "/items/0/list/1"},
		{"a pointer to a list", doc{Ptr: &inner{ID: "a", PList: &[]string{"x/y", "a b"}}}, "/ptr/plist/1"},
		{"a map key, escaped", doc{Ptr: &inner{ID: "a", Keyed: map[string]inner2{"ok": {Who: "w"}, "x/~ y": {Who: "w"}}}}, "/ptr/keyed/x~1~0 y"},
		{"inside a map value", doc{Ptr: &inner{ID: "a", Keyed: map[string]inner2{"k": {Who: bad}}}}, "/ptr/keyed/k/who"},
		{"a map not of identifiers", doc{ByKey: map[string]inner{"free text key": {ID: bad}}}, "/by_key/free text key/id"},
	} {
		err := Check("d.json", tc.doc)
		if tc.ptr == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), `member "`+tc.ptr+`"`) || !strings.Contains(err.Error(), "d.json") {
			t.Errorf("%s: %v, want member %s", tc.name, err, tc.ptr)
		}
	}
}

func FuzzValid(f *testing.F) {
	f.Add("keep-alpha")
	f.Add("ｖ")
	f.Fuzz(func(t *testing.T, s string) {
		if !Valid(s) {
			return
		}
		// What passes is printable ASCII without spaces, and trims and
		// folds to itself but for case.
		if strings.TrimSpace(s) != s || strings.ContainsFunc(s, func(r rune) bool { return r > 0x7e || r <= ' ' }) {
			t.Fatalf("%q passed", s)
		}
	})
}
