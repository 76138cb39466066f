package strictjson

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

// BenchmarkDecode compares the single-pass decoder with json v2's strict
// Unmarshal alone, and with the two passes (Unmarshal, then a pass for
// nulls, required members and repeated map keys) it replaced.
func BenchmarkDecode(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"id":"a","inner":{"name":"n","count":1,"tags":[]},"flag":true,"by_name":{},"items":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"name":"item-%d","count":%d,"until":null,"tags":["sgx","tdx"]}`, i, i)
	}
	sb.WriteString(`]}`)
	data := []byte(sb.String())

	b.Run("unmarshal-only", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var d doc
			if err := json.Unmarshal(data, &d, options); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("two-pass", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var d doc
			if err := decodeTwoPass("f.json", data, &d, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("strict", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var d doc
			if err := Decode("f.json", data, &d, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
