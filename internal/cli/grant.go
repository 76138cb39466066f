package cli

import (
	"fmt"
	"io"

	"github.com/teegate/teegate/grant"
	"github.com/teegate/teegate/internal/strictjson"
)

const grantUsage = `Usage: teegate grant sign --grant <path> --key <path> --approver-id <id>
       teegate grant assemble --grant <path> --signature <path>...`

// grantCommand dispatches the governance approvers' issuing subcommands,
// the policy 2 counterpart of teegate token.
func grantCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "sign":
			return grantSign(args[1:], stdout, stderr)
		case "assemble":
			return grantAssemble(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "teegate grant: want sign or assemble\n%s\n", grantUsage)
	return ExitError
}

// readGrantText reads a grant text file and decodes it strictly, so that
// an error names the file and the member; Sign and Assemble check it
// again.
func readGrantText(path string) (string, error) {
	data, err := strictjson.ReadFile(path)
	if err != nil {
		return "", err
	}
	if _, err := grant.DecodeText(string(data)); err != nil {
		if se, ok := err.(*strictjson.Error); ok {
			se.File = path
			return "", se
		}
		return "", err
	}
	return string(data), nil
}

// grantSign prints one approver's signature entry over a grant text.
func grantSign(args []string, stdout, stderr io.Writer) int {
	a := Args{
		Usage:    "Usage: teegate grant sign --grant <path> --key <path> --approver-id <id>",
		Required: []string{"--grant", "--key", "--approver-id"},
		NoNow:    true,
	}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	text, err := readGrantText(a.Values["--grant"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	sk, err := ReadSecretKey(a.Values["--key"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	sig, err := grant.Sign(sk, text, a.Values["--approver-id"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	return printJSON(stdout, stderr, sig)
}

// grantAssemble prints the grant artifact from a text and signatures.
func grantAssemble(args []string, stdout, stderr io.Writer) int {
	a := Args{
		Usage:    "Usage: teegate grant assemble --grant <path> --signature <path>...",
		Required: []string{"--grant", "--signature"},
		list:     "--signature",
		NoNow:    true,
	}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	text, err := readGrantText(a.Values["--grant"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	sigs, err := readEach(a.lists, grant.MaxSignatures, grant.DecodeSignature)
	if err != nil {
		return a.Fail(stderr, err)
	}
	g, err := grant.Assemble(text, sigs)
	if err != nil {
		return a.Fail(stderr, err)
	}
	return printJSON(stdout, stderr, g)
}
