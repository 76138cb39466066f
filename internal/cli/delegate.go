package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// ServeBinary is the binary that holds teegate serve and teegate attest.
// It is installed beside teegate (go build -o bin/ ./cmd/...).
const ServeBinary = "teegate-serve"

// Delegate returns a Command that runs the named command in binary, found
// in the directory of the running executable (symbolic links resolved),
// in this process's place: same process id, streams, signals and exit
// code, so that supervisors and scripts cannot tell the difference. Only
// that directory is searched, never PATH or the environment: the binary
// that decides is the one installed with this one.
func Delegate(binary, name string) Command {
	return func(args []string, _, stderr io.Writer, _ func() time.Time) int {
		path, err := sibling(binary)
		if err == nil {
			// Exec returns only if it failed.
			err = syscall.Exec(path, append([]string{path, name}, args...), os.Environ())
		}
		fmt.Fprintf(stderr, "teegate %s: %v\nteegate %s is in %s, which must be installed beside teegate (go build -o bin/ ./cmd/...)\n",
			name, err, name, binary)
		return ExitError
	}
}

// sibling is the path of binary in the running executable's directory,
// if it is a regular, executable file there.
func sibling(binary string) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return "", err
	}
	path := filepath.Join(filepath.Dir(self), binary)
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("%s is not an executable file", path)
	}
	return path, nil
}
