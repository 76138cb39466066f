// Package codetest helps each layer's tests prove that every reason code
// it declares is produced by a test and documented.
package codetest

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

// Declared reads the decision.Code constants declared in a Go file (a
// layer's codes.go), in declaration order.
func Declared(t testing.TB, file string) []decision.Code {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
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
			vs := spec.(*ast.ValueSpec)
			if sel, ok := vs.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Code" {
				continue // not a decision.Code, such as a prefix
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s: a code constant is not a string literal: %#v", file, v)
				}
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, decision.Code(s))
			}
		}
	}
	return out
}

// CheckCoverage fails t unless file declares exactly want codes, none
// twice, each produced by some test (produced) and listed in the reason-code
// reference, docs/reason-codes.md, found at docPath.
func CheckCoverage(t *testing.T, file string, want int, produced map[decision.Code]bool, docPath string) {
	t.Helper()
	codes := Declared(t, file)
	if len(codes) != want {
		t.Errorf("%s declares %d codes, want %d", file, len(codes), want)
	}
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
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
		if !strings.Contains(string(doc), "`"+string(c)+"`") {
			t.Errorf("%s does not list %s", docPath, c)
		}
	}
}
