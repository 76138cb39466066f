package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/teegate/teegate/internal/clitest"
)

// The checks' binary links none of what only serve and attest need: the
// HTTP and metrics stacks and the TEE evidence libraries initialise on
// every start of a binary that links them, whether it uses them or not.
func TestChecksLinkNoServiceStack(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", clitest.BuildTags(t), "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps: %q", deps)
	}
	for _, d := range deps {
		for _, heavy := range []string{
			"net/http", "github.com/teegate/teegate/service", "github.com/teegate/teegate/attest",
			"github.com/prometheus/", "github.com/google/go-sev-guest", "github.com/google/go-tdx-guest",
			"google.golang.org/protobuf",
		} {
			if d == heavy || strings.HasPrefix(d, heavy+"/") || strings.HasSuffix(heavy, "/") && strings.HasPrefix(d, heavy) {
				t.Errorf("teegate links %s", d)
			}
		}
	}
}

// teegate serve and teegate attest run teegate-serve from teegate's own
// directory, found through a symbolic link too; without it they fail with
// exit 2 and say what is missing, and never look anywhere else.
func TestServeAndAttestRunTheBinaryBeside(t *testing.T) {
	both := clitest.Build(t, ".", "../teegate-serve")
	alone := clitest.Build(t, ".")
	links := t.TempDir()
	if err := os.Symlink(filepath.Join(both, clitest.Exe("teegate")), filepath.Join(links, clitest.Exe("teegate"))); err != nil {
		t.Fatal(err)
	}
	// A teegate-serve on PATH must not be taken for the missing one.
	path := both + string(os.PathListSeparator) + os.Getenv("PATH")

	run := func(dir string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(dir, clitest.Exe("teegate")), args...)
		cmd.Env = append(os.Environ(), "PATH="+path)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stdout.String(), stderr.String()
	}
	evidence := "../../examples/attest/evidence-hotel.json"
	for _, dir := range []string{both, links} {
		code, stdout, stderr := run(dir, "attest", "measure", "--evidence", evidence)
		if code != 0 || !strings.Contains(stdout, "sha256:") {
			t.Fatalf("%s: attest measure: exit %d\n%s%s", dir, code, stdout, stderr)
		}
		code, _, stderr = run(dir, "serve", "--listen")
		if code != 2 || !strings.Contains(stderr, "Usage: teegate serve") {
			t.Fatalf("%s: serve's own usage error: exit %d\n%s", dir, code, stderr)
		}
	}
	for _, args := range [][]string{{"serve", "--help"}, {"attest", "measure", "--evidence", evidence}} {
		code, stdout, stderr := run(alone, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "teegate-serve") || !strings.Contains(stderr, "beside teegate") {
			t.Fatalf("%v without teegate-serve: exit %d\nstdout %q\nstderr %s", args, code, stdout, stderr)
		}
	}
	// A teegate-serve that cannot be run is refused the same way.
	if err := os.WriteFile(filepath.Join(alone, clitest.Exe("teegate-serve")), []byte("#!/bin/sh\necho ran\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := run(alone, "serve", "--help"); code != 2 || stdout != "" || !strings.Contains(stderr, "not an executable file") {
		t.Fatalf("a teegate-serve without execute permission: exit %d\nstdout %q\nstderr %s", code, stdout, stderr)
	}
	// The checks run without it.
	if code, stdout, stderr := run(alone, "check", "registry", "--registry", "../../examples/registry.json", "--now-unix", "1767225600"); code != 0 || !strings.Contains(stdout, `"allow"`) {
		t.Fatalf("check registry without teegate-serve: exit %d\n%s%s", code, stdout, stderr)
	}
}
