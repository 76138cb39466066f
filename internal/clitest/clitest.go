// Package clitest holds what the command-line tests of teegate and
// teegate-serve share: a fixed clock, scratch files, reading a decision,
// and building a binary the same way as the test binary was built.
package clitest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// FixedClock is a clock for tests; no test reads the real one.
func FixedClock(unix int64) func() time.Time {
	return func() time.Time { return time.Unix(unix, 0) }
}

// WriteFiles creates files in a fresh directory and returns it.
func WriteFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// ReasonCodes are the codes of the decision printed on stdout, in order.
func ReasonCodes(t testing.TB, stdout string) []string {
	t.Helper()
	var out struct {
		Reasons []struct{ Code string } `json:"reasons"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not a decision: %v\n%s", err, stdout)
	}
	codes := []string{}
	for _, r := range out.Reasons {
		codes = append(codes, r.Code)
	}
	return codes
}

// BuildTags are the -tags this test binary was built with, so that a
// binary under test is the same build: `go test -tags libsecp256k1`
// tests the commands on libsecp256k1.
func BuildTags(t testing.TB) string {
	t.Helper()
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary has no build information")
	}
	for _, s := range info.Settings {
		if s.Key == "-tags" {
			return s.Value
		}
	}
	return ""
}

// Build builds the commands in pkgs (directories, relative to the test's
// package) into one fresh directory, as go build -o dir/ does, and returns
// the directory: teegate finds teegate-serve beside it.
func Build(t testing.TB, pkgs ...string) string {
	t.Helper()
	dir := t.TempDir()
	args := append([]string{"build", "-tags", BuildTags(t), "-o", dir + string(filepath.Separator)}, pkgs...)
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// Exe is the file name of command name on this system.
func Exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}
