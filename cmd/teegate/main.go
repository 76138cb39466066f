// Command teegate decides, from governed and signed artifacts, whether a
// threshold signer may join a signing session, and explains every refusal
// with a stable reason code.
//
// Usage:
//
//	teegate check registry --registry P [--events P] [--now-unix N]
//	teegate help
//
// A decision is printed to stdout as one JSON object. The exit code is 0
// when the decision admits, 1 when it rejects, and 2 for a usage or input
// error, which is explained on stderr and produces no decision.
//
// This binary links only what the checks, the gate and the issuing
// commands need, so that a check costs little more than starting Go.
// teegate serve and teegate attest run teegate-serve, installed beside it,
// in its place.
package main

import (
	"os"
	"time"

	"github.com/teegate/teegate/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdout, os.Stderr, time.Now, map[string]cli.Command{
		"serve":  cli.Delegate(cli.ServeBinary, "serve"),
		"attest": cli.Delegate(cli.ServeBinary, "attest"),
	}))
}
