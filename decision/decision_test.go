package decision

import (
	"errors"
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
