// Package idprofile holds policy 2's identifier profile: every identifier
// of a policy 2 document (operator, signer, token, key, verifier
// instance, trust root, vendor, incident ticket, approver, grant) has one
// spelling, in a conservative ASCII alphabet. It closes every Unicode
// confusion at once: zero-width characters, full-width and Cyrillic
// look-alikes, the Kelvin sign. Comparisons stay trimmed and ASCII-folded
// as under policy 1; the profile only refuses what could be confused.
//
// Documents mark their identifier members with the struct tag
// `teegate:"id"`, on a string, a list of strings, a pointer to either, or
// a map keyed by identifiers; Check walks a decoded document and names the
// first member that does not match.
package idprofile

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/teegate/teegate/internal/strictjson"
)

// MaxLength is the longest identifier, in bytes: room for an address, a
// URN or an e-mail address, and no more.
const MaxLength = 128

// Valid reports whether s matches the profile: 1 to MaxLength bytes of
// ASCII letters, digits and . _ : @ / + -, a letter or digit first. No
// whitespace, not even around it: an identifier has one spelling.
func Valid(s string) bool {
	if len(s) == 0 || len(s) > MaxLength || !alnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !alnum(c) && !strings.ContainsRune("._:@/+-", rune(c)) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Problem says why s does not match, for an error message.
func Problem(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > MaxLength:
		return fmt.Sprintf("is %d bytes, above the %d-byte limit", len(s), MaxLength)
	case !alnum(s[0]):
		return fmt.Sprintf("%q does not start with an ASCII letter or digit", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && !strings.ContainsRune("._:@/+-", rune(c)) {
			return fmt.Sprintf("%q has %q at byte %d, outside the identifier profile (ASCII letters, digits and ._:@/+-)", s, firstRune(s[i:]), i)
		}
	}
	return ""
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// Check walks the decoded document v and returns an input error naming
// file and the member of the first identifier that does not match the
// profile, or nil.
func Check(file string, v any) error {
	ptr, bad := walk(reflect.ValueOf(v), "")
	if ptr == "" && bad == "" {
		return nil
	}
	return &strictjson.Error{Op: strictjson.OpParse, File: file, Pointer: ptr, Offset: -1,
		Msg: "policy_version 2 identifier " + Problem(bad)}
}

// walk returns the pointer and value of the first bad identifier under v,
// at pointer path.
func walk(v reflect.Value, path string) (string, string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", ""
		}
		return walk(v.Elem(), path)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			p := path + "/" + name
			if f.Tag.Get("teegate") == "id" {
				if ptr, bad := ids(v.Field(i), p); ptr != "" {
					return ptr, bad
				}
				continue
			}
			if ptr, bad := walk(v.Field(i), p); ptr != "" {
				return ptr, bad
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if ptr, bad := walk(v.Index(i), path+"/"+strconv.Itoa(i)); ptr != "" {
				return ptr, bad
			}
		}
	case reflect.Map:
		for _, k := range sortedKeys(v) {
			if ptr, bad := walk(v.MapIndex(k), path+"/"+escape(k.String())); ptr != "" {
				return ptr, bad
			}
		}
	}
	return "", ""
}

// ids checks a member tagged as identifiers: a string, a list of them, a
// pointer to either, or a map whose keys are identifiers.
func ids(v reflect.Value, path string) (string, string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return "", ""
		}
		return ids(v.Elem(), path)
	case reflect.String:
		if s := v.String(); !Valid(s) {
			return path, s
		}
	case reflect.Slice:
		for i := range v.Len() {
			if s := v.Index(i).String(); !Valid(s) {
				return path + "/" + strconv.Itoa(i), s
			}
		}
	case reflect.Map:
		keys := sortedKeys(v)
		for _, k := range keys {
			if s := k.String(); !Valid(s) {
				return path + "/" + escape(s), s
			}
		}
		for _, k := range keys {
			if ptr, bad := walk(v.MapIndex(k), path+"/"+escape(k.String())); ptr != "" {
				return ptr, bad
			}
		}
	default:
		panic("idprofile: a teegate:\"id\" tag on a " + v.Kind().String())
	}
	return "", ""
}

// sortedKeys are a map's keys in order, so that the member an error names
// never depends on map order.
func sortedKeys(v reflect.Value) []reflect.Value {
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	return keys
}

// escape writes a map key as a JSON pointer token (RFC 6901).
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
