package governance

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/teegate/teegate/decision"
)

// declaredCodes reads the reason codes from codes.go in declaration order,
// so that a code added there without a test fails this package's tests.
func declaredCodes(t *testing.T) []decision.Code {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []decision.Code
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			for _, v := range spec.(*ast.ValueSpec).Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("codes.go: a code constant is not a string literal: %#v", v)
				}
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, decision.Code(s))
			}
		}
	}
	return out
}

func TestEveryCodeIsProducedByATest(t *testing.T) {
	produced := map[decision.Code]bool{}
	for _, table := range [][]registryCase{enforcementCases, operatorCases, gateCases, eventCases} {
		for _, tc := range table {
			for _, c := range tc.want {
				produced[c] = true
			}
		}
	}
	codes := declaredCodes(t)
	// The reference's layer A has 86 validation codes.
	if len(codes) != 86 {
		t.Errorf("codes.go declares %d codes, want 86", len(codes))
	}
	seen := map[decision.Code]bool{}
	for _, c := range codes {
		if seen[c] {
			t.Errorf("code %s declared twice", c)
		}
		seen[c] = true
		if !produced[c] {
			t.Errorf("no test case produces %s", c)
		}
	}
}

func TestEveryCodeIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/reason-codes.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range declaredCodes(t) {
		if !strings.Contains(string(doc), "`"+string(c)+"`") {
			t.Errorf("docs/reason-codes.md does not list %s", c)
		}
	}
}
