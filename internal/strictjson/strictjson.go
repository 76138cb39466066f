// Package strictjson is the only way teegate decodes an input document.
//
// The reference checkers decode with serde_json, which ignores unknown
// members; teegate refuses them, because a typo such as "effective_untill"
// must never silently drop a bound. Everything else serde_json refuses is
// refused here too: duplicate members, invalid UTF-8 and lone surrogates,
// wrong JSON types, numbers that are not unsigned 64-bit integers, null in a
// member that is not optional, missing required members and trailing data.
// Unlike serde_json, a struct written as a JSON array is refused, and so is
// a key written twice in a map (an object keyed by data, such as a
// revocation map): serde_json keeps the later entry, so that the order of
// two entries decides what the document means.
//
// Optional members are the pointer-typed fields of the Go schema. Each
// layer requires, through Required, only the other members it reads, so
// that one registry schema serves all four layers, as in the reference.
// What an absent, a null and a present member mean is stated once, at the
// top of decode.go, with the decoder's contract.
//
// Errors are *Error values that name the file, the member as a JSON pointer
// and the byte offset.
package strictjson

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// MaxInputBytes bounds every input file. Governance documents are a few
// kilobytes; 16 MiB leaves room for thousands of operators and events while
// keeping a hostile file from exhausting memory before it is parsed.
const MaxInputBytes = 16 << 20

// MaxListLength bounds every array and object map of an input: operators,
// events, keys, signatures, selected signers, denylist entries, history.
// The largest real lists (a registry's operators, a cohort) are thousands;
// a list of a hundred thousand is an attack on the checks' time, refused
// before any check or signature runs.
const MaxListLength = 100_000

// Required says which non-optional members must be present; nil requires
// every one. Build it once, with Members or Union, and reuse it: it caches
// the schema it resolves for each type it decodes.
type Required = *MemberSet

// MemberSet is a set of schema paths: JSON pointers in which every array
// index and map key is written "*", such as "/operators/*/effective_from".
//
// Every layer's sets are package variables, so a set keeps its paths as
// listed and builds its index on its first decode: a process pays only
// for the sets of the documents it reads, not at start for all of them.
type MemberSet struct {
	list    []string
	once    sync.Once
	paths   map[string]bool // list, indexed on first use (set)
	schemas sync.Map        // reflect.Type -> *field
}

// set is the set's paths, indexed.
func (m *MemberSet) set() map[string]bool {
	m.once.Do(func() {
		m.paths = make(map[string]bool, len(m.list))
		for _, p := range m.list {
			m.paths[p] = true
		}
	})
	return m.paths
}

// Members returns a Required that requires exactly the listed schema paths.
// A path that names no member of the type decoded is a programming error,
// reported by a panic on the first decode: left alone it would quietly make
// a member the layer reads optional.
func Members(paths ...string) Required {
	return &MemberSet{list: slices.Clone(paths)} // the caller may reuse its slice
}

// Union requires every member that any of sets requires; nil, every
// member, if one of them is nil.
func Union(sets ...Required) Required {
	var paths []string
	for _, m := range sets {
		if m == nil {
			return nil
		}
		paths = append(paths, m.list...)
	}
	return Members(paths...)
}

// options are json v2's rules for the values the decoder hands it alone
// (kindOther, such as []byte) and for the two-pass oracle of the tests.
// Duplicate names are allowed at this level: the decoder's own scan has
// refused them first, with one message and offset convention.
var options = json.JoinOptions(
	json.RejectUnknownMembers(true),
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(false),
)

// Decode decodes the JSON document data, read from file, into v, which must
// be a non-nil pointer; v is reset to its zero value first. required says
// which non-optional members must be present; nil requires all of them.
//
// It reads the document once, checking syntax, kinds and the schema as it
// sets v. What it accepts, and which fault it reports when a document has
// several, is stated at the top of decode.go.
func Decode(file string, data []byte, v any, required Required) error {
	if len(data) > MaxInputBytes {
		return &Error{Op: OpParse, File: file, Offset: -1, Err: ErrTooLarge,
			Msg: fmt.Sprintf("document is larger than the %d-byte input limit", MaxInputBytes)}
	}
	rv := reflect.ValueOf(v).Elem()
	rv.SetZero()
	pool := internPool(int64(len(data)))
	d := decoder{file: file, data: data, strings: pool.Get().(*internTable)}
	defer pool.Put(d.strings)
	return d.document(rootOf(rv.Type(), required), rv)
}

// DecodeNew decodes data, read from file, into a new T, as Decode does.
// Every document type's Decode function is this with its own Required.
func DecodeNew[T any](file string, data []byte, required Required) (*T, error) {
	v := new(T)
	if err := Decode(file, data, v, required); err != nil {
		return nil, err
	}
	return v, nil
}
