package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/internal/strictjson"
)

const tokenUsage = `Usage: teegate token sign --payload <path> --key <path> --key-id <id>
       teegate token assemble --payload <path> --signature <path>...`

// token dispatches the issuing subcommands.
func token(args []string, stdout, stderr io.Writer, clock func() time.Time) int {
	if len(args) > 0 {
		switch args[0] {
		case "sign":
			return tokenSign(args[1:], stdout, stderr)
		case "assemble":
			return tokenAssemble(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "teegate token: want sign or assemble\n%s\n", tokenUsage)
	return exitError
}

// readPayload reads a payload file and decodes it strictly, so that an
// error names the file and the member; Sign and Assemble check it again.
func readPayload(path string) (string, error) {
	data, err := strictjson.ReadFile(path)
	if err != nil {
		return "", err
	}
	var p admission.Payload
	if err := strictjson.Decode(path, data, &p, nil); err != nil {
		return "", err
	}
	return string(data), nil
}

// tokenSign prints one verifier's signature entry over a payload.
func tokenSign(args []string, stdout, stderr io.Writer) int {
	a := checkArgs{
		usage:    "Usage: teegate token sign --payload <path> --key <path> --key-id <id>",
		required: []string{"--payload", "--key", "--key-id"},
		noNow:    true,
	}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	payload, err := readPayload(a.values["--payload"])
	if err != nil {
		return a.fail(stderr, err)
	}
	sk, err := readSecretKey(a.values["--key"])
	if err != nil {
		return a.fail(stderr, err)
	}
	sig, err := admission.Sign(sk, payload, a.values["--key-id"])
	if err != nil {
		return a.fail(stderr, err)
	}
	return printJSON(stdout, stderr, sig)
}

// readSecretKey reads a key file, refusing one that others may read: a
// verifier key that has been readable by other users must be presumed
// copied.
func readSecretKey(path string) (*admission.SecretKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read key file %s: %w", path, unwrapPath(err))
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("key file %s is accessible to other users (mode %04o); run chmod 600 %s", path, perm, path)
	}
	data, err := strictjson.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sk, err := admission.ParseSecretKey(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return sk, nil
}

// tokenAssemble prints the token artifact from a payload and signatures.
func tokenAssemble(args []string, stdout, stderr io.Writer) int {
	a := checkArgs{
		usage:    "Usage: teegate token assemble --payload <path> --signature <path>...",
		required: []string{"--payload", "--signature"},
		list:     "--signature",
		noNow:    true,
	}
	if err := a.parse(args); err != nil {
		return a.fail(stderr, err)
	}
	payload, err := readPayload(a.values["--payload"])
	if err != nil {
		return a.fail(stderr, err)
	}
	var sigs []admission.TokenSignature
	for _, path := range a.lists {
		data, err := strictjson.ReadFile(path)
		if err != nil {
			return a.fail(stderr, err)
		}
		sig, err := admission.DecodeSignature(path, data)
		if err != nil {
			return a.fail(stderr, err)
		}
		sigs = append(sigs, *sig)
	}
	tok, err := admission.Assemble(payload, sigs)
	if err != nil {
		return a.fail(stderr, err)
	}
	return printJSON(stdout, stderr, tok)
}

func printJSON(stdout, stderr io.Writer, v any) int {
	out, err := admission.MarshalIndent(v)
	if err == nil {
		_, err = stdout.Write(out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cannot write the output: %v\n", err)
		return exitError
	}
	return exitAllow
}
