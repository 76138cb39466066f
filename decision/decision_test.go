package decision

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

const (
	codeA Code = "code_a"
	codeB Code = "code_b"
)

func TestBuilderDecide(t *testing.T) {
	var b Builder
	d := b.Decide(42)
	if d.Outcome != Allow || d.Reasons == nil || len(d.Reasons) != 0 || d.ValidatedAtUnix != 42 || d.Err() != nil {
		t.Fatalf("empty builder: %+v", d)
	}
	b.Addf(codeA, "first %d", 1)
	b.Addf(codeB, "second")
	d = b.Decide(7)
	if d.Outcome != Reject || d.Outcome.Admits() {
		t.Fatalf("outcome %s, want reject", d.Outcome)
	}
	if got := d.Codes(); len(got) != 2 || got[0] != codeA || got[1] != codeB {
		t.Fatalf("codes %v", got)
	}
	if d.Reasons[0].Detail != "first 1" {
		t.Errorf("detail %q", d.Reasons[0].Detail)
	}
	if !d.Has(codeB) || d.Has("code_c") {
		t.Error("Has")
	}
	if err := d.Err(); !errors.Is(err, codeA) || !errors.Is(err, codeB) || errors.Is(err, Code("code_c")) {
		t.Errorf("Err() = %v does not match its codes", err)
	}
	var r Reason
	if !errors.As(d.Err(), &r) || r.Code != codeA {
		t.Errorf("errors.As found %+v", r)
	}
	if s := d.String(); s != "reject: code_a, code_b" {
		t.Errorf("String() = %q", s)
	}
}

func TestOutcomeAdmits(t *testing.T) {
	if !Allow.Admits() || !AllowWithWarnings.Admits() || Reject.Admits() || Outcome("").Admits() {
		t.Error("Admits")
	}
}

func TestEncodeLayout(t *testing.T) {
	var out strings.Builder
	if err := (Decision{Outcome: Allow, ValidatedAtUnix: 1700000000}).Encode(&out); err != nil {
		t.Fatal(err)
	}
	const wantEmpty = "{\n  \"decision\": \"allow\",\n  \"reasons\": [],\n  \"validated_at_unix\": 1700000000\n}\n"
	if out.String() != wantEmpty {
		t.Errorf("got\n%s\nwant\n%s", out.String(), wantEmpty)
	}

	out.Reset()
	d := Decision{Outcome: Reject, ValidatedAtUnix: 18446744073709551615, Reasons: []Reason{
		{Code: codeA, Detail: "a <b> & \"c\" \\ \u2028 é \t"},
	}}
	if err := d.Encode(&out); err != nil {
		t.Fatal(err)
	}
	// serde_json escapes only quotes, backslashes and control characters.
	const want = "{\n  \"decision\": \"reject\",\n  \"reasons\": [\n    {\n      \"code\": \"code_a\",\n" +
		"      \"detail\": \"a <b> & \\\"c\\\" \\\\ \u2028 é \\t\"\n    }\n  ],\n  \"validated_at_unix\": 18446744073709551615\n}\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestMarshalMatchesReflection holds Marshal, which writes a decision token
// by token, to json.Marshal's rendering of the same value (MarshalIndent),
// byte for byte, over decisions with every kind of text a detail can hold:
// control characters, quotes, HTML characters, line separators, non-ASCII,
// and text that is not UTF-8, which both refuse.
func TestMarshalMatchesReflection(t *testing.T) {
	texts := []string{"", "plain", "a <b> & \"c\" \\ /", "\x00\x01\x1f\x7f", "\u2028\u2029", "é ü 漢字 🙂",
		"\xff", "ok\xc3", "tab\there\nnewline", "\ufffd"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func() string {
		if rng.IntN(4) == 0 { // random bytes, often not UTF-8
			b := make([]byte, rng.IntN(12))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			return string(b)
		}
		return texts[rng.IntN(len(texts))]
	}
	outcomes := []Outcome{Allow, AllowWithWarnings, Reject, ""}
	for i := range 3000 {
		d := Decision{Outcome: outcomes[rng.IntN(len(outcomes))], ValidatedAtUnix: rng.Uint64() >> rng.IntN(64)}
		if rng.IntN(3) == 0 {
			d.SessionID = pick()
		}
		switch n := rng.IntN(5); n {
		case 0: // nil: printed as [] by both
		default:
			d.Reasons = make([]Reason, n-1)
			for j := range d.Reasons {
				d.Reasons[j] = Reason{Code: Code(pick()), Detail: pick()}
			}
		}
		got, gotErr := d.Marshal()
		ref := d
		if ref.Reasons == nil {
			ref.Reasons = []Reason{}
		}
		want, wantErr := MarshalIndent(ref)
		if (gotErr != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Fatalf("decision %d %+q:\nMarshal: %q, %v\nreflection: %q, %v", i, d, got, gotErr, want, wantErr)
		}
	}
}
