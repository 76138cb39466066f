package strictjson

import (
	"encoding"
	"reflect"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
)

// fullSchemas caches the schema of each type decoded with every member
// required; a MemberSet caches its own.
var fullSchemas sync.Map // reflect.Type -> *field

// rootOf is the schema of t under required, resolved on its first use and
// cached, so that a decode walks no types and builds no paths.
func rootOf(t reflect.Type, required Required) *field {
	cache := &fullSchemas
	if required != nil {
		cache = &required.schemas
	}
	if f, ok := cache.Load(t); ok {
		return f.(*field)
	}
	seen := map[string]bool{}
	root := &field{typ: t, node: schemaOf(t, "", required, seen, map[reflect.Type]bool{})}
	if required != nil {
		for p := range required.set() {
			if !seen[p] {
				panic("strictjson: required path " + p + " names no member of " + t.String())
			}
		}
	}
	f, _ := cache.LoadOrStore(t, root)
	return f.(*field)
}

// kind is how the decoder reads a value of a node.
type kind uint8

const (
	kindOther  kind = iota // anything else, such as []byte: json v2 decodes the value alone
	kindStruct             // an object whose members are the fields
	kindSlice              // an array
	kindMap                // an object keyed by data (string keys)
	kindString             // a string (of any string kind)
	kindText               // a string handed to the type's UnmarshalText
	kindBool
	kindUint
)

// node is the schema of one JSON value: an object with fields, an array or
// map of elements, or a leaf.
type node struct {
	kind   kind
	fields []field // kindStruct
	index  map[string]int
	elem   *field // kindSlice and kindMap
	bits   int    // kindUint: the integer's size in bits
}

// field is a member or an element: its Go type, whether it may be null or
// absent (a pointer), whether the caller requires it, and its schema.
type field struct {
	name     string
	typ      reflect.Type
	goIndex  int // the struct field's index in its Go type
	optional bool
	required bool
	node     *node
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	jsonFrom        = reflect.TypeFor[json.UnmarshalerFrom]()
)

// schemaOf resolves the schema of t at the given schema path. The Go types
// are the schema, so it is walked once per requirement rather than per
// value. seen collects every member path of the schema.
func schemaOf(t reflect.Type, path string, required Required, seen map[string]bool, visiting map[reflect.Type]bool) *node {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A type that decodes itself is left to json v2, which honours its
	// methods; UnmarshalText is honoured here, as json v2 does.
	p := reflect.PointerTo(t)
	if p.Implements(jsonUnmarshaler) || p.Implements(jsonFrom) {
		return &node{kind: kindOther}
	}
	if p.Implements(textUnmarshaler) {
		return &node{kind: kindText}
	}
	switch t.Kind() {
	case reflect.Struct:
		if visiting[t] {
			panic("strictjson: recursive schema type " + t.String())
		}
		visiting[t] = true
		defer delete(visiting, t)
		n := &node{kind: kindStruct, index: map[string]int{}}
		for i := range t.NumField() {
			sf := t.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if !sf.IsExported() || name == "-" {
				continue
			}
			if sf.Anonymous {
				panic("strictjson: embedded field " + t.String() + "." + sf.Name)
			}
			if name == "" {
				name = sf.Name
			}
			optional := sf.Type.Kind() == reflect.Pointer
			memberPath := path + "/" + name
			seen[memberPath] = true
			n.index[name] = len(n.fields)
			n.fields = append(n.fields, field{
				name:     name,
				typ:      sf.Type,
				goIndex:  i,
				optional: optional,
				required: !optional && (required == nil || required.set()[memberPath]),
				node:     schemaOf(sf.Type, memberPath, required, seen, visiting),
			})
		}
		if len(n.fields) > 64 {
			panic("strictjson: " + t.String() + " has more than 64 members")
		}
		return n
	case reflect.Slice, reflect.Map:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return &node{kind: kindOther} // []byte is a base64 string in JSON
		}
		if t.Kind() == reflect.Map && t.Key().Kind() != reflect.String {
			return &node{kind: kindOther}
		}
		elem := &field{typ: t.Elem(), optional: t.Elem().Kind() == reflect.Pointer}
		elem.node = schemaOf(t.Elem(), path+"/*", required, seen, visiting)
		k := kindSlice
		if t.Kind() == reflect.Map {
			k = kindMap
		}
		return &node{kind: k, elem: elem}
	case reflect.String:
		return &node{kind: kindString}
	case reflect.Bool:
		return &node{kind: kindBool}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &node{kind: kindUint, bits: t.Bits()}
	default:
		return &node{kind: kindOther}
	}
}
