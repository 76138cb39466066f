package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/teegate/teegate/admission"
)

// keygen writes a new verifier signing key to --out, readable by its owner
// only, and prints the x-only public key for the keyset. With --from it
// writes the key of that file instead: a key installed from where the
// running user cannot keep it, such as a Kubernetes Secret volume, whose
// files are root's and group-readable (docs/deploy.md). The mode of
// --from is not checked, since the copy is the key file teegate uses and
// checks; the key must parse, and is never printed.
func keygen(args []string, stdout, stderr io.Writer) int {
	a := Args{
		Usage:    "Usage: teegate keygen [--from <path>] --out <path>",
		Required: []string{"--out"},
		Optional: []string{"--from"},
		NoNow:    true,
		Once:     true,
	}
	if err := a.Parse(args); err != nil {
		return a.Fail(stderr, err)
	}
	path := a.Values["--out"]
	var sk *admission.SecretKey
	var err error
	if from, given := a.Values["--from"]; given {
		sk, err = readKeyFile(from, false)
	} else {
		sk, err = admission.GenerateKey()
	}
	if err != nil {
		return a.Fail(stderr, err)
	}
	if err := writeNewFile(path, sk.KeyFile(), 0o600); err != nil {
		return a.Fail(stderr, err)
	}
	fmt.Fprintln(stdout, sk.PubKeyHex())
	return ExitAllow
}

// writeNewFile creates path with mode perm and writes data, refusing to
// replace an existing file: overwriting a key file would destroy a key.
// A partly written file is removed.
func writeNewFile(path string, data []byte, perm fs.FileMode) error {
	f, err := CreateNew(path, perm)
	if err != nil {
		return err
	}
	return FinishNew(f, data)
}

// CreateNew creates path with mode perm, refusing anything already there:
// a file, a link, a device. The file is claimed before any work is done
// for it, so that a folder that cannot take it fails first.
func CreateNew(path string, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("refusing to overwrite %s: it already exists", path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", path, unwrapPath(err))
	}
	return f, nil
}

// FinishNew writes data to a file from CreateNew, syncs and closes it; on
// failure it removes the file, so that nothing half written is left.
func FinishNew(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %w", f.Name(), unwrapPath(err))
	}
	return nil
}

// AbandonNew closes and removes a file from CreateNew that will not be
// written.
func AbandonNew(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
