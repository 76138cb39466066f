package strictjson

import (
	"errors"
	"strings"
	"testing"
)

func TestSplitEnvelope(t *testing.T) {
	data := []byte(`{"b": {"x": [1, 2]}, "a": "text"}`)
	env, err := SplitEnvelope("req", data, 1000, "a", "b", "c")
	if err != nil {
		t.Fatal(err)
	}
	if len(env) != 2 || string(env["b"].Data) != `{"x": [1, 2]}` || string(env["a"].Data) != `"text"` {
		t.Fatalf("members: %v", env)
	}
	for name, m := range env {
		if got := string(data[m.Offset : m.Offset+int64(len(m.Data))]); got != string(m.Data) {
			t.Errorf("member %s: offset %d points at %q", name, m.Offset, got)
		}
	}
	if _, ok := env["c"]; ok {
		t.Error("an absent member is present")
	}
}

func TestSplitEnvelopeRefuses(t *testing.T) {
	for _, c := range []struct {
		name, data, msg, pointer string
		limit                    int
	}{
		{"unknown member", `{"a": 1, "z": 2}`, "unknown member; want one of a, b", "/z", 100},
		{"duplicate member", `{"a": 1, "a": 1}`, "duplicate member", "/a", 100},
		{"null member", `{"b": null}`, "null is not allowed here", "/b", 100},
		{"array", `[1]`, "want an object, found an array", "", 100},
		{"trailing data", `{} 1`, "unexpected data after the top-level value", "", 100},
		{"invalid UTF-8", "{\"a\": \"\xff\"}", "invalid UTF-8", "/a", 100},
		{"truncated", `{"a": [1`, "unexpected end of input", "/a", 100},
		{"empty", ``, "unexpected end of input", "", 100},
		{"unclosed object", `{"a": 1`, "unexpected end of input", "", 100},
		{"invalid value", `{"a": x}`, "invalid character 'x'", "/a", 100},
		{"missing colon", `{"a" 1}`, "after object name", "/a", 100},
		{"lone surrogate", `{"a": "\ud800"}`, "invalid surrogate pair", "/a", 100},
		{"too large", `{"a": 1}`, "larger than the 7-byte input limit", "", 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := SplitEnvelope("req", []byte(c.data), c.limit, "a", "b")
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, c.msg) || e.Pointer != c.pointer || e.File != "req" {
				t.Fatalf("got %#v, want %q at %q", err, c.msg, c.pointer)
			}
		})
	}
}

// A member's decoding error names the member's path and offset within the
// envelope.
func TestMemberRebase(t *testing.T) {
	data := []byte(`{"a": 1, "b": {"name": 7}}`)
	env, err := SplitEnvelope("req", data, 1000, "a", "b")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Name string `json:"name"`
	}
	m := env["b"]
	err = m.Rebase("b", Decode("req", m.Data, &v, nil))
	var e *Error
	if !errors.As(err, &e) || e.Pointer != "/b/name" || data[e.Offset] != '7' {
		t.Fatalf("rebased: %#v", err)
	}
	other := errors.New("other")
	if m.Rebase("b", other) != other {
		t.Error("an error of another kind was changed")
	}
}
