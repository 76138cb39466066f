package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/teegate/teegate/admission"
	"github.com/teegate/teegate/decision"
	"github.com/teegate/teegate/internal/strictjson"
)

const tokenUsage = `Usage: teegate token sign --payload <path> --key <path> --key-id <id>
       teegate token assemble --payload <path> --signature <path>...`

// token dispatches the issuing subcommands.
func token(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "sign":
			return tokenSign(args[1:], stdout, stderr)
		case "assemble":
			return tokenAssemble(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "teegate token: want sign or assemble\n%s\n", tokenUsage)
	return ExitError
}

// ReadPayload reads a payload file and decodes it strictly, so that an
// error names the file and the member; Sign and Assemble check it again.
func ReadPayload(path string) (string, error) {
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
	a := Args{
		Usage:    "Usage: teegate token sign --payload <path> --key <path> --key-id <id>",
		Required: []string{"--payload", "--key", "--key-id"},
		NoNow:    true,
	}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	payload, err := ReadPayload(a.Values["--payload"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	sk, err := ReadSecretKey(a.Values["--key"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	sig, err := admission.Sign(sk, payload, a.Values["--key-id"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	return printJSON(stdout, stderr, sig)
}

// ReadSecretKey reads a key file, refusing one that others may read: a
// verifier key that has been readable by other users must be presumed
// copied. The mode is checked on the open file, so the file read is the
// file checked.
func ReadSecretKey(path string) (*admission.SecretKey, error) {
	return readKeyFile(path, true)
}

// readKeyFile reads the key file at path; private says whether a mode
// that lets others read it is refused.
func readKeyFile(path string, private bool) (*admission.SecretKey, error) {
	// Looked at before it is opened: opening a FIFO would wait for a
	// writer for ever. Then the open file must be the file looked at.
	before, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read key file %s: %w", path, unwrapPath(err))
	}
	if !before.Mode().IsRegular() {
		return nil, fmt.Errorf("key file %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read key file %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read key file %s: %w", path, unwrapPath(err))
	}
	if !info.Mode().IsRegular() || !os.SameFile(before, info) {
		return nil, fmt.Errorf("key file %s changed while it was being read", path)
	}
	if perm := info.Mode().Perm(); private && perm&0o077 != 0 {
		return nil, fmt.Errorf("key file %s is accessible to other users (mode %04o); run chmod 600 %s", path, perm, path)
	}
	// A key file is one line; reading a little more than that bounds the
	// work for any file named here by mistake.
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read key file %s: %w", path, err)
	}
	if len(data) > maxKeyFileBytes {
		return nil, fmt.Errorf("key file %s: %w", path, admission.ErrSecretKeyInvalid)
	}
	sk, err := admission.ParseSecretKey(data)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return sk, nil
}

// maxKeyFileBytes: 64 hex digits and line endings, with room for spaces.
const maxKeyFileBytes = 256

// tokenAssemble prints the token artifact from a payload and signatures.
func tokenAssemble(args []string, stdout, stderr io.Writer) int {
	a := Args{
		Usage:    "Usage: teegate token assemble --payload <path> --signature <path>...",
		Required: []string{"--payload", "--signature"},
		list:     "--signature",
		NoNow:    true,
	}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	payload, err := ReadPayload(a.Values["--payload"])
	if err != nil {
		return a.Fail(stderr, err)
	}
	sigs, err := readEach(a.lists, strictjson.MaxListLength, admission.DecodeSignature)
	if err != nil {
		return a.Fail(stderr, err)
	}
	tok, err := admission.Assemble(payload, sigs)
	if err != nil {
		return a.Fail(stderr, err)
	}
	return printJSON(stdout, stderr, tok)
}

// readEach reads and decodes each file, in order, stopping at the first
// that fails: the signature entries an assemble command gathers. More than
// limit files are refused before any is read.
func readEach[T any](paths []string, limit int, decode func(file string, data []byte) (*T, error)) ([]T, error) {
	if len(paths) > limit {
		return nil, UsageError{fmt.Sprintf("%d --signature files, above the limit of %d", len(paths), limit)}
	}
	out := make([]T, 0, len(paths))
	for _, path := range paths {
		data, err := strictjson.ReadFile(path)
		if err != nil {
			return nil, err
		}
		v, err := decode(path, data)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

func printJSON(stdout, stderr io.Writer, v any) int {
	out, err := decision.MarshalIndent(v)
	if err == nil {
		_, err = stdout.Write(out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "cannot write the output: %v\n", err)
		return ExitError
	}
	return ExitAllow
}
