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
	"sync"

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
		if !allowed(s[i]) {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// allowed reports whether c may appear in an identifier after its first
// byte.
func allowed(c byte) bool {
	switch c {
	case '.', '_', ':', '@', '/', '+', '-':
		return true
	}
	return alnum(c)
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
		if !allowed(s[i]) {
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
	var f failure
	if !walk(reflect.ValueOf(v), &f) {
		return nil
	}
	slices.Reverse(f.path)
	return strictjson.MemberError(file, "/"+strings.Join(f.path, "/"), "policy_version 2 identifier "+Problem(f.bad))
}

// failure is the first bad identifier: its value, and the pointer tokens
// that lead to it, innermost first. The walk builds them only once it
// has found one, so a document that passes costs no allocation for paths.
type failure struct {
	bad  string
	path []string
}

func (f *failure) at(token string) bool {
	f.path = append(f.path, token)
	return true
}

// plan is what the walk visits in a struct type: the fields that are
// identifiers or may hold some, each with its JSON name.
type plan []fieldPlan

type fieldPlan struct {
	index int
	name  string
	id    bool // tagged teegate:"id"
}

var plans sync.Map // reflect.Type -> plan

func planOf(t reflect.Type) plan {
	if p, ok := plans.Load(t); ok {
		return p.(plan)
	}
	var p plan
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		switch {
		case f.Tag.Get("teegate") == "id":
			p = append(p, fieldPlan{i, name, true})
		case mayHold(f.Type, map[reflect.Type]bool{}):
			p = append(p, fieldPlan{i, name, false})
		}
	}
	plans.Store(t, p)
	return p
}

// mayHold reports whether values of t can hold a tagged field.
func mayHold(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return mayHold(t.Elem(), seen)
	case reflect.Interface:
		return true
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && (f.Tag.Get("teegate") == "id" || mayHold(f.Type, seen)) {
				return true
			}
		}
	}
	return false
}

// walk reports whether v holds a bad identifier, recording the first in f.
func walk(v reflect.Value, f *failure) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && walk(v.Elem(), f)
	case reflect.Struct:
		for _, fp := range planOf(v.Type()) {
			field := v.Field(fp.index)
			if fp.id && ids(field, f) || !fp.id && walk(field, f) {
				return f.at(fp.name)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if walk(v.Index(i), f) {
				return f.at(strconv.Itoa(i))
			}
		}
	case reflect.Map:
		for _, k := range sortedKeys(v) {
			if walk(v.MapIndex(k), f) {
				return f.at(escape(k.String()))
			}
		}
	}
	return false
}

// ids checks a member tagged as identifiers: a string, a list of them, a
// pointer to either, or a map whose keys are identifiers.
func ids(v reflect.Value, f *failure) bool {
	switch v.Kind() {
	case reflect.Pointer:
		return !v.IsNil() && ids(v.Elem(), f)
	case reflect.String:
		if s := v.String(); !Valid(s) {
			f.bad = s
			return true
		}
	case reflect.Slice:
		for i := range v.Len() {
			if s := v.Index(i).String(); !Valid(s) {
				f.bad = s
				return f.at(strconv.Itoa(i))
			}
		}
	case reflect.Map:
		keys := sortedKeys(v)
		for _, k := range keys {
			if s := k.String(); !Valid(s) {
				f.bad = s
				return f.at(escape(s))
			}
		}
		for _, k := range keys {
			if walk(v.MapIndex(k), f) {
				return f.at(escape(k.String()))
			}
		}
	default:
		panic("idprofile: a teegate:\"id\" tag on a " + v.Kind().String())
	}
	return false
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
