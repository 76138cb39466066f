package strictjson_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/teegate/teegate/cohort"
	"github.com/teegate/teegate/governance"
	"github.com/teegate/teegate/internal/gendocs"
	"github.com/teegate/teegate/internal/strictjson"
)

// large is the set issue 15 measures: 20,000 operators and as many audit
// events, and a session of 2,000 signers, made once per benchmark binary.
var large = sync.OnceValue(func() [3][]byte {
	docs, _, err := gendocs.Generate(gendocs.Config{Operators: 20000, Events: 20000, Signers: 2000, Seed: 1})
	if err != nil {
		panic(err)
	}
	return docs
})

// BenchmarkDecodeLarge decodes each large document with Decode, with the
// two-pass decoder it replaced, and through DecodeReader's window (from
// memory: the read itself is not measured), every member required.
func BenchmarkDecodeLarge(b *testing.B) {
	docs := large()
	for i, c := range []struct {
		name string
		into func() any
	}{
		{"registry-20000", func() any { return new(governance.Registry) }},
		{"events-20000", func() any { return new(governance.AuditLog) }},
		{"session-2000", func() any { return new(cohort.Session) }},
	} {
		for _, d := range []struct {
			name   string
			decode func(string, []byte, any, strictjson.Required) error
		}{
			{"one-pass", strictjson.Decode},
			{"two-pass", strictjson.DecodeTwoPass},
			{"streamed", func(file string, data []byte, v any, req strictjson.Required) error {
				return strictjson.DecodeReader(file, bytes.NewReader(data), v, req)
			}},
		} {
			b.Run(c.name+"/"+d.name, func(b *testing.B) {
				b.SetBytes(int64(len(docs[i])))
				b.ReportAllocs()
				for b.Loop() {
					if err := d.decode(gendocs.Files[i], docs[i], c.into(), nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
