package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/teegate/teegate/internal/cli"
	"github.com/teegate/teegate/internal/clitest"
)

var (
	fixedClock  = clitest.FixedClock
	writeFiles  = clitest.WriteFiles
	reasonCodes = clitest.ReasonCodes
)

type cliResult struct {
	exit           int
	stdout, stderr string
}

// runCLI runs this binary's program in the test's process.
func runCLI(t *testing.T, dir string, clock func() time.Time, args ...string) cliResult {
	t.Helper()
	if dir != "" {
		t.Chdir(dir)
	}
	var stdout, stderr strings.Builder
	exit := cli.Run(args, &stdout, &stderr, clock, commands)
	return cliResult{exit, stdout.String(), stderr.String()}
}

// buildTeegate builds teegate and teegate-serve side by side, as a user
// does, and returns teegate: its serve and attest run teegate-serve.
func buildTeegate(t *testing.T) string {
	t.Helper()
	return filepath.Join(clitest.Build(t, "../teegate", "."), clitest.Exe("teegate"))
}
