package strictjson

import (
	"errors"
	"testing"

	"github.com/go-json-experiment/json"
)

// FuzzDecode: Decode never panics, fails only with a clean *Error naming
// the file, and never accepts a document that json v2's strict Unmarshal
// refuses.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`{"id":null}`))
	f.Add([]byte(`{"inner":{"until":null,"tags":[null]},"items":[{}],"by_name":{"k":{}}}`))
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
	})
}
