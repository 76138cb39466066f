package strictjson

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// FuzzDecode: Decode never panics, fails only with a clean *Error naming
// the file, and never accepts a document that json v2's strict Unmarshal
// refuses, nor one that repeats a name in any object, map keys included.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"id":null}`))
	f.Add([]byte(`{"inner":{"until":null,"tags":[null]},"items":[{}],"by_name":{"k":{}}}`))
	f.Add([]byte(strings.Replace(good, `"by_name":{}`, `"by_name":{"k":{"name":"","count":0,"tags":[]},"k":{"name":"","count":0,"tags":[]}}`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d doc
		if err := Decode("f.json", data, &d, nil); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "f.json" || e.Error() == "" {
				t.Fatalf("error %v is not an *Error naming the file", err)
			}
			return
		}
		var plain doc
		if err := json.Unmarshal(data, &plain, options); err != nil {
			t.Fatalf("Decode accepted what Unmarshal refuses: %v", err)
		}
		if !jsontext.Value(data).IsValid() { // RFC 7493: names unique in each object
			t.Fatalf("Decode accepted a repeated name: %q", data)
		}
	})
}

// FuzzSplitEnvelope: SplitEnvelope never panics, fails only with a clean
// *Error naming the file, and when it succeeds the envelope was one valid
// JSON object, each member is a valid non-null value found at its offset,
// and rebasing a member's error keeps it inside the envelope.
func FuzzSplitEnvelope(f *testing.F) {
	f.Add([]byte(`{"a": {"x": [1, "two"]}, "b": "s"}`))
	f.Add([]byte(`{"a": null}`))
	f.Add([]byte(`{"a": 1, "a": 2}`))
	f.Add([]byte(`{"b": {"inner": {"deep": [[]]}}} `))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := SplitEnvelope("body", data, 1<<20, "a", "b")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "body" || e.Error() == "" {
				t.Fatalf("error %v is not an *Error naming the body", err)
			}
			return
		}
		if !jsontext.Value(data).IsValid() {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		for name, m := range env {
			if name != "a" && name != "b" {
				t.Fatalf("member %q was not asked for", name)
			}
			v := jsontext.Value(m.Data)
			if !v.IsValid() || v.Kind() == 'n' {
				t.Fatalf("member %s is %q", name, m.Data)
			}
			if end := m.Offset + int64(len(m.Data)); m.Offset < 0 || end > int64(len(data)) || !bytes.Equal(data[m.Offset:end], m.Data) {
				t.Fatalf("member %s at offset %d is not where its bytes are", name, m.Offset)
			}
			var s struct{}
			err := m.Rebase(name, Decode("body", m.Data, &s, nil))
			var e *Error
			if err != nil && (!errors.As(err, &e) || !strings.HasPrefix(e.Pointer, "/"+name) || e.Offset >= int64(len(data))) {
				t.Fatalf("rebased error %v is outside the envelope", err)
			}
		}
	})
}
