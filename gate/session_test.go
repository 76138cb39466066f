package gate

import (
	"os"
	"strings"
	"testing"
)

func TestDecodeSession(t *testing.T) {
	data, err := os.ReadFile("../examples/gate/session.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := DecodeSession("session.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.SelectedSigners) != 5 || len(s.SelectedSigners[0].Token.Signatures) != 3 || s.Enforcement.BreakGlass != nil {
		t.Fatalf("decoded %+v", s)
	}
	for _, tc := range []struct{ from, to, msg string }{
		{`"mode": "full_enforcement"`, `"mode": "full_enforcement", "break_glass_history": null`, `"/enforcement/break_glass_history": null`},
		{`"canary_session": false`, `"canary": false`, `"/enforcement/canary": unknown member`},
		{`"vendor_id": "intel"`, `"vendor": "intel"`, `unknown member`},
		{`"enforcement": {`, `"enforcement": {"x": 1, `, `"/enforcement/x": unknown member`},
	} {
		doc := strings.Replace(string(data), tc.from, tc.to, 1)
		if doc == string(data) {
			t.Fatalf("edit %q did not apply", tc.from)
		}
		if _, err := DecodeSession("session.json", []byte(doc)); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want %q", tc.to, err, tc.msg)
		}
	}
}
